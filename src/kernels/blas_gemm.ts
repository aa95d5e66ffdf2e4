/**
 * Matrix products of the wasm backend on the native BLAS library in use: `cblas_sgemm` reads
 * and writes the backend's heap in place (no copies), transposed operands included.
 * @module
 */
import { type ActiveBlas, activeBlas } from "./cpu_kernels.ts";
import { kernelFlag } from "./flags.ts";
import { memoryAddress } from "./blas_library.ts";
import type { WasmBackend } from "./wasm_heap.ts";

/** A row-major product `C[m x n] (+)= op(A)[m x k] @ op(B)[k x n]` on the heap, byte offsets. */
export interface HeapProduct {
  /** Rows of the output. */
  m: number;
  /** Columns of the output. */
  n: number;
  /** Shared dimension. */
  k: number;
  /** Byte offset of A as stored (m x k, or k x m when transposed). */
  a: number;
  /** Use op(A) = A^T. */
  transposeA?: boolean;
  /** Byte offset of B as stored (k x n, or n x k when transposed). */
  b: number;
  /** Use op(B) = B^T. */
  transposeB?: boolean;
  /** Byte offset of C. */
  c: number;
  /** Add to C instead of overwriting it. */
  accumulate?: boolean;
}

/** The backend's heap as a wasm memory, when its build exposes one. */
function heapMemory(backend: WasmBackend): WebAssembly.Memory | undefined {
  const memory = backend.wasm.asm?.memory;
  return memory instanceof WebAssembly.Memory ? memory : undefined;
}

/** The BLAS library in use, when it can reach this backend's heap. */
export function blasFor(backend: WasmBackend): ActiveBlas | undefined {
  const blas = activeBlas();
  return blas !== undefined && heapMemory(backend) !== undefined ? blas : undefined;
}

/**
 * Runs products on the heap with the BLAS library in use (see {@linkcode blasFor}); threads by
 * size: one below the `blasThreadMinMacs` flag's multiply-adds, else one or the `threads`
 * setting, whichever has been faster for products of that size.
 */
export function blasProducts(
  backend: WasmBackend,
  blas: ActiveBlas,
  products: readonly HeapProduct[],
): void {
  const memory = heapMemory(backend);
  if (memory === undefined) throw new Error("the wasm backend's heap is not a WebAssembly.Memory");
  const base = memoryAddress(memory);
  for (const p of products) {
    if (p.m === 0 || p.n === 0) continue;
    if (p.k === 0) {
      // BLAS libraries reject a leading dimension of 0; the product is all zeros.
      if (!p.accumulate) new Float32Array(memory.buffer, p.c, p.m * p.n).fill(0);
      continue;
    }
    const macs = p.m * p.n * p.k;
    const threads = blas.chooser.choose(macs, kernelFlag("blasThreadMinMacs"));
    blas.library.setThreads(threads);
    const start = performance.now();
    blas.library.sgemm({
      m: p.m,
      n: p.n,
      k: p.k,
      a: base + p.a,
      lda: p.transposeA ? p.m : p.k,
      transA: p.transposeA === true,
      b: base + p.b,
      ldb: p.transposeB ? p.k : p.n,
      transB: p.transposeB === true,
      c: base + p.c,
      ldc: p.n,
      accumulate: p.accumulate,
    });
    blas.chooser.record(macs, threads, performance.now() - start);
  }
}
