import * as tf from "@tensorflow/tfjs";
import {
  convAttrs,
  convOutputShape,
  testConvKernel,
  testOnKernelPaths,
} from "./kernels_compare.ts";

testConvKernel("Conv2DBackpropFilter", {
  inputShapes: (c) => [c.x, convOutputShape(c)],
  op: ([x, dy], c) =>
    tf.engine().runKernel("Conv2DBackpropFilter", { x, dy }, {
      ...convAttrs(c),
      filterShape: c.f,
    }) as tf.Tensor,
  outShape: (c) => c.f,
});

testOnKernelPaths(
  "Conv2DBackpropFilter on wasm gives the gradient tf.grad asks for",
  ([x, f]) => {
    const grad = tf.grad((w: tf.Tensor) =>
      tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 2, "same").square().sum()
    );
    return grad(f);
  },
  [[2, 10, 10, 3], [3, 3, 3, 4]],
);
