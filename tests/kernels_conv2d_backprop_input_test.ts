import * as tf from "@tensorflow/tfjs";
import { convAttrs, convOutputShape, testConvKernel } from "./kernels_compare.ts";

testConvKernel("Conv2DBackpropInput", {
  inputShapes: (c) => [convOutputShape(c), c.f],
  op: ([dy, filter], c) =>
    tf.engine().runKernel("Conv2DBackpropInput", { dy, filter }, {
      ...convAttrs(c),
      inputShape: c.x,
    }) as tf.Tensor,
  outShape: (c) => c.x,
});
