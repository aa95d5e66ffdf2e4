import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { setKernelFlags } from "../src/kernels/flags.ts";
import { isRowBroadcast } from "../src/kernels/add.ts";
import { registerWasmKernels } from "../src/kernels/mod.ts";
import { assertMatchesCpu, compareWithCpu } from "./kernels_compare.ts";

const CASES: number[][][] = [
  [[64, 26, 26, 16], [16]],
  [[64, 10], [10]],
  [[16], [4, 16]],
  [[3, 5, 7], [5, 7]],
  [[2, 3], [1, 3]],
  [[2, 1, 1, 5], [1, 1, 1, 5]],
  // Other adds: the backend's own kernel.
  [[3, 4], [3, 4]],
  [[3, 1], [1, 4]],
  [[4], []],
  [[2, 3, 4], [3, 1]],
];

Deno.test("isRowBroadcast accepts a vector over the last axes only", () => {
  assert.ok(isRowBroadcast([64, 26, 26, 16], [16]));
  assert.ok(isRowBroadcast([64, 26, 26, 16], [1, 1, 1, 16]));
  assert.ok(isRowBroadcast([3, 5, 7], [5, 7]));
  assert.ok(!isRowBroadcast([3, 4], [3, 4]), "same shape");
  assert.ok(!isRowBroadcast([3, 1], [1, 4]), "both broadcast");
  assert.ok(!isRowBroadcast([4], []), "scalar");
  assert.ok(!isRowBroadcast([2, 3, 4], [3, 1]), "not the last axis");
  assert.ok(!isRowBroadcast([16], [2, 16]), "the vector is the larger one");
});

for (const simd of [true, false]) {
  Deno.test(`Add on wasm gives bitwise cpu's sums (SIMD module ${simd ? "on" : "off"})`, async () => {
    registerWasmKernels();
    const previous = setKernelFlags({ simdKernels: simd });
    try {
      for (const shapes of CASES) {
        const r = await compareWithCpu(([a, b]) => tf.add(a, b), shapes);
        const label = `shapes ${JSON.stringify(shapes)}`;
        assert.deepEqual(r.shape, r.cpuShape, label);
        assertMatchesCpu(r, label, 0);
      }
    } finally {
      setKernelFlags(previous);
    }
  });
}

Deno.test("Add on wasm of int32 tensors keeps integers", async () => {
  registerWasmKernels();
  const sum = tf.add(
    tf.tensor2d([[1, 2], [3, 4]], [2, 2], "int32"),
    tf.tensor1d([10, 20], "int32"),
  );
  assert.equal(sum.dtype, "int32");
  assert.deepEqual(Array.from(await sum.data()), [11, 22, 13, 24]);
});
