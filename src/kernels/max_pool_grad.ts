/**
 * `MaxPoolGrad` for the wasm backend: each output gradient goes to the first largest input of
 * its window (the cpu backend's rule), in one pass over the heap (wasm where the SIMD module
 * runs, else TypeScript). The backend's own kernel takes 10x longer.
 * @module
 */
import {
  backend_util,
  type KernelConfig,
  MaxPoolGrad,
  type MaxPoolGradAttrs,
  type TensorInfo,
} from "@tensorflow/tfjs";
import { type KernelArgs, kernelConfig } from "./kernel_config.ts";
import { simdKernels } from "./simd_kernels.ts";
import { tensorBuffer, zeroedOutput } from "./wasm_heap.ts";

function maxPoolGrad(
  args: KernelArgs<{ dy: TensorInfo; input: TensorInfo; output: TensorInfo }, MaxPoolGradAttrs>,
): TensorInfo {
  const { dy, input } = args.inputs;
  const { filterSize, strides, pad, dimRoundingMode } = args.attrs;
  const backend = args.backend;
  const info = backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    filterSize,
    strides,
    1,
    pad,
    dimRoundingMode,
  );
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth } = info;
  const { strideHeight, strideWidth, dilationHeight, dilationWidth } = info;
  const { effectiveFilterHeight, effectiveFilterWidth } = info;
  const { out, at: os } = zeroedOutput(backend, input.shape);
  const heap = backend.wasm.HEAPF32;
  const xs = tensorBuffer(backend, input).ptr >>> 2;
  let d = tensorBuffer(backend, dy).ptr >>> 2;
  const simd = simdKernels(backend);
  if (simd !== undefined) {
    simd.maxPoolGrad({ x: xs, dy: d, dx: os }, {
      shape: [batchSize, inHeight, inWidth, inChannels, outHeight, outWidth],
      filter: [effectiveFilterHeight, effectiveFilterWidth],
      strides: [strideHeight, strideWidth],
      dilations: [dilationHeight, dilationWidth],
      pads: [info.padInfo.top, info.padInfo.left],
    });
    return out;
  }
  const rowStride = inWidth * inChannels;
  for (let b = 0; b < batchSize; b++) {
    const image = b * inHeight * rowStride;
    for (let oh = 0; oh < outHeight; oh++) {
      const rCorner = oh * strideHeight - info.padInfo.top;
      const rMin = Math.max(0, rCorner);
      const rMax = Math.min(inHeight, rCorner + effectiveFilterHeight);
      for (let ow = 0; ow < outWidth; ow++) {
        const cCorner = ow * strideWidth - info.padInfo.left;
        const cMin = Math.max(0, cCorner);
        const cMax = Math.min(inWidth, cCorner + effectiveFilterWidth);
        for (let ch = 0; ch < inChannels; ch++, d++) {
          let best = -Infinity;
          let at = -1;
          for (let r = rMin; r < rMax; r += dilationHeight) {
            let i = image + r * rowStride + cMin * inChannels + ch;
            for (let c = cMin; c < cMax; c += dilationWidth, i += dilationWidth * inChannels) {
              const v = heap[xs + i];
              if (v > best) {
                best = v;
                at = i;
              }
            }
          }
          if (at >= 0) heap[os + at] += heap[d];
        }
      }
    }
  }
  return out;
}

/** `MaxPoolGrad` on the wasm backend (NHWC). */
export const maxPoolGradConfig: KernelConfig = kernelConfig(MaxPoolGrad, maxPoolGrad);
