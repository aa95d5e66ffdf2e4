import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { setupBackend } from "../src/backend.ts";
import { createOptimizer } from "../src/optimizers.ts";
import { disposeModel, sweepModel } from "../src/sweep_model.ts";
import { blobs, mlp } from "./helpers.ts";

await setupBackend("cpu");

const data = blobs(128, 4, 3);
const quick = { numIters: 12, endLr: 1e-2, batchSize: 32 };

Deno.test("sweepModel: settings first, then the model's training config, then adam", async () => {
  const start = tf.memory().numTensors;
  const own = await sweepModel(
    { model: mlp(4, 3, 8), loss: "meanSquaredError", optimizer: { name: "rmsprop" } },
    data,
    { ...quick, loss: "categoricalCrossentropy", optimizer: { name: "sgd" } },
  );
  assert.equal(own.settings.loss, "categoricalCrossentropy");
  assert.equal(own.settings.optimizer.name, "sgd");
  const trained = await sweepModel(
    { model: mlp(4, 3, 8), loss: "categorical_crossentropy", optimizer: { name: "rmsprop" } },
    data,
    quick,
  );
  assert.equal(trained.settings.loss, "categoricalCrossentropy");
  assert.equal(trained.settings.optimizer.name, "rmsprop");
  const bare = await sweepModel(
    { model: mlp(4, 3, 8), loss: "categoricalCrossentropy" },
    data,
    quick,
  );
  assert.equal(bare.settings.optimizer.name, "adam");
  assert.equal(bare.settings.optimizerState, "fresh");
  assert.equal(tf.memory().numTensors, start, "every model was disposed");
});

Deno.test("sweepModel: a compiled model's loss is used, and its optimizer disposed with it", async () => {
  const start = tf.memory().numTensors;
  const model = mlp(4, 3, 8);
  model.compile({
    optimizer: createOptimizer({ name: "momentum" }, 0.01),
    loss: "meanSquaredError",
  });
  const result = await sweepModel({ model }, data, quick);
  assert.equal(result.settings.loss, "meanSquaredError");
  assert.equal(result.settings.optimizer.name, "adam", "the default, not the compiled one");
  assert.equal(tf.memory().numTensors, start);
});

Deno.test("sweepModel: the model is disposed when the sweep throws", async () => {
  const start = tf.memory().numTensors;
  await assert.rejects(
    sweepModel({ model: mlp(4, 3, 8) }, data, { ...quick, loss: "nope" }),
    /^InputError: loss must be one of/,
  );
  await assert.rejects(
    sweepModel({ model: mlp(4, 3, 8), loss: "categoricalCrossentropy" }, data, { numIters: 5 }),
    { name: "InputError" },
  );
  assert.equal(tf.memory().numTensors, start);
});

Deno.test("disposeModel frees the weights and a compiled optimizer's state", async () => {
  const start = tf.memory().numTensors;
  const model = mlp(4, 3, 8);
  model.compile({ optimizer: createOptimizer({ name: "adam" }, 0.01), loss: "meanSquaredError" });
  const [x, y] = [tf.zeros([2, 4]), tf.zeros([2, 3])];
  await model.trainOnBatch(x, y);
  tf.dispose([x, y]);
  assert.ok(tf.memory().numTensors > start + model.weights.length, "adam holds its moments");
  disposeModel(model);
  assert.equal(tf.memory().numTensors, start);
});
