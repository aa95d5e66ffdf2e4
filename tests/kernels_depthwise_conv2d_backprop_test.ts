import * as tf from "@tensorflow/tfjs";
import { registerWasmKernels } from "../src/kernels/mod.ts";
import { assertMatchesCpu, compareWithCpu } from "./kernels_compare.ts";

const CASES = [
  { x: [2, 9, 9, 3], f: [3, 3, 3, 2], stride: 1, pad: "same" as const },
  { x: [2, 10, 7, 4], f: [3, 2, 4, 1], stride: 2, pad: "valid" as const },
  { x: [1, 8, 8, 2], f: [5, 5, 2, 3], stride: 2, pad: "same" as const },
];

Deno.test("depthwise convolution gradients on wasm match cpu", async () => {
  registerWasmKernels();
  for (const c of CASES) {
    const label = `x ${c.x} f ${c.f} stride ${c.stride} ${c.pad}`;
    for (const wrt of ["x", "filter"] as const) {
      const r = await compareWithCpu(([x, f]) => {
        const loss = (xv: tf.Tensor, fv: tf.Tensor) =>
          tf.depthwiseConv2d(xv as tf.Tensor4D, fv as tf.Tensor4D, c.stride, c.pad).square()
            .sum();
        return wrt === "x" ? tf.grad((xv) => loss(xv, f))(x) : tf.grad((fv) => loss(x, fv))(f);
      }, [c.x, c.f]);
      assertMatchesCpu(r, `${label} d${wrt}`);
    }
  }
});
