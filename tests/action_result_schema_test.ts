import assert from "node:assert/strict";
import {
  MAX_ADAPTER_LENGTH,
  MAX_RESULT_STEPS,
  MAX_TEXT_LENGTH,
  parseResult,
  printable,
} from "../action/result_schema.ts";
import { resultJson } from "../src/report/mod.ts";
import { divergedResult, multiRunResult, tinyResult } from "./fixtures/lr_results.ts";

/** JSON as parsed: any shape, to be changed freely by a test. */
// deno-lint-ignore no-explicit-any
type Json = Record<string, any>;

/** A result as its JSON text parses, with a change applied. */
function jsonWith(change: (r: Json) => void): unknown {
  const value = JSON.parse(resultJson(tinyResult())) as Json;
  change(value);
  return value;
}

function rejects(value: unknown, message: RegExp): void {
  assert.throws(() => parseResult(value, "a/result.json"), (error: Error) => {
    assert.equal(error.name, "InputError");
    assert.match(error.message, /^a\/result\.json is not a valid LR Finder result \(version 1\): /);
    assert.match(error.message, message);
    return true;
  });
}

Deno.test("results the sweep writes parse, with what the contract adds within version 1", () => {
  for (const result of [tinyResult(), divergedResult(), multiRunResult()]) {
    const parsed = parseResult(JSON.parse(resultJson(result)), "r.json");
    assert.equal(resultJson(parsed), resultJson(result), "nothing is lost or changed");
  }
  const extended = jsonWith((r) => {
    r.settings.backend = "wasm";
    r.settings.adapterFound = {
      description: "llvmpipe (LLVM 15.0.6, 256 bits)",
      vendor: "65541",
      architecture: "",
      isFallbackAdapter: true,
    };
    r.trials = [{ lr: 1e-3, steps: 20, heldOutLoss: 0.5, diverged: false }];
    r.warnings = [{ code: "too-few-steps", message: "the sweep is short" }];
  });
  assert.equal(parseResult(extended, "r.json").settings.adapterFound?.isFallbackAdapter, true);
});

Deno.test("unknown keys, wrong types and values outside the contract are refused", () => {
  rejects(jsonWith((r) => r.version = 2), /version: /);
  rejects(jsonWith((r) => r.extra = "<img src=x>"), /Unrecognized key: "extra"/);
  rejects(jsonWith((r) => r.settings.backend = "<img src=x>"), /settings\.backend: /);
  rejects(jsonWith((r) => r.suggestion.method = "@attacker"), /suggestion/);
  rejects(
    jsonWith((r) => r.settings.loss = "<b>loss</b>"),
    /settings\.loss: expected an identifier/,
  );
  rejects(
    jsonWith((r) => r.settings.optimizer = { name: "adam", "<img>": 1 }),
    /settings\.optimizer: expected parameter names made of letters and digits/,
  );
  rejects(
    jsonWith((r) => r.settings.optimizer = { name: "adam", beta1: "<img src=x>" }),
    /settings\.optimizer\.beta1/,
  );
  rejects(jsonWith((r) => r.timing.startedAt = "<img src=x>"), /timing\.startedAt/);
  rejects(
    jsonWith((r) => r.lrs.pop()),
    /losses: expected 8 values \(one per learning rate\), got 9/,
  );
  rejects(jsonWith((r) => r.model = { params: -1 }), /model\.params/);
});

Deno.test("numbers must be finite and strings and arrays bounded", () => {
  // JSON.parse reads 1e999 as Infinity.
  rejects(jsonWith((r) => r.timing.totalMs = JSON.parse("1e999")), /timing\.totalMs/);
  rejects(jsonWith((r) => r.losses[0] = "NaN"), /losses\.0/);
  rejects(jsonWith((r) => r.name = "n".repeat(201)), /name: Too big/);
  rejects(
    jsonWith((r) => r.settings.adapter = "a".repeat(MAX_ADAPTER_LENGTH + 1)),
    /settings\.adapter: Too big/,
  );
  rejects(
    jsonWith((r) => {
      r.suggestions.slide = { lr: null, index: null, method: "slide", reason: "r".repeat(501) };
    }),
    new RegExp(
      `suggestions\\.slide\\.reason: Too big: expected string to have <=${MAX_TEXT_LENGTH}`,
    ),
  );
  rejects(
    jsonWith((r) => {
      r.lrs = Array(MAX_RESULT_STEPS + 1).fill(1e-3);
    }),
    /lrs: Too big/,
  );
});

Deno.test("error messages quote at most a bounded, printable part of the input", () => {
  const key = `x\n${"k".repeat(10_000)}`;
  assert.throws(
    () => parseResult(jsonWith((r) => r[key] = 1), "r.json"),
    (error: Error) => error.message.length < 400 && !error.message.includes("\n"),
  );
  assert.equal(printable("a\nb\u0007c", 10), "a?b?c");
  assert.equal(printable("abcdefghijkl", 8), "abcde...");
});
