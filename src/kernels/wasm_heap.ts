/**
 * Access to the internals of the TensorFlow.js 4.22 wasm backend that the kernels here need:
 * tensor ids and heap offsets, scratch buffers registered as tensors, and the exported
 * C functions (`BatchMatMul`, `Transpose`, `_FusedMatMul`) wrapped lazily per module.
 *
 * The wasm backend keeps every tensor in one emscripten heap and addresses it on the C++ side
 * by an integer id (`register_tensor(id, size, offset)`). A scratch buffer here is memory from
 * `_malloc` registered under a fresh id, so the backend's own C functions accept it; it never
 * enters the engine's bookkeeping and is released with {@linkcode freeScratch}.
 * @module
 */
import type { DataType, TensorInfo } from "@tensorflow/tfjs";

type CFunction = (...args: unknown[]) => unknown;

/** The parts of the emscripten module of the wasm backend used here. */
export interface WasmModule {
  /** Wraps an exported C function; `array` arguments are copied onto the wasm stack. */
  cwrap(name: string, returnType: null | "number", argTypes: string[]): CFunction;
  /** Allocates bytes on the heap. */
  _malloc(bytes: number): number;
  /** Frees heap bytes. */
  _free(pointer: number): void;
  /** The heap as floats; replaced by emscripten whenever the heap grows. */
  HEAPF32: Float32Array;
  /** The heap as int32 values. */
  HEAP32: Int32Array;
  /** The instance's exports; `memory` is the heap. */
  asm?: { memory?: WebAssembly.Memory };
  /** Saves the wasm stack pointer. */
  stackSave(): number;
  /** Reserves bytes on the wasm stack. */
  stackAlloc(bytes: number): number;
  /** Restores the wasm stack pointer. */
  stackRestore(pointer: number): void;
  /** The tensor registry on the C++ side. */
  tfjs: {
    registerTensor(id: number, size: number, memoryOffset: number): void;
    disposeData(id: number): void;
  };
}

/** What the backend stores about one tensor. */
export interface WasmTensorData {
  /** The id the C++ side knows the tensor by. */
  id: number;
  /** Byte offset of the tensor's values in the heap. */
  memoryOffset: number;
}

/** The parts of `BackendWasm` used here (structural, so no private import is needed). */
export interface WasmBackend {
  /** The emscripten module. */
  wasm: WasmModule;
  /** Maps an engine data id to the backend's record. */
  dataIdMap: { get(dataId: unknown): WasmTensorData | undefined };
  /** Allocates and registers an output tensor. */
  makeOutput(shape: number[], dtype: DataType): TensorInfo;
  /** Releases an engine tensor's data. */
  disposeData(dataId: unknown, force?: boolean): boolean;
}

/** A float32 matrix (or batch of them) on the heap, registered on the C++ side under `id`. */
export interface HeapBuffer {
  /** C++ tensor id. */
  id: number;
  /** Byte offset in the heap. */
  ptr: number;
  /** Number of float32 values. */
  size: number;
  /** True when this module allocated the memory (and must free it). */
  owned: boolean;
}

/** The C functions of the backend that the kernels call directly. */
export interface WasmFunctions {
  /** `BatchMatMul(aId, aShape, aRank, bId, bShape, bRank, transposeA, transposeB, outId)`. */
  batchMatMul: CFunction;
  /** `Transpose(xId, xShape, rank, dtype, outId, perm, permLength)`. */
  transpose: CFunction;
  /** `_FusedMatMul(aId, aShape, aRank, bId, bShape, bRank, tA, tB, act, biasId, preluId, alpha, outId)`. */
  fusedMatMul: CFunction;
}

const functionsByModule = new WeakMap<WasmModule, WasmFunctions>();
const idCounter = { next: 0 };

/**
 * Ids for scratch tensors. The backend hands out ids from 1 upwards; scratch ids count down
 * from the top of the int32 range so the two never meet.
 */
function nextScratchId(): number {
  idCounter.next += 1;
  return 0x7fffffff - (idCounter.next % 0x3fffffff);
}

/** The C functions of the module behind `backend`, wrapped on first use. */
export function wasmFunctions(backend: WasmBackend): WasmFunctions {
  const module = backend.wasm;
  let fns = functionsByModule.get(module);
  if (fns === undefined) {
    const n = "number";
    fns = {
      batchMatMul: module.cwrap("BatchMatMul", null, [n, "array", n, n, "array", n, n, n, n]),
      transpose: module.cwrap("Transpose", null, [n, "array", n, n, n, "array", n]),
      fusedMatMul: module.cwrap("_FusedMatMul", null, [
        n,
        "array",
        n,
        n,
        "array",
        n,
        n,
        n,
        n,
        n,
        n,
        n,
        n,
      ]),
    };
    functionsByModule.set(module, fns);
  }
  return fns;
}

/** The backend's record of an engine tensor; throws when the tensor is not on this backend. */
export function tensorData(backend: WasmBackend, info: TensorInfo): WasmTensorData {
  const data = backend.dataIdMap.get(info.dataId);
  if (data === undefined) throw new Error("tensor is not stored on the wasm backend");
  return data;
}

/** The heap buffer of an engine tensor, not owned (never freed here). */
export function tensorBuffer(backend: WasmBackend, info: TensorInfo): HeapBuffer {
  const data = tensorData(backend, info);
  let size = 1;
  for (const d of info.shape) size *= d;
  return { id: data.id, ptr: data.memoryOffset, size, owned: false };
}

/** Allocates `size` floats on the heap and registers them under a fresh id. */
export function allocScratch(backend: WasmBackend, size: number): HeapBuffer {
  const ptr = backend.wasm._malloc(Math.max(1, size) * 4) >>> 0;
  const id = nextScratchId();
  backend.wasm.tfjs.registerTensor(id, size, ptr);
  return { id, ptr, size, owned: true };
}

/**
 * Registers a fresh id for floats that already live on the heap (a slice of another buffer, or
 * a buffer read with other dimensions). Needed because the backend caches packed matrix-multiply
 * weights by id: a new id can never hit a stale cache entry.
 */
export function viewOf(backend: WasmBackend, ptr: number, size: number): HeapBuffer {
  const id = nextScratchId();
  backend.wasm.tfjs.registerTensor(id, size, ptr);
  return { id, ptr, size, owned: false };
}

/** Unregisters a scratch buffer or view and frees its memory when it was allocated here. */
export function freeScratch(backend: WasmBackend, buffer: HeapBuffer): void {
  backend.wasm.tfjs.disposeData(buffer.id);
  if (buffer.owned) backend.wasm._free(buffer.ptr);
}

/** A fresh float view of a heap buffer (valid until the next heap allocation). */
export function floats(backend: WasmBackend, buffer: HeapBuffer): Float32Array {
  const heap = backend.wasm.HEAPF32;
  return heap.subarray(buffer.ptr >>> 2, (buffer.ptr >>> 2) + buffer.size);
}

/** A new float32 output of `shape`, filled by `fill`; freed again when `fill` throws. */
export function filledOutput(
  backend: WasmBackend,
  shape: readonly number[],
  fill: (out: TensorInfo) => void,
): TensorInfo {
  const out = backend.makeOutput([...shape], "float32");
  try {
    fill(out);
  } catch (error) {
    backend.disposeData(out.dataId);
    throw error;
  }
  return out;
}

/** A new float32 output of `shape` with every value zero, and the float index of its values. */
export function zeroedOutput(
  backend: WasmBackend,
  shape: readonly number[],
): { out: TensorInfo; at: number } {
  const out = backend.makeOutput([...shape], "float32");
  const { ptr, size } = tensorBuffer(backend, out);
  backend.wasm.HEAPF32.fill(0, ptr >>> 2, (ptr >>> 2) + size);
  return { out, at: ptr >>> 2 };
}

/** The bytes of an int32 array, as the backend's `array` arguments expect. */
export function int32Bytes(values: readonly number[]): Uint8Array {
  return new Uint8Array(new Int32Array(values).buffer);
}
