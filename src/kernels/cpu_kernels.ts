/**
 * Which kernels run the matrix products and convolutions of the wasm backend: the machine's
 * native BLAS through Deno FFI, or the SIMD wasm kernels.
 *
 * `auto` uses a BLAS library when Deno may load native code (`--allow-ffi`), one is found
 * (see `blas_library.ts`), it computes a small product correctly, and it is faster than the
 * SIMD wasm kernel on a product of training size; otherwise it falls back silently to the wasm
 * kernels and records why. `blas` insists (an {@linkcode InputError} says what is missing and
 * how to install it); `wasm` never loads native code.
 * @module
 */
import { InputError } from "../errors.ts";
import {
  BLAS_PATH_VARIABLE,
  type BlasCandidate,
  blasCandidates,
  type BlasLibrary,
  memoryAddress,
  openBlasLibrary,
} from "./blas_library.ts";
import { ThreadChooser } from "./blas_threads.ts";
import { simdGemmOn } from "./simd_kernels.ts";

/** The requests a user may make, in the order help texts list them. */
export const CPU_KERNELS_REQUESTS = ["auto", "blas", "wasm"] as const;

/** What a user may ask for. */
export type CpuKernelsRequest = typeof CPU_KERNELS_REQUESTS[number];

/** Which kernels run, and why (recorded in a result's `settings.cpuKernels`). */
export interface CpuKernelsInfo {
  /** The kernels that run matrix products and convolutions on the wasm backend. */
  kernels: "blas" | "wasm";
  /** What was asked for; absent when nothing was (the wasm kernels by default). */
  requested?: CpuKernelsRequest;
  /** The BLAS library's name and version as it reports them (with `blas`). */
  library?: string;
  /** The BLAS library's file (with `blas`). */
  libraryPath?: string;
  /**
   * Threads of the large products: the `threads` setting with `blas` (the library's own
   * choice when it has no thread control), 1 with `wasm` (the wasm backend is single-threaded).
   */
  threads: number;
  /** Why `auto` fell back to the wasm kernels. */
  fallback?: string;
}

/** Options of {@linkcode useCpuKernels}. */
export interface UseCpuKernelsOptions {
  /** BLAS threads for large products; default the cores available. */
  threads?: number;
  /** Where to look instead of `LR_FINDER_BLAS` and the usual places (tests). */
  candidates?: readonly BlasCandidate[];
}

/** A BLAS library chosen by {@linkcode useCpuKernels}, with its thread count. */
export interface ActiveBlas {
  /** The library. */
  library: BlasLibrary;
  /** Most threads of a product (the `threads` setting). */
  threads: number;
  /** Picks one or `threads` threads per product by size and measured speed. */
  chooser: ThreadChooser;
}

/** `cpuKernels: "blas"` cannot be honoured: says what is missing and how to get it. */
export class CpuKernelsError extends InputError {
  override name = "CpuKernelsError";
}

/** The result of checking one library at startup. */
interface LibraryCheck {
  library?: BlasLibrary;
  /** Why it cannot be used at all. */
  error?: string;
  /** Why `auto` should not use it (slower than the wasm kernel). */
  slower?: string;
}

const checked = new Map<string, LibraryCheck>();
let active: ActiveBlas | undefined;
let current: CpuKernelsInfo = { kernels: "wasm", threads: 1 };

/** The BLAS library in use, or undefined when the wasm kernels run. */
export function activeBlas(): ActiveBlas | undefined {
  return active;
}

/** Which kernels run now. */
export function cpuKernelsInfo(): CpuKernelsInfo {
  return { ...current };
}

/** The cores this process may use (Deno respects CPU affinity and cgroup limits). */
export function availableCores(): number {
  return Math.max(1, navigator.hardwareConcurrency || 1);
}

function ffiPermitted(): "yes" | "no-runtime" | "no-permission" {
  if (typeof Deno?.dlopen !== "function") return "no-runtime";
  try {
    return Deno.permissions.querySync({ name: "ffi" }).state === "granted"
      ? "yes"
      : "no-permission";
  } catch {
    return "no-permission";
  }
}

function envBlasPath(): string | undefined {
  try {
    return Deno.env.get(BLAS_PATH_VARIABLE);
  } catch {
    return undefined;
  }
}

/** Uniform values in [-1, 1) from a fixed linear congruential sequence. */
function fill(target: Float32Array, seed: number): void {
  let state = seed >>> 0;
  for (let i = 0; i < target.length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    target[i] = state / 2 ** 31 - 1;
  }
}

/**
 * Checks `cblas_sgemm` on a wasm memory (where the kernels will point it) against a float64
 * loop: every transpose combination, and accumulation. Returns what went wrong, if anything.
 */
function correctnessProblem(library: BlasLibrary): string | undefined {
  const memory = new WebAssembly.Memory({ initial: 1 });
  const base = memoryAddress(memory);
  const heap = new Float32Array(memory.buffer);
  const [m, n, k] = [5, 7, 11];
  const a = 0;
  const b = 128;
  const c = 256;
  fill(heap.subarray(a, a + m * k), 1);
  fill(heap.subarray(b, b + k * n), 2);
  for (const [transA, transB, accumulate] of [[0, 0, 0], [1, 0, 0], [0, 1, 0], [1, 1, 1]]) {
    const start = heap.slice(c, c + m * n);
    library.setThreads(1);
    library.sgemm({
      m,
      n,
      k,
      a: base + a * 4,
      lda: transA ? m : k,
      transA: transA === 1,
      b: base + b * 4,
      ldb: transB ? k : n,
      transB: transB === 1,
      c: base + c * 4,
      ldc: n,
      accumulate: accumulate === 1,
    });
    let worst = 0;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let sum = accumulate ? start[i * n + j] : 0;
        for (let p = 0; p < k; p++) {
          const av = heap[a + (transA ? p * m + i : i * k + p)];
          const bv = heap[b + (transB ? j * k + p : p * n + j)];
          sum += av * bv;
        }
        worst = Math.max(worst, Math.abs(heap[c + i * n + j] - sum) / (Math.abs(sum) + 1));
      }
    }
    if (!(worst < 1e-5)) {
      const what = `transA=${transA === 1} transB=${transB === 1} accumulate=${accumulate === 1}`;
      return `a 5x11 by 11x7 product (${what}) was off by ${worst.toExponential(1)}`;
    }
  }
  return undefined;
}

/** Best milliseconds of `reps` runs after one untimed run. */
function bestMs(run: () => void, reps: number): number {
  run();
  let best = Infinity;
  for (let i = 0; i < reps; i++) {
    const start = performance.now();
    run();
    best = Math.min(best, performance.now() - start);
  }
  return best;
}

/**
 * Times the library on one thread against the SIMD wasm kernel on a product of training size
 * (64x512 by 512x128); says so when the library is the slower one.
 */
function slownessProblem(library: BlasLibrary): string | undefined {
  const [m, n, k] = [64, 128, 512];
  const memory = new WebAssembly.Memory({ initial: 8 });
  const simd = simdGemmOn(memory);
  if (simd === undefined) return undefined;
  const heap = new Float32Array(memory.buffer);
  const [a, b, c] = [0, m * k, m * k + k * n];
  fill(heap.subarray(a, b), 3);
  fill(heap.subarray(b, c), 4);
  const base = memoryAddress(memory);
  library.setThreads(1);
  const native = bestMs(() =>
    library.sgemm({
      m,
      n,
      k,
      a: base + a * 4,
      lda: k,
      transA: false,
      b: base + b * 4,
      ldb: n,
      transB: false,
      c: base + c * 4,
      ldc: n,
    }), 5);
  const wasm = bestMs(
    () => simd({ m, n, k, a, aRowStride: k, aColStride: 1, b, bRowStride: n, c, cRowStride: n }),
    5,
  );
  if (native <= wasm) return undefined;
  const rate = (ms: number) => (2 * m * n * k / ms / 1e6).toFixed(1);
  return `${library.name} ran a 64x512x128 product at ${rate(native)} GFLOP/s on one thread, ` +
    `slower than the wasm kernel's ${rate(wasm)} GFLOP/s`;
}

/** What the startup check of a library found. */
export interface BlasCheck {
  /** How its products were wrong (then it is never used). */
  wrong?: string;
  /** How it was slower than the SIMD wasm kernel (then `auto` does not use it). */
  slower?: string;
}

/**
 * The startup check of a BLAS library: a small product in every transpose combination on a
 * wasm memory against a float64 loop, then, if right, its speed on one thread against the SIMD
 * wasm kernel on a 64x512x128 product.
 */
export function checkBlasLibrary(library: BlasLibrary): BlasCheck {
  const wrong = correctnessProblem(library);
  return wrong === undefined ? { slower: slownessProblem(library) } : { wrong };
}

function checkLibrary(candidate: BlasCandidate): LibraryCheck {
  const known = checked.get(candidate.file);
  if (known !== undefined) return known;
  let check: LibraryCheck;
  try {
    const library = openBlasLibrary(candidate.file);
    const { wrong, slower } = checkBlasLibrary(library);
    check = wrong === undefined
      ? { library, slower }
      : { error: `${library.name} (${library.path}) failed the startup check: ${wrong}` };
    if (wrong !== undefined) library.close();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const reason = message.replace(/^(Could not open library: )+/, "");
    check = { error: reason.includes(candidate.file) ? reason : `${candidate.file}: ${reason}` };
  }
  checked.set(candidate.file, check);
  return check;
}

const INSTALL_HINT = "install one (Debian and Ubuntu: `sudo apt-get install libopenblas0`; " +
  "Fedora: `sudo dnf install openblas`; macOS has Accelerate), or set " +
  `${BLAS_PATH_VARIABLE} to the path of a library that exports cblas_sgemm`;

/** Finds a usable library: the first that passes both checks, else the first correct one. */
function findLibrary(
  options: UseCpuKernelsOptions,
): { library?: BlasLibrary; slower?: string; needs?: string; recorded?: string } {
  const candidates = options.candidates ?? blasCandidates(Deno.build.os, envBlasPath());
  const errors: string[] = [];
  let correct: LibraryCheck | undefined;
  const seen = new Set<string>();
  for (const candidate of candidates) {
    const check = checkLibrary(candidate);
    if (check.library !== undefined && seen.has(check.library.path)) continue;
    if (check.library === undefined) {
      errors.push(check.error ?? candidate.file);
      continue;
    }
    seen.add(check.library.path);
    if (check.slower === undefined) return { library: check.library };
    correct ??= check;
  }
  if (correct !== undefined) return { library: correct.library, slower: correct.slower };
  const tried = errors.join("; ");
  if (candidates.length === 1 && candidates[0].source === BLAS_PATH_VARIABLE) {
    return {
      needs: `the BLAS library that ${BLAS_PATH_VARIABLE} names, which could not be used ` +
        `(${tried}): fix the path or unset ${BLAS_PATH_VARIABLE}`,
      recorded: `${BLAS_PATH_VARIABLE} names no usable BLAS library (${tried})`,
    };
  }
  return {
    needs: `a BLAS library with cblas_sgemm, and none was usable (${tried}): ${INSTALL_HINT}`,
    recorded: `no usable BLAS library (${tried})`,
  };
}

function validThreads(threads: number | undefined): number {
  if (threads === undefined) return availableCores();
  if (!Number.isInteger(threads) || threads < 1) {
    throw new InputError(`threads must be a whole number of at least 1, got ${threads}`, {
      field: "threads",
    });
  }
  return threads;
}

/**
 * Chooses the kernels of the wasm backend's matrix products and convolutions for all later
 * calls and returns what was chosen. `blas` throws a {@linkcode CpuKernelsError} naming what is
 * missing (FFI permission, a library) and how to get it; `auto` falls back to the wasm kernels
 * and records why in `fallback`. A library is opened and checked once per process.
 */
export function useCpuKernels(
  request: CpuKernelsRequest = "auto",
  options: UseCpuKernelsOptions = {},
): CpuKernelsInfo {
  if (!CPU_KERNELS_REQUESTS.includes(request)) {
    throw new InputError(
      `cpuKernels must be one of ${CPU_KERNELS_REQUESTS.join(", ")}, got ${
        JSON.stringify(request)
      }`,
      { field: "cpuKernels" },
    );
  }
  const threads = validThreads(options.threads);
  /** `needs`: what `blas` lacks and how to get it; `recorded`: why `auto` fell back. */
  const fallBack = (needs: string, recorded: string): CpuKernelsInfo => {
    if (request === "blas") {
      throw new CpuKernelsError(`cpuKernels "blas" needs ${needs}`, { field: "cpuKernels" });
    }
    active = undefined;
    current = { kernels: "wasm", requested: request, threads: 1, fallback: recorded };
    return cpuKernelsInfo();
  };
  if (request === "wasm") {
    active = undefined;
    current = { kernels: "wasm", requested: request, threads: 1 };
    return cpuKernelsInfo();
  }
  const permitted = ffiPermitted();
  if (permitted === "no-runtime") {
    return fallBack(
      "Deno's FFI (Deno.dlopen), which this runtime lacks: use cpuKernels auto or wasm",
      "this runtime has no FFI (Deno.dlopen)",
    );
  }
  if (permitted === "no-permission") {
    return fallBack(
      "permission to load native code: run Deno with --allow-ffi (`deno task lr-find` has it)",
      "Deno runs without --allow-ffi",
    );
  }
  const found = findLibrary(options);
  if (found.library === undefined) return fallBack(found.needs!, found.recorded!);
  if (found.slower !== undefined && request === "auto") {
    return fallBack(found.slower, found.slower);
  }
  const library = found.library;
  active = { library, threads, chooser: new ThreadChooser(library.threadControl ? threads : 1) };
  library.setThreads(threads);
  current = {
    kernels: "blas",
    requested: request,
    library: library.name,
    libraryPath: library.path,
    threads: library.threadControl ? threads : availableCores(),
  };
  return cpuKernelsInfo();
}
