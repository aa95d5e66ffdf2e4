/**
 * Choosing and starting a TensorFlow.js backend: `auto`, `webgpu`, `wasm` or `cpu`.
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import "@tensorflow/tfjs-backend-webgpu";
import {
  type CpuKernelsInfo,
  type CpuKernelsRequest,
  useCpuKernels,
} from "./kernels/cpu_kernels.ts";
import { registerWasmKernels } from "./kernels/mod.ts";
import { InputError } from "./errors.ts";
import { BACKEND_REQUESTS, type BackendRequest } from "./vocabulary.ts";

export type { BackendRequest } from "./vocabulary.ts";

/** A backend that actually runs. */
export type BackendName = "webgpu" | "wasm" | "cpu";

/** What a GPU adapter says about itself. */
export interface GpuAdapterDescription {
  /** Human-readable name, e.g. "NVIDIA H200" or "llvmpipe (LLVM 15.0.6, 256 bits)". */
  description: string;
  /** Vendor id or name as reported by the adapter. */
  vendor: string;
  /** Architecture as reported by the adapter. */
  architecture: string;
  /** True for software adapters such as llvmpipe. */
  isFallbackAdapter: boolean;
}

/** The backend that was started and why. */
export interface BackendInfo {
  /** The running backend. */
  name: BackendName;
  /** The GPU adapter, when one was found (also when it was not used). */
  adapter?: GpuAdapterDescription;
  /** Why this backend was chosen, for logs and reports. */
  reason: string;
  /** The kernels of matrix products and convolutions (wasm only): native BLAS or wasm. */
  cpuKernels?: CpuKernelsInfo;
}

/** Options of {@linkcode setupBackend}. */
export interface SetupBackendOptions {
  /** Fail unless a real (non-fallback) GPU adapter is found. */
  requireGpu?: boolean;
  /**
   * Kernels of the wasm backend's matrix products and convolutions: `auto` (default) the
   * machine's BLAS library when Deno may load it (`--allow-ffi`) and it passes a startup check,
   * else the SIMD wasm kernels; `blas` fails unless the library can be used; `wasm` never
   * loads native code.
   */
  cpuKernels?: CpuKernelsRequest;
  /** BLAS threads for large products; default the cores available. */
  threads?: number;
}

/** An error in choosing or starting a backend that the user can fix. */
export class BackendError extends InputError {
  override name = "BackendError";
}

let wasmPathsSet = false;

/** What the last successful {@linkcode setupBackend} started. */
let lastStarted: BackendInfo | undefined;

/** The `auto` start of {@linkcode startedBackend}, shared by concurrent callers. */
let autoStart: Promise<BackendInfo> | undefined;

// wasm and WebGPU start asynchronously; registered above cpu (their default), the first
// TensorFlow.js call made before `setupBackend` would pick one and throw "backend ... has not
// yet been initialized". Below cpu, such calls run on cpu until a sweep or the user starts one.
for (const name of ["webgpu", "wasm"]) {
  const factory = tf.findBackendFactory(name);
  if (factory) {
    tf.removeBackend(name);
    tf.registerBackend(name, factory, 0);
  }
}
// Without it, the cpu backend greets Deno users with advice for Node.js on its first tensor.
tf.enableProdMode();

/** Checks that a string names a backend and narrows its type. */
export function isBackendRequest(value: string): value is BackendRequest {
  return (BACKEND_REQUESTS as readonly string[]).includes(value);
}

/**
 * Finds the GPU adapter WebGPU would use, without starting a backend.
 * Returns `undefined` when the runtime has no WebGPU or no adapter.
 */
export async function describeGpuAdapter(): Promise<GpuAdapterDescription | undefined> {
  const gpu = (globalThis.navigator as { gpu?: GPU } | undefined)?.gpu;
  if (!gpu) return undefined;
  let adapter: GPUAdapter | null = null;
  try {
    adapter = await gpu.requestAdapter({ powerPreference: "high-performance" });
  } catch {
    return undefined;
  }
  if (!adapter) return undefined;
  const info = adapter.info as GPUAdapterInfo & { isFallbackAdapter?: boolean };
  return {
    description: info.description || info.device || "unknown adapter",
    vendor: info.vendor ?? "",
    architecture: info.architecture ?? "",
    isFallbackAdapter: Boolean(info.isFallbackAdapter),
  };
}

/**
 * Starts a TensorFlow.js backend and makes it current.
 *
 * `auto` picks `webgpu` when a real (non-fallback) GPU adapter exists and `wasm` otherwise.
 * The wasm binaries load from the installed npm package, never from the network.
 */
export async function setupBackend(
  request: BackendRequest = "auto",
  options: SetupBackendOptions = {},
): Promise<BackendInfo> {
  if (!isBackendRequest(request)) {
    throw new BackendError(
      `backend must be one of ${BACKEND_REQUESTS.join(", ")}, got ${JSON.stringify(request)}`,
    );
  }
  tf.enableProdMode();
  const adapter = request === "auto" || request === "webgpu" || options.requireGpu
    ? await describeGpuAdapter()
    : undefined;
  const realGpu = adapter !== undefined && !adapter.isFallbackAdapter;
  if (options.requireGpu && !realGpu) {
    throw new BackendError(
      adapter
        ? `a GPU is required but the only WebGPU adapter is the software fallback "${adapter.description}": check the GPU driver and Vulkan loader on this runner`
        : "a GPU is required but WebGPU found no adapter: check the GPU driver and Vulkan loader on this runner",
    );
  }
  let name: BackendName;
  let reason: string;
  if (request === "auto") {
    name = realGpu ? "webgpu" : "wasm";
    reason = realGpu
      ? `auto: GPU adapter "${adapter!.description}"`
      : adapter
      ? `auto: only the software adapter "${adapter.description}", using wasm`
      : "auto: no GPU adapter, using wasm";
  } else {
    name = request;
    reason = `requested ${request}`;
    if (request === "webgpu" && !adapter) {
      throw new BackendError(
        "backend webgpu was requested but WebGPU found no adapter: use backend wasm or cpu, or install a GPU driver",
      );
    }
  }
  let cpuKernels: CpuKernelsInfo | undefined;
  if (name === "wasm") {
    cpuKernels = useCpuKernels(options.cpuKernels ?? "auto", { threads: options.threads });
    useInstalledWasmBinaries();
    registerWasmKernels();
  }
  const ok = await tf.setBackend(name);
  if (!ok) throw new BackendError(`backend ${name} failed to start`);
  await tf.ready();
  lastStarted = { name, adapter, reason, ...(cpuKernels ? { cpuKernels } : {}) };
  return lastStarted;
}

/**
 * The backend a sweep runs on: the one {@linkcode setupBackend} started, or one the caller made
 * current with `tf.setBackend`; when neither happened (TensorFlow.js calls so far ran on the
 * cpu fallback), `setupBackend("auto")` is started once and its result returned.
 */
export async function startedBackend(): Promise<BackendInfo> {
  const current = tf.engine().backendName as BackendName | null;
  if (lastStarted && lastStarted.name === current) return lastStarted;
  if (current !== null && (lastStarted !== undefined || current !== "cpu")) {
    return { name: current, reason: "set with tf.setBackend" };
  }
  autoStart ??= setupBackend("auto").finally(() => autoStart = undefined);
  return await autoStart;
}

function useInstalledWasmBinaries(): void {
  const directory = new URL("./", import.meta.resolve("@tensorflow/tfjs-backend-wasm"));
  const path = decodeURIComponent(directory.pathname);
  let access = Deno.permissions.querySync({ name: "read", path }).state;
  if (access === "prompt") access = Deno.permissions.requestSync({ name: "read", path }).state;
  if (access !== "granted") {
    throw new BackendError(
      `backend wasm reads its binaries from ${path}, but Deno may not read there: run Deno ` +
        "with --allow-read (or choose backend cpu)",
    );
  }
  if (wasmPathsSet) return;
  setWasmPaths(directory.href);
  wasmPathsSet = true;
}
