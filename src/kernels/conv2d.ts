/**
 * `Conv2D` for the wasm backend while training: patch matrix plus a matrix product (the native
 * BLAS library when one is in use, else the SIMD kernel),
 * `patches [P, FH*FW*C] @ filter [FH*FW*C, CO]`, written straight into the NHWC output.
 * The backend's own kernel (XNNPACK) repacks the filter whenever it changes, which in
 * training is every step, and runs narrow filters (one input channel) at 6 GFLOP/s.
 * @module
 */
import {
  backend_util,
  Conv2D,
  type Conv2DAttrs,
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
import { blasFor } from "./blas_gemm.ts";
import { kernelConfig } from "./kernel_config.ts";
import { freshOperandForm, matMulInto } from "./mat_mul.ts";
import { runOriginal } from "./originals.ts";
import { writePatches } from "./patches.ts";
import { simdKernels } from "./simd_kernels.ts";
import {
  allocScratch,
  filledOutput,
  freeScratch,
  tensorBuffer,
  viewOf,
  type WasmBackend,
} from "./wasm_heap.ts";

/** Writes the NHWC convolution of `x` with `filter` into `out`. */
export function convolutionInto(
  backend: WasmBackend,
  tensors: { x: TensorInfo; filter: TensorInfo; out: TensorInfo },
  g: ConvGeometry,
): void {
  const xBuf = tensorBuffer(backend, tensors.x);
  const filterBuf = tensorBuffer(backend, tensors.filter);
  const outBuf = tensorBuffer(backend, tensors.out);
  const k = patchSize(g);
  const positions = g.outH * g.outW;
  const filter = { buffer: filterBuf, rows: k, cols: g.outC };
  const form = freshOperandForm(backend);
  if (isPointwise(g)) {
    matMulInto(backend, {
      a: { buffer: xBuf, rows: g.batch * positions, cols: k },
      b: filter,
      out: outBuf,
    }, { form });
    return;
  }
  const chunk = imagesPerChunk(g);
  const patches = allocScratch(backend, chunk * positions * k + PATCH_SLACK);
  try {
    for (let first = 0; first < g.batch; first += chunk) {
      const count = Math.min(chunk, g.batch - first);
      writePatches(backend, { x: xBuf.ptr >>> 2, patches: patches.ptr >>> 2 }, g, {
        first,
        count,
      });
      const rows = count * positions;
      const outView = viewOf(backend, outBuf.ptr + first * positions * g.outC * 4, rows * g.outC);
      try {
        matMulInto(backend, {
          a: { buffer: patches, rows, cols: k },
          b: filter,
          out: outView,
        }, { form });
      } finally {
        freeScratch(backend, outView);
      }
    }
  } finally {
    freeScratch(backend, patches);
  }
}

function conv2D(args: {
  inputs: { x: TensorInfo; filter: TensorInfo };
  backend: WasmBackend;
  attrs: Conv2DAttrs;
}): TensorInfo {
  const { x, filter } = args.inputs;
  const { strides, pad, dataFormat, dilations, dimRoundingMode } = args.attrs;
  const usable = dataFormat !== "NCHW" && x.dtype === "float32" && filter.dtype === "float32" &&
    (simdKernels(args.backend) !== undefined || blasFor(args.backend) !== undefined);
  if (!usable) return runOriginal(Conv2D, args);
  const info = backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filter.shape as [number, number, number, number],
    strides,
    dilations,
    pad,
    dimRoundingMode,
    false,
    backend_util.convertConv2DDataFormat(dataFormat),
  );
  const g = geometryOf(info);
  return filledOutput(args.backend, [...info.outShape], (out) => {
    convolutionInto(args.backend, { x, filter, out }, g);
  });
}

/**
 * `Conv2D` on the wasm backend (NHWC float32 with BLAS or the SIMD module; else the backend's
 * own).
 */
export const conv2DConfig: KernelConfig = kernelConfig(Conv2D, conv2D);
