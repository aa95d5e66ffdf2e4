import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { registerWasmKernels } from "../src/kernels/mod.ts";
import { setSimdKernelsEnabled } from "../src/kernels/simd_kernels.ts";
import {
  assertMatchesCpu,
  compareWithCpu,
  CONV_CASES,
  convOutputShape,
} from "./kernels_compare.ts";

for (const simd of [true, false]) {
  Deno.test(`Conv2D on wasm matches cpu (SIMD module ${simd ? "on" : "off"})`, async () => {
    registerWasmKernels();
    setSimdKernelsEnabled(simd);
    try {
      for (const c of CONV_CASES) {
        const r = await compareWithCpu(
          ([x, f]) => tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, c.stride, c.pad),
          [c.x, c.f],
        );
        const label = `x ${c.x} f ${c.f} stride ${c.stride} pad ${JSON.stringify(c.pad)}`;
        assert.deepEqual(r.shape, convOutputShape(c), label);
        assertMatchesCpu(r, label);
      }
    } finally {
      setSimdKernelsEnabled(true);
    }
  });
}

Deno.test("Conv2D on wasm with dilation matches cpu", async () => {
  registerWasmKernels();
  const r = await compareWithCpu(
    ([x, f]) => tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, 1, "same", "NHWC", 2),
    [[2, 9, 9, 3], [3, 3, 3, 5]],
  );
  assertMatchesCpu(r, "conv2d with dilation 2");
});
