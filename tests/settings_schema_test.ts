import assert from "node:assert/strict";
import { DEFAULT_LIMITS } from "../functions/limits.ts";
import { parseSweepRequest } from "../functions/request.ts";
import { DEFAULTS } from "../src/defaults.ts";
import {
  lossSchema,
  optimizerSchema,
  suggestSchema,
  sweepFields,
  sweepSchema,
} from "../src/settings_schema.ts";
import { configIssues } from "../src/validation.ts";
import { SUGGEST_METHODS } from "../src/vocabulary.ts";

Deno.test("sweepSchema fills in DEFAULTS.sweep and checks endLr against startLr", () => {
  assert.deepEqual(sweepSchema.parse(undefined), DEFAULTS.sweep);
  const parsed = sweepSchema.safeParse({ startLr: 1e-3, endLr: 1e-4 }, { reportInput: true });
  assert.ok(!parsed.success);
  assert.deepEqual(configIssues(parsed.error.issues, {}), [
    { path: "endLr", message: "must be greater than startLr (0.001), got 0.0001" },
  ]);
});

Deno.test("sweepFields lists the sweep section's keys, a default for each but the time budget", () => {
  assert.deepEqual(Object.keys(sweepFields), [...Object.keys(DEFAULTS.sweep), "timeBudgetMs"]);
});

Deno.test("lossSchema gives the canonical name; optimizerSchema each optimizer's own keys", () => {
  assert.equal(lossSchema.parse("mse"), "meanSquaredError");
  assert.ok(!lossSchema.safeParse("softmax").success);
  assert.deepEqual(optimizerSchema.parse({ name: "sgd" }), { name: "sgd" });
  assert.deepEqual(optimizerSchema.parse("adamax"), { name: "adamax" }, "a name alone");
  assert.ok(!optimizerSchema.safeParse({ name: "sgd", beta1: 0.9 }).success);
});

Deno.test("suggestSchema accepts exactly the suggest values", () => {
  for (const method of SUGGEST_METHODS) assert.equal(suggestSchema.parse(method), method);
  assert.ok(!suggestSchema.safeParse("best").success);
});

Deno.test("an optimizer by name is accepted by the HTTP request too", () => {
  const request = {
    model: [{ type: "dense", units: 4, activation: "relu" }, { type: "output" }],
    data: { x: [[0, 0], [0, 1], [1, 0], [1, 1]], y: [0, 1, 1, 0], classes: 2 },
    sweep: { numIters: 10 },
  };
  const job = parseSweepRequest({ ...request, optimizer: "momentum" }, DEFAULT_LIMITS);
  assert.deepEqual(job.options.optimizer, { name: "momentum" });
});
