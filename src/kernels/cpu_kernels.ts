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
import type { CpuKernelsInfo } from "../result.ts";
import { CPU_KERNELS_REQUESTS, type CpuKernelsRequest } from "../vocabulary.ts";
import { checkBlasLibrary } from "./blas_check.ts";
import {
  BLAS_PATH_VARIABLE,
  type BlasCandidate,
  blasCandidates,
  type BlasLibrary,
  openBlasLibrary,
} from "./blas_library.ts";
import { ThreadChooser } from "./blas_threads.ts";

export { CPU_KERNELS_REQUESTS } from "../vocabulary.ts";
export type { CpuKernelsInfo } from "../result.ts";
export type { CpuKernelsRequest } from "../vocabulary.ts";

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

/**
 * The name of the BLAS library that `cpuKernels: "blas"` would use here, or undefined where
 * there is none it may use (benchmarks and tests ask first). The wasm kernels are chosen after.
 */
export function usableBlasLibrary(options: UseCpuKernelsOptions = {}): string | undefined {
  try {
    return useCpuKernels("blas", options).library;
  } catch {
    return undefined;
  } finally {
    useCpuKernels("wasm");
  }
}
