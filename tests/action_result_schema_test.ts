import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import {
  MAX_ADAPTER_LENGTH,
  MAX_RESULT_STEPS,
  MAX_TEXT_LENGTH,
  MAX_TRIALS,
  MAX_WARNINGS,
  parseResult,
  printable,
} from "../action/result_schema.ts";
import { setupBackend } from "../src/backend.ts";
import { syntheticDataset } from "../src/data/synthetic.ts";
import { resultJson } from "../src/report/mod.ts";
import type { LrFinderResult } from "../src/result.ts";
import { findLearningRate, type FindLearningRateOptions } from "../src/sweep.ts";
import type { Dataset } from "../src/data/dataset.ts";
import { divergedResult, multiRunResult, tinyResult } from "./fixtures/lr_results.ts";
import {
  fallbackResult,
  sweepOnlyResult,
  untrustedResult,
  verifiedResult,
} from "./fixtures/verification_results.ts";
import { blobs, mlp } from "./helpers.ts";

await setupBackend("cpu");

/** JSON as parsed: any shape, to be changed freely by a test. */
// deno-lint-ignore no-explicit-any
type Json = Record<string, any>;

/** A result as its JSON text parses, with a change applied. */
function jsonWith(change: (r: Json) => void, result = tinyResult()): unknown {
  const value = JSON.parse(resultJson(result)) as Json;
  change(value);
  return value;
}

/** A verified result as its JSON text parses, with a change applied. */
function verifiedWith(change: (r: Json) => void): unknown {
  return jsonWith(change, verifiedResult());
}

/** A short real sweep of a small seeded MLP, with verification of 12 steps. */
async function sweep(data: Dataset, options: FindLearningRateOptions): Promise<LrFinderResult> {
  const model = mlp(2, 3, 16);
  model.compile({ optimizer: "adam", loss: "sparseCategoricalCrossentropy" });
  try {
    return await findLearningRate(model, data, {
      numIters: 40,
      ...options,
      verify: { steps: 12 },
    });
  } finally {
    model.dispose();
  }
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
  });
  assert.equal(parseResult(extended, "r.json").settings.adapterFound?.isFallbackAdapter, true);
  for (const result of [verifiedResult(), fallbackResult(), untrustedResult(), sweepOnlyResult()]) {
    const parsed = parseResult(JSON.parse(resultJson(result)), "r.json");
    assert.equal(resultJson(parsed), resultJson(result), `${result.name}: nothing is lost`);
  }
});

Deno.test("real results of short sweeps with verification parse unchanged", async () => {
  const before = tf.memory().numTensors;
  const spirals = syntheticDataset({ kind: "spirals", samples: 600, classes: 3, seed: 1 });
  const verified = await sweep(spirals, {});
  // Rates below 1e-3 barely move the loss: verification runs, but nothing trains.
  const untrained = await sweep(blobs(300, 2, 3), { endLr: 1e-3 });
  // 40 samples cannot spare any for scoring: verification falls back to the curve rule.
  const fallback = await sweep(blobs(40, 2, 3), { batchSize: 16, numIters: 30 });
  assert.equal(tf.memory().numTensors, before);

  assert.equal(verified.suggestion.method, "verified");
  assert.equal(verified.suggestion.trusted, true);
  assert.ok(verified.trials!.length >= 2);
  assert.equal(untrained.suggestion.method, "verified");
  assert.equal(untrained.suggestion.trusted, false);
  assert.ok(untrained.warnings!.some((w) => w.severity === "untrusted"));
  assert.equal(fallback.verification?.outcome, "fallback");
  assert.match(fallback.verification!.reason!, /too small to hold out/);
  assert.equal(fallback.trials, undefined);
  assert.ok(fallback.warnings!.some((w) => w.code === "no-held-out"));
  for (const result of [verified, untrained, fallback]) {
    const text = resultJson(result);
    const parsed = parseResult(JSON.parse(text), "r.json");
    assert.equal(resultJson(parsed), text, "nothing is lost or changed");
    assert.deepEqual(parsed.verification, JSON.parse(text).verification);
  }
});

Deno.test("trials, verification and warnings outside the contract are refused", () => {
  rejects(
    verifiedWith((r) => r.trials[0].note = "<img src=x>"),
    /trials\.0: Unrecognized key: "note"/,
  );
  rejects(
    verifiedWith((r) => r.verification.settings.extra = 1),
    /verification\.settings: Unrecognized key: "extra"/,
  );
  rejects(
    verifiedWith((r) => r.warnings[0].link = "https://attacker.example"),
    /warnings\.0: Unrecognized key: "link"/,
  );
  rejects(verifiedWith((r) => r.warnings[0].code = "too-few-steps"), /warnings\.0\.code: /);
  rejects(verifiedWith((r) => r.warnings[0].severity = "fatal"), /warnings\.0\.severity: /);
  rejects(verifiedWith((r) => r.warnings[0].message = ""), /warnings\.0\.message: /);
  rejects(verifiedWith((r) => r.verification.outcome = "maybe"), /verification\.outcome: /);
  rejects(verifiedWith((r) => r.verification.heldOut = "test"), /verification\.heldOut: /);
  rejects(
    verifiedWith((r) => r.suggestion.method = "<img src=x>"),
    /suggestion\.method: Invalid option: expected one of "valley"\|.*\|"verified"/,
  );
  rejects(
    verifiedWith((r) => r.suggestion.trusted = "yes"),
    /suggestion\.trusted: Invalid input: expected boolean, received string/,
  );
  rejects(
    verifiedWith((r) => r.suggestion = { lr: null, index: null, method: "verified" }),
    /suggestion\.reason: expected a reason exactly when there is no rate/,
  );
  rejects(
    verifiedWith((r) => r.suggestions.valley.trusted = true),
    /suggestions\.valley: Unrecognized key: "trusted"/,
  );
  rejects(
    verifiedWith((r) => r.suggestions.valley.method = "verified"),
    /suggestions\.valley\.method: /,
  );
  rejects(
    verifiedWith((r) => r.suggestions.valley.method = "minimum"),
    /suggestions\.valley\.method: expected valley, the rule it is listed under/,
  );
  rejects(
    verifiedWith((r) => r.trials[1].diverged = true),
    /trials\.1\.heldOutLoss: expected no held-out loss \(null\) for a trial that diverged/,
  );
  rejects(
    verifiedWith((r) => delete r.verification),
    /trials: expected no trials without verification/,
  );
  rejects(
    verifiedWith((r) => r.verification.settings.candidates = 3),
    /trials: expected at most 3 trials \(the candidates\), got 4/,
  );
  rejects(
    verifiedWith((r) => {
      r.verification.outcome = "fallback";
      r.verification.reason = "every trial diverged";
    }),
    /suggestion\.method: expected "verified" only when verification\.outcome is "verified"/,
  );
  rejects(
    jsonWith((r) => delete r.verification.reason, fallbackResult()),
    /verification\.reason: expected why it fell back/,
  );
  rejects(
    verifiedWith((r) => r.verification.reason = "because"),
    /verification\.reason: expected no reason when verified/,
  );
  rejects(
    verifiedWith((r) => r.verification.settings.spacing = 0),
    /verification\.settings\.spacing/,
  );
  rejects(
    verifiedWith((r) => r.verification.settings.horizonShift = "auto"),
    /verification\.settings\.horizonShift/,
  );
});

Deno.test("verification numbers must be finite and its arrays and texts bounded", () => {
  const infinity = JSON.parse("1e999");
  rejects(verifiedWith((r) => r.trials[0].heldOutLoss = infinity), /trials\.0\.heldOutLoss/);
  rejects(verifiedWith((r) => r.trials[0].lr = infinity), /trials\.0\.lr/);
  rejects(verifiedWith((r) => r.trials[0].lr = 0), /trials\.0\.lr/);
  rejects(verifiedWith((r) => r.trials[0].steps = 1.5), /trials\.0\.steps/);
  rejects(verifiedWith((r) => r.verification.initialLoss = infinity), /verification\.initialLoss/);
  rejects(verifiedWith((r) => r.verification.ms = -infinity), /verification\.ms/);
  rejects(verifiedWith((r) => r.verification.best = "NaN"), /verification\.best/);
  rejects(
    verifiedWith((r) => r.warnings[0].message = "m".repeat(MAX_TEXT_LENGTH + 1)),
    new RegExp(`warnings\\.0\\.message: Too big: expected string to have <=${MAX_TEXT_LENGTH}`),
  );
  rejects(
    verifiedWith((r) => {
      r.verification.outcome = "fallback";
      r.verification.reason = "r".repeat(MAX_TEXT_LENGTH + 1);
      r.suggestion.method = "valley";
    }),
    /verification\.reason: Too big/,
  );
  rejects(
    verifiedWith((r) => {
      r.verification.settings.candidates = 1_000_000;
      r.trials = Array(MAX_TRIALS + 1).fill(r.trials[0]);
    }),
    /trials: Too big/,
  );
  rejects(
    verifiedWith((r) => r.warnings = Array(MAX_WARNINGS + 1).fill(r.warnings[0])),
    /warnings: Too big/,
  );
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
