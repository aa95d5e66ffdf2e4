/**
 * Test helper (not a test module): runs an op on the wasm backend with the kernel overrides
 * (the wasm kernels or the native BLAS library) and on the cpu backend, on the same fresh
 * random inputs, and compares.
 * @module
 */
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { setupBackend } from "../src/backend.ts";
import { type KernelFlags, setKernelFlags } from "../src/kernels/flags.ts";
import { registerWasmKernels } from "../src/kernels/mod.ts";
import { createRng } from "../src/random.ts";
import { BLAS_LIBRARY, requireResource } from "./resources.ts";

/**
 * Uniform random values in [-1, 1) drawn from `seed`: the same seed gives the same values on
 * every machine.
 */
export function randomValues(shape: number[], seed: number): Float32Array {
  const rng = createRng(seed);
  const values = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < values.length; i++) values[i] = rng() * 2 - 1;
  return values;
}

/**
 * A fresh seed for each comparison, or `KERNEL_TEST_SEED` when set, so that a failure (its
 * message names the seed) can be run again on the same inputs.
 */
export function freshSeed(): number {
  const replay = Deno.env.get("KERNEL_TEST_SEED");
  return replay === undefined ? crypto.getRandomValues(new Uint32Array(1))[0] : Number(replay);
}

/** The kernels of the wasm backend's products a test runs on. */
export type KernelPath = "wasm" | "blas";

/** A kernel path and how to declare a test that runs on it. */
export interface KernelPathTest {
  /** The kernels. */
  kernels: KernelPath;
  /** Wraps a test definition: as is, or skipped/failing where the BLAS library is missing. */
  needs: (definition: Deno.TestDefinition) => Deno.TestDefinition;
}

/** The native BLAS library, looked for once; its tests skip or fail through resources.ts. */
const blas = await requireResource(BLAS_LIBRARY);

/** Whether the BLAS path can be tested here (a library, `--allow-ffi`). */
export const BLAS_AVAILABLE: boolean = blas.value !== undefined;

/** Declares a test that needs the BLAS library (see {@linkcode requireResource}). */
export const blasTest: (definition: Deno.TestDefinition) => Deno.TestDefinition = blas.test;

/** Declares a test that needs nothing beyond the repository. */
function always(definition: Deno.TestDefinition): Deno.TestDefinition {
  return definition;
}

/**
 * The product kernels' paths, for `Deno.test` options: the wasm kernels, and the native BLAS
 * library (skipped, or failing in CI, where there is none).
 */
export const KERNEL_PATHS: readonly KernelPathTest[] = [
  { kernels: "wasm", needs: always },
  { kernels: "blas", needs: blasTest },
];

/**
 * The convolution kernels' variants: the wasm kernels with the SIMD module on and off, and the
 * BLAS library (skipped, or failing in CI, where there is none).
 */
export const CONV_VARIANTS: readonly (KernelPathTest & { simd: boolean })[] = [
  { simd: true, ...KERNEL_PATHS[0] },
  { simd: false, ...KERNEL_PATHS[0] },
  { simd: true, ...KERNEL_PATHS[1] },
];

async function runOn(
  backend: "wasm" | "cpu",
  op: (inputs: tf.Tensor[]) => tf.Tensor,
  inputs: { values: Float32Array; shape: number[] }[],
  cpuKernels: KernelPath,
): Promise<{ values: Float32Array; shape: number[]; leaked: number }> {
  await setupBackend(backend, { cpuKernels });
  const before = tf.memory().numTensors;
  const tensors = inputs.map((input) => tf.tensor(input.values, input.shape));
  const out = op(tensors);
  const values = (await out.data()) as Float32Array;
  const shape = out.shape;
  tf.dispose([...tensors, out]);
  return { values, shape, leaked: tf.memory().numTensors - before };
}

/**
 * Max absolute difference of `values` from `reference` over the max magnitude of `reference`
 * (the difference itself when that is 0); Infinity when the lengths differ.
 */
export function relativeError(values: ArrayLike<number>, reference: ArrayLike<number>): number {
  if (values.length !== reference.length) return Infinity;
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < reference.length; i++) {
    diff = Math.max(diff, Math.abs(values[i] - reference[i]));
    scale = Math.max(scale, Math.abs(reference[i]));
  }
  return scale === 0 ? diff : diff / scale;
}

/** Result of {@linkcode compareWithCpu}. */
export interface Comparison {
  /** Max absolute difference over the max magnitude of the cpu result. */
  relativeError: number;
  /** Output shape on wasm. */
  shape: number[];
  /** Output shape on cpu. */
  cpuShape: number[];
  /** Tensors left behind on wasm. */
  leaked: number;
  /** The inputs both backends were given. */
  inputs: Float32Array[];
  /** The output on wasm. */
  values: Float32Array;
  /** The seed the inputs were drawn from. */
  seed: number;
}

/** Options of {@linkcode compareWithCpu}. */
export interface CompareOptions {
  /** Seed of the inputs; default {@linkcode freshSeed}. */
  seed?: number;
  /** Kernels of the wasm backend's products; default the wasm kernels. */
  cpuKernels?: KernelPath;
}

/** Runs `op` on both backends on the same random inputs of `shapes`. */
export async function compareWithCpu(
  op: (inputs: tf.Tensor[]) => tf.Tensor,
  shapes: number[][],
  options: CompareOptions = {},
): Promise<Comparison> {
  const seed = options.seed ?? freshSeed();
  const inputs = shapes.map((shape, i) => ({
    values: randomValues(shape, seed + i),
    shape,
  }));
  const wasm = await runOn("wasm", op, inputs, options.cpuKernels ?? "wasm");
  const cpu = await runOn("cpu", op, inputs, "wasm");
  return {
    relativeError: relativeError(wasm.values, cpu.values),
    shape: wasm.shape,
    cpuShape: cpu.shape,
    leaked: wasm.leaked,
    inputs: inputs.map((input) => input.values),
    values: wasm.values,
    seed,
  };
}

/** Asserts that wasm matched cpu within `tolerance` (0: exactly) and left no tensor behind. */
export function assertMatchesCpu(r: Comparison, label: string, tolerance = TOLERANCE): void {
  const where = `${label} (inputs from KERNEL_TEST_SEED=${r.seed})`;
  assert.deepEqual(r.shape, r.cpuShape, `${where}: shape`);
  if (tolerance === 0) assert.equal(r.relativeError, 0, `${where}: relative error`);
  else assert.ok(r.relativeError < tolerance, `${where}: relative error ${r.relativeError}`);
  assert.equal(r.leaked, 0, `${where}: tensors left`);
}

/** The tolerance the kernels promise against cpu. */
export const TOLERANCE = 1e-5;

/** A padding as `tf.conv2d` takes it. */
export type Pad = "same" | "valid" | [
  [number, number],
  [number, number],
  [number, number],
  [number, number],
];

/** A convolution the convolution kernels are checked on. */
export interface ConvCase {
  /** Input shape (NHWC). */
  x: number[];
  /** Filter shape. */
  f: number[];
  /** Stride in both directions. */
  stride: number;
  /** Padding. */
  pad: Pad;
}

/** Convolution shapes the convolution kernels are checked on. */
export const CONV_CASES: ConvCase[] = [
  { x: [4, 28, 28, 1], f: [3, 3, 1, 16], stride: 1, pad: "valid" },
  { x: [3, 13, 13, 16], f: [3, 3, 16, 32], stride: 1, pad: "same" },
  { x: [2, 13, 11, 5], f: [3, 2, 5, 7], stride: 2, pad: "same" },
  { x: [2, 9, 9, 3], f: [3, 3, 3, 4], stride: 2, pad: "valid" },
  { x: [2, 7, 8, 6], f: [1, 1, 6, 3], stride: 1, pad: "valid" },
  { x: [1, 8, 8, 2], f: [3, 3, 2, 3], stride: 1, pad: [[0, 0], [1, 2], [2, 0], [0, 0]] },
];

/** Output shape of a convolution case. */
export function convOutputShape(c: ConvCase): number[] {
  const info = tf.backend_util.computeConv2DInfo(
    c.x as [number, number, number, number],
    c.f as [number, number, number, number],
    c.stride,
    1,
    c.pad,
  );
  return info.outShape;
}

/** The attributes of a convolution kernel for a case (NHWC), shapes apart. */
export function convAttrs(c: ConvCase): { strides: number[]; pad: Pad; dataFormat: "NHWC" } {
  return { strides: [c.stride, c.stride], pad: c.pad, dataFormat: "NHWC" };
}

/**
 * Declares, on each kernel path, a test that `op` on wasm matches cpu on random inputs of
 * `shapes`.
 */
export function testOnKernelPaths(
  name: string,
  op: (inputs: tf.Tensor[]) => tf.Tensor,
  shapes: number[][],
): void {
  for (const { kernels, needs } of KERNEL_PATHS) {
    Deno.test(needs({
      name: `${name} (${kernels} kernels)`,
      async fn() {
        registerWasmKernels();
        assertMatchesCpu(await compareWithCpu(op, shapes, { cpuKernels: kernels }), name);
      },
    }));
  }
}

/** A convolution kernel as {@linkcode testConvKernel} checks it. */
export interface ConvKernelSpec {
  /** Shapes of the op's inputs for a case. */
  inputShapes: (c: ConvCase) => number[][];
  /** The op on those inputs. */
  op: (inputs: tf.Tensor[], c: ConvCase) => tf.Tensor;
  /** Shape of its result. */
  outShape: (c: ConvCase) => number[];
}

/** Checks `spec` on every case with these kernel flags, then sets the flags back. */
async function matchesCpuOnCases(
  spec: ConvKernelSpec,
  cases: ConvCase[],
  run: { kernels: KernelPath; flags: Partial<KernelFlags>; note: string },
): Promise<void> {
  registerWasmKernels();
  const previous = setKernelFlags(run.flags);
  try {
    for (const c of cases) {
      const r = await compareWithCpu((inputs) => spec.op(inputs, c), spec.inputShapes(c), {
        cpuKernels: run.kernels,
      });
      const label = `x ${c.x} f ${c.f} stride ${c.stride} pad ${JSON.stringify(c.pad)}${run.note}`;
      assert.deepEqual(r.shape, spec.outShape(c), label);
      assertMatchesCpu(r, label);
    }
  } finally {
    setKernelFlags(previous);
  }
}

/**
 * Declares the tests every convolution kernel gets: on wasm it matches cpu on every
 * {@linkcode CONV_CASES} case for each of {@linkcode CONV_VARIANTS}, and, on each kernel path,
 * with the batch made in chunks of one image (every chunk's product added up).
 */
export function testConvKernel(kernel: string, spec: ConvKernelSpec): void {
  for (const { simd, kernels, needs } of CONV_VARIANTS) {
    Deno.test(needs({
      name: `${kernel} on wasm matches cpu (${kernels} kernels, SIMD module ${
        simd ? "on" : "off"
      })`,
      fn: () =>
        matchesCpuOnCases(spec, CONV_CASES, { kernels, flags: { simdKernels: simd }, note: "" }),
    }));
  }
  for (const { kernels, needs } of KERNEL_PATHS) {
    Deno.test(needs({
      name:
        `${kernel} on wasm matches cpu with the patches made one image at a time (${kernels} kernels)`,
      fn: () =>
        matchesCpuOnCases(spec, CONV_CASES.slice(0, 3), {
          kernels,
          flags: { patchChunkFloats: 1 },
          note: " in chunks of one image",
        }),
    }));
  }
}
