import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { setupBackend } from "../src/backend.ts";
import { gatherBatch, planBatchLayout } from "../src/batches.ts";
import { lossFunction } from "../src/losses.ts";
import { createOptimizer } from "../src/optimizers.ts";
import { batchLoss, heldOutLoss, trainOnSamples } from "../src/training.ts";
import { blobs, mlp } from "./helpers.ts";

await setupBackend("cpu");

Deno.test("heldOutLoss is the mean loss over every sample, in inference mode", async () => {
  const data = blobs(600, 8, 3);
  const model = mlp(8, 3, 16, 2);
  const loss = lossFunction("categoricalCrossentropy");
  const target = { model, lossFn: loss.fn, layout: planBatchLayout(data, model, loss.name) };
  const tensors = tf.memory().numTensors;
  const all = gatherBatch(data, Int32Array.from({ length: 600 }, (_, i) => i), target.layout);
  const reference = tf.tidy(() => batchLoss(target, all, false));
  const expected = reference.dataSync()[0];
  tf.dispose([all.x, all.y, reference]);
  const got = await heldOutLoss(target, data);
  assert.ok(Math.abs(got - expected) < 1e-5 * expected, `${got} against ${expected}`);
  assert.equal(tf.memory().numTensors, tensors);
  model.dispose();
});

Deno.test("trainOnSamples takes one optimizer step and returns the batch loss", async () => {
  const data = blobs(64, 8, 3);
  const model = mlp(8, 3, 16, 2);
  const loss = lossFunction("categoricalCrossentropy");
  const target = { model, lossFn: loss.fn, layout: planBatchLayout(data, model, loss.name) };
  const optimizer = createOptimizer({ name: "sgd" }, 0.5);
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const indices = Int32Array.from({ length: 64 }, (_, i) => i);
  const first = trainOnSamples(target, { optimizer, data, indices, variables });
  const second = trainOnSamples(target, { optimizer, data, indices, variables });
  assert.ok((await second.data())[0] < (await first.data())[0]);
  tf.dispose([first, second]);
  optimizer.dispose();
  model.dispose();
});
