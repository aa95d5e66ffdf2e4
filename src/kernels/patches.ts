/**
 * Patch-matrix conversion on the wasm heap: the SIMD kernels where they run, else plain
 * TypeScript over the heap.
 * @module
 */
import { col2im, type ConvGeometry, im2col } from "./im2col.ts";
import { type ImageRange, simdKernels } from "./simd_kernels.ts";
import type { WasmBackend } from "./wasm_heap.ts";

/** Float indices in the heap of an NHWC image batch and of a patch matrix. */
export interface PatchPlaces {
  /** Float index of the NHWC tensor. */
  x: number;
  /** Float index of the patch matrix. */
  patches: number;
}

/**
 * Writes the patch rows of `images` of the NHWC tensor at `at.x` to `at.patches`, a buffer
 * with `PATCH_SLACK` floats to spare after the rows.
 */
export function writePatches(
  backend: WasmBackend,
  at: PatchPlaces,
  g: ConvGeometry,
  images: ImageRange,
): void {
  const simd = simdKernels(backend);
  if (simd !== undefined) {
    simd.im2col(at, g, images);
  } else {
    im2col(backend.wasm.HEAPF32, { src: at.x, dst: at.patches }, g, images);
  }
}

/** Adds the patch rows of `images` at `at.patches` onto the NHWC tensor at `at.x`. */
export function addPatches(
  backend: WasmBackend,
  at: PatchPlaces,
  g: ConvGeometry,
  images: ImageRange,
): void {
  const simd = simdKernels(backend);
  if (simd !== undefined) {
    simd.col2im(at, g, images);
  } else {
    col2im(backend.wasm.HEAPF32, { src: at.patches, dst: at.x }, g, images);
  }
}
