/**
 * The wasm backend's own kernels that an override replaced, kept so an override can hand a
 * case it does not cover back to them and so the overrides can be removed again.
 * @module
 */
import type { KernelBackend, KernelConfig, TensorInfo } from "@tensorflow/tfjs";

const originals = new Map<string, KernelConfig>();
const setUp = new WeakMap<KernelConfig, WeakSet<object>>();

/** Remembers the backend's own config of a kernel (the first one seen wins). */
export function rememberOriginal(config: KernelConfig): void {
  if (!originals.has(config.kernelName)) originals.set(config.kernelName, config);
}

/** The backend's own config of a kernel, if it had one. */
export function originalKernel(kernelName: string): KernelConfig | undefined {
  return originals.get(kernelName);
}

/**
 * Runs the backend's own kernel. Its `setupFunc` (which binds its C function) only ran if it
 * was registered when the backend started, so it is run here once per backend first.
 */
export function runOriginal(
  kernelName: string,
  args: { inputs: Record<string, TensorInfo | undefined>; backend: object; attrs: object },
): TensorInfo {
  const config = originals.get(kernelName);
  if (config === undefined) throw new Error(`wasm backend has no own kernel ${kernelName}`);
  let backends = setUp.get(config);
  if (backends === undefined) {
    backends = new WeakSet();
    setUp.set(config, backends);
  }
  if (!backends.has(args.backend)) {
    config.setupFunc?.(args.backend as KernelBackend);
    backends.add(args.backend);
  }
  return config.kernelFunc(args as Parameters<KernelConfig["kernelFunc"]>[0]) as TensorInfo;
}
