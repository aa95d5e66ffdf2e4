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
  KERNEL_PATHS,
} from "./kernels_compare.ts";

for (const { simd, kernels, needs } of CONV_VARIANTS) {
  Deno.test(needs({
    name: `Conv2D on wasm matches cpu (${kernels} kernels, SIMD module ${simd ? "on" : "off"})`,
    async fn() {
      registerWasmKernels();
      const previous = setKernelFlags({ simdKernels: simd });
      try {
        for (const c of CONV_CASES) {
          const r = await compareWithCpu(
            ([x, f]) => tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, c.stride, c.pad),
            [c.x, c.f],
            { cpuKernels: kernels },
          );
          const label = `x ${c.x} f ${c.f} stride ${c.stride} pad ${JSON.stringify(c.pad)}`;
          assert.deepEqual(r.shape, convOutputShape(c), label);
          assertMatchesCpu(r, label);
        }
      } finally {
        setKernelFlags(previous);
      }
    },
  }));
}

for (const { kernels, needs } of KERNEL_PATHS) {
  Deno.test(needs({
    name: `Conv2D on wasm with dilation matches cpu (${kernels} kernels)`,
    async fn() {
      registerWasmKernels();
      const r = await compareWithCpu(
        ([x, f]) => tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, 1, "same", "NHWC", 2),
        [[2, 9, 9, 3], [3, 3, 3, 5]],
        { cpuKernels: kernels },
      );
      assertMatchesCpu(r, "conv2d with dilation 2");
    },
  }));
}
