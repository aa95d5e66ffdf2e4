/**
 * `Cast` for the wasm backend: a cast to the tensor's own type shares its memory (counted by
 * reference, as `Identity` here does) instead of copying it. Gradients cast float32 tensors to
 * float32 often (every relu's gradient does). Other casts go to the backend's own kernel.
 * @module
 */
import {
  Cast,
  type CastAttrs,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from "@tensorflow/tfjs";
import { runOriginal } from "./originals.ts";

/** The parts of the wasm backend used here. */
interface RefCountingBackend {
  incRef(dataId: object): void;
}

function cast(
  args: { inputs: { x: TensorInfo }; backend: RefCountingBackend; attrs: CastAttrs },
): TensorInfo {
  const { x } = args.inputs;
  if (x.dtype !== args.attrs.dtype || x.dtype === "string") return runOriginal(Cast, args);
  args.backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
}

/** `Cast` on the wasm backend, without a copy when the type does not change. */
export const castConfig: KernelConfig = {
  kernelName: Cast,
  backendName: "wasm",
  kernelFunc: cast as unknown as KernelFunc,
};
