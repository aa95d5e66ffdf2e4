import * as tf from "@tensorflow/tfjs";
import { registerWasmKernels } from "../src/kernels/mod.ts";
import {
  assertMatchesCpu,
  compareWithCpu,
  convOutputShape,
  KERNEL_PATHS,
  testConvKernel,
} from "./kernels_compare.ts";

testConvKernel("Conv2DBackpropFilter", {
  inputShapes: (c) => [c.x, convOutputShape(c)],
  op: ([x, dy], c) =>
    tf.engine().runKernel("Conv2DBackpropFilter", { x, dy }, {
      strides: [c.stride, c.stride],
      pad: c.pad,
      dataFormat: "NHWC",
      filterShape: c.f,
    }) as tf.Tensor,
  outShape: (c) => c.f,
});

for (const { kernels, needs } of KERNEL_PATHS) {
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
