import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { registerWasmKernels } from "../src/kernels/mod.ts";
import { assertMatchesCpu, compareWithCpu, KERNEL_PATHS } from "./kernels_compare.ts";

const CASES = [
  { a: [64, 128], b: [128, 10], ta: false, tb: false, act: "linear" },
  { a: [128, 64], b: [128, 10], ta: true, tb: false, act: "relu" },
  { a: [64, 128], b: [10, 128], ta: false, tb: true, act: "relu6" },
  { a: [30, 20], b: [9, 30], ta: true, tb: true, act: "sigmoid" },
  { a: [3, 7, 5], b: [3, 5, 9], ta: false, tb: false, act: "elu" },
  { a: [7, 5], b: [5, 9], ta: false, tb: false, act: "leakyrelu" },
  { a: [7, 5], b: [9, 5], ta: false, tb: true, act: "prelu" },
] as const;

for (const { kernels, needs } of KERNEL_PATHS) {
  Deno.test(needs({
    name:
      `_FusedMatMul on wasm matches cpu (bias, activations, transposes, batches; ${kernels} kernels)`,
    async fn() {
      registerWasmKernels();
      for (const c of CASES) {
        const n = c.tb ? c.b[c.b.length - 2] : c.b[c.b.length - 1];
        const r = await compareWithCpu(
          ([a, b, bias, alpha]) =>
            tf.fused.matMul({
              a,
              b,
              transposeA: c.ta,
              transposeB: c.tb,
              bias,
              activation: c.act,
              preluActivationWeights: c.act === "prelu" ? alpha : undefined,
              leakyreluAlpha: 0.2,
            }),
          [[...c.a], [...c.b], [n], [n]],
          { cpuKernels: kernels },
        );
        const label = `${c.a} x ${c.b} ta=${c.ta} tb=${c.tb} ${c.act}`;
        assert.deepEqual(r.shape, r.cpuShape, label);
        assertMatchesCpu(r, label);
      }
    },
  }));
}
