/**
 * The registration record of a kernel here. TensorFlow.js types every kernel function as the
 * loose `KernelFunc`; the kernels here are typed by their own inputs, backend and attributes,
 * so the one cast between the two lives in {@linkcode kernelConfig}.
 * @module
 */
import type { KernelConfig, KernelFunc, TensorInfo } from "@tensorflow/tfjs";
import type { WasmBackend } from "./wasm_heap.ts";

/** What TensorFlow.js passes a kernel function: its inputs, its backend and its attributes. */
export interface KernelArgs<Inputs, Attrs = object, Backend = WasmBackend> {
  /** The input tensors, by name. */
  inputs: Inputs;
  /** The backend the kernel runs on. */
  backend: Backend;
  /** The kernel's attributes. */
  attrs: Attrs;
}

/** The config that registers `kernelFunc` as the kernel `kernelName` of `backendName`. */
export function kernelConfig<Args>(
  kernelName: string,
  kernelFunc: (args: Args) => TensorInfo | TensorInfo[],
  backendName: "wasm" | "cpu" = "wasm",
): KernelConfig {
  return { kernelName, backendName, kernelFunc: kernelFunc as unknown as KernelFunc };
}
