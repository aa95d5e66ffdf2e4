import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { setupBackend } from "../src/backend.ts";
import { registerWasmKernels } from "../src/kernels/mod.ts";
import { assertMatchesCpu, compareWithCpu } from "./kernels_compare.ts";

Deno.test("Cast on wasm to the same type shares memory; other casts convert as on cpu", async () => {
  registerWasmKernels();
  for (const dtype of ["float32", "int32"] as const) {
    const r = await compareWithCpu(([x]) => tf.tidy(() => tf.cast(tf.mul(x, 3), dtype)), [[5, 7]]);
    assertMatchesCpu(r, dtype, 0);
  }
  await setupBackend("wasm");
  const x = tf.tensor1d([1.5, -2.5]);
  const same = tf.cast(x, "float32");
  assert.equal(same.dataId, x.dataId);
  x.dispose();
  assert.deepEqual(Array.from(await same.data()), [1.5, -2.5]);
  same.dispose();
});
