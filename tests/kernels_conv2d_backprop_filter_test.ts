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

for (const { simd, kernels, needs } of CONV_VARIANTS) {
  Deno.test(needs({
    name: `Conv2DBackpropFilter on wasm matches cpu (${kernels} kernels, SIMD module ${
      simd ? "on" : "off"
    })`,
    async fn() {
      registerWasmKernels();
      const previous = setKernelFlags({ simdKernels: simd });
      try {
        for (const c of CONV_CASES) {
          const r = await compareWithCpu(
            ([x, dy]) => filterGradient(x, dy, c),
            [c.x, convOutputShape(c)],
            { cpuKernels: kernels },
          );
          const label = `x ${c.x} f ${c.f} stride ${c.stride} pad ${JSON.stringify(c.pad)}`;
          assert.deepEqual(r.shape, c.f, label);
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
    name: `Conv2DBackpropFilter on wasm adds up batches made in chunks (${kernels} kernels)`,
    async fn() {
      registerWasmKernels();
      // One image's patch rows per chunk: every chunk's product is added onto the gradient.
      const previous = setKernelFlags({ patchChunkFloats: 1 });
      try {
        for (const c of CONV_CASES.slice(0, 3)) {
          const r = await compareWithCpu(
            ([x, dy]) => filterGradient(x, dy, c),
            [c.x, convOutputShape(c)],
            { cpuKernels: kernels },
          );
          assertMatchesCpu(r, `x ${c.x} f ${c.f} in chunks of one image`);
        }
      } finally {
        setKernelFlags(previous);
      }
    },
  }));

  Deno.test(needs({
    name: `Conv2DBackpropFilter on wasm gives the gradient tf.grad asks for (${kernels} kernels)`,
    async fn() {
      registerWasmKernels();
      const r = await compareWithCpu(
        ([x, f]) => {
          const grad = tf.grad((w: tf.Tensor) =>
            tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 2, "same").square().sum()
          );
          return grad(f);
        },
        [[2, 10, 10, 3], [3, 3, 3, 4]],
        { cpuKernels: kernels },
      );
      assertMatchesCpu(r, "the gradient of a strided conv2d");
    },
  }));
}
