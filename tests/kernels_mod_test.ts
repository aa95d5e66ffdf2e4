import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { setupBackend } from "../src/backend.ts";
import {
  registerWasmKernels,
  unregisterWasmKernels,
  wasmKernelNames,
  wasmKernelsRegistered,
} from "../src/kernels/mod.ts";
import { batchMatMulConfig } from "../src/kernels/batch_mat_mul.ts";
import { sumConfig } from "../src/kernels/sum.ts";
import { freshSeed, randomValues } from "./kernels_compare.ts";

Deno.test("registerWasmKernels is idempotent and unregisterWasmKernels restores the backend's own", async () => {
  await setupBackend("wasm");
  registerWasmKernels();
  registerWasmKernels();
  assert.ok(wasmKernelsRegistered());
  unregisterWasmKernels();
  unregisterWasmKernels();
  assert.ok(!wasmKernelsRegistered());
  assert.equal(tf.getKernel("Conv2DBackpropFilter", "wasm"), undefined);
  assert.notEqual(tf.getKernel("BatchMatMul", "wasm"), undefined);
  // The restored own kernel still works after the backend had started with the overrides.
  const product = tf.matMul(tf.ones([2, 3]), tf.ones([3, 2]));
  assert.deepEqual(Array.from(await product.data()), [3, 3, 3, 3]);
  product.dispose();
  registerWasmKernels();
  assert.ok(wasmKernelsRegistered());
  for (const name of wasmKernelNames()) {
    assert.equal(tf.getKernel(name, "wasm")?.backendName, "wasm", name);
  }
  assert.equal(tf.getKernel("Conv2DBackpropFilter", "cpu")?.backendName, "cpu");
});

function smallCnn(seed: number): tf.Sequential {
  const model = tf.sequential();
  model.add(tf.layers.conv2d({
    inputShape: [12, 12, 1],
    filters: 4,
    kernelSize: 3,
    activation: "relu",
    kernelInitializer: tf.initializers.glorotUniform({ seed }),
  }));
  model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  model.add(tf.layers.conv2d({
    filters: 6,
    kernelSize: 3,
    strides: 2,
    padding: "same",
    activation: "relu",
    kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }),
  }));
  model.add(tf.layers.flatten());
  model.add(tf.layers.dense({
    units: 3,
    activation: "softmax",
    kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 2 }),
  }));
  return model;
}

async function trainLosses(backend: "wasm" | "cpu", x: Float32Array, y: Float32Array) {
  await setupBackend(backend);
  const before = tf.memory().numTensors;
  const model = smallCnn(7);
  model.compile({ optimizer: tf.train.adam(0.01), loss: "categoricalCrossentropy" });
  const xs = tf.tensor4d(x, [16, 12, 12, 1]);
  const ys = tf.tensor2d(y, [16, 3]);
  const losses: number[] = [];
  for (let step = 0; step < 5; step++) losses.push(await model.trainOnBatch(xs, ys) as number);
  tf.dispose([xs, ys]);
  model.dispose();
  (model.optimizer as tf.Optimizer).dispose();
  return { losses, leaked: tf.memory().numTensors - before };
}

Deno.test("a small Conv2D model trains on wasm with the losses it has on cpu", async () => {
  registerWasmKernels();
  const seed = freshSeed();
  const x = randomValues([16, 12, 12, 1], seed);
  const y = new Float32Array(16 * 3);
  for (let i = 0; i < 16; i++) y[i * 3 + (i % 3)] = 1;
  const wasm = await trainLosses("wasm", x, y);
  const cpu = await trainLosses("cpu", x, y);
  for (let i = 0; i < cpu.losses.length; i++) {
    assert.ok(
      Math.abs(wasm.losses[i] - cpu.losses[i]) < 1e-4 * Math.max(1, Math.abs(cpu.losses[i])),
      `step ${i}: wasm ${wasm.losses[i]} cpu ${cpu.losses[i]} (KERNEL_TEST_SEED=${seed})`,
    );
  }
  assert.ok(cpu.losses[4] < cpu.losses[0], "the model learns");
  assert.equal(wasm.leaked, 0);
});

Deno.test("registerWasmKernels can leave chosen kernels to the backend's own", async () => {
  await setupBackend("wasm");
  registerWasmKernels({ exclude: ["Sum", "Conv2DBackpropFilter"] });
  assert.ok(!wasmKernelsRegistered());
  assert.equal(tf.getKernel("Conv2DBackpropFilter", "wasm"), undefined);
  assert.notEqual(tf.getKernel("Sum", "wasm"), undefined, "the backend's own Sum");
  assert.notEqual(tf.getKernel("Sum", "wasm"), sumConfig);
  assert.equal(tf.getKernel("BatchMatMul", "wasm"), batchMatMulConfig, "others stay");
  const total = tf.sum(tf.ones([4, 3]), 0);
  assert.deepEqual(Array.from(await total.data()), [4, 4, 4]);
  total.dispose();
  registerWasmKernels();
  assert.ok(wasmKernelsRegistered());
  assert.equal(tf.getKernel("Sum", "wasm"), sumConfig);
});
