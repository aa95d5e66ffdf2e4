/**
 * `Cast` for the wasm backend: a cast to the tensor's own type shares its memory (counted by
 * reference, as `Identity` here does) instead of copying it. Gradients cast float32 tensors to
 * float32 often (every relu's gradient does). Other casts go to the backend's own kernel.
 * @module
 */
import { Cast, type CastAttrs, type KernelConfig, type TensorInfo } from "@tensorflow/tfjs";
import { type RefCountingBackend, sharedTensor } from "./identity.ts";
import { type KernelArgs, kernelConfig } from "./kernel_config.ts";
import { runOriginal } from "./originals.ts";

function cast(args: KernelArgs<{ x: TensorInfo }, CastAttrs, RefCountingBackend>): TensorInfo {
  const { x } = args.inputs;
  if (x.dtype !== args.attrs.dtype || x.dtype === "string") return runOriginal(Cast, args);
  return sharedTensor(args.backend, x);
}

/** `Cast` on the wasm backend, without a copy when the type does not change. */
export const castConfig: KernelConfig = kernelConfig(Cast, cast);
