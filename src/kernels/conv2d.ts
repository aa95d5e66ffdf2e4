/**
 * `Conv2D` for the wasm backend while training: patch matrix plus a matrix product (the native
 * BLAS library when one is in use, else the SIMD kernel),
 * `patches [P, FH*FW*C] @ filter [FH*FW*C, CO]`, written straight into the NHWC output.
 * The backend's own kernel (XNNPACK) repacks the filter whenever it changes, which in
 * training is every step, and runs narrow filters (one input channel) at 6 GFLOP/s.
 * @module
 */
import { Conv2D, type Conv2DAttrs, type KernelConfig, type TensorInfo } from "@tensorflow/tfjs";
import { type ConvGeometry, convGeometry, outputShape, patchSize } from "./im2col.ts";
import { blasFor } from "./blas_gemm.ts";
import { type KernelArgs, kernelConfig } from "./kernel_config.ts";
import { freshOperandForm, matMulInto } from "./mat_mul.ts";
import { runOriginal } from "./originals.ts";
import { forEachPatchChunk } from "./patches.ts";
import { simdKernels } from "./simd_kernels.ts";
import { filledOutput, tensorBuffer, type WasmBackend } from "./wasm_heap.ts";

/** Writes the NHWC convolution of `x` with `filter` into `out`. */
export function convolutionInto(
  backend: WasmBackend,
  tensors: { x: TensorInfo; filter: TensorInfo; out: TensorInfo },
  g: ConvGeometry,
): void {
  const k = patchSize(g);
  const filter = { buffer: tensorBuffer(backend, tensors.filter), rows: k, cols: g.outC };
  const form = freshOperandForm(backend);
  const x = tensorBuffer(backend, tensors.x);
  const y = tensorBuffer(backend, tensors.out);
  forEachPatchChunk(backend, g, { x, y }, ({ rows, patches, yRows }) => {
    matMulInto(backend, { a: { buffer: patches, rows, cols: k }, b: filter, out: yRows }, { form });
  });
}

function conv2D(args: KernelArgs<{ x: TensorInfo; filter: TensorInfo }, Conv2DAttrs>): TensorInfo {
  const { x, filter } = args.inputs;
  const usable = args.attrs.dataFormat !== "NCHW" && x.dtype === "float32" &&
    filter.dtype === "float32" &&
    (simdKernels(args.backend) !== undefined || blasFor(args.backend) !== undefined);
  if (!usable) return runOriginal(Conv2D, args);
  const g = convGeometry({ x: x.shape, filter: filter.shape }, args.attrs);
  return filledOutput(args.backend, outputShape(g), (out) => {
    convolutionInto(args.backend, { x, filter, out }, g);
  });
}

/**
 * `Conv2D` on the wasm backend (NHWC float32 with BLAS or the SIMD module; else the backend's
 * own).
 */
export const conv2DConfig: KernelConfig = kernelConfig(Conv2D, conv2D);
