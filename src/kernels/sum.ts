/**
 * `Sum` over leading axes for the wasm backend: every bias gradient is such a sum
 * (`[batch, h, w, c]` summed over the first three axes). The backend's own kernel transposes
 * the tensor first so that the summed axes come last, then sums; here the columns of the
 * `[rows, cols]` view are summed in one pass (float32 blocks, float64 totals). Other sums go
 * to the backend's own kernel.
 * @module
 */
import { type KernelConfig, Sum, type SumAttrs, type TensorInfo, util } from "@tensorflow/tfjs";
import { type KernelArgs, kernelConfig } from "./kernel_config.ts";
import { runOriginal } from "./originals.ts";
import { simdKernels } from "./simd_kernels.ts";
import { allocScratch, freeScratch, tensorBuffer } from "./wasm_heap.ts";

/** How many leading axes a sum reduces, or 0 when it is not a sum over leading axes only. */
export function leadingAxes(axis: number | number[], shape: number[]): number {
  const axes = util.parseAxisParam(axis, shape).sort((a, b) => a - b);
  const leading = axes.length > 0 && axes.length < shape.length && axes.every((a, i) => a === i);
  return leading ? axes.length : 0;
}

function sum(args: KernelArgs<{ x: TensorInfo }, SumAttrs>): TensorInfo {
  const { inputs: { x }, backend, attrs } = args;
  const simd = simdKernels(backend);
  const reduced = x.dtype === "float32" ? leadingAxes(attrs.axis, [...x.shape]) : 0;
  const rows = util.sizeFromShape(x.shape.slice(0, reduced));
  const cols = util.sizeFromShape(x.shape.slice(reduced));
  if (simd === undefined || reduced === 0 || rows * cols === 0) return runOriginal(Sum, args);
  const kept = x.shape.slice(reduced);
  const out = backend.makeOutput(
    attrs.keepDims ? [...x.shape.slice(0, reduced).map(() => 1), ...kept] : kept,
    "float32",
  );
  const acc = allocScratch(backend, 2 * cols);
  try {
    simd.columnSum(
      {
        x: tensorBuffer(backend, x).ptr >>> 2,
        out: tensorBuffer(backend, out).ptr >>> 2,
        acc: acc.ptr >>> 2,
      },
      rows,
      cols,
    );
  } finally {
    freeScratch(backend, acc);
  }
  return out;
}

/** `Sum` on the wasm backend: leading axes in one pass, the rest by the backend's own kernel. */
export const sumConfig: KernelConfig = kernelConfig(Sum, sum);
