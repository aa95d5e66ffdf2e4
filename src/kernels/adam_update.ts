/**
 * `LrFinderAdamUpdate`: one Adam step for one variable in a single pass over memory, for the
 * wasm backend (SIMD module, or TypeScript where it cannot run) and the cpu backend.
 * TensorFlow.js's Adam takes about 15 element-wise kernels per variable, each a pass over the
 * variable and an engine dispatch; the results here are bitwise the same (see `adam_math.ts`).
 *
 * Inputs `w`, `g`, `m`, `v` (weights, gradient, moments) and the optimizer's scalar
 * accumulators `accBeta1`, `accBeta2`; outputs new `[w, m, v]` tensors (the inputs may be
 * shared with other tensors, so they are never written).
 * @module
 */
import type { KernelConfig, TensorInfo } from "@tensorflow/tfjs";
import { type AdamConstants, adamConstants, adamStepValues } from "./adam_math.ts";
import { type KernelArgs, kernelConfig } from "./kernel_config.ts";
import { simdKernels } from "./simd_kernels.ts";
import type { CpuBackend } from "./cpu_backend.ts";
import { tensorBuffer } from "./wasm_heap.ts";

/** Name of the fused Adam kernel. */
export const ADAM_UPDATE = "LrFinderAdamUpdate";

/** Attributes of {@linkcode ADAM_UPDATE}. */
export interface AdamUpdateAttrs {
  /** Decay of the first moment. */
  beta1: number;
  /** Decay of the second moment. */
  beta2: number;
  /** Numerical stability term. */
  epsilon: number;
  /** Learning rate of this step. */
  learningRate: number;
}

interface AdamInputs {
  w: TensorInfo;
  g: TensorInfo;
  m: TensorInfo;
  v: TensorInfo;
  accBeta1: TensorInfo;
  accBeta2: TensorInfo;
}

function size(info: TensorInfo): number {
  let n = 1;
  for (const d of info.shape) n *= d;
  return n;
}

function checkInputs(inputs: AdamInputs): number {
  const n = size(inputs.w);
  for (const name of ["w", "g", "m", "v", "accBeta1", "accBeta2"] as const) {
    const info = inputs[name];
    if (info.dtype !== "float32") {
      throw new Error(`${ADAM_UPDATE} needs float32 ${name}, got ${info.dtype}`);
    }
    const expected = name.startsWith("acc") ? 1 : n;
    if (size(info) !== expected) {
      throw new Error(`${ADAM_UPDATE}: ${name} has ${size(info)} values, expected ${expected}`);
    }
  }
  return n;
}

function constants(attrs: AdamUpdateAttrs, accBeta1: number, accBeta2: number): AdamConstants {
  return adamConstants({ ...attrs, accBeta1, accBeta2 });
}

function adamWasm(args: KernelArgs<AdamInputs, AdamUpdateAttrs>): TensorInfo[] {
  const { inputs, backend, attrs } = args;
  const n = checkInputs(inputs);
  const outs = [inputs.w, inputs.m, inputs.v].map((t) =>
    backend.makeOutput([...t.shape], "float32")
  );
  // Offsets are read after the outputs are allocated (an allocation may move the heap view).
  const at = (info: TensorInfo) => tensorBuffer(backend, info).ptr >>> 2;
  const heap = backend.wasm.HEAPF32;
  const c = constants(attrs, heap[at(inputs.accBeta1)], heap[at(inputs.accBeta2)]);
  const buffers = {
    w: at(inputs.w),
    g: at(inputs.g),
    m: at(inputs.m),
    v: at(inputs.v),
    outW: at(outs[0]),
    outM: at(outs[1]),
    outV: at(outs[2]),
  };
  const simd = simdKernels(backend);
  if (simd !== undefined) {
    simd.adam(buffers, n, c);
  } else {
    const view = (start: number) => heap.subarray(start, start + n);
    adamStepValues({
      inputs: { w: view(buffers.w), g: view(buffers.g), m: view(buffers.m), v: view(buffers.v) },
      outputs: { w: view(buffers.outW), m: view(buffers.outM), v: view(buffers.outV) },
    }, c);
  }
  return outs;
}

function adamCpu(args: KernelArgs<AdamInputs, AdamUpdateAttrs, CpuBackend>): TensorInfo[] {
  const { inputs, backend, attrs } = args;
  const n = checkInputs(inputs);
  const read = (info: TensorInfo) => backend.readSync(info.dataId) as Float32Array;
  const c = constants(attrs, read(inputs.accBeta1)[0], read(inputs.accBeta2)[0]);
  const out = { w: new Float32Array(n), m: new Float32Array(n), v: new Float32Array(n) };
  adamStepValues({
    inputs: { w: read(inputs.w), g: read(inputs.g), m: read(inputs.m), v: read(inputs.v) },
    outputs: out,
  }, c);
  return [
    backend.makeTensorInfo([...inputs.w.shape], "float32", out.w),
    backend.makeTensorInfo([...inputs.m.shape], "float32", out.m),
    backend.makeTensorInfo([...inputs.v.shape], "float32", out.v),
  ];
}

/** {@linkcode ADAM_UPDATE} on the wasm backend. */
export const adamUpdateWasmConfig: KernelConfig = kernelConfig(ADAM_UPDATE, adamWasm);

/** {@linkcode ADAM_UPDATE} on the cpu backend. */
export const adamUpdateCpuConfig: KernelConfig = kernelConfig(ADAM_UPDATE, adamCpu, "cpu");
