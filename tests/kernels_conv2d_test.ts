import * as tf from "@tensorflow/tfjs";
import { registerWasmKernels } from "../src/kernels/mod.ts";
import {
  assertMatchesCpu,
  compareWithCpu,
  convOutputShape,
  KERNEL_PATHS,
  testConvKernel,
} from "./kernels_compare.ts";

testConvKernel("Conv2D", {
  inputShapes: (c) => [c.x, c.f],
  op: ([x, f], c) => tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, c.stride, c.pad),
  outShape: convOutputShape,
});

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
