/**
 * `Add` of a vector over the last axis for the wasm backend (`[..., c] + [c]`: every layer's
 * bias), one SIMD pass; the backend's own kernel walks the broadcast index by index. Every
 * other `Add` goes to the backend's own kernel. The sums are the same float32 additions.
 * @module
 */
import { Add, type KernelConfig, type TensorInfo, util } from "@tensorflow/tfjs";
import { type KernelArgs, kernelConfig } from "./kernel_config.ts";
import { runOriginal } from "./originals.ts";
import { simdKernels } from "./simd_kernels.ts";
import { tensorBuffer } from "./wasm_heap.ts";

/**
 * True when `bias` broadcasts over `x` along the last axes only: its shape, without leading
 * ones, is a suffix of `x`'s shape, and `x` is at least as large.
 */
export function isRowBroadcast(x: readonly number[], bias: readonly number[]): boolean {
  const first = bias.findIndex((d) => d !== 1);
  const core = first < 0 ? [] : bias.slice(first);
  if (core.length === 0 || core.length > x.length || bias.length > x.length) return false;
  const suffix = x.slice(x.length - core.length);
  return core.every((d, i) => d === suffix[i]) && x.length > 0 &&
    util.sizeFromShape([...x]) > util.sizeFromShape(core);
}

function add(args: KernelArgs<{ a: TensorInfo; b: TensorInfo }>): TensorInfo {
  const { inputs: { a, b }, backend } = args;
  const simd = simdKernels(backend);
  const floats = a.dtype === "float32" && b.dtype === "float32";
  const [x, bias] = isRowBroadcast(a.shape, b.shape)
    ? [a, b]
    : isRowBroadcast(b.shape, a.shape)
    ? [b, a]
    : [undefined, undefined];
  if (simd === undefined || !floats || x === undefined || bias === undefined) {
    return runOriginal(Add, args);
  }
  const cols = util.sizeFromShape(bias.shape);
  const out = backend.makeOutput([...x.shape], "float32");
  simd.addRows(
    {
      x: tensorBuffer(backend, x).ptr >>> 2,
      bias: tensorBuffer(backend, bias).ptr >>> 2,
      out: tensorBuffer(backend, out).ptr >>> 2,
    },
    util.sizeFromShape(x.shape) / cols,
    cols,
  );
  return out;
}

/** `Add` on the wasm backend: bias broadcasts in one pass, the rest by the backend's own. */
export const addConfig: KernelConfig = kernelConfig(Add, add);
