import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { setupBackend } from "../src/backend.ts";
import { LOSS_NAMES } from "../src/loss_names.ts";
import { lossFunction } from "../src/losses.ts";
import { createRng } from "../src/random.ts";

await setupBackend("cpu");

/** Losses that TensorFlow.js Layers' compile() accepts by name (huberLoss is ours only). */
const LAYERS_LOSSES = LOSS_NAMES.filter((name) => name !== "huberLoss");

function uniform(shape: number[], seed: number, low = 0.05, high = 0.95): tf.Tensor {
  const rng = createRng(seed);
  const size = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(Float32Array.from({ length: size }, () => low + (high - low) * rng()), shape);
}

for (const name of LAYERS_LOSSES) {
  Deno.test(`${name} matches TensorFlow.js Layers' own loss function`, () => {
    const input = tf.input({ shape: [5] });
    const output = tf.layers.activation({ activation: "linear" }).apply(input) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: output });
    model.compile({ optimizer: "sgd", loss: name });
    const reference = model.lossFunctions[0];
    const yPred = tf.softmax(uniform([8, 5], 1));
    const yTrue = name === "sparseCategoricalCrossentropy"
      ? tf.tensor([0, 1, 2, 3, 4, 0, 1, 2], [8, 1])
      : name === "hinge" || name === "squaredHinge"
      ? tf.sub(tf.mul(tf.round(uniform([8, 5], 2)), 2), 1)
      : tf.oneHot([0, 1, 2, 3, 4, 0, 1, 2], 5).toFloat();
    const before = tf.memory().numTensors;
    const ours = lossFunction(name).fn(yTrue, yPred);
    const theirs = reference(yTrue, yPred);
    assert.deepEqual(ours.shape, theirs.shape);
    const a = ours.dataSync();
    const b = theirs.dataSync();
    for (let i = 0; i < a.length; i++) {
      assert.ok(
        Math.abs(a[i] - b[i]) <= 1e-6 * Math.max(1, Math.abs(b[i])),
        `${name}[${i}]: ${a[i]} vs ${b[i]}`,
      );
    }
    tf.dispose([ours, theirs]);
    assert.equal(tf.memory().numTensors, before);
    tf.dispose([yPred, yTrue]);
    model.dispose();
  });
}

Deno.test("huberLoss is quadratic below 1 and linear above", () => {
  const loss = lossFunction("huber").fn(tf.tensor([[0, 0]]), tf.tensor([[0.5, 3]]));
  assert.deepEqual(Array.from(loss.dataSync()), [(0.125 + 2.5) / 2]);
  loss.dispose();
});

Deno.test("an unknown loss is an input error listing the known names", () => {
  assert.throws(() => lossFunction("softmaxCrossEntropy"), (error: Error) => {
    assert.equal(error.name, "InputError");
    assert.match(
      error.message,
      /^loss must be one of categoricalCrossentropy, .* got "softmaxCrossEntropy"$/,
    );
    return true;
  });
});
