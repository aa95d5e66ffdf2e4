import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { setupBackend } from "../src/backend.ts";
import { registerWasmKernels } from "../src/kernels/mod.ts";
import { assertMatchesCpu, compareWithCpu } from "./kernels_compare.ts";

Deno.test("Identity on wasm gives cpu's values for several shapes", async () => {
  registerWasmKernels();
  for (const shape of [[1], [7, 5], [64, 26, 26, 16]]) {
    const r = await compareWithCpu(([x]) => tf.clone(x), [shape]);
    assertMatchesCpu(r, `shape ${shape}`, 0);
  }
});

Deno.test("Identity on wasm shares memory, counted by reference", async () => {
  registerWasmKernels();
  await setupBackend("wasm");
  const before = tf.memory();
  const x = tf.tensor1d([1, 2, 3]);
  const y = tf.clone(x);
  assert.equal(y.dataId, x.dataId);
  assert.equal(tf.memory().numDataBuffers, before.numDataBuffers + 1, "one buffer for both");
  x.dispose();
  assert.deepEqual(Array.from(await y.data()), [1, 2, 3], "the clone outlives the original");
  y.dispose();
  assert.equal(tf.memory().numTensors, before.numTensors);
  assert.equal(tf.memory().numDataBuffers, before.numDataBuffers);
  const words = tf.tensor1d(["a", "b"], "string");
  const copy = tf.clone(words);
  assert.deepEqual(await copy.data(), ["a", "b"]);
  tf.dispose([words, copy]);
});

Deno.test("gradients on wasm, whose saved tensors go through Identity, match cpu", async () => {
  registerWasmKernels();
  const r = await compareWithCpu(
    ([x, w]) => tf.grad((v: tf.Tensor) => tf.sum(tf.square(tf.relu(tf.matMul(v, w)))))(x),
    [[8, 5], [5, 3]],
  );
  assertMatchesCpu(r, "the gradient of relu(matMul)");
});
