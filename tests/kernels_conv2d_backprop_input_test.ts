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
  Deno.test(`Conv2DBackpropInput on wasm matches cpu (SIMD module ${simd ? "on" : "off"})`, async () => {
    registerWasmKernels();
    setSimdKernelsEnabled(simd);
    try {
      for (const c of CONV_CASES) {
        const yShape = convOutputShape(c);
        const r = await compareWithCpu(
          ([dy, f]) =>
            tf.engine().runKernel("Conv2DBackpropInput", { dy, filter: f }, {
              strides: [c.stride, c.stride],
              pad: c.pad,
              dataFormat: "NHWC",
              inputShape: c.x,
            }) as tf.Tensor,
          [yShape, c.f],
        );
        const label = `x ${c.x} f ${c.f} stride ${c.stride} pad ${JSON.stringify(c.pad)}`;
        assert.deepEqual(r.shape, c.x, label);
        assertMatchesCpu(r, label);
      }
    } finally {
      setSimdKernelsEnabled(true);
    }
  });
}
