import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { setupBackend } from "../src/backend.ts";
import { parseConfig } from "../src/config.ts";
import { DEFAULTS } from "../src/defaults.ts";
import { DEFAULT_BETA } from "../src/smoothing.ts";
import { findLearningRate } from "../src/sweep.ts";
import { blobs, mlp } from "./helpers.ts";

await setupBackend("cpu");

Deno.test("the config and the sweep fill in the same defaults", async () => {
  const config = parseConfig({ model: "m.json", data: { train: { x: "x.npy", y: "y.npy" } } });
  assert.deepEqual(config.sweep, DEFAULTS.sweep);
  assert.equal(config.batchSize, DEFAULTS.batchSize);
  assert.equal(config.suggest, DEFAULTS.suggest);
  assert.equal(config.backend, DEFAULTS.backend);

  const start = tf.memory().numTensors;
  const model = mlp(4, 3, 8);
  const result = await findLearningRate(model, blobs(256, 4, 3), {
    loss: "categoricalCrossentropy",
    optimizer: { name: "sgd" },
  });
  model.dispose();
  const { startLr, endLr, numIters, mode, smoothing, divergeThreshold, runs, seed, evaluate } =
    result.settings;
  assert.deepEqual(
    { startLr, endLr, numIters, mode, smoothing, divergeThreshold, runs, seed, evaluate },
    DEFAULTS.sweep,
  );
  assert.equal(result.settings.batchSize, DEFAULTS.batchSize);
  assert.equal(result.settings.suggest, DEFAULTS.suggest);
  assert.equal(tf.memory().numTensors, start);
});

Deno.test("the default smoothing is the smoother's own beta", () => {
  assert.equal(DEFAULTS.sweep.smoothing, DEFAULT_BETA);
  assert.deepEqual(DEFAULTS.optimizer, { name: "adam" });
});
