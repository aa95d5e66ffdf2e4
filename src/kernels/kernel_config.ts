/**
 * The registration record of a kernel here. TensorFlow.js types every kernel function as the
 * loose `KernelFunc`; the kernels here are typed by their own inputs, backend and attributes,
 * so the one cast between the two lives in {@linkcode kernelConfig}.
 * @module
 */
import type { KernelConfig, KernelFunc, TensorInfo } from "@tensorflow/tfjs";

/** The config that registers `kernelFunc` as the kernel `kernelName` of `backendName`. */
export function kernelConfig<Args>(
  kernelName: string,
  kernelFunc: (args: Args) => TensorInfo | TensorInfo[],
  backendName: "wasm" | "cpu" = "wasm",
): KernelConfig {
  return { kernelName, backendName, kernelFunc: kernelFunc as unknown as KernelFunc };
}
