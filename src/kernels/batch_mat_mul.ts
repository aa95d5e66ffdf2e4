/**
 * `BatchMatMul` for the wasm backend: every case (transposed operands, batches) on the native
 * BLAS library when one is in use, else on the SIMD kernel or XNNPACK.
 * @module
 */
import {
  BatchMatMul,
  type BatchMatMulAttrs,
  broadcast_util,
  type KernelConfig,
  type TensorInfo,
  util,
} from "@tensorflow/tfjs";
import { blasFor, blasProducts } from "./blas_gemm.ts";
import { kernelFlag } from "./flags.ts";
import { type KernelArgs, kernelConfig } from "./kernel_config.ts";
import { matMulInto, type Matrix } from "./mat_mul.ts";
import { filledOutput, freeScratch, tensorBuffer, viewOf, type WasmBackend } from "./wasm_heap.ts";

/** Shapes of a (batched) product, as `BatchMatMul` defines them. */
export interface ProductShape {
  /** Rows of op(a) and of the output. */
  m: number;
  /** Shared dimension. */
  k: number;
  /** Columns of op(b) and of the output. */
  n: number;
  /** Number of matrices in a and in b (one of them may be 1: broadcast). */
  batchA: number;
  /** Number of matrices in b. */
  batchB: number;
  /** The output shape. */
  outShape: number[];
}

/** Checks the operands of a product and works out its shapes. */
export function productShape(
  a: TensorInfo,
  b: TensorInfo,
  transposeA: boolean,
  transposeB: boolean,
): ProductShape {
  if (a.dtype !== "float32" || b.dtype !== "float32") {
    throw new Error(`BatchMatMul needs float32 tensors, got ${a.dtype} and ${b.dtype}`);
  }
  const ra = a.shape.length;
  const rb = b.shape.length;
  const k = transposeA ? a.shape[ra - 2] : a.shape[ra - 1];
  const kb = transposeB ? b.shape[rb - 1] : b.shape[rb - 2];
  const m = transposeA ? a.shape[ra - 1] : a.shape[ra - 2];
  const n = transposeB ? b.shape[rb - 2] : b.shape[rb - 1];
  util.assert(
    k === kb,
    () =>
      `Error in matMul: inner shapes (${k}) and (${kb}) of Tensors with shapes ${a.shape} and ` +
      `${b.shape} and transposeA=${transposeA} and transposeB=${transposeB} must match.`,
  );
  const batchShape = broadcast_util.assertAndGetBroadcastShape(
    a.shape.slice(0, -2),
    b.shape.slice(0, -2),
  );
  return {
    m,
    k,
    n,
    batchA: util.sizeFromShape(a.shape.slice(0, -2)),
    batchB: util.sizeFromShape(b.shape.slice(0, -2)),
    outShape: [...batchShape, m, n],
  };
}

/**
 * Computes `op(a) @ op(b)` for every matrix of a batch into the engine tensor `out`.
 * Batches pair up by index modulo each side's count, as the cpu backend does.
 */
export function batchProductInto(
  backend: WasmBackend,
  operands: { a: TensorInfo; b: TensorInfo; out: TensorInfo },
  options: { transposeA: boolean; transposeB: boolean; shape: ProductShape },
): void {
  const { a, b, out } = operands;
  const { transposeA, transposeB, shape } = options;
  const { m, k, n, batchA, batchB } = shape;
  const aRows = transposeA ? k : m;
  const aCols = transposeA ? m : k;
  const bRows = transposeB ? n : k;
  const bCols = transposeB ? k : n;
  const aBuf = tensorBuffer(backend, a);
  const bBuf = tensorBuffer(backend, b);
  const outBuf = tensorBuffer(backend, out);
  if (batchA === 1 && batchB === 1) {
    matMulInto(backend, {
      a: { buffer: aBuf, rows: aRows, cols: aCols },
      b: { buffer: bBuf, rows: bRows, cols: bCols, dataId: b.dataId as object },
      out: outBuf,
    }, { transposeA, transposeB });
    return;
  }
  const batch = Math.max(batchA, batchB);
  const blas = blasFor(backend);
  if (blas !== undefined && kernelFlag("productForm") === "auto") {
    // Straight on the heap: no per-matrix views to register.
    blasProducts(
      backend,
      blas,
      Array.from({ length: batch }, (_, i) => ({
        m,
        n,
        k,
        a: aBuf.ptr + (i % batchA) * m * k * 4,
        transposeA,
        b: bBuf.ptr + (i % batchB) * k * n * 4,
        transposeB,
        c: outBuf.ptr + i * m * n * 4,
      })),
    );
    return;
  }
  for (let i = 0; i < batch; i++) {
    const aView = viewOf(backend, aBuf.ptr + (i % batchA) * m * k * 4, m * k);
    const bView = viewOf(backend, bBuf.ptr + (i % batchB) * k * n * 4, k * n);
    const outView = viewOf(backend, outBuf.ptr + i * m * n * 4, m * n);
    try {
      const am: Matrix = { buffer: aView, rows: aRows, cols: aCols };
      const bm: Matrix = { buffer: bView, rows: bRows, cols: bCols };
      matMulInto(backend, { a: am, b: bm, out: outView }, { transposeA, transposeB });
    } finally {
      freeScratch(backend, outView);
      freeScratch(backend, bView);
      freeScratch(backend, aView);
    }
  }
}

function batchMatMul(
  args: KernelArgs<{ a: TensorInfo; b: TensorInfo }, BatchMatMulAttrs>,
): TensorInfo {
  const { a, b } = args.inputs;
  const { transposeA, transposeB } = args.attrs;
  const shape = productShape(a, b, transposeA, transposeB);
  return filledOutput(args.backend, shape.outShape, (out) => {
    batchProductInto(args.backend, { a, b, out }, { transposeA, transposeB, shape });
  });
}

/** `BatchMatMul` on the wasm backend, XNNPACK for transposed and batched products too. */
export const batchMatMulConfig: KernelConfig = kernelConfig(BatchMatMul, batchMatMul);
