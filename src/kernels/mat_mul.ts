/**
 * Matrix products on the wasm heap through the backend's XNNPACK fully-connected operator.
 *
 * The backend's `BatchMatMul` only takes the XNNPACK path for an unbatched product without
 * transposes; everything else runs a naive triple loop (about 15x slower). XNNPACK also packs
 * the right-hand matrix ("weights") before every product with a new right-hand tensor, and that
 * packing costs about 5 ns per value, more than the product itself for training-sized
 * matrices. So `out = op(a) @ op(b)` is computed in whichever of three forms is estimated
 * cheapest:
 * - simd: the hand-written SIMD product of `simd_kernels.wat`, which needs no packing and
 *   reads a transposed left operand in place (a transposed right operand is transposed first);
 * - direct: transpose operands as needed, then XNNPACK `a' @ b'` (packs `b'`, K x N values);
 * - swapped: XNNPACK `out^T = op(b)^T @ op(a)^T`, then transpose the result (packs K x M).
 * XNNPACK's product itself is faster than the SIMD one, so it wins for tall left operands and
 * for right-hand tensors already packed by an earlier product (inference with fixed weights,
 * reused through the backend's own operator cache).
 *
 * When a native BLAS library is in use (`cpu_kernels.ts`), every product runs on it instead
 * (`blas`): it reads transposed operands in place and is several times faster than all three.
 * @module
 */
import { blasFor, blasProducts } from "./blas_gemm.ts";
import { kernelFlag, type ProductForm } from "./flags.ts";
import { simdKernels } from "./simd_kernels.ts";
import {
  allocScratch,
  freeScratch,
  type HeapBuffer,
  int32Bytes,
  viewOf,
  type WasmBackend,
  wasmFunctions,
} from "./wasm_heap.ts";

/** A row-major matrix stored in a heap buffer. */
export interface Matrix {
  /** Where the values are. */
  buffer: HeapBuffer;
  /** Rows as stored. */
  rows: number;
  /** Columns as stored. */
  cols: number;
  /**
   * Engine data id of the tensor the matrix is, when it is a whole engine tensor: lets a right
   * hand side be used under its own id, so XNNPACK's packed copy is cached across calls.
   */
  dataId?: object;
}

export type { ProductForm } from "./flags.ts";

/** Options of {@linkcode matMulInto}. */
export interface MatMulOptions {
  /** Form already chosen by {@linkcode planProduct} (skips planning). */
  plan?: Exclude<ProductForm, "auto">;
  /** Use op(a) = a^T. */
  transposeA?: boolean;
  /** Use op(b) = b^T. */
  transposeB?: boolean;
  /** Force a form (benchmarks and tests). */
  form?: ProductForm;
}

// Costs in ns, per value moved or per multiply-add, measured on the SIMD build with
// bench/wasm_kernels.ts.
const TRANSPOSE_COST = 0.5;
const PACK_COST = 5.5;
const XNN_MAC_COST = 0.11;
const SIMD_MAC_COST = 0.1;

/**
 * Right-hand tensors whose packed weights the backend has cached, by engine data id, with the
 * row count they were packed for (a reshaped tensor keeps its id but not its rows).
 */
const packedWeights = new WeakMap<object, number>();

/** Right-hand tensors seen once: a second use means weights reused, worth packing and caching. */
const seenWeights = new WeakSet<object>();

/**
 * The form for a product whose right-hand side is new on every call (a convolution's filter
 * while training): BLAS when in use, else the SIMD kernel, as XNNPACK would pack it every time.
 * The `productForm` flag, when set, wins.
 */
export function freshOperandForm(backend: WasmBackend): ProductForm {
  const forced = kernelFlag("productForm");
  if (forced !== "auto") return forced;
  return blasFor(backend) !== undefined ? "blas" : "simd";
}

function transposeCost(rows: number, cols: number): number {
  return rows === 1 || cols === 1 ? 0 : rows * cols * TRANSPOSE_COST;
}

/**
 * Transposes a stored matrix into a new scratch buffer, or re-reads a vector under a new id
 * (a 1 x n or n x 1 matrix is its own transpose in memory).
 */
function transposed(backend: WasmBackend, m: Matrix): Matrix {
  if (m.rows === 1 || m.cols === 1) {
    return { buffer: viewOf(backend, m.buffer.ptr, m.buffer.size), rows: m.cols, cols: m.rows };
  }
  const out = allocScratch(backend, m.rows * m.cols);
  wasmFunctions(backend).transpose(
    m.buffer.id,
    int32Bytes([m.rows, m.cols]),
    2,
    0,
    out.id,
    int32Bytes([1, 0]),
    2,
  );
  return { buffer: out, rows: m.cols, cols: m.rows };
}

/**
 * The right-hand side under its own id, unless that id was packed before with other
 * dimensions: then under a fresh id, so the stale packed copy is never used.
 */
function reusableWeights(backend: WasmBackend, b: Matrix): Matrix {
  if (b.dataId === undefined) return b;
  const rows = packedWeights.get(b.dataId);
  if (rows === undefined || rows === b.rows) return b;
  return { ...b, buffer: viewOf(backend, b.buffer.ptr, b.buffer.size), dataId: undefined };
}

/** `out = a @ b` for stored (untransposed) matrices, via XNNPACK. */
function xnnProduct(backend: WasmBackend, a: Matrix, b: Matrix, out: HeapBuffer): void {
  wasmFunctions(backend).batchMatMul(
    a.buffer.id,
    int32Bytes([1, a.rows, a.cols]),
    3,
    b.buffer.id,
    int32Bytes([1, b.rows, b.cols]),
    3,
    0,
    0,
    out.id,
  );
}

/** Releases the temporaries of a product (never the caller's buffers). */
function release(backend: WasmBackend, m: Matrix, original: Matrix): void {
  if (m.buffer !== original.buffer) freeScratch(backend, m.buffer);
}

/**
 * Picks the form of `op(a) @ op(b)`: BLAS when in use, else by estimated cost (or the forced
 * form); no side effects.
 */
export function planProduct(
  backend: WasmBackend,
  operands: { a: Matrix; b: Matrix },
  options: MatMulOptions = {},
): Exclude<ProductForm, "auto"> {
  const { a, b } = operands;
  const ta = options.transposeA ?? false;
  const tb = options.transposeB ?? false;
  const m = ta ? a.cols : a.rows;
  const k = ta ? a.rows : a.cols;
  const n = tb ? b.rows : b.cols;
  const simd = simdKernels(backend);
  const form = options.form ?? kernelFlag("productForm");
  const blas = blasFor(backend);
  if (form === "direct" || form === "swapped") return form;
  if (form === "simd" && simd !== undefined) return form;
  if ((form === "blas" || form === "auto") && blas !== undefined) return "blas";
  const cachedB = !tb && b.dataId !== undefined && packedWeights.get(b.dataId) === b.rows;
  const reusedB = !tb && b.dataId !== undefined && seenWeights.has(b.dataId);
  const product = m * k * n * XNN_MAC_COST;
  const direct = (ta ? transposeCost(a.rows, a.cols) : 0) +
    (tb ? transposeCost(b.rows, b.cols) : 0) + (cachedB || reusedB ? 0 : k * n * PACK_COST) +
    product;
  const swapped = (tb ? 0 : transposeCost(b.rows, b.cols)) +
    (ta ? 0 : transposeCost(a.rows, a.cols)) + k * m * PACK_COST + transposeCost(n, m) +
    product;
  const simdCost = simd === undefined
    ? Infinity
    : (tb ? transposeCost(b.rows, b.cols) : 0) + m * k * n * SIMD_MAC_COST;
  if (simdCost <= direct && simdCost <= swapped) return "simd";
  return swapped < direct ? "swapped" : "direct";
}

/**
 * Computes `out = op(a) @ op(b)` into `out` (M x N floats, row-major).
 * Every temporary is freed before returning, also when a call throws.
 */
export function matMulInto(
  backend: WasmBackend,
  operands: { a: Matrix; b: Matrix; out: HeapBuffer },
  options: MatMulOptions = {},
): void {
  const { a, b, out } = operands;
  const ta = options.transposeA ?? false;
  const tb = options.transposeB ?? false;
  const m = ta ? a.cols : a.rows;
  const k = ta ? a.rows : a.cols;
  const n = tb ? b.rows : b.cols;
  if (m === 0 || n === 0) return;
  if (k === 0) {
    new Float32Array(backend.wasm.HEAPF32.buffer, out.ptr, m * n).fill(0);
    return;
  }
  const simd = simdKernels(backend);
  const form = options.plan ?? planProduct(backend, { a, b }, options);
  const blas = blasFor(backend);
  if (form === "blas" && blas !== undefined) {
    blasProducts(backend, blas, [{
      m,
      n,
      k,
      a: a.buffer.ptr,
      transposeA: ta,
      b: b.buffer.ptr,
      transposeB: tb,
      c: out.ptr,
    }]);
    return;
  }
  if (!tb && b.dataId !== undefined) seenWeights.add(b.dataId);
  if (form === "simd" && simd !== undefined) {
    // The product reads B row by row, so a transposed B is transposed first (cheap).
    const b2 = tb ? transposed(backend, b) : b;
    try {
      simd.gemm({
        m,
        n,
        k,
        a: a.buffer.ptr >>> 2,
        aRowStride: ta ? 1 : a.cols,
        aColStride: ta ? a.cols : 1,
        b: b2.buffer.ptr >>> 2,
        bRowStride: n,
        c: out.ptr >>> 2,
        cRowStride: n,
      });
    } finally {
      release(backend, b2, b);
    }
    return;
  }
  if (form === "direct") {
    const a2 = ta ? transposed(backend, a) : a;
    let b2: Matrix | undefined;
    try {
      // A right-hand side used under its own id stays packed in the backend's cache until the
      // tensor is disposed; any other id is fresh and its packed copy dies with it.
      b2 = tb ? transposed(backend, b) : reusableWeights(backend, b);
      if (b2 === b && b.dataId !== undefined) packedWeights.set(b.dataId, b.rows);
      xnnProduct(backend, a2, b2, out);
    } finally {
      if (b2 !== undefined) release(backend, b2, b);
      release(backend, a2, a);
    }
    return;
  }
  // swapped: out^T (n x m) = op(b)^T (n x k) @ op(a)^T (k x m)
  // The left operand is never cached by the backend, so `b` itself can serve when stored n x k.
  const left = tb ? b : transposed(backend, b);
  let right: Matrix | undefined;
  let outT: Matrix | undefined;
  try {
    right = ta
      ? { ...a, buffer: viewOf(backend, a.buffer.ptr, a.buffer.size) }
      : transposed(backend, a);
    if (m === 1 || n === 1) {
      // out^T and out have the same layout when one side is 1.
      xnnProduct(backend, left, right, out);
      return;
    }
    outT = { buffer: allocScratch(backend, n * m), rows: n, cols: m };
    xnnProduct(backend, left, right, outT.buffer);
    wasmFunctions(backend).transpose(
      outT.buffer.id,
      int32Bytes([n, m]),
      2,
      0,
      out.id,
      int32Bytes([1, 0]),
      2,
    );
  } finally {
    if (outT !== undefined) freeScratch(backend, outT.buffer);
    if (right !== undefined) freeScratch(backend, right.buffer);
    release(backend, left, b);
  }
}
