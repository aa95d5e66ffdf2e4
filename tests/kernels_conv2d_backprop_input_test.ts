import * as tf from "@tensorflow/tfjs";
import { convOutputShape, testConvKernel } from "./kernels_compare.ts";

testConvKernel("Conv2DBackpropInput", {
  inputShapes: (c) => [convOutputShape(c), c.f],
  op: ([dy, filter], c) =>
    tf.engine().runKernel("Conv2DBackpropInput", { dy, filter }, {
      strides: [c.stride, c.stride],
      pad: c.pad,
      dataFormat: "NHWC",
      inputShape: c.x,
    }) as tf.Tensor,
  outShape: (c) => c.x,
});
