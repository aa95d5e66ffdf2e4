/**
 * Times the wasm kernel overrides against the wasm backend's own kernels, op by op and for a
 * whole training step (tutorial MLP and a small CNN, batch 64, Adam, `trainOnBatch`),
 * measured side by side in one run: the overrides are removed, registered with the wasm
 * kernels, and registered with the native BLAS library on one thread, in turn, round by round,
 * and each side's median is kept. Asserts nothing about time.
 *
 * Run: `deno run -A bench/wasm_kernels.ts [--quick] [--rounds N]` (prints the Markdown section).
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { getThreadsCount } from "@tensorflow/tfjs-backend-wasm";
import { setupBackend } from "../src/backend.ts";
import { registerWasmKernels, unregisterWasmKernels } from "../src/kernels/mod.ts";
import { assembleSimdKernels } from "../src/kernels/build_simd_kernels.ts";
import { usableBlasLibrary } from "../src/kernels/cpu_kernels.ts";
import { simdKernels } from "../src/kernels/simd_kernels.ts";
import { allocScratch, freeScratch, type WasmBackend } from "../src/kernels/wasm_heap.ts";
import {
  type BenchOptions,
  cpuModel,
  fixed,
  loadAverage,
  median,
  smallCnn,
  table,
  tutorialMlp,
} from "./common.ts";

/** The BLAS library's name where one can be used here, else undefined. */
const BLAS_HERE: string | undefined = usableBlasLibrary();

/** Median milliseconds of `reps` runs, or undefined when the op fails (missing kernel). */
function timeOp(run: () => void, reps: number): number | undefined {
  try {
    for (let i = 0; i < 2; i++) run();
  } catch {
    return undefined;
  }
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const start = performance.now();
    run();
    times.push(performance.now() - start);
  }
  return median(times);
}

interface Sides {
  own?: number;
  ours?: number;
  blas?: number;
}

/**
 * Runs `measure` with the overrides off, on with the wasm kernels, and on with the BLAS library
 * on one thread (where there is one), in turn, and keeps each side's median.
 */
async function sideBySide(
  rounds: number,
  measure: () => Promise<number | undefined> | number | undefined,
): Promise<Sides> {
  const sides: Record<keyof Sides, number[]> = { own: [], ours: [], blas: [] };
  for (let round = 0; round < rounds; round++) {
    await setupBackend("wasm", { cpuKernels: "wasm" });
    unregisterWasmKernels();
    const own = await measure();
    registerWasmKernels();
    const ours = await measure();
    let blas: number | undefined;
    if (BLAS_HERE) {
      await setupBackend("wasm", { cpuKernels: "blas", threads: 1 });
      blas = await measure();
    }
    if (own !== undefined) sides.own.push(own);
    if (ours !== undefined) sides.ours.push(ours);
    if (blas !== undefined) sides.blas.push(blas);
  }
  await setupBackend("wasm", { cpuKernels: "wasm" });
  const middle = (values: number[]) => (values.length ? median(values) : undefined);
  return { own: middle(sides.own), ours: middle(sides.ours), blas: middle(sides.blas) };
}

function row(name: string, t: Sides): string[] {
  const show = (ms: number | undefined) => (ms === undefined ? "missing" : fixed(ms, 3));
  const ratio = (ms: number | undefined) =>
    t.own !== undefined && ms !== undefined ? `${fixed(t.own / ms, 1)}x` : "";
  const cells = [name, show(t.own), show(t.ours), ratio(t.ours)];
  if (BLAS_HERE) cells.push(show(t.blas), ratio(t.blas));
  return cells;
}

/** Column heads of {@linkcode row}'s tables. */
function heads(first: string): string[] {
  const cells = [first, "wasm own ms", "overrides, wasm kernels ms", "speed-up"];
  if (BLAS_HERE) cells.push("overrides, BLAS 1 thread ms", "speed-up");
  return cells;
}

function kernelOp(name: string, inputs: tf.NamedTensorMap, attrs: object): () => void {
  return () => {
    const out = tf.engine().runKernel(name, inputs, attrs as tf.NamedAttrMap) as tf.Tensor;
    out.dispose();
  };
}

/** Median ms of a training step, or undefined when training fails (a missing kernel). */
async function stepTime(
  make: () => tf.Sequential,
  batch: { images: tf.Tensor; labels: tf.Tensor },
  steps: number,
): Promise<number | undefined> {
  const model = make();
  model.compile({ optimizer: tf.train.adam(1e-3), loss: "categoricalCrossentropy" });
  try {
    for (let i = 0; i < 3; i++) await model.trainOnBatch(batch.images, batch.labels);
    const times: number[] = [];
    for (let i = 0; i < steps; i++) {
      const start = performance.now();
      await model.trainOnBatch(batch.images, batch.labels);
      times.push(performance.now() - start);
    }
    return median(times);
  } catch {
    return undefined;
  } finally {
    (model.optimizer as tf.Optimizer).dispose();
    model.dispose();
  }
}

/**
 * The WAT source with every `(f32x4.relaxed_madd a b c)` written as `(f32x4.add c
 * (f32x4.mul a b))`: the matrix product as it was before it used fused multiply-adds.
 */
export function withoutFusedMultiplyAdd(source: string): string {
  const head = "(f32x4.relaxed_madd";
  let out = "";
  let at = 0;
  for (let start = source.indexOf(head); start >= 0; start = source.indexOf(head, at)) {
    out += source.slice(at, start);
    const args: string[] = [];
    let i = start + head.length;
    while (args.length < 3) {
      while (source[i] === " " || source[i] === "\n") i++;
      const from = i;
      let depth = 0;
      do {
        if (source[i] === "(") depth++;
        if (source[i] === ")") depth--;
        i++;
      } while (depth > 0);
      args.push(source.slice(from, i));
    }
    while (source[i] !== ")") i++;
    out += `(f32x4.add ${args[2]} (f32x4.mul ${args[0]} ${args[1]}))`;
    at = i + 1;
  }
  return out + source.slice(at);
}

interface RawKernels {
  gemm(...args: number[]): void;
  patches(x: number, cols: number, geo: number, mode: number): void;
}

function beforeAfter(name: string, before: number[], after: number[]): string[] {
  const b = median(before);
  const a = median(after);
  return [name, fixed(b, 3), fixed(a, 3), `${fixed(b / a, 1)}x`];
}

/** Two builds of the SIMD module side by side: fused multiply-add, and short-run copies. */
async function internalsTable(backend: WasmBackend, rounds: number): Promise<string> {
  const source = await Deno.readTextFile(
    new URL("../src/kernels/simd_kernels.wat", import.meta.url),
  );
  const memory = backend.wasm.asm?.memory;
  if (memory === undefined) return "The SIMD module cannot share the backend's memory here.";
  const instantiate = async (text: string) =>
    new WebAssembly.Instance(
      new WebAssembly.Module(Uint8Array.from(await assembleSimdKernels(text))),
      {
        env: { memory },
      },
    ).exports as unknown as RawKernels;
  const fma = await instantiate(source);
  const plain = await instantiate(withoutFusedMultiplyAdd(source));
  const rows: string[][] = [];
  const best = (run: () => void) => {
    let fastest = Infinity;
    for (let i = 0; i < 10; i++) {
      const start = performance.now();
      run();
      fastest = Math.min(fastest, performance.now() - start);
    }
    return fastest;
  };
  const shapes: [string, number, number, number, boolean][] = [
    ["x W [64,784] [784,128]", 64, 784, 128, false],
    ["x^T dy [64,784]^T [64,128]", 784, 64, 128, true],
    ["patches W, conv 13x13x16 -> 32", 7744, 144, 32, false],
  ];
  for (const [name, m, k, n, transposeA] of shapes) {
    const a = allocScratch(backend, m * k);
    const b = allocScratch(backend, k * n);
    const c = allocScratch(backend, m * n);
    const heap = backend.wasm.HEAPF32;
    for (let i = 0; i < m * k; i++) heap[(a.ptr >>> 2) + i] = Math.sin(i);
    for (let i = 0; i < k * n; i++) heap[(b.ptr >>> 2) + i] = Math.cos(i);
    const call = (kernels: RawKernels) => () =>
      kernels.gemm(
        m,
        n,
        k,
        a.ptr,
        transposeA ? 4 : k * 4,
        transposeA ? m * 4 : 4,
        b.ptr,
        n * 4,
        c.ptr,
        n * 4,
        0,
      );
    const before: number[] = [];
    const after: number[] = [];
    for (let round = 0; round < rounds; round++) {
      before.push(best(call(plain)));
      after.push(best(call(fma)));
    }
    [a, b, c].forEach((buffer) => freeScratch(backend, buffer));
    rows.push(beforeAfter(`SIMD product ${name}: mul + add, then relaxed_madd`, before, after));
  }
  // Patch matrix of a one-channel image batch: 12-byte runs, copied by a loop or by one store.
  const geometry = [0, 64, 28, 28, 1, 26, 26, 3, 3, 1, 1, 1, 1, 0, 0];
  const x = allocScratch(backend, 64 * 28 * 28);
  const patches = allocScratch(backend, 64 * 26 * 26 * 9 + 4);
  const geo = allocScratch(backend, 16);
  const copies: number[][] = [[], []];
  for (let round = 0; round < rounds; round++) {
    for (const slack of [0, 1]) {
      backend.wasm.HEAP32.set([...geometry, slack], geo.ptr >>> 2);
      copies[slack].push(best(() => fma.patches(x.ptr, patches.ptr, geo.ptr, 0)));
    }
  }
  [x, patches, geo].forEach((buffer) => freeScratch(backend, buffer));
  rows.push(beforeAfter(
    "im2col 64x28x28x1, 3x3: run by run, then one vector store per run",
    copies[0],
    copies[1],
  ));
  return table(["kernel (best of 10 per round)", "before ms", "after ms", "speed-up"], rows);
}

/** Runs the kernel benchmarks and returns their Markdown section. */
export async function run(options: BenchOptions = {}): Promise<string> {
  const roundsArg = Deno.args.indexOf("--rounds");
  const rounds = roundsArg >= 0 ? Number(Deno.args[roundsArg + 1]) : options.quick ? 2 : 7;
  const reps = options.quick ? 4 : 10;
  await setupBackend("wasm", { cpuKernels: "wasm" });
  const backend = tf.backend() as unknown as WasmBackend;
  const loadBefore = loadAverage();
  const lines = [
    "## wasm kernel overrides against the backend's own kernels",
    "",
    `wasm backend: SIMD ${await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT")}, threads ` +
    `${getThreadsCount()}, SIMD module ${simdKernels(backend) ? "on" : "off"}; ` +
    `median ms of ${rounds} rounds; in each, the overrides off, on with the wasm kernels` +
    (BLAS_HERE ? ", and on with the native BLAS library on one thread," : "") +
    ` in turn. CPU ${cpuModel()}; ` +
    (BLAS_HERE ? `BLAS ${BLAS_HERE}.` : "no BLAS library here (wasm kernels only)."),
    "",
  ];

  const t = {
    x: tf.randomNormal([64, 784]),
    dy: tf.randomNormal([64, 128]),
    w: tf.randomNormal([784, 128]),
    conv1x: tf.randomNormal([64, 28, 28, 1]),
    conv1f: tf.randomNormal([3, 3, 1, 16]),
    conv1dy: tf.randomNormal([64, 26, 26, 16]),
    conv2x: tf.randomNormal([64, 13, 13, 16]),
    conv2dy: tf.randomNormal([64, 11, 11, 32]),
    conv2f: tf.randomNormal([3, 3, 16, 32]),
    bias: tf.randomNormal([16]),
    dwx: tf.randomNormal([64, 14, 14, 16]),
    dwdy: tf.randomNormal([64, 14, 14, 32]),
    att: tf.randomNormal([8, 64, 64]),
  };
  const pool1y = tf.maxPool(t.conv1dy as tf.Tensor4D, 2, 2, "valid");
  const pool1dy = tf.randomNormal(pool1y.shape);
  const conv = { strides: [1, 1], pad: "valid", dataFormat: "NHWC" };
  const ops: [string, () => void][] = [
    [
      "BatchMatMul x^T dy [64,784]^T [64,128]",
      kernelOp("BatchMatMul", { a: t.x, b: t.dy }, { transposeA: true, transposeB: false }),
    ],
    [
      "BatchMatMul dy W^T [64,128] [784,128]^T",
      kernelOp("BatchMatMul", { a: t.dy, b: t.w }, { transposeA: false, transposeB: true }),
    ],
    ["BatchMatMul x W, new W each call", () => tf.tidy(() => tf.matMul(t.x, t.w.add(0)))],
    [
      "BatchMatMul x W, same W (inference)",
      kernelOp("BatchMatMul", { a: t.x, b: t.w }, { transposeA: false, transposeB: false }),
    ],
    [
      "BatchMatMul [8,64,64] [8,64,64]^T",
      kernelOp("BatchMatMul", { a: t.att, b: t.att }, { transposeA: false, transposeB: true }),
    ],
    [
      "Conv2D 28x28x1 -> 16, new filter each call",
      () =>
        tf.tidy(() =>
          tf.conv2d(t.conv1x as tf.Tensor4D, t.conv1f.add(0) as tf.Tensor4D, 1, "valid")
        ),
    ],
    [
      "Conv2D 13x13x16 -> 32, new filter each call",
      () =>
        tf.tidy(() =>
          tf.conv2d(t.conv2x as tf.Tensor4D, t.conv2f.add(0) as tf.Tensor4D, 1, "valid")
        ),
    ],
    [
      "Conv2DBackpropFilter 28x28x1 -> 16",
      kernelOp("Conv2DBackpropFilter", { x: t.conv1x, dy: t.conv1dy }, {
        ...conv,
        filterShape: [3, 3, 1, 16],
      }),
    ],
    [
      "Conv2DBackpropFilter 13x13x16 -> 32",
      kernelOp("Conv2DBackpropFilter", { x: t.conv2x, dy: t.conv2dy }, {
        ...conv,
        filterShape: [3, 3, 16, 32],
      }),
    ],
    [
      "Conv2DBackpropInput 13x13x16 -> 32",
      kernelOp("Conv2DBackpropInput", { dy: t.conv2dy, filter: t.conv2f }, {
        ...conv,
        inputShape: [64, 13, 13, 16],
      }),
    ],
    [
      "MaxPoolGrad 26x26x16 pool 2",
      kernelOp("MaxPoolGrad", { dy: pool1dy, input: t.conv1dy, output: pool1y }, {
        filterSize: 2,
        strides: 2,
        pad: "valid",
      }),
    ],
    [
      "DepthwiseConv2dNativeBackpropFilter 14x14x16 x2",
      kernelOp("DepthwiseConv2dNativeBackpropFilter", { x: t.dwx, dy: t.dwdy }, {
        strides: [1, 1],
        dilations: [1, 1],
        pad: "same",
        filterShape: [3, 3, 16, 2],
      }),
    ],
    [
      "Sum [64,26,26,16] over axes 0-2 (bias gradient)",
      () => tf.sum(t.conv1dy, [0, 1, 2]).dispose(),
    ],
    ["Add [64,26,26,16] + [16] (bias)", () => tf.add(t.conv1dy, t.bias).dispose()],
    ["Identity [64,26,26,16] (clone)", () => tf.clone(t.conv1dy).dispose()],
    ["Cast [64,26,26,16] float32 to float32", () => tf.cast(t.conv1dy, "float32").dispose()],
  ];
  const opRows: string[][] = [];
  for (const [name, runOp] of ops) {
    opRows.push(row(name, await sideBySide(rounds, () => timeOp(runOp, reps))));
  }
  lines.push(table(heads("op"), opRows));

  const batch = {
    images: tf.randomUniform([64, 28, 28, 1]),
    labels: tf.oneHot(tf.randomUniform([64], 0, 10, "int32") as tf.Tensor1D, 10),
  };
  const stepRows: string[][] = [];
  const models = [
    ["MLP 784-128-10", tutorialMlp, options.quick ? 10 : 30],
    ["CNN conv16-pool-conv32-pool-dense10", smallCnn, options.quick ? 4 : 10],
  ] as const;
  for (const [name, make, steps] of models) {
    const sides = await sideBySide(
      Math.max(1, rounds >> 1),
      () => stepTime(() => make(), batch, steps),
    );
    stepRows.push(row(name, sides));
  }
  lines.push(
    "",
    "Inside the SIMD module: two builds of `simd_kernels.wat` side by side (the matrix " +
      "product without and with fused multiply-adds) and the patch copy with and without " +
      "the vector store for short runs (median over rounds of the best of 10 calls):",
    "",
    await internalsTable(backend, rounds),
    "",
    "Training step (`trainOnBatch`, batch 64, TensorFlow.js's Adam, the same batch every step):",
    "",
    table(heads("model"), stepRows),
    "",
    `Load average before: ${loadBefore}; after: ${loadAverage()}.`,
  );
  registerWasmKernels();
  tf.dispose([...Object.values(t), pool1y, pool1dy, batch.images, batch.labels]);
  return lines.join("\n");
}

if (import.meta.main) {
  console.log(await run({ quick: Deno.args.includes("--quick") }));
}
