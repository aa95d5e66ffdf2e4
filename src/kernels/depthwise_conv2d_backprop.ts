/**
 * The depthwise convolution gradients the wasm backend lacks, `DepthwiseConv2dNativeBackpropFilter`
 * and `DepthwiseConv2dNativeBackpropInput`: plain TypeScript loops over the wasm heap (a
 * depthwise convolution does little arithmetic per value, so there is no matrix product to
 * hand to XNNPACK). NHWC; any stride, padding, dilation and channel multiplier.
 * @module
 */
import {
  DepthwiseConv2dNativeBackpropFilter,
  type DepthwiseConv2dNativeBackpropFilterAttrs,
  DepthwiseConv2dNativeBackpropInput,
  type DepthwiseConv2dNativeBackpropInputAttrs,
  type KernelConfig,
  type TensorInfo,
} from "@tensorflow/tfjs";
import { type ConvGeometry, convGeometry } from "./im2col.ts";
import { type KernelArgs, kernelConfig } from "./kernel_config.ts";
import { tensorBuffer, zeroedOutput } from "./wasm_heap.ts";

/** Visits every (image, output position, filter tap) whose input position is inside the image. */
function forEachTap(
  g: ConvGeometry,
  visit: (xBase: number, dyBase: number, filterBase: number) => void,
): void {
  const mult = g.outC / g.inC;
  for (let b = 0; b < g.batch; b++) {
    for (let oh = 0; oh < g.outH; oh++) {
      for (let fh = 0; fh < g.filterH; fh++) {
        const ih = oh * g.strideH - g.padTop + fh * g.dilationH;
        if (ih < 0 || ih >= g.inH) continue;
        for (let ow = 0; ow < g.outW; ow++) {
          const dyBase = ((b * g.outH + oh) * g.outW + ow) * g.outC;
          for (let fw = 0; fw < g.filterW; fw++) {
            const iw = ow * g.strideW - g.padLeft + fw * g.dilationW;
            if (iw < 0 || iw >= g.inW) continue;
            visit(
              ((b * g.inH + ih) * g.inW + iw) * g.inC,
              dyBase,
              (fh * g.filterW + fw) * g.inC * mult,
            );
          }
        }
      }
    }
  }
}

function depthwiseFilterGradient(
  args: KernelArgs<{ x: TensorInfo; dy: TensorInfo }, DepthwiseConv2dNativeBackpropFilterAttrs>,
): TensorInfo {
  const { x, dy } = args.inputs;
  const backend = args.backend;
  const { filterShape } = args.attrs;
  const g = convGeometry({ x: x.shape, filter: filterShape, depthwise: true }, args.attrs);
  const { out, at: os } = zeroedOutput(backend, filterShape);
  const heap = backend.wasm.HEAPF32;
  const xs = tensorBuffer(backend, x).ptr >>> 2;
  const dys = tensorBuffer(backend, dy).ptr >>> 2;
  const channels = g.inC;
  const mult = g.outC / g.inC;
  forEachTap(g, (xBase, dyBase, filterBase) => {
    for (let c = 0; c < channels; c++) {
      const xv = heap[xs + xBase + c];
      const d = dys + dyBase + c * mult;
      const f = os + filterBase + c * mult;
      for (let q = 0; q < mult; q++) heap[f + q] += xv * heap[d + q];
    }
  });
  return out;
}

function depthwiseInputGradient(
  args: KernelArgs<{ dy: TensorInfo; filter: TensorInfo }, DepthwiseConv2dNativeBackpropInputAttrs>,
): TensorInfo {
  const { dy, filter } = args.inputs;
  const backend = args.backend;
  const { inputShape } = args.attrs;
  const g = convGeometry({ x: inputShape, filter: filter.shape, depthwise: true }, args.attrs);
  const { out, at: os } = zeroedOutput(backend, inputShape);
  const heap = backend.wasm.HEAPF32;
  const dys = tensorBuffer(backend, dy).ptr >>> 2;
  const fs = tensorBuffer(backend, filter).ptr >>> 2;
  const channels = g.inC;
  const mult = g.outC / g.inC;
  forEachTap(g, (xBase, dyBase, filterBase) => {
    for (let c = 0; c < channels; c++) {
      const d = dys + dyBase + c * mult;
      const f = fs + filterBase + c * mult;
      let sum = 0;
      for (let q = 0; q < mult; q++) sum += heap[d + q] * heap[f + q];
      heap[os + xBase + c] += sum;
    }
  });
  return out;
}

/** `DepthwiseConv2dNativeBackpropFilter` on the wasm backend (plain TypeScript). */
export const depthwiseConv2dNativeBackpropFilterConfig: KernelConfig = kernelConfig(
  DepthwiseConv2dNativeBackpropFilter,
  depthwiseFilterGradient,
);

/** `DepthwiseConv2dNativeBackpropInput` on the wasm backend (plain TypeScript). */
export const depthwiseConv2dNativeBackpropInputConfig: KernelConfig = kernelConfig(
  DepthwiseConv2dNativeBackpropInput,
  depthwiseInputGradient,
);
