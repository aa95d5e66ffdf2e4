/**
 * `Conv2DBackpropInput` for the wasm backend: `dy @ filter^T` (on the native BLAS library when
 * one is in use, else the SIMD kernel or XNNPACK), then the patch rows added back onto the
 * input gradient. The backend's own kernel is a naive loop, 20x slower.
 * @module
 */
import {
  backend_util,
  Conv2DBackpropInput,
  type Conv2DBackpropInputAttrs,
  type KernelConfig,
  type TensorInfo,
} from "@tensorflow/tfjs";
import { type ConvGeometry, geometryOf, imagesPerChunk, isPointwise, patchSize } from "./im2col.ts";
import { kernelConfig } from "./kernel_config.ts";
import { matMulInto } from "./mat_mul.ts";
import { addPatches } from "./patches.ts";
import {
  allocScratch,
  filledOutput,
  freeScratch,
  tensorBuffer,
  viewOf,
  type WasmBackend,
} from "./wasm_heap.ts";

/** Writes the gradient of an NHWC convolution with respect to its input into `out`. */
export function inputGradientInto(
  backend: WasmBackend,
  tensors: { dy: TensorInfo; filter: TensorInfo; out: TensorInfo },
  g: ConvGeometry,
): void {
  const dyBuf = tensorBuffer(backend, tensors.dy);
  const filterBuf = tensorBuffer(backend, tensors.filter);
  const outBuf = tensorBuffer(backend, tensors.out);
  const k = patchSize(g);
  const positions = g.outH * g.outW;
  const filter = { buffer: filterBuf, rows: k, cols: g.outC };
  if (isPointwise(g)) {
    matMulInto(backend, {
      a: { buffer: dyBuf, rows: g.batch * positions, cols: g.outC },
      b: filter,
      out: outBuf,
    }, { transposeB: true });
    return;
  }
  const chunk = imagesPerChunk(g);
  const patches = allocScratch(backend, chunk * positions * k);
  try {
    backend.wasm.HEAPF32.fill(0, outBuf.ptr >>> 2, (outBuf.ptr >>> 2) + outBuf.size);
    for (let first = 0; first < g.batch; first += chunk) {
      const count = Math.min(chunk, g.batch - first);
      const rows = count * positions;
      const dyView = viewOf(backend, dyBuf.ptr + first * positions * g.outC * 4, rows * g.outC);
      try {
        matMulInto(backend, {
          a: { buffer: dyView, rows, cols: g.outC },
          b: filter,
          out: patches,
        }, { transposeB: true });
      } finally {
        freeScratch(backend, dyView);
      }
      addPatches(backend, { x: outBuf.ptr >>> 2, patches: patches.ptr >>> 2 }, g, {
        first,
        count,
      });
    }
  } finally {
    freeScratch(backend, patches);
  }
}

function conv2DBackpropInput(args: {
  inputs: { dy: TensorInfo; filter: TensorInfo };
  backend: WasmBackend;
  attrs: Conv2DBackpropInputAttrs;
}): TensorInfo {
  const { dy, filter } = args.inputs;
  const { strides, pad, dataFormat, dimRoundingMode, inputShape } = args.attrs;
  const info = backend_util.computeConv2DInfo(
    inputShape,
    filter.shape as [number, number, number, number],
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    backend_util.convertConv2DDataFormat(dataFormat),
  );
  const g = geometryOf(info);
  return filledOutput(args.backend, [...inputShape], (out) => {
    inputGradientInto(args.backend, { dy, filter, out }, g);
  });
}

/** `Conv2DBackpropInput` on the wasm backend (NHWC; any stride, padding and batch). */
export const conv2DBackpropInputConfig: KernelConfig = kernelConfig(
  Conv2DBackpropInput,
  conv2DBackpropInput,
);
