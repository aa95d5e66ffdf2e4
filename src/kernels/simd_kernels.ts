/**
 * The hand-written SIMD kernels of `simd_kernels.wat`, instantiated on the wasm backend's own
 * heap: a matrix product that needs no packed copy of either operand and reads a transposed
 * left operand in place, patch-matrix conversion for convolutions, the max-pooling
 * gradient, a fused Adam update, sums over leading axes and broadcast adds of a bias. Unavailable (undefined)
 * where the backend runs a build whose memory cannot be shared this way or wasm has no SIMD;
 * callers then fall back to XNNPACK.
 * @module
 */
import { decodeBase64 } from "./base64.ts";
import type { AdamConstants } from "./adam_math.ts";
import { kernelFlag } from "./flags.ts";
import type { ConvGeometry } from "./im2col.ts";
import { SIMD_KERNELS_BASE64 } from "./simd_kernels_wasm.ts";
import type { WasmBackend, WasmModule } from "./wasm_heap.ts";

/** Offsets and strides of a product `C[m x n] = opA[m x k] @ B[k x n]`, in floats. */
export interface GemmLayout {
  /** Rows of the output. */
  m: number;
  /** Columns of the output. */
  n: number;
  /** Shared dimension. */
  k: number;
  /** Float index of opA(0, 0). */
  a: number;
  /** Floats between rows of opA. */
  aRowStride: number;
  /** Floats between columns of opA. */
  aColStride: number;
  /** Float index of B(0, 0). */
  b: number;
  /** Floats between rows of B (its columns are adjacent). */
  bRowStride: number;
  /** Float index of C(0, 0). */
  c: number;
  /** Floats between rows of C. */
  cRowStride: number;
  /** Add to C instead of overwriting it. */
  accumulate?: boolean;
}

/** The kernels, bound to one backend module. */
export interface SimdKernels {
  /** `C (+)= opA @ B`. */
  gemm(layout: GemmLayout): void;
  /**
   * Writes the patch rows of images `[first, first + count)` of NHWC `x` at `patches`; the
   * buffer must have `PATCH_SLACK` floats free after the rows (short runs spill into them).
   */
  im2col(at: { x: number; patches: number }, g: ConvGeometry, images: ImageRange): void;
  /** Adds patch rows back onto the NHWC image `x` (the transpose of `im2col`). */
  col2im(at: { x: number; patches: number }, g: ConvGeometry, images: ImageRange): void;
  /** Max-pooling gradient into `dx` (zeroed): each `dy` value to its window's first maximum. */
  maxPoolGrad(at: { x: number; dy: number; dx: number }, pool: PoolGeometry): void;
  /** One Adam step over `n` values (float indices), as `adamStepValues` computes it. */
  adam(at: AdamBuffers, n: number, c: AdamConstants): void;
  /**
   * `out[j] = sum over r of x[r * cols + j]` (float32 blocks, float64 totals in `acc`, which
   * needs `2 * cols` floats).
   */
  columnSum(at: { x: number; out: number; acc: number }, rows: number, cols: number): void;
  /** `out[r * cols + j] = x[r * cols + j] + bias[j]`. */
  addRows(at: { x: number; bias: number; out: number }, rows: number, cols: number): void;
}

/** Float indices in the heap of the buffers of one Adam step (outputs apart from inputs). */
export interface AdamBuffers {
  /** Weights. */
  w: number;
  /** Gradients. */
  g: number;
  /** First moments. */
  m: number;
  /** Second moments. */
  v: number;
  /** New weights. */
  outW: number;
  /** New first moments. */
  outM: number;
  /** New second moments. */
  outV: number;
}

/** Geometry of a 2-D NHWC pooling (the effective filter size includes dilation). */
export interface PoolGeometry {
  /** Batch, input height, input width, channels, output height, output width. */
  shape: [number, number, number, number, number, number];
  /** Effective filter height and width. */
  filter: [number, number];
  /** Strides, dilations and padding (top, left). */
  strides: [number, number];
  /** Dilations. */
  dilations: [number, number];
  /** Padding above and left. */
  pads: [number, number];
}

/** A range of images of a batch. */
export interface ImageRange {
  /** First image. */
  first: number;
  /** Number of images. */
  count: number;
}

interface Exports {
  gemm(...args: number[]): void;
  patches(x: number, cols: number, geo: number, mode: number): void;
  max_pool_grad(x: number, dy: number, dx: number, geo: number): void;
  adam(...args: number[]): void;
  column_sum(x: number, out: number, rows: number, cols: number, acc: number): void;
  add_rows(x: number, bias: number, out: number, rows: number, cols: number): void;
}

const bound = new WeakMap<WasmModule, SimdKernels | null>();
let compiled: WebAssembly.Module | null | undefined;

function compile(): WebAssembly.Module | null {
  if (compiled === undefined) {
    try {
      compiled = new WebAssembly.Module(decodeBase64(SIMD_KERNELS_BASE64));
    } catch {
      compiled = null;
    }
  }
  return compiled;
}

/** Runs the gemm export of an instance with a layout in floats. */
function callGemm(exports: Exports, l: GemmLayout): void {
  exports.gemm(
    l.m,
    l.n,
    l.k,
    l.a * 4,
    l.aRowStride * 4,
    l.aColStride * 4,
    l.b * 4,
    l.bRowStride * 4,
    l.c * 4,
    l.cRowStride * 4,
    l.accumulate ? 1 : 0,
  );
}

/**
 * The SIMD matrix product alone, on any wasm memory (startup checks that compare it with a
 * native library); undefined where the module cannot run.
 */
export function simdGemmOn(memory: WebAssembly.Memory): ((layout: GemmLayout) => void) | undefined {
  const wasmModule = compile();
  if (wasmModule === null) return undefined;
  try {
    const exports = new WebAssembly.Instance(wasmModule, { env: { memory } })
      .exports as unknown as Exports;
    return (layout) => callGemm(exports, layout);
  } catch {
    return undefined;
  }
}

function bind(module: WasmModule): SimdKernels | null {
  const memory = module.asm?.memory;
  const wasmModule = compile();
  if (!(memory instanceof WebAssembly.Memory) || wasmModule === null) return null;
  let exports: Exports;
  try {
    const instance = new WebAssembly.Instance(wasmModule, { env: { memory } });
    exports = instance.exports as unknown as Exports;
  } catch {
    return null;
  }
  function withInts(values: number[], run: (pointer: number) => void): void {
    const saved = module.stackSave();
    try {
      const pointer = module.stackAlloc(values.length * 4);
      module.HEAP32.set(values, pointer >>> 2);
      run(pointer);
    } finally {
      module.stackRestore(saved);
    }
  }
  function patches(
    at: { x: number; patches: number },
    g: ConvGeometry,
    images: ImageRange,
    mode: number,
  ): void {
    withInts([
      images.first,
      images.count,
      g.inH,
      g.inW,
      g.inC,
      g.outH,
      g.outW,
      g.filterH,
      g.filterW,
      g.strideH,
      g.strideW,
      g.dilationH,
      g.dilationW,
      g.padTop,
      g.padLeft,
      mode === 0 ? 1 : 0,
    ], (geo) => exports.patches(at.x * 4, at.patches * 4, geo, mode));
  }
  return {
    gemm(l: GemmLayout): void {
      callGemm(exports, l);
    },
    im2col(at, g, images) {
      patches(at, g, images, 0);
    },
    col2im(at, g, images) {
      patches(at, g, images, 1);
    },
    maxPoolGrad(at, pool) {
      withInts(
        [...pool.shape, ...pool.filter, ...pool.strides, ...pool.dilations, ...pool.pads],
        (geo) => exports.max_pool_grad(at.x * 4, at.dy * 4, at.dx * 4, geo),
      );
    },
    adam(at, n, c) {
      exports.adam(
        at.w * 4,
        at.g * 4,
        at.m * 4,
        at.v * 4,
        at.outW * 4,
        at.outM * 4,
        at.outV * 4,
        n,
        c.beta1,
        c.oneMinusBeta1,
        c.beta2,
        c.oneMinusBeta2,
        c.correction1,
        c.correction2,
        c.epsilon,
        c.negLearningRate,
      );
    },
    columnSum(at, rows, cols) {
      exports.column_sum(at.x * 4, at.out * 4, rows, cols, at.acc * 4);
    },
    addRows(at, rows, cols) {
      exports.add_rows(at.x * 4, at.bias * 4, at.out * 4, rows, cols);
    },
  };
}

/** The SIMD kernels on `backend`'s heap, or undefined where they cannot run (or are off). */
export function simdKernels(backend: WasmBackend): SimdKernels | undefined {
  if (!kernelFlag("simdKernels")) return undefined;
  let kernels = bound.get(backend.wasm);
  if (kernels === undefined) {
    kernels = bind(backend.wasm);
    bound.set(backend.wasm, kernels);
  }
  return kernels ?? undefined;
}
