import * as tf from "@tensorflow/tfjs";
import { setKernelFlags } from "../src/kernels/flags.ts";
import { registerWasmKernels } from "../src/kernels/mod.ts";
import { assertMatchesCpu, compareWithCpu } from "./kernels_compare.ts";

const CASES = [
  { x: [4, 26, 26, 16], size: 2, stride: 2, pad: "valid" as const },
  { x: [2, 11, 11, 7], size: 2, stride: 2, pad: "valid" as const },
  { x: [2, 9, 10, 5], size: 3, stride: 2, pad: "same" as const },
  { x: [1, 6, 6, 8], size: 3, stride: 1, pad: "same" as const },
];

for (const simd of [true, false]) {
  Deno.test(`MaxPoolGrad on wasm matches cpu (SIMD module ${simd ? "on" : "off"})`, async () => {
    registerWasmKernels();
    const previous = setKernelFlags({ simdKernels: simd });
    try {
      for (const c of CASES) {
        const r = await compareWithCpu(
          ([x]) =>
            tf.grad((v: tf.Tensor) =>
              tf.maxPool(v as tf.Tensor4D, c.size, c.stride, c.pad).mul(
                tf.range(1, 2, 1 / 7)
                  .slice(0, 1),
              ).square().sum()
            )(x),
          [c.x],
        );
        const label = `x ${c.x} size ${c.size} stride ${c.stride} ${c.pad}`;
        assertMatchesCpu(r, label);
      }
    } finally {
      setKernelFlags(previous);
    }
  });
}
