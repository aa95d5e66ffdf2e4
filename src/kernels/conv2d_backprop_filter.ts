/**
 * `Conv2DBackpropFilter` for the wasm backend, which has none: the filter gradient of an NHWC
 * convolution as `patches^T @ dy`, patch matrix written straight into the wasm heap and the
 * product on the native BLAS library when one is in use (chunks added up by the library), else
 * on the SIMD kernel or XNNPACK.
 * @module
 */
import {
  Conv2DBackpropFilter,
  type Conv2DBackpropFilterAttrs,
  type KernelConfig,
  type TensorInfo,
} from "@tensorflow/tfjs";
import { type ConvGeometry, convGeometry, patchSize } from "./im2col.ts";
import { blasFor, blasProducts } from "./blas_gemm.ts";
import { type KernelArgs, kernelConfig } from "./kernel_config.ts";
import { freshOperandForm, matMulInto } from "./mat_mul.ts";
import { forEachPatchChunk } from "./patches.ts";
import {
  allocScratch,
  filledOutput,
  freeScratch,
  type HeapBuffer,
  tensorBuffer,
  type WasmBackend,
} from "./wasm_heap.ts";

/** Writes `dW[fh, fw, ci, co] = sum over b, oh, ow of x[...] * dy[b, oh, ow, co]` into `out`. */
export function filterGradientInto(
  backend: WasmBackend,
  tensors: { x: TensorInfo; dy: TensorInfo; out: TensorInfo },
  g: ConvGeometry,
): void {
  const k = patchSize(g);
  const out = tensorBuffer(backend, tensors.out);
  const blas = freshOperandForm(backend) === "blas" ? blasFor(backend) : undefined;
  // Without the library, every chunk's product but the first goes to `partial`, then is added.
  let partial: HeapBuffer | undefined;
  const x = tensorBuffer(backend, tensors.x);
  const y = tensorBuffer(backend, tensors.dy);
  try {
    forEachPatchChunk(backend, g, { x, y }, ({ images, rows, patches, yRows }) => {
      if (blas !== undefined) {
        blasProducts(backend, blas, [{
          m: k,
          n: g.outC,
          k: rows,
          a: patches.ptr,
          transposeA: true,
          b: yRows.ptr,
          c: out.ptr,
          accumulate: images.first > 0,
        }]);
        return;
      }
      const target = images.first === 0 ? out : (partial ??= allocScratch(backend, k * g.outC));
      matMulInto(backend, {
        a: { buffer: patches, rows, cols: k },
        b: { buffer: yRows, rows, cols: g.outC },
        out: target,
      }, { transposeA: true });
      if (target !== out) {
        const heap = backend.wasm.HEAPF32;
        const o = out.ptr >>> 2;
        const p = target.ptr >>> 2;
        for (let i = 0; i < k * g.outC; i++) heap[o + i] += heap[p + i];
      }
    });
  } finally {
    if (partial !== undefined) freeScratch(backend, partial);
  }
}

function conv2DBackpropFilter(
  args: KernelArgs<{ x: TensorInfo; dy: TensorInfo }, Conv2DBackpropFilterAttrs>,
): TensorInfo {
  const { x, dy } = args.inputs;
  const { filterShape } = args.attrs;
  const g = convGeometry({ x: x.shape, filter: filterShape }, args.attrs);
  return filledOutput(args.backend, filterShape, (out) => {
    filterGradientInto(args.backend, { x, dy, out }, g);
  });
}

/** `Conv2DBackpropFilter` on the wasm backend (NHWC; any stride, padding and batch). */
export const conv2DBackpropFilterConfig: KernelConfig = kernelConfig(
  Conv2DBackpropFilter,
  conv2DBackpropFilter,
);
