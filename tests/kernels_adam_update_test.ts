import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { setKernelFlags } from "../src/kernels/flags.ts";
import { setupBackend } from "../src/backend.ts";
import {
  ADAM_UPDATE,
  adamUpdateCpuConfig,
  adamUpdateWasmConfig,
} from "../src/kernels/adam_update.ts";
import { assertMatchesCpu, compareWithCpu } from "./kernels_compare.ts";

const SHAPES = [[1], [3], [7, 5], [784, 128], [3, 3, 16, 32], [130]];
const HYPER = { beta1: 0.9, beta2: 0.999, epsilon: 1e-7, learningRate: 0.013 };

function ensureRegistered(): void {
  for (const config of [adamUpdateWasmConfig, adamUpdateCpuConfig]) {
    if (!tf.getKernel(ADAM_UPDATE, config.backendName)) tf.registerKernel(config);
  }
}

/**
 * New weights and moments, concatenated: the fused kernel on wasm, TensorFlow.js's own Adam
 * arithmetic (its element-wise ops, as in `AdamOptimizer.applyGradients`) on cpu.
 */
function adamStep([w, g, m, vRaw]: tf.Tensor[]): tf.Tensor {
  return tf.tidy(() => {
    const v = tf.abs(vRaw);
    const accBeta1 = tf.scalar(0.9 ** 3);
    const accBeta2 = tf.scalar(0.999 ** 3);
    if (tf.getBackend() === "wasm") {
      const out = tf.engine().runKernel(
        ADAM_UPDATE,
        { w, g, m, v, accBeta1, accBeta2 },
        HYPER as unknown as tf.NamedAttrMap,
      ) as tf.Tensor[];
      return tf.concat(out.map((t) => t.flatten()));
    }
    const { beta1, beta2, epsilon, learningRate } = HYPER;
    const m2 = tf.add(tf.mul(m, beta1), tf.mul(g, 1 - beta1));
    const v2 = tf.add(tf.mul(v, beta2), tf.mul(tf.square(g), 1 - beta2));
    const mHat = tf.div(m2, tf.sub(1, accBeta1));
    const vHat = tf.div(v2, tf.sub(1, accBeta2));
    const w2 = tf.add(tf.mul(tf.div(mHat, tf.add(tf.sqrt(vHat), epsilon)), -learningRate), w);
    return tf.concat([w2, m2, v2].map((t) => t.flatten()));
  });
}

for (const simd of [true, false]) {
  Deno.test(`${ADAM_UPDATE} on wasm gives bitwise cpu's Adam arithmetic (SIMD module ${simd ? "on" : "off"})`, async () => {
    ensureRegistered();
    const previous = setKernelFlags({ simdKernels: simd });
    try {
      for (const shape of SHAPES) {
        const r = await compareWithCpu(adamStep, [shape, shape, shape, shape]);
        assertMatchesCpu(r, `shape ${shape}`, 0);
      }
    } finally {
      setKernelFlags(previous);
    }
  });
}

Deno.test(`${ADAM_UPDATE} on cpu gives bitwise TensorFlow.js's Adam arithmetic`, async () => {
  ensureRegistered();
  await setupBackend("cpu");
  for (const shape of SHAPES) {
    const inputs = [0, 1, 2, 3].map(() => tf.randomUniform(shape, -1, 1));
    const before = tf.memory().numTensors;
    const reference = adamStep(inputs);
    const fused = tf.tidy(() => {
      const [w, g, m, vRaw] = inputs;
      const out = tf.engine().runKernel(ADAM_UPDATE, {
        w,
        g,
        m,
        v: tf.abs(vRaw),
        accBeta1: tf.scalar(0.9 ** 3),
        accBeta2: tf.scalar(0.999 ** 3),
      }, HYPER as unknown as tf.NamedAttrMap) as tf.Tensor[];
      return tf.concat(out.map((t) => t.flatten()));
    });
    assert.deepEqual(await fused.data(), await reference.data(), `shape ${shape}`);
    tf.dispose([reference, fused]);
    assert.equal(tf.memory().numTensors, before);
    tf.dispose(inputs);
  }
});

Deno.test(`${ADAM_UPDATE} refuses inputs of other sizes or types`, async () => {
  ensureRegistered();
  for (const backend of ["wasm", "cpu"] as const) {
    await setupBackend(backend);
    const before = tf.memory().numTensors;
    const run = (g: tf.Tensor) =>
      tf.engine().runKernel(ADAM_UPDATE, {
        w: tf.zeros([4]),
        g,
        m: tf.zeros([4]),
        v: tf.zeros([4]),
        accBeta1: tf.scalar(0.9),
        accBeta2: tf.scalar(0.999),
      }, HYPER as unknown as tf.NamedAttrMap);
    assert.throws(() => tf.tidy(() => run(tf.zeros([5]))), /g has 5 values, expected 4/);
    assert.throws(() => tf.tidy(() => run(tf.zeros([4], "int32"))), /needs float32 g, got int32/);
    assert.equal(tf.memory().numTensors, before, backend);
  }
});
