import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { setKernelFlags } from "../src/kernels/flags.ts";
import { registerWasmKernels } from "../src/kernels/mod.ts";
import {
  assertMatchesCpu,
  compareWithCpu,
  CONV_CASES,
  CONV_VARIANTS,
  convOutputShape,
} from "./kernels_compare.ts";

for (const { simd, kernels, needs } of CONV_VARIANTS) {
  Deno.test(needs({
    name: `Conv2DBackpropInput on wasm matches cpu (${kernels} kernels, SIMD module ${
      simd ? "on" : "off"
    })`,
    async fn() {
      registerWasmKernels();
      const previous = setKernelFlags({ simdKernels: simd });
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
            { cpuKernels: kernels },
          );
          const label = `x ${c.x} f ${c.f} stride ${c.stride} pad ${JSON.stringify(c.pad)}`;
          assert.deepEqual(r.shape, c.x, label);
          assertMatchesCpu(r, label);
        }
      } finally {
        setKernelFlags(previous);
      }
    },
  }));
}
