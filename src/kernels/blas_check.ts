/**
 * The startup check of a native BLAS library, before any kernel uses it: its products must be
 * right (a small product on a wasm memory, where the kernels will point it, in every transpose
 * combination and with accumulation, against a float64 loop), and for `cpuKernels: "auto"` it
 * must be faster than the SIMD wasm kernel on one thread (the reference BLAS is not).
 * @module
 */
import { type BlasLibrary, memoryAddress } from "./blas_library.ts";
import { simdGemmOn } from "./simd_kernels.ts";

/** Uniform values in [-1, 1) from a fixed linear congruential sequence. */
function fill(target: Float32Array, seed: number): void {
  let state = seed >>> 0;
  for (let i = 0; i < target.length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    target[i] = state / 2 ** 31 - 1;
  }
}

/**
 * Checks `cblas_sgemm` on a wasm memory (where the kernels will point it) against a float64
 * loop: every transpose combination, and accumulation. Returns what went wrong, if anything.
 */
function correctnessProblem(library: BlasLibrary): string | undefined {
  const memory = new WebAssembly.Memory({ initial: 1 });
  const base = memoryAddress(memory);
  const heap = new Float32Array(memory.buffer);
  const [m, n, k] = [5, 7, 11];
  const a = 0;
  const b = 128;
  const c = 256;
  fill(heap.subarray(a, a + m * k), 1);
  fill(heap.subarray(b, b + k * n), 2);
  for (const [transA, transB, accumulate] of [[0, 0, 0], [1, 0, 0], [0, 1, 0], [1, 1, 1]]) {
    const start = heap.slice(c, c + m * n);
    library.setThreads(1);
    library.sgemm({
      m,
      n,
      k,
      a: base + a * 4,
      lda: transA ? m : k,
      transA: transA === 1,
      b: base + b * 4,
      ldb: transB ? k : n,
      transB: transB === 1,
      c: base + c * 4,
      ldc: n,
      accumulate: accumulate === 1,
    });
    let worst = 0;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let sum = accumulate ? start[i * n + j] : 0;
        for (let p = 0; p < k; p++) {
          const av = heap[a + (transA ? p * m + i : i * k + p)];
          const bv = heap[b + (transB ? j * k + p : p * n + j)];
          sum += av * bv;
        }
        worst = Math.max(worst, Math.abs(heap[c + i * n + j] - sum) / (Math.abs(sum) + 1));
      }
    }
    if (!(worst < 1e-5)) {
      const what = `transA=${transA === 1} transB=${transB === 1} accumulate=${accumulate === 1}`;
      return `a 5x11 by 11x7 product (${what}) was off by ${worst.toExponential(1)}`;
    }
  }
  return undefined;
}

/** Best milliseconds of `reps` runs after one untimed run. */
function bestMs(run: () => void, reps: number): number {
  run();
  let best = Infinity;
  for (let i = 0; i < reps; i++) {
    const start = performance.now();
    run();
    best = Math.min(best, performance.now() - start);
  }
  return best;
}

/**
 * Times the library on one thread against the SIMD wasm kernel on a product of training size
 * (64x512 by 512x128); says so when the library is the slower one.
 */
function slownessProblem(library: BlasLibrary): string | undefined {
  const [m, n, k] = [64, 128, 512];
  const memory = new WebAssembly.Memory({ initial: 8 });
  const simd = simdGemmOn(memory);
  if (simd === undefined) return undefined;
  const heap = new Float32Array(memory.buffer);
  const [a, b, c] = [0, m * k, m * k + k * n];
  fill(heap.subarray(a, b), 3);
  fill(heap.subarray(b, c), 4);
  const base = memoryAddress(memory);
  library.setThreads(1);
  const native = bestMs(() =>
    library.sgemm({
      m,
      n,
      k,
      a: base + a * 4,
      lda: k,
      transA: false,
      b: base + b * 4,
      ldb: n,
      transB: false,
      c: base + c * 4,
      ldc: n,
    }), 5);
  const wasm = bestMs(
    () => simd({ m, n, k, a, aRowStride: k, aColStride: 1, b, bRowStride: n, c, cRowStride: n }),
    5,
  );
  if (native <= wasm) return undefined;
  const rate = (ms: number) => (2 * m * n * k / ms / 1e6).toFixed(1);
  return `${library.name} ran a 64x512x128 product at ${rate(native)} GFLOP/s on one thread, ` +
    `slower than the wasm kernel's ${rate(wasm)} GFLOP/s`;
}

/** What the startup check of a library found. */
export interface BlasCheck {
  /** How its products were wrong (then it is never used). */
  wrong?: string;
  /** How it was slower than the SIMD wasm kernel (then `auto` does not use it). */
  slower?: string;
}

/**
 * The startup check of a BLAS library: a small product in every transpose combination on a
 * wasm memory against a float64 loop, then, if right, its speed on one thread against the SIMD
 * wasm kernel on a 64x512x128 product.
 */
export function checkBlasLibrary(library: BlasLibrary): BlasCheck {
  const wrong = correctnessProblem(library);
  return wrong === undefined ? { slower: slownessProblem(library) } : { wrong };
}
