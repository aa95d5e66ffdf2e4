/**
 * Times the wasm kernel overrides against the wasm backend's own kernels, op by op and for a
 * whole training step (tutorial MLP and a small CNN, batch 64, Adam), measured side by side in
 * one run. Prints numbers only; asserts nothing about time.
 *
 * Run: `deno run -A bench/wasm_kernels.ts [--rounds N]`
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { getThreadsCount } from "@tensorflow/tfjs-backend-wasm";
import { setupBackend } from "../src/backend.ts";
import { registerWasmKernels, unregisterWasmKernels } from "../src/kernels/mod.ts";
import { simdKernels } from "../src/kernels/simd_kernels.ts";
import type { WasmBackend } from "../src/kernels/wasm_heap.ts";

const roundsArg = Deno.args.indexOf("--rounds");
const ROUNDS = roundsArg >= 0 ? Number(Deno.args[roundsArg + 1]) : 7;

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
  times.sort((a, b) => a - b);
  return times[times.length >> 1];
}

/** Runs `measure` with the overrides off and on, alternating, and keeps each side's median. */
function sideBySide(measure: () => number | undefined): { own?: number; ours?: number } {
  const own: number[] = [];
  const ours: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    unregisterWasmKernels();
    const a = measure();
    registerWasmKernels();
    const b = measure();
    if (a !== undefined) own.push(a);
    if (b !== undefined) ours.push(b);
  }
  const median = (xs: number[]) =>
    xs.length === 0 ? undefined : xs.sort((p, q) => p - q)[xs.length >> 1];
  return { own: median(own), ours: median(ours) };
}

function fmt(ms: number | undefined): string {
  return ms === undefined ? "missing" : ms.toFixed(3);
}

function row(name: string, t: { own?: number; ours?: number }): void {
  const ratio = t.own !== undefined && t.ours !== undefined
    ? (t.own / t.ours).toFixed(1) + "x"
    : "";
  console.log(`| ${name} | ${fmt(t.own)} | ${fmt(t.ours)} | ${ratio} |`);
}

function kernelOp(name: string, inputs: tf.NamedTensorMap, attrs: object): () => void {
  return () => {
    const out = tf.engine().runKernel(name, inputs, attrs as tf.NamedAttrMap) as tf.Tensor;
    out.dispose();
  };
}

await setupBackend("wasm");
const backend = tf.backend() as unknown as WasmBackend;
console.log(
  `wasm backend: SIMD ${await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT")}, ` +
    `threads ${getThreadsCount()}, SIMD kernels ${simdKernels(backend) ? "on" : "off"}, ` +
    `${ROUNDS} rounds, median ms`,
);

const x = tf.randomNormal([64, 784]);
const dy = tf.randomNormal([64, 128]);
const w = tf.randomNormal([784, 128]);
const conv1x = tf.randomNormal([64, 28, 28, 1]);
const conv1dy = tf.randomNormal([64, 26, 26, 16]);
const conv2x = tf.randomNormal([64, 13, 13, 16]);
const conv2dy = tf.randomNormal([64, 11, 11, 32]);
const conv2f = tf.randomNormal([3, 3, 16, 32]);
const pool1y = tf.maxPool(conv1dy as tf.Tensor4D, 2, 2, "valid");
const pool1dy = tf.randomNormal(pool1y.shape);
const dwx = tf.randomNormal([64, 14, 14, 16]);
const dwdy = tf.randomNormal([64, 14, 14, 32]);
const att = tf.randomNormal([8, 64, 64]);

const ops: [string, () => void][] = [
  [
    "BatchMatMul x^T dy [64,784]^T [64,128]",
    kernelOp("BatchMatMul", { a: x, b: dy }, { transposeA: true, transposeB: false }),
  ],
  [
    "BatchMatMul dy W^T [64,128] [784,128]^T",
    kernelOp("BatchMatMul", { a: dy, b: w }, { transposeA: false, transposeB: true }),
  ],
  ["BatchMatMul x W, new W each call", () => tf.tidy(() => tf.matMul(x, w.add(0)))],
  [
    "BatchMatMul x W, same W (inference)",
    kernelOp("BatchMatMul", { a: x, b: w }, { transposeA: false, transposeB: false }),
  ],
  [
    "BatchMatMul [8,64,64] [8,64,64]^T",
    kernelOp("BatchMatMul", { a: att, b: att }, { transposeA: false, transposeB: true }),
  ],
  [
    "Conv2DBackpropFilter 28x28x1 -> 16",
    kernelOp("Conv2DBackpropFilter", { x: conv1x, dy: conv1dy }, {
      strides: [1, 1],
      pad: "valid",
      dataFormat: "NHWC",
      filterShape: [3, 3, 1, 16],
    }),
  ],
  [
    "Conv2DBackpropFilter 13x13x16 -> 32",
    kernelOp("Conv2DBackpropFilter", { x: conv2x, dy: conv2dy }, {
      strides: [1, 1],
      pad: "valid",
      dataFormat: "NHWC",
      filterShape: [3, 3, 16, 32],
    }),
  ],
  [
    "Conv2DBackpropInput 13x13x16 -> 32",
    kernelOp("Conv2DBackpropInput", { dy: conv2dy, filter: conv2f }, {
      strides: [1, 1],
      pad: "valid",
      dataFormat: "NHWC",
      inputShape: [64, 13, 13, 16],
    }),
  ],
  [
    "MaxPoolGrad 26x26x16 pool 2",
    kernelOp("MaxPoolGrad", { dy: pool1dy, input: conv1dy, output: pool1y }, {
      filterSize: 2,
      strides: 2,
      pad: "valid",
    }),
  ],
  [
    "DepthwiseConv2dNativeBackpropFilter 14x14x16 x2",
    kernelOp("DepthwiseConv2dNativeBackpropFilter", { x: dwx, dy: dwdy }, {
      strides: [1, 1],
      dilations: [1, 1],
      pad: "same",
      filterShape: [3, 3, 16, 2],
    }),
  ],
];

console.log("\n| op | wasm own | with overrides | speed-up |\n| --- | ---: | ---: | ---: |");
for (const [name, run] of ops) row(name, sideBySide(() => timeOp(run, 10)));

function mlp(): tf.Sequential {
  const model = tf.sequential();
  model.add(tf.layers.flatten({ inputShape: [28, 28, 1] }));
  model.add(tf.layers.dense({ units: 128, activation: "relu" }));
  model.add(tf.layers.dense({ units: 10, activation: "softmax" }));
  return model;
}

function cnn(): tf.Sequential {
  const model = tf.sequential();
  model.add(
    tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 16, kernelSize: 3, activation: "relu" }),
  );
  model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  model.add(tf.layers.conv2d({ filters: 32, kernelSize: 3, activation: "relu" }));
  model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  model.add(tf.layers.flatten());
  model.add(tf.layers.dense({ units: 10, activation: "softmax" }));
  return model;
}

const images = tf.randomUniform([64, 28, 28, 1]);
const labels = tf.oneHot(tf.randomUniform([64], 0, 10, "int32") as tf.Tensor1D, 10);

/** Median ms of a training step, or undefined when training fails (a missing kernel). */
async function stepTime(make: () => tf.Sequential, steps: number): Promise<number | undefined> {
  const model = make();
  model.compile({ optimizer: tf.train.adam(1e-3), loss: "categoricalCrossentropy" });
  try {
    for (let i = 0; i < 3; i++) await model.trainOnBatch(images, labels);
    const times: number[] = [];
    for (let i = 0; i < steps; i++) {
      const start = performance.now();
      await model.trainOnBatch(images, labels);
      times.push(performance.now() - start);
    }
    times.sort((a, b) => a - b);
    return times[times.length >> 1];
  } catch {
    return undefined;
  } finally {
    (model.optimizer as tf.Optimizer).dispose();
    model.dispose();
  }
}

console.log(
  "\n| training step (trainOnBatch, batch 64, Adam) | wasm own | with overrides | speed-up |",
);
console.log("| --- | ---: | ---: | ---: |");
for (
  const [name, make, steps] of [["MLP 784-128-10", mlp, 30], [
    "CNN conv16-pool-conv32-pool-dense10",
    cnn,
    10,
  ]] as const
) {
  const own: number[] = [];
  const ours: number[] = [];
  for (let round = 0; round < Math.max(1, ROUNDS >> 1); round++) {
    unregisterWasmKernels();
    const a = await stepTime(make, steps);
    registerWasmKernels();
    const b = await stepTime(make, steps);
    if (a !== undefined) own.push(a);
    if (b !== undefined) ours.push(b);
  }
  const median = (xs: number[]) =>
    xs.length === 0 ? undefined : xs.sort((p, q) => p - q)[xs.length >> 1];
  row(name, { own: median(own), ours: median(ours) });
}
tf.dispose([
  x,
  dy,
  w,
  conv1x,
  conv1dy,
  conv2x,
  conv2dy,
  conv2f,
  pool1y,
  pool1dy,
  dwx,
  dwdy,
  att,
  images,
  labels,
]);
