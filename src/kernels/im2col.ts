/**
 * Patch matrices of NHWC convolutions ("im2col") and their transpose-accumulate ("col2im").
 *
 * Row `p` of a patch matrix belongs to output position `p = (b * outH + oh) * outW + ow` and
 * holds the input values that the filter sees there, in the filter's own order
 * `(fh, fw, c)`, zeros where the filter hangs over the padding. So a convolution is
 * `patches [P, FH*FW*C] @ filter [FH*FW*C, CO]`, with the filter read as stored.
 * @module
 */
import { backend_util, type Conv2DAttrs } from "@tensorflow/tfjs";
import { kernelFlag } from "./flags.ts";

/** Geometry of a 2-D NHWC convolution. */
export interface ConvGeometry {
  /** Batch size. */
  batch: number;
  /** Input height. */
  inH: number;
  /** Input width. */
  inW: number;
  /** Input channels. */
  inC: number;
  /** Output height. */
  outH: number;
  /** Output width. */
  outW: number;
  /** Output channels. */
  outC: number;
  /** Filter height. */
  filterH: number;
  /** Filter width. */
  filterW: number;
  /** Vertical stride. */
  strideH: number;
  /** Horizontal stride. */
  strideW: number;
  /** Vertical dilation. */
  dilationH: number;
  /** Horizontal dilation. */
  dilationW: number;
  /** Rows of padding above the input. */
  padTop: number;
  /** Columns of padding left of the input. */
  padLeft: number;
}

/** The attributes of a convolution kernel that fix its geometry, as TensorFlow.js passes them. */
export type ConvAttrs =
  & Pick<Conv2DAttrs, "strides" | "pad" | "dimRoundingMode">
  & Partial<Pick<Conv2DAttrs, "dilations" | "dataFormat">>;

type Shape4 = [number, number, number, number];

/**
 * The geometry of the convolution of an input of `xShape` with a filter of `filterShape`
 * (depthwise: its last dimension is the channel multiplier). Dilations default to 1; the data
 * format must be NHWC.
 */
export function convGeometry(
  shapes: { x: readonly number[]; filter: readonly number[]; depthwise?: boolean },
  attrs: ConvAttrs,
): ConvGeometry {
  const info = backend_util.computeConv2DInfo(
    shapes.x as Shape4,
    shapes.filter as Shape4,
    attrs.strides,
    attrs.dilations ?? 1,
    attrs.pad,
    attrs.dimRoundingMode,
    shapes.depthwise ?? false,
    backend_util.convertConv2DDataFormat(attrs.dataFormat ?? "NHWC"),
  );
  if (info.dataFormat !== "channelsLast") {
    throw new Error(`wasm convolution kernels need dataFormat NHWC, got ${info.dataFormat}`);
  }
  return {
    batch: info.batchSize,
    inH: info.inHeight,
    inW: info.inWidth,
    inC: info.inChannels,
    outH: info.outHeight,
    outW: info.outWidth,
    outC: info.outChannels,
    filterH: info.filterHeight,
    filterW: info.filterWidth,
    strideH: info.strideHeight,
    strideW: info.strideWidth,
    dilationH: info.dilationHeight,
    dilationW: info.dilationWidth,
    padTop: info.padInfo.top,
    padLeft: info.padInfo.left,
  };
}

/** The NHWC output shape of a convolution. */
export function outputShape(g: ConvGeometry): number[] {
  return [g.batch, g.outH, g.outW, g.outC];
}

/** Columns of the patch matrix: `filterH * filterW * inC`. */
export function patchSize(g: ConvGeometry): number {
  return g.filterH * g.filterW * g.inC;
}

/** True when the patch matrix is the input itself (1x1 filter, stride 1, no padding). */
export function isPointwise(g: ConvGeometry): boolean {
  return g.filterH === 1 && g.filterW === 1 && g.strideH === 1 && g.strideW === 1 &&
    g.padTop === 0 && g.padLeft === 0 && g.outH === g.inH && g.outW === g.inW;
}

const COPY_WITHIN_MIN = 48;

/**
 * Writes the patch rows of images `[first, first + count)` into `heap` at float index `dst`,
 * reading the NHWC input at float index `src` (both in the same heap array).
 */
export function im2col(
  heap: Float32Array,
  at: { src: number; dst: number },
  g: ConvGeometry,
  images: { first: number; count: number },
): void {
  const { inH, inW, inC, outH, outW, filterH, filterW, strideH, strideW } = g;
  const { dilationH, dilationW, padTop, padLeft } = g;
  const rowStride = inW * inC;
  const runW = filterW * inC;
  let o = at.dst;
  for (let b = images.first; b < images.first + images.count; b++) {
    const imageBase = at.src + b * inH * rowStride;
    for (let oh = 0; oh < outH; oh++) {
      const ih0 = oh * strideH - padTop;
      for (let ow = 0; ow < outW; ow++) {
        const iw0 = ow * strideW - padLeft;
        const inside = iw0 >= 0 && iw0 + (filterW - 1) * dilationW < inW;
        for (let fh = 0; fh < filterH; fh++) {
          const ih = ih0 + fh * dilationH;
          if (ih < 0 || ih >= inH) {
            heap.fill(0, o, o + runW);
            o += runW;
            continue;
          }
          const rowBase = imageBase + ih * rowStride;
          if (inside && dilationW === 1) {
            // The filter row reads filterW * inC consecutive values.
            const s = rowBase + iw0 * inC;
            if (runW >= COPY_WITHIN_MIN) {
              heap.copyWithin(o, s, s + runW);
            } else {
              for (let i = 0; i < runW; i++) heap[o + i] = heap[s + i];
            }
            o += runW;
            continue;
          }
          for (let fw = 0; fw < filterW; fw++) {
            const iw = iw0 + fw * dilationW;
            if (iw < 0 || iw >= inW) {
              heap.fill(0, o, o + inC);
            } else {
              const s = rowBase + iw * inC;
              for (let c = 0; c < inC; c++) heap[o + c] = heap[s + c];
            }
            o += inC;
          }
        }
      }
    }
  }
}

/**
 * Adds the patch rows of images `[first, first + count)`, read from `heap` at float index
 * `src`, back onto the NHWC image at float index `dst` (which the caller zeroed): the
 * transpose of {@linkcode im2col}.
 */
export function col2im(
  heap: Float32Array,
  at: { src: number; dst: number },
  g: ConvGeometry,
  images: { first: number; count: number },
): void {
  const { inH, inW, inC, outH, outW, filterH, filterW, strideH, strideW } = g;
  const { dilationH, dilationW, padTop, padLeft } = g;
  const rowStride = inW * inC;
  const runW = filterW * inC;
  let o = at.src;
  for (let b = images.first; b < images.first + images.count; b++) {
    const imageBase = at.dst + b * inH * rowStride;
    for (let oh = 0; oh < outH; oh++) {
      const ih0 = oh * strideH - padTop;
      for (let ow = 0; ow < outW; ow++) {
        const iw0 = ow * strideW - padLeft;
        const inside = iw0 >= 0 && iw0 + (filterW - 1) * dilationW < inW;
        for (let fh = 0; fh < filterH; fh++) {
          const ih = ih0 + fh * dilationH;
          if (ih < 0 || ih >= inH) {
            o += runW;
            continue;
          }
          const rowBase = imageBase + ih * rowStride;
          if (inside && dilationW === 1) {
            const d = rowBase + iw0 * inC;
            for (let i = 0; i < runW; i++) heap[d + i] += heap[o + i];
            o += runW;
            continue;
          }
          for (let fw = 0; fw < filterW; fw++) {
            const iw = iw0 + fw * dilationW;
            if (iw >= 0 && iw < inW) {
              const d = rowBase + iw * inC;
              for (let c = 0; c < inC; c++) heap[d + c] += heap[o + c];
            }
            o += inC;
          }
        }
      }
    }
  }
}

/**
 * Floats a patch-matrix buffer needs beyond its rows: the SIMD im2col copies runs shorter than
 * four floats with one vector store, which may write up to three floats past the last row.
 */
export const PATCH_SLACK = 4;

/**
 * How many images' patch rows fit in one chunk of at most the `patchChunkFloats` flag's floats
 * (1 MiB by default, so that they are still in a core's level-2 cache when the product reads
 * them); at least one image.
 */
export function imagesPerChunk(g: ConvGeometry): number {
  const perImage = g.outH * g.outW * patchSize(g);
  const chunkFloats = kernelFlag("patchChunkFloats");
  return Math.max(1, Math.min(g.batch, Math.floor(chunkFloats / Math.max(1, perImage))));
}
