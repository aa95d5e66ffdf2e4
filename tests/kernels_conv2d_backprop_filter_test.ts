import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { registerWasmKernels } from "../src/kernels/mod.ts";
import { setSimdKernelsEnabled } from "../src/kernels/simd_kernels.ts";
import {
  assertMatchesCpu,
  compareWithCpu,
  CONV_CASES,
  convOutputShape,
  type Pad,
} from "./kernels_compare.ts";

function filterGradient(
  x: tf.Tensor,
  dy: tf.Tensor,
  c: { f: number[]; stride: number; pad: Pad },
): tf.Tensor {
  return tf.engine().runKernel("Conv2DBackpropFilter", { x, dy }, {
    strides: [c.stride, c.stride],
    pad: c.pad,
    dataFormat: "NHWC",
    filterShape: c.f,
  }) as tf.Tensor;
}

for (const simd of [true, false]) {
  Deno.test(`Conv2DBackpropFilter on wasm matches cpu (SIMD module ${simd ? "on" : "off"})`, async () => {
    registerWasmKernels();
    setSimdKernelsEnabled(simd);
    try {
      for (const c of CONV_CASES) {
        const r = await compareWithCpu(([x, dy]) => filterGradient(x, dy, c), [
          c.x,
          convOutputShape(c),
        ]);
        const label = `x ${c.x} f ${c.f} stride ${c.stride} pad ${JSON.stringify(c.pad)}`;
        assert.deepEqual(r.shape, c.f, label);
        assertMatchesCpu(r, label);
      }
    } finally {
      setSimdKernelsEnabled(true);
    }
  });
}

Deno.test("Conv2DBackpropFilter on wasm gives the gradient tf.grad asks for", async () => {
  registerWasmKernels();
  const r = await compareWithCpu(([x, f]) => {
    const grad = tf.grad((w: tf.Tensor) =>
      tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 2, "same").square().sum()
    );
    return grad(f);
  }, [[2, 10, 10, 3], [3, 3, 3, 4]]);
  assertMatchesCpu(r, "the gradient of a strided conv2d");
});
