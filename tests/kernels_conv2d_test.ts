import * as tf from "@tensorflow/tfjs";
import { convOutputShape, testConvKernel, testOnKernelPaths } from "./kernels_compare.ts";

testConvKernel("Conv2D", {
  inputShapes: (c) => [c.x, c.f],
  op: ([x, f], c) => tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, c.stride, c.pad),
  outShape: convOutputShape,
});

testOnKernelPaths(
  "Conv2D on wasm with dilation matches cpu",
  ([x, f]) => tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, 1, "same", "NHWC", 2),
  [[2, 9, 9, 3], [3, 3, 3, 5]],
);
