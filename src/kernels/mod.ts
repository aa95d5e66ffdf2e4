/**
 * Kernels added to, or replacing those of, the TensorFlow.js wasm backend, so that models
 * train on it and train fast:
 * - `BatchMatMul`, `_FusedMatMul`: transposed and batched products (every Dense layer's
 *   gradient) on XNNPACK or a SIMD product instead of a naive loop;
 * - `Conv2DBackpropFilter` (missing), `Conv2DBackpropInput` (a naive loop): patch matrix plus
 *   matrix product;
 * - `DepthwiseConv2dNativeBackpropFilter`, `DepthwiseConv2dNativeBackpropInput` (missing);
 * - `MaxPoolGrad` (15x slower than needed).
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import type { KernelBackend, KernelConfig } from "@tensorflow/tfjs";
import { batchMatMulConfig } from "./batch_mat_mul.ts";
import { conv2DBackpropFilterConfig } from "./conv2d_backprop_filter.ts";
import { conv2DBackpropInputConfig } from "./conv2d_backprop_input.ts";
import {
  depthwiseConv2dNativeBackpropFilterConfig,
  depthwiseConv2dNativeBackpropInputConfig,
} from "./depthwise_conv2d_backprop.ts";
import { fusedMatMulConfig } from "./fused_mat_mul.ts";
import { maxPoolGradConfig } from "./max_pool_grad.ts";
import { originalKernel, rememberOriginal } from "./originals.ts";

const OVERRIDES: readonly KernelConfig[] = [
  batchMatMulConfig,
  fusedMatMulConfig,
  conv2DBackpropFilterConfig,
  conv2DBackpropInputConfig,
  depthwiseConv2dNativeBackpropFilterConfig,
  depthwiseConv2dNativeBackpropInputConfig,
  maxPoolGradConfig,
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

/**
 * Registers the wasm kernel overrides (for the `wasm` backend only). Safe to call more than
 * once, and before or after the wasm backend has started: the kernels bind to the backend's
 * functions on first use.
 */
export function registerWasmKernels(): void {
  for (const config of OVERRIDES) {
    const current = tf.getKernel(config.kernelName, "wasm");
    if (current === config) continue;
    if (current !== undefined) {
      rememberOriginal(current);
      tf.unregisterKernel(config.kernelName, "wasm");
    }
    tf.registerKernel(config);
  }
}

/**
 * Removes the overrides and puts the wasm backend's own kernels back (benchmarks, tests).
 * Kernels the backend never had are simply removed again. Safe to call at any time.
 */
export function unregisterWasmKernels(): void {
  const backend = startedWasmBackend();
  for (const config of OVERRIDES) {
    if (tf.getKernel(config.kernelName, "wasm") !== config) continue;
    tf.unregisterKernel(config.kernelName, "wasm");
    const original = originalKernel(config.kernelName);
    if (original === undefined) continue;
    tf.registerKernel(original);
    // A kernel's setupFunc only runs when the backend starts; the original may have missed it.
    if (backend !== undefined) original.setupFunc?.(backend);
  }
}
