/**
 * `Conv2DBackpropInput` for the wasm backend: `dy @ filter^T` (on the native BLAS library when
 * one is in use, else the SIMD kernel or XNNPACK), then the patch rows added back onto the
 * input gradient. The backend's own kernel is a naive loop, 20x slower.
 * @module
 */
import {
  Conv2DBackpropInput,
  type Conv2DBackpropInputAttrs,
  type KernelConfig,
  type TensorInfo,
} from "@tensorflow/tfjs";
import { type ConvGeometry, convGeometry, patchSize } from "./im2col.ts";
import { type KernelArgs, kernelConfig } from "./kernel_config.ts";
import { matMulInto } from "./mat_mul.ts";
import { forEachPatchChunk } from "./patches.ts";
import { filledOutput, tensorBuffer, type WasmBackend } from "./wasm_heap.ts";

/** Writes the gradient of an NHWC convolution with respect to its input into `out`. */
export function inputGradientInto(
  backend: WasmBackend,
  tensors: { dy: TensorInfo; filter: TensorInfo; out: TensorInfo },
  g: ConvGeometry,
): void {
  const filter = {
    buffer: tensorBuffer(backend, tensors.filter),
    rows: patchSize(g),
    cols: g.outC,
  };
  const dx = tensorBuffer(backend, tensors.out);
  const y = tensorBuffer(backend, tensors.dy);
  forEachPatchChunk(backend, g, { dx, y }, ({ rows, patches, yRows }) => {
    matMulInto(backend, {
      a: { buffer: yRows, rows, cols: g.outC },
      b: filter,
      out: patches,
    }, { transposeB: true });
  });
}

function conv2DBackpropInput(
  args: KernelArgs<{ dy: TensorInfo; filter: TensorInfo }, Conv2DBackpropInputAttrs>,
): TensorInfo {
  const { dy, filter } = args.inputs;
  const { inputShape } = args.attrs;
  const g = convGeometry({ x: inputShape, filter: filter.shape }, args.attrs);
  return filledOutput(args.backend, inputShape, (out) => {
    inputGradientInto(args.backend, { dy, filter, out }, g);
  });
}

/** `Conv2DBackpropInput` on the wasm backend (NHWC; any stride, padding and batch). */
export const conv2DBackpropInputConfig: KernelConfig = kernelConfig(
  Conv2DBackpropInput,
  conv2DBackpropInput,
);
