/**
 * `_FusedMatMul` (product, bias, activation) for the wasm backend: transposed and batched
 * products, and products with a new right-hand side, through {@linkcode batchProductInto};
 * bias and activation then applied on the heap. Products XNNPACK does best (right-hand side
 * already packed, or tall left side) stay with the backend's own fused kernel.
 * @module
 */
import {
  _FusedMatMul,
  type _FusedMatMulAttrs,
  type KernelConfig,
  type TensorInfo,
  util,
} from "@tensorflow/tfjs";
import { batchProductInto, productShape } from "./batch_mat_mul.ts";
import { type KernelArgs, kernelConfig } from "./kernel_config.ts";
import { planProduct } from "./mat_mul.ts";
import { runOriginal } from "./originals.ts";
import { filledOutput, tensorBuffer, type WasmBackend } from "./wasm_heap.ts";

type Inputs = {
  a: TensorInfo;
  b: TensorInfo;
  bias?: TensorInfo;
  preluActivationWeights?: TensorInfo;
};

const ACTIVATIONS = new Set(["linear", "relu", "relu6", "prelu", "leakyrelu", "sigmoid", "elu"]);

/** Size of a tensor that may be applied along the last axis: `n` values, or one. */
function isRowVector(info: TensorInfo | undefined, n: number): boolean {
  if (info === undefined) return true;
  const size = util.sizeFromShape(info.shape);
  return info.dtype === "float32" && (size === n || size === 1);
}

/** Adds the bias and applies the activation to `out` (rows of `n` values) in place. */
function epilogue(
  backend: WasmBackend,
  out: TensorInfo,
  n: number,
  fused: { bias?: TensorInfo; prelu?: TensorInfo; activation: string; alpha: number },
): void {
  const heap = backend.wasm.HEAPF32;
  const o = tensorBuffer(backend, out);
  const start = o.ptr >>> 2;
  const end = start + o.size;
  if (fused.bias !== undefined) {
    const bb = tensorBuffer(backend, fused.bias);
    const bStart = bb.ptr >>> 2;
    if (bb.size === 1) {
      const v = heap[bStart];
      for (let i = start; i < end; i++) heap[i] += v;
    } else {
      for (let row = start; row < end; row += n) {
        for (let j = 0; j < n; j++) heap[row + j] += heap[bStart + j];
      }
    }
  }
  switch (fused.activation) {
    case "relu":
      for (let i = start; i < end; i++) if (heap[i] < 0) heap[i] = 0;
      break;
    case "relu6":
      for (let i = start; i < end; i++) heap[i] = Math.min(Math.max(heap[i], 0), 6);
      break;
    case "leakyrelu":
      for (let i = start; i < end; i++) if (heap[i] < 0) heap[i] *= fused.alpha;
      break;
    case "sigmoid":
      for (let i = start; i < end; i++) heap[i] = 1 / (1 + Math.exp(-heap[i]));
      break;
    case "elu":
      for (let i = start; i < end; i++) if (heap[i] < 0) heap[i] = Math.exp(heap[i]) - 1;
      break;
    case "prelu": {
      const w = tensorBuffer(backend, fused.prelu!);
      const wStart = w.ptr >>> 2;
      for (let i = start; i < end; i++) {
        if (heap[i] < 0) heap[i] *= heap[wStart + (w.size === 1 ? 0 : (i - start) % n)];
      }
      break;
    }
  }
}

function fusedMatMul(args: KernelArgs<Inputs, _FusedMatMulAttrs>): TensorInfo {
  const { a, b, bias, preluActivationWeights } = args.inputs;
  const { transposeA, transposeB, activation, leakyreluAlpha } = args.attrs;
  const backend = args.backend;
  const shape = productShape(a, b, transposeA, transposeB);
  const supported = ACTIVATIONS.has(activation) && isRowVector(bias, shape.n) &&
    (activation !== "prelu" || (preluActivationWeights !== undefined &&
      isRowVector(preluActivationWeights, shape.n)));
  const plain = !transposeA && !transposeB && shape.batchA === 1 && shape.batchB === 1;
  const xnnBest = plain &&
    planProduct(backend, {
        a: { buffer: tensorBuffer(backend, a), rows: shape.m, cols: shape.k },
        b: {
          buffer: tensorBuffer(backend, b),
          rows: shape.k,
          cols: shape.n,
          dataId: b.dataId as object,
        },
      }) === "direct";
  if (!supported || xnnBest) {
    return runOriginal(_FusedMatMul, args as unknown as Parameters<typeof runOriginal>[1]);
  }
  return filledOutput(backend, shape.outShape, (out) => {
    batchProductInto(backend, { a, b, out }, { transposeA, transposeB, shape });
    epilogue(backend, out, shape.n, {
      bias,
      prelu: preluActivationWeights,
      activation,
      alpha: leakyreluAlpha ?? 0,
    });
  });
}

/** `_FusedMatMul` on the wasm backend, fast for transposed, batched and fresh products. */
export const fusedMatMulConfig: KernelConfig = kernelConfig(_FusedMatMul, fusedMatMul);
