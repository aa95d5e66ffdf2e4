/**
 * Kernels added to or replacing those of the TensorFlow.js wasm backend.
 * @module
 */

/** Registers the wasm kernel overrides; safe to call more than once, before the backend starts. */
export function registerWasmKernels(): void {
  // Filled by the wasm kernel work (Conv2DBackpropFilter, transposed BatchMatMul).
}
