import assert from "node:assert/strict";
import { resultJson } from "../src/report/json.ts";
import { multiRunResult, nonFiniteResult, tinyResult } from "./fixtures/lr_results.ts";

Deno.test("resultJson puts the contract's keys in a fixed order and ends with a newline", () => {
  const text = resultJson(multiRunResult());
  assert.ok(text.endsWith("}\n"));
  const parsed = JSON.parse(text);
  assert.deepEqual(Object.keys(parsed), [
    "version",
    "name",
    "lrs",
    "losses",
    "smoothed",
    "stopReason",
    "suggestion",
    "suggestions",
    "uncertainty",
    "runs",
    "band",
    "settings",
    "timing",
    "model",
  ]);
  assert.deepEqual(Object.keys(parsed.suggestions), [
    "valley",
    "steepest",
    "minimum",
    "slide",
    "combined",
  ]);
  assert.deepEqual(Object.keys(parsed.suggestion), ["lr", "index", "method"]);
  assert.deepEqual(Object.keys(parsed.runs[0]), [
    "seed",
    "losses",
    "smoothed",
    "stopReason",
    "suggestion",
  ]);
  assert.deepEqual(Object.keys(parsed.settings.optimizer), ["name", "beta1", "beta2", "epsilon"]);
  assert.equal(Object.keys(parsed.settings)[0], "seed");
});

Deno.test("resultJson does not depend on the input's key order", () => {
  const result = tinyResult();
  const reversed = Object.fromEntries(Object.entries(result).reverse()) as typeof result;
  reversed.settings = Object.fromEntries(
    Object.entries(result.settings).reverse(),
  ) as typeof result.settings;
  assert.equal(resultJson(reversed), resultJson(result));
});

Deno.test("resultJson writes non-finite numbers as null and keeps the rest exact", () => {
  const result = tinyResult();
  result.losses[8] = Infinity;
  result.smoothed[8] = NaN;
  const parsed = JSON.parse(resultJson(result));
  assert.equal(parsed.losses[8], null);
  assert.equal(parsed.smoothed[8], null);
  assert.deepEqual(parsed.lrs, result.lrs);
  assert.deepEqual(parsed.losses.slice(0, 8), result.losses.slice(0, 8));
});

Deno.test("resultJson round-trips a result with nulls and a reason", () => {
  const result = nonFiniteResult();
  result.suggestions.slide = {
    lr: null,
    index: null,
    method: "slide",
    reason: "no two slopes agree",
  };
  assert.deepEqual(JSON.parse(resultJson(result)), result);
});

Deno.test("resultJson leaves out undefined optional fields and sorts unknown keys", () => {
  const result = tinyResult() as unknown as Record<string, unknown>;
  result.uncertainty = undefined;
  result.zeta = 1;
  result.extra = { b: 2, a: 1 };
  const parsed = JSON.parse(resultJson(result as never));
  assert.ok(!("uncertainty" in parsed));
  const keys = Object.keys(parsed);
  assert.deepEqual(keys.slice(-2), ["extra", "zeta"]);
  assert.deepEqual(Object.keys(parsed.extra), ["a", "b"]);
});
