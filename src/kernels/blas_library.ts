/**
 * The machine's native BLAS, opened through Deno FFI: where to look for it, its single-precision
 * product `cblas_sgemm`, its thread control, and the name and version it reports.
 *
 * Looked for, in order: the file named by the environment variable `LR_FINDER_BLAS` (only that
 * one when it is set); on Linux `libblas.so.3` (the library Debian's and Ubuntu's alternatives
 * select, OpenBLAS when `libopenblas0` is installed), then `libopenblas.so.0`; on macOS the
 * Accelerate framework, then Homebrew's OpenBLAS; on Windows `libopenblas.dll`.
 * @module
 */

/** `CBLAS_ORDER`: row-major matrices. */
const ROW_MAJOR = 101;
/** `CBLAS_TRANSPOSE`: use the matrix as stored. */
const NO_TRANS = 111;
/** `CBLAS_TRANSPOSE`: use the transpose of the stored matrix. */
const TRANS = 112;

/** The environment variable that names a BLAS library file to use instead of searching. */
export const BLAS_PATH_VARIABLE = "LR_FINDER_BLAS";

const SYMBOLS = {
  cblas_sgemm: {
    parameters: [
      "i32",
      "i32",
      "i32",
      "i32",
      "i32",
      "i32",
      "f32",
      "usize",
      "i32",
      "usize",
      "i32",
      "f32",
      "usize",
      "i32",
    ],
    result: "void",
  },
  openblas_set_num_threads: { parameters: ["i32"], result: "void", optional: true },
  openblas_get_config: { parameters: [], result: "pointer", optional: true },
  openblas_get_corename: { parameters: [], result: "pointer", optional: true },
  openblas_get_parallel: { parameters: [], result: "i32", optional: true },
  bli_thread_set_num_threads: { parameters: ["i64"], result: "void", optional: true },
  bli_info_get_version_str: { parameters: [], result: "pointer", optional: true },
  MKL_Set_Num_Threads: { parameters: ["i32"], result: "void", optional: true },
  MKL_Get_Version_String: { parameters: ["buffer", "i32"], result: "void", optional: true },
} as const satisfies Deno.ForeignLibraryInterface;

type BlasSymbols = Deno.DynamicLibrary<typeof SYMBOLS>["symbols"];

/** One single-precision product `C = op(A) @ op(B) (+ C)`, row-major, addresses in bytes. */
export interface SgemmCall {
  /** Rows of op(A) and C. */
  m: number;
  /** Columns of op(B) and C. */
  n: number;
  /** Columns of op(A), rows of op(B). */
  k: number;
  /** Address of A. */
  a: number;
  /** Floats between rows of A as stored. */
  lda: number;
  /** op(A) = A^T. */
  transA: boolean;
  /** Address of B. */
  b: number;
  /** Floats between rows of B as stored. */
  ldb: number;
  /** op(B) = B^T. */
  transB: boolean;
  /** Address of C. */
  c: number;
  /** Floats between rows of C. */
  ldc: number;
  /** Add to C instead of overwriting it. */
  accumulate?: boolean;
}

/** An opened BLAS library. */
export interface BlasLibrary {
  /** What the library says it is, e.g. `OpenBLAS 0.3.21 (pthreads, Zen kernels)`. */
  name: string;
  /** The file that was opened, links resolved where possible. */
  path: string;
  /** True when its thread count can be set (OpenBLAS, BLIS, MKL; not Accelerate). */
  threadControl: boolean;
  /** Runs `cblas_sgemm`. */
  sgemm(call: SgemmCall): void;
  /** Sets the threads of later calls (no effect without thread control). */
  setThreads(threads: number): void;
  /** Closes the library (tests; a process normally keeps it open). */
  close(): void;
}

/** Where a library may be: a path or a bare name for the dynamic loader to find. */
export interface BlasCandidate {
  /** A file path, or a bare name such as `libblas.so.3`. */
  file: string;
  /** Why it is a candidate, for messages: `LR_FINDER_BLAS`, `the alternatives' libblas.so.3`. */
  source: string;
}

function multiarchTriplet(): string {
  return Deno.build.arch === "aarch64" ? "aarch64-linux-gnu" : "x86_64-linux-gnu";
}

/**
 * The files to try, in order, for this operating system; only `envPath` when one is given
 * (the value of `LR_FINDER_BLAS`).
 */
export function blasCandidates(
  os: typeof Deno.build.os = Deno.build.os,
  envPath?: string,
): BlasCandidate[] {
  if (envPath !== undefined && envPath !== "") {
    return [{ file: envPath, source: BLAS_PATH_VARIABLE }];
  }
  if (os === "darwin") {
    return [
      {
        file: "/System/Library/Frameworks/Accelerate.framework/Accelerate",
        source: "Apple Accelerate",
      },
      { file: "/opt/homebrew/opt/openblas/lib/libopenblas.dylib", source: "Homebrew OpenBLAS" },
      { file: "/usr/local/opt/openblas/lib/libopenblas.dylib", source: "Homebrew OpenBLAS" },
    ];
  }
  if (os === "windows") {
    return [{ file: "libopenblas.dll", source: "OpenBLAS on the DLL search path" }];
  }
  const triplet = multiarchTriplet();
  return [
    { file: `/usr/lib/${triplet}/libblas.so.3`, source: "the alternatives' libblas.so.3" },
    { file: `/usr/lib/${triplet}/libopenblas.so.0`, source: "the alternatives' libopenblas.so.0" },
    { file: "libblas.so.3", source: "libblas.so.3 on the loader's path" },
    { file: "libopenblas.so.0", source: "libopenblas.so.0 on the loader's path" },
  ];
}

function cString(pointer: Deno.PointerValue): string | undefined {
  if (pointer === null) return undefined;
  const text = new Deno.UnsafePointerView(pointer).getCString().trim();
  return text === "" ? undefined : text;
}

const OPENBLAS_PARALLEL = ["sequential", "pthreads", "OpenMP"];

function libraryName(symbols: BlasSymbols, path: string): string {
  const config = cString(symbols.openblas_get_config?.() ?? null);
  if (config !== undefined) {
    const [product, version] = config.split(/\s+/);
    const parallel = OPENBLAS_PARALLEL[symbols.openblas_get_parallel?.() ?? -1];
    const core = cString(symbols.openblas_get_corename?.() ?? null);
    const details = [parallel, core && `${core} kernels`].filter(Boolean).join(", ");
    return `${product} ${version ?? ""}`.trim() + (details ? ` (${details})` : "");
  }
  const blis = cString(symbols.bli_info_get_version_str?.() ?? null);
  if (blis !== undefined) return `BLIS ${blis}`;
  if (symbols.MKL_Get_Version_String) {
    const buffer = new Uint8Array(256);
    symbols.MKL_Get_Version_String(buffer, buffer.length);
    const text = new TextDecoder().decode(buffer.subarray(0, buffer.indexOf(0))).trim();
    if (text) return text;
  }
  if (path.includes("Accelerate.framework")) return "Apple Accelerate";
  const file = path.split(/[\\/]/).at(-1) ?? path;
  return `${file} (unknown BLAS)`;
}

function resolvedPath(file: string): string {
  try {
    return Deno.realPathSync(file);
  } catch {
    return file;
  }
}

/**
 * Opens a BLAS library that exports `cblas_sgemm`. Throws when the file cannot be loaded or
 * lacks the symbol (the message says which), and when FFI is not permitted.
 */
export function openBlasLibrary(file: string): BlasLibrary {
  const library = Deno.dlopen(file, SYMBOLS);
  const symbols = library.symbols;
  const path = resolvedPath(file);
  const setThreads = symbols.openblas_set_num_threads
    ? (n: number) => symbols.openblas_set_num_threads!(n)
    : symbols.bli_thread_set_num_threads
    ? (n: number) => symbols.bli_thread_set_num_threads!(BigInt(n))
    : symbols.MKL_Set_Num_Threads
    ? (n: number) => symbols.MKL_Set_Num_Threads!(n)
    : undefined;
  let threads = -1;
  return {
    name: libraryName(symbols, path),
    path,
    threadControl: setThreads !== undefined,
    sgemm(call: SgemmCall): void {
      symbols.cblas_sgemm(
        ROW_MAJOR,
        call.transA ? TRANS : NO_TRANS,
        call.transB ? TRANS : NO_TRANS,
        call.m,
        call.n,
        call.k,
        1,
        BigInt(call.a),
        call.lda,
        BigInt(call.b),
        call.ldb,
        call.accumulate ? 1 : 0,
        BigInt(call.c),
        call.ldc,
      );
    },
    setThreads(n: number): void {
      if (setThreads === undefined || n === threads) return;
      setThreads(n);
      threads = n;
    },
    close(): void {
      library.close();
    },
  };
}

/** The address of the first byte of a wasm memory's current buffer. */
export function memoryAddress(memory: WebAssembly.Memory): number {
  const pointer = Deno.UnsafePointer.of(memory.buffer as ArrayBuffer);
  return Number(Deno.UnsafePointer.value(pointer));
}
