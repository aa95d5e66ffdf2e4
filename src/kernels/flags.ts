/**
 * The named switches of the kernels, the sweep's optimizer and its losses, in one place (after the named
 * flags of tfjs-backend-wasm): benchmarks turn optimisations off to measure them, tests force
 * each code path. The defaults are what the product runs with; nothing in `src/` sets them.
 *
 * @example
 * ```ts
 * const previous = setKernelFlags({ simdKernels: false });
 * try {
 *   // ... measure or test the fallback
 * } finally {
 *   setKernelFlags(previous);
 * }
 * ```
 * @module
 */

/**
 * How a matrix product is computed: `auto` picks by estimated cost; `blas` is the native BLAS
 * library (when one is in use), `simd` the SIMD kernel of `simd_kernels.wat`, `direct` and
 * `swapped` XNNPACK with the right-hand or the left-hand side packed.
 */
export type ProductForm = "auto" | "blas" | "simd" | "direct" | "swapped";

/** Every switch, by name. */
export interface KernelFlags {
  /** Forces the form of every matrix product (`auto`: chosen per product). */
  productForm: ProductForm;
  /** The SIMD module (`simd_kernels.wat`); off, the kernels fall back to XNNPACK or TypeScript. */
  simdKernels: boolean;
  /** Fused optimizer updates (one kernel per variable for Adam); off, TensorFlow.js's own. */
  fusedUpdates: boolean;
  /** Categorical cross-entropy in one kernel (and one for its gradient); off, composed ops. */
  fusedLosses: boolean;
  /** Most floats of convolution patch rows made at once (kept in the level-2 cache). */
  patchChunkFloats: number;
  /**
   * Products with fewer multiply-adds than this run the BLAS library on one thread (threads
   * cost more than they gain on them); larger ones on one or all threads, whichever has been
   * faster for their size (`blas_threads.ts`). `Infinity`: always one thread.
   */
  blasThreadMinMacs: number;
}

/** The values the product runs with. */
export const DEFAULT_KERNEL_FLAGS: Readonly<KernelFlags> = Object.freeze({
  productForm: "auto",
  simdKernels: true,
  fusedUpdates: true,
  fusedLosses: true,
  patchChunkFloats: 1 << 18,
  blasThreadMinMacs: 1_000_000,
});

const current: KernelFlags = { ...DEFAULT_KERNEL_FLAGS };

/** The current value of one switch. */
export function kernelFlag<K extends keyof KernelFlags>(name: K): KernelFlags[K] {
  return current[name];
}

/** All switches as they are now (a copy). */
export function kernelFlags(): KernelFlags {
  return { ...current };
}

/**
 * Sets some switches for all later kernel calls and returns every switch's previous value,
 * so that `setKernelFlags(previous)` undoes the change.
 */
export function setKernelFlags(flags: Partial<KernelFlags>): KernelFlags {
  const previous = kernelFlags();
  for (const [name, value] of Object.entries(flags) as [keyof KernelFlags, never][]) {
    if (!(name in DEFAULT_KERNEL_FLAGS)) throw new Error(`unknown kernel flag ${name}`);
    if (value !== undefined) current[name] = value;
  }
  return previous;
}

/** Puts every switch back to its default. */
export function resetKernelFlags(): void {
  Object.assign(current, DEFAULT_KERNEL_FLAGS);
}
