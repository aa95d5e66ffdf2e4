import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { setupBackend } from "../src/backend.ts";
import { DEFAULTS } from "../src/defaults.ts";
import { planSweep } from "../src/sweep_plan.ts";
import { blobs, mlp } from "./helpers.ts";

await setupBackend("cpu");

const data = blobs(100, 4, 3);
const base = { loss: "categorical_crossentropy", optimizer: { name: "adam" as const } };

Deno.test("planSweep: defaults, schedule, layout and settings, with no tensor allocated", () => {
  const model = mlp(4, 3, 8);
  const start = tf.memory().numTensors;
  const plan = planSweep(model, data, base);
  assert.equal(tf.memory().numTensors, start);
  assert.equal(plan.lrs.length, DEFAULTS.sweep.numIters);
  assert.equal(plan.lrs[0], DEFAULTS.sweep.startLr);
  assert.equal(plan.settings.loss, "categoricalCrossentropy");
  assert.equal(plan.settings.batchSize, 64);
  assert.equal(plan.settings.optimizerState, "fresh");
  assert.equal(plan.layout.targetEncoding, "one-hot");
  assert.equal(plan.warmupSteps, 0);
  assert.equal(plan.readLag, 0);
  assert.equal(plan.timeBudgetMs, undefined);
  assert.equal(planSweep(model, blobs(20, 4, 3), base).settings.batchSize, 20);
  model.dispose();
});

Deno.test("planSweep: evaluate validation holds out a seeded fifth when no split is given", () => {
  const model = mlp(4, 3, 8);
  const plan = planSweep(model, data, { ...base, evaluate: "validation", seed: 3 });
  assert.equal(plan.validation?.size, 20);
  assert.equal(plan.train.size, 80);
  assert.equal(plan.validationIndices?.length, 20);
  assert.equal(plan.settings.validationSize, 20);
  assert.equal(plan.settings.trainSize, 80);
  model.dispose();
});

Deno.test("planSweep: Infinity lifts the divergence stop and the time limit", () => {
  const model = mlp(4, 3, 8);
  const plan = planSweep(model, data, {
    ...base,
    divergeThreshold: Infinity,
    timeBudgetMs: Infinity,
  });
  assert.equal(plan.settings.divergeThreshold, Infinity);
  assert.equal(plan.timeBudgetMs, undefined);
  assert.throws(
    () => planSweep(model, data, { ...base, divergeThreshold: NaN }),
    /^InputError: divergeThreshold: expected a number, got NaN$/,
  );
  model.dispose();
});

Deno.test("planSweep: the model and data are checked before anything else", () => {
  const model = mlp(4, 3, 8);
  assert.throws(
    () => planSweep({} as tf.LayersModel, data, base),
    /model must be a TensorFlow.js LayersModel/,
  );
  assert.throws(
    () => planSweep(model, { ...data, size: 0 }, base),
    /^InputError: data\.train is empty \(blobs\): it needs at least one sample$/,
  );
  assert.throws(
    () => planSweep(model, { train: data, validation: { ...data, x: data.x.subarray(4) } }, base),
    /^InputError: data\.validation\.x must hold 100 samples of shape \[4\]/,
  );
  model.dispose();
});
