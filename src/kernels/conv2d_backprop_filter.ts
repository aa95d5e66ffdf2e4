/**
 * `Conv2DBackpropFilter` for the wasm backend, which has none: the filter gradient of an NHWC
 * convolution as `patches^T @ dy`, patch matrix written straight into the wasm heap and the
 * product on the native BLAS library when one is in use (chunks added up by the library), else
 * on the SIMD kernel or XNNPACK.
 * @module
 */
import {
  backend_util,
  Conv2DBackpropFilter,
  type Conv2DBackpropFilterAttrs,
  type KernelConfig,
  type TensorInfo,
} from "@tensorflow/tfjs";
import {
  type ConvGeometry,
  geometryOf,
  imagesPerChunk,
  isPointwise,
  PATCH_SLACK,
  patchSize,
} from "./im2col.ts";
import { blasFor, blasProducts } from "./blas_gemm.ts";
import type { ActiveBlas } from "./cpu_kernels.ts";
import { kernelConfig } from "./kernel_config.ts";
import { freshOperandForm, matMulInto } from "./mat_mul.ts";
import { writePatches } from "./patches.ts";
import {
  allocScratch,
  filledOutput,
  freeScratch,
  type HeapBuffer,
  tensorBuffer,
  viewOf,
  type WasmBackend,
} from "./wasm_heap.ts";

/** Writes `dW[fh, fw, ci, co] = sum over b, oh, ow of x[...] * dy[b, oh, ow, co]` into `out`. */
export function filterGradientInto(
  backend: WasmBackend,
  tensors: { x: TensorInfo; dy: TensorInfo; out: TensorInfo },
  g: ConvGeometry,
): void {
  const xBuf = tensorBuffer(backend, tensors.x);
  const dyBuf = tensorBuffer(backend, tensors.dy);
  const outBuf = tensorBuffer(backend, tensors.out);
  const k = patchSize(g);
  const positions = g.outH * g.outW;
  if (isPointwise(g)) {
    matMulInto(backend, {
      a: { buffer: xBuf, rows: g.batch * positions, cols: k },
      b: { buffer: dyBuf, rows: g.batch * positions, cols: g.outC },
      out: outBuf,
    }, { transposeA: true });
    return;
  }
  const chunk = imagesPerChunk(g);
  const blas = freshOperandForm(backend) === "blas" ? blasFor(backend) : undefined;
  if (blas !== undefined) {
    blasFilterGradient(backend, blas, { x: xBuf, dy: dyBuf, out: outBuf }, g);
    return;
  }
  const scratch: HeapBuffer[] = [];
  try {
    const patches = allocScratch(backend, chunk * positions * k + PATCH_SLACK);
    scratch.push(patches);
    const partial = chunk < g.batch ? allocScratch(backend, k * g.outC) : undefined;
    if (partial !== undefined) scratch.push(partial);
    for (let first = 0; first < g.batch; first += chunk) {
      const count = Math.min(chunk, g.batch - first);
      writePatches(backend, { x: xBuf.ptr >>> 2, patches: patches.ptr >>> 2 }, g, {
        first,
        count,
      });
      const rows = count * positions;
      const dyView = viewOf(backend, dyBuf.ptr + first * positions * g.outC * 4, rows * g.outC);
      const target = first === 0 || partial === undefined ? outBuf : partial;
      try {
        matMulInto(backend, {
          a: { buffer: patches, rows, cols: k },
          b: { buffer: dyView, rows, cols: g.outC },
          out: target,
        }, { transposeA: true });
      } finally {
        freeScratch(backend, dyView);
      }
      if (target !== outBuf) {
        const heap = backend.wasm.HEAPF32;
        const o = outBuf.ptr >>> 2;
        const p = target.ptr >>> 2;
        for (let i = 0; i < k * g.outC; i++) heap[o + i] += heap[p + i];
      }
    }
  } finally {
    for (const buffer of scratch) freeScratch(backend, buffer);
  }
}

/** The same on the BLAS library: each chunk's product added straight onto the output. */
function blasFilterGradient(
  backend: WasmBackend,
  blas: ActiveBlas,
  buffers: { x: HeapBuffer; dy: HeapBuffer; out: HeapBuffer },
  g: ConvGeometry,
): void {
  const k = patchSize(g);
  const positions = g.outH * g.outW;
  const chunk = imagesPerChunk(g);
  const patches = allocScratch(backend, chunk * positions * k + PATCH_SLACK);
  try {
    for (let first = 0; first < g.batch; first += chunk) {
      const count = Math.min(chunk, g.batch - first);
      writePatches(backend, { x: buffers.x.ptr >>> 2, patches: patches.ptr >>> 2 }, g, {
        first,
        count,
      });
      blasProducts(backend, blas, [{
        m: k,
        n: g.outC,
        k: count * positions,
        a: patches.ptr,
        transposeA: true,
        b: buffers.dy.ptr + first * positions * g.outC * 4,
        c: buffers.out.ptr,
        accumulate: first > 0,
      }]);
    }
  } finally {
    freeScratch(backend, patches);
  }
}

function conv2DBackpropFilter(args: {
  inputs: { x: TensorInfo; dy: TensorInfo };
  backend: WasmBackend;
  attrs: Conv2DBackpropFilterAttrs;
}): TensorInfo {
  const { x, dy } = args.inputs;
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = args.attrs;
  const info = backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape,
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    backend_util.convertConv2DDataFormat(dataFormat),
  );
  const g = geometryOf(info);
  return filledOutput(args.backend, filterShape, (out) => {
    filterGradientInto(args.backend, { x, dy, out }, g);
  });
}

/** `Conv2DBackpropFilter` on the wasm backend (NHWC; any stride, padding and batch). */
export const conv2DBackpropFilterConfig: KernelConfig = kernelConfig(
  Conv2DBackpropFilter,
  conv2DBackpropFilter,
);
