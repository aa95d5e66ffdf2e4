/**
 * `Identity` for the wasm backend without a copy. The engine clones every tensor a gradient
 * needs through `Identity` while recording a training step, and the backend's own kernel
 * copies the data each time (about 2 MB a step for the small CNN); tensors are immutable, so
 * the output can share the input's memory, counted by reference as `Reshape` already does.
 * @module
 */
import { Identity, type KernelConfig, type TensorInfo } from "@tensorflow/tfjs";
import { type KernelArgs, kernelConfig } from "./kernel_config.ts";
import { runOriginal } from "./originals.ts";

/** The parts of the wasm backend used here. */
export interface RefCountingBackend {
  /** Counts one more tensor on the data. */
  incRef(dataId: object): void;
}

/** A tensor on the data of `x`, counted by reference (`x` may be disposed of first). */
export function sharedTensor(backend: RefCountingBackend, x: TensorInfo): TensorInfo {
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
}

function identity(args: KernelArgs<{ x: TensorInfo }, object, RefCountingBackend>): TensorInfo {
  const { x } = args.inputs;
  return x.dtype === "string" ? runOriginal(Identity, args) : sharedTensor(args.backend, x);
}

/** `Identity` on the wasm backend, sharing the input's memory. */
export const identityConfig: KernelConfig = kernelConfig(Identity, identity);
