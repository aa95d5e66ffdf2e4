/**
 * Kernels added to, or replacing those of, the TensorFlow.js wasm backend, so that models
 * train on it and train fast:
 * - `BatchMatMul`, `_FusedMatMul`: transposed and batched products (every Dense layer's
 *   gradient) on XNNPACK or a SIMD product instead of a naive loop;
 * - `Conv2DBackpropFilter` (missing), `Conv2DBackpropInput` (a naive loop): patch matrix plus
 *   matrix product;
 * - `DepthwiseConv2dNativeBackpropFilter`, `DepthwiseConv2dNativeBackpropInput` (missing);
 * - `MaxPoolGrad` (15x slower than needed);
 * - `Identity` (copied the data; the engine clones every tensor a gradient needs with it) and
 *   `Cast` to the same type (copied too);
 * - `Conv2D` (XNNPACK repacks the filter every training step), `Sum` over leading axes (bias
 *   gradients; transposed first) and `Add` of a bias vector.
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import type { KernelBackend, KernelConfig } from "@tensorflow/tfjs";
import { addConfig } from "./add.ts";
import { batchMatMulConfig } from "./batch_mat_mul.ts";
import { castConfig } from "./cast.ts";
import { conv2DConfig } from "./conv2d.ts";
import { conv2DBackpropFilterConfig } from "./conv2d_backprop_filter.ts";
import { conv2DBackpropInputConfig } from "./conv2d_backprop_input.ts";
import {
  depthwiseConv2dNativeBackpropFilterConfig,
  depthwiseConv2dNativeBackpropInputConfig,
} from "./depthwise_conv2d_backprop.ts";
import { fusedMatMulConfig } from "./fused_mat_mul.ts";
import { identityConfig } from "./identity.ts";
import { maxPoolGradConfig } from "./max_pool_grad.ts";
import { originalKernel, rememberOriginal } from "./originals.ts";
import { sumConfig } from "./sum.ts";

const OVERRIDES: readonly KernelConfig[] = [
  batchMatMulConfig,
  fusedMatMulConfig,
  conv2DBackpropFilterConfig,
  conv2DBackpropInputConfig,
  depthwiseConv2dNativeBackpropFilterConfig,
  depthwiseConv2dNativeBackpropInputConfig,
  maxPoolGradConfig,
  identityConfig,
  conv2DConfig,
  sumConfig,
  addConfig,
  castConfig,
];

/** Names of the kernels that {@linkcode registerWasmKernels} adds or replaces. */
export function wasmKernelNames(): string[] {
  return OVERRIDES.map((config) => config.kernelName);
}

/** True while the overrides are registered. */
export function wasmKernelsRegistered(): boolean {
  return OVERRIDES.every((config) => tf.getKernel(config.kernelName, "wasm") === config);
}

function startedWasmBackend(): KernelBackend | undefined {
  // `tf.findBackend` would start the backend; the registry only holds started ones.
  const registry = (tf.engine() as unknown as { registry: Record<string, KernelBackend> })
    .registry;
  return registry["wasm"];
}

/** Options of {@linkcode registerWasmKernels}. */
export interface RegisterWasmKernelsOptions {
  /** Kernel names to leave to (or give back to) the backend's own kernels (benchmarks). */
  exclude?: readonly string[];
}

/**
 * Registers the wasm kernel overrides (for the `wasm` backend only), except those excluded,
 * which get the backend's own kernels back. Safe to call more than once, and before or after
 * the wasm backend has started: the kernels bind to the backend's functions on first use.
 */
export function registerWasmKernels(options: RegisterWasmKernelsOptions = {}): void {
  const exclude = new Set(options.exclude ?? []);
  const backend = startedWasmBackend();
  for (const config of OVERRIDES) {
    const current = tf.getKernel(config.kernelName, "wasm");
    if (exclude.has(config.kernelName)) {
      if (current === config) restoreOriginal(config, backend);
      continue;
    }
    if (current === config) continue;
    if (current !== undefined) {
      rememberOriginal(current);
      tf.unregisterKernel(config.kernelName, "wasm");
    }
    tf.registerKernel(config);
  }
}

/** Replaces a registered override by the backend's own kernel, if it had one. */
function restoreOriginal(config: KernelConfig, backend: KernelBackend | undefined): void {
  tf.unregisterKernel(config.kernelName, "wasm");
  const original = originalKernel(config.kernelName);
  if (original === undefined) return;
  tf.registerKernel(original);
  // A kernel's setupFunc only runs when the backend starts; the original may have missed it.
  if (backend !== undefined) original.setupFunc?.(backend);
}

/**
 * Removes the overrides and puts the wasm backend's own kernels back (benchmarks, tests).
 * Kernels the backend never had are simply removed again. Safe to call at any time.
 */
export function unregisterWasmKernels(): void {
  const backend = startedWasmBackend();
  for (const config of OVERRIDES) {
    if (tf.getKernel(config.kernelName, "wasm") === config) restoreOriginal(config, backend);
  }
}
