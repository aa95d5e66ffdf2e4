import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { setupBackend } from "../src/backend.ts";
import { blasFor, blasProducts } from "../src/kernels/blas_gemm.ts";
import { useCpuKernels } from "../src/kernels/cpu_kernels.ts";
import { setKernelFlags } from "../src/kernels/flags.ts";
import { allocScratch, freeScratch, type WasmBackend } from "../src/kernels/wasm_heap.ts";
import { blasTest } from "./kernels_compare.ts";

Deno.test(blasTest({
  name: "blasProducts: several products on the heap, threads by size, k = 0 gives zeros",
  async fn() {
    await setupBackend("wasm", { cpuKernels: "blas", threads: 2 });
    const backend = tf.backend() as unknown as WasmBackend;
    const blas = blasFor(backend)!;
    const threads: number[] = [];
    const original = blas.library.setThreads;
    blas.library.setThreads = (n) => {
      threads.push(n);
      original(n);
    };
    const buffer = allocScratch(backend, 64);
    const previous = setKernelFlags({ blasThreadMinMacs: 8 });
    try {
      const at = (float: number) => buffer.ptr + float * 4;
      const heap = () => backend.wasm.HEAPF32.subarray(buffer.ptr >>> 2, (buffer.ptr >>> 2) + 64);
      heap().set([1, 2, 3, 4], 0); // A: 2x2
      heap().set([5, 6, 7, 8], 4); // B: 2x2
      heap().fill(9, 16, 24);
      blasProducts(backend, blas, [
        { m: 2, n: 2, k: 2, a: at(0), b: at(4), c: at(8) }, // 8 multiply-adds: measured
        { m: 2, n: 2, k: 2, a: at(0), b: at(4), c: at(8) }, // the other thread count
        { m: 1, n: 2, k: 2, a: at(0), b: at(4), c: at(12), transposeB: true }, // 4: one thread
        { m: 2, n: 2, k: 0, a: at(0), b: at(4), c: at(16) },
        { m: 2, n: 2, k: 0, a: at(0), b: at(4), c: at(20), accumulate: true },
      ]);
      assert.deepEqual(Array.from(heap().subarray(8, 12)), [19, 22, 43, 50]);
      assert.deepEqual(Array.from(heap().subarray(12, 14)), [17, 23]);
      assert.deepEqual(Array.from(heap().subarray(16, 20)), [0, 0, 0, 0]);
      assert.deepEqual(Array.from(heap().subarray(20, 24)), [9, 9, 9, 9]);
      assert.deepEqual(threads, [1, 2, 1], "both counts timed above the floor, one below it");
    } finally {
      setKernelFlags(previous);
      blas.library.setThreads = original;
      freeScratch(backend, buffer);
      useCpuKernels("wasm");
    }
  },
}));

Deno.test("blasFor is undefined while the wasm kernels run", async () => {
  await setupBackend("wasm", { cpuKernels: "wasm" });
  assert.equal(blasFor(tf.backend() as unknown as WasmBackend), undefined);
});
