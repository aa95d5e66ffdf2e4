/**
 * `Identity` for the wasm backend without a copy. The engine clones every tensor a gradient
 * needs through `Identity` while recording a training step, and the backend's own kernel
 * copies the data each time (about 2 MB a step for the small CNN); tensors are immutable, so
 * the output can share the input's memory, counted by reference as `Reshape` already does.
 * @module
 */
import { Identity, type KernelConfig, type KernelFunc, type TensorInfo } from "@tensorflow/tfjs";
import { runOriginal } from "./originals.ts";

/** The parts of the wasm backend used here. */
interface RefCountingBackend {
  incRef(dataId: object): void;
}

function identity(
  args: { inputs: { x: TensorInfo }; backend: RefCountingBackend; attrs: object },
): TensorInfo {
  const { x } = args.inputs;
  if (x.dtype === "string") return runOriginal(Identity, args);
  args.backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
}

/** `Identity` on the wasm backend, sharing the input's memory. */
export const identityConfig: KernelConfig = {
  kernelName: Identity,
  backendName: "wasm",
  kernelFunc: identity as unknown as KernelFunc,
};
