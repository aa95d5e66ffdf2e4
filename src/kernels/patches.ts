/**
 * The chunk loop of the convolution kernels: a batch's patch matrix is made a few images at a
 * time (see {@linkcode imagesPerChunk}) in one scratch buffer on the wasm heap, converted from
 * or onto the NHWC tensors by the SIMD kernels where they run, else by plain TypeScript.
 * @module
 */
import {
  col2im,
  type ConvGeometry,
  im2col,
  imagesPerChunk,
  isPointwise,
  PATCH_SLACK,
  patchSize,
} from "./im2col.ts";
import { type ImageRange, simdKernels } from "./simd_kernels.ts";
import {
  allocScratch,
  freeScratch,
  type HeapBuffer,
  viewOf,
  type WasmBackend,
} from "./wasm_heap.ts";

/**
 * The NHWC tensors of a convolution that {@linkcode forEachPatchChunk} reads and writes: `y`,
 * and either `x` or `dx`.
 */
export type PatchChunkTensors =
  & {
    /** A tensor of the output's shape (the output, or its gradient), viewed chunk by chunk. */
    y: HeapBuffer;
  }
  & (
    | {
      /** The input: each chunk's patch rows are written from it before the step. */
      x: HeapBuffer;
      dx?: undefined;
    }
    | {
      /** The input's gradient: zeroed, then each chunk's patch rows are added onto it after. */
      dx: HeapBuffer;
      x?: undefined;
    }
  );

/** One chunk of a batch, as {@linkcode forEachPatchChunk} hands it to its step. */
export interface PatchChunk {
  /** The chunk's images. */
  images: ImageRange;
  /** Rows of the chunk: its output positions, `images.count * outH * outW`. */
  rows: number;
  /** The patch matrix, `rows` by `patchSize(g)`. */
  patches: HeapBuffer;
  /** The chunk's rows of `y`, `rows` by `outC`. */
  yRows: HeapBuffer;
}

/**
 * Runs `step` on each chunk of the batch in turn, the scratch buffers freed afterwards (also
 * when a step throws). Where the patch matrix is `x` or `dx` itself ({@linkcode isPointwise}),
 * there is one chunk, the whole batch, with that tensor as its patches and `y` as its rows.
 */
export function forEachPatchChunk(
  backend: WasmBackend,
  g: ConvGeometry,
  tensors: PatchChunkTensors,
  step: (chunk: PatchChunk) => void,
): void {
  const { x, dx, y } = tensors;
  const positions = g.outH * g.outW;
  if (isPointwise(g)) {
    const images = { first: 0, count: g.batch };
    step({ images, rows: g.batch * positions, patches: x ?? dx, yRows: y });
    return;
  }
  const perChunk = imagesPerChunk(g);
  const simd = simdKernels(backend);
  const patches = allocScratch(backend, perChunk * positions * patchSize(g) + PATCH_SLACK);
  try {
    if (dx !== undefined) backend.wasm.HEAPF32.fill(0, dx.ptr >>> 2, (dx.ptr >>> 2) + dx.size);
    for (let first = 0; first < g.batch; first += perChunk) {
      const images = { first, count: Math.min(perChunk, g.batch - first) };
      const rows = images.count * positions;
      if (x !== undefined) {
        const at = { x: x.ptr >>> 2, patches: patches.ptr >>> 2 };
        if (simd !== undefined) simd.im2col(at, g, images);
        else im2col(backend.wasm.HEAPF32, { src: at.x, dst: at.patches }, g, images);
      }
      const yRows = viewOf(backend, y.ptr + first * positions * g.outC * 4, rows * g.outC);
      try {
        step({ images, rows, patches, yRows });
      } finally {
        freeScratch(backend, yRows);
      }
      if (dx !== undefined) {
        const at = { x: dx.ptr >>> 2, patches: patches.ptr >>> 2 };
        if (simd !== undefined) simd.col2im(at, g, images);
        else col2im(backend.wasm.HEAPF32, { src: at.patches, dst: at.x }, g, images);
      }
    }
  } finally {
    freeScratch(backend, patches);
  }
}
