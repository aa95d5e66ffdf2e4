import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { setKernelFlags } from "../src/kernels/flags.ts";
import { setupBackend } from "../src/backend.ts";
import { registerWasmKernels } from "../src/kernels/mod.ts";
import { leadingAxes } from "../src/kernels/sum.ts";
import { compareWithCpu, relativeError, TOLERANCE } from "./kernels_compare.ts";

const CASES: { shape: number[]; axis: number | number[]; keepDims?: boolean }[] = [
  { shape: [64, 26, 26, 16], axis: [0, 1, 2] },
  { shape: [64, 11, 11, 32], axis: [2, 0, 1] },
  { shape: [64, 128], axis: 0 },
  { shape: [64, 10], axis: [0], keepDims: true },
  { shape: [130, 7], axis: [-2] },
  { shape: [3, 5, 6], axis: [0, 1], keepDims: true },
  { shape: [1000, 3], axis: 0 },
  // Not over leading axes: the backend's own kernel.
  { shape: [64, 10], axis: 1 },
  { shape: [4, 5, 6], axis: [0, 2] },
  { shape: [4, 5], axis: [0, 1] },
];

Deno.test("leadingAxes counts a reduction over leading axes only", () => {
  assert.equal(leadingAxes([0, 1, 2], [2, 3, 4, 5]), 3);
  assert.equal(leadingAxes([1, 0], [2, 3, 4]), 2);
  assert.equal(leadingAxes(-2, [2, 3]), 1);
  assert.equal(leadingAxes(1, [2, 3]), 0);
  assert.equal(leadingAxes([0, 2], [2, 3, 4]), 0);
  assert.equal(leadingAxes([0, 1], [2, 3]), 0, "a full reduction is not a leading one");
});

/**
 * The sum over `axes` computed in float64, in row-major output order: the reference for long
 * sums, since cpu's float32 running sum is itself off by up to about 1e-5 over 40,000 terms.
 */
function exactSum(values: Float32Array, shape: number[], axes: number[]): Float64Array {
  const reduced = new Set(axes.map((a) => (a < 0 ? a + shape.length : a)));
  const kept = shape.map((_, axis) => axis).filter((axis) => !reduced.has(axis));
  const out = new Float64Array(kept.reduce((n, axis) => n * shape[axis], 1));
  const index = shape.map(() => 0);
  for (const value of values) {
    let o = 0;
    for (const axis of kept) o = o * shape[axis] + index[axis];
    out[o] += value;
    for (let axis = shape.length - 1; axis >= 0 && ++index[axis] === shape[axis]; axis--) {
      index[axis] = 0;
    }
  }
  return out;
}

Deno.test("exactSum reduces over the given axes in row-major order", () => {
  const values = Float32Array.from([1, 2, 3, 4, 5, 6]);
  assert.deepEqual(Array.from(exactSum(values, [2, 3], [0])), [5, 7, 9]);
  assert.deepEqual(Array.from(exactSum(values, [2, 3], [-1])), [6, 15]);
  assert.deepEqual(Array.from(exactSum(values, [2, 3], [0, 1])), [21]);
  assert.deepEqual(Array.from(exactSum(values, [1, 2, 3], [2, 0])), [6, 15]);
});

/** The wasm backend's own `Sum` on the same input, the override set aside. */
async function ownSum(values: Float32Array, c: (typeof CASES)[number]): Promise<Float32Array> {
  registerWasmKernels({ exclude: ["Sum"] });
  try {
    await setupBackend("wasm");
    const x = tf.tensor(values, c.shape);
    const out = tf.sum(x, c.axis, c.keepDims);
    const sums = (await out.data()) as Float32Array;
    tf.dispose([x, out]);
    return sums;
  } finally {
    registerWasmKernels();
  }
}

// The override is checked against exact sums, not cpu: over 43,264 terms cpu's float32 running
// sum is itself off by up to about 1e-5, as is the backend's own kernel that the override hands
// other sums to (and all sums when the SIMD module is off); those must be that kernel's, bit for
// bit.
for (const simd of [true, false]) {
  Deno.test(`Sum on wasm: leading axes exact to 1e-5, the rest the backend's own (SIMD module ${simd ? "on" : "off"})`, async () => {
    registerWasmKernels();
    const previous = setKernelFlags({ simdKernels: simd });
    try {
      for (const c of CASES) {
        const r = await compareWithCpu(([x]) => tf.sum(x, c.axis, c.keepDims), [c.shape]);
        const label = `shape ${c.shape} axis ${c.axis} keepDims ${c.keepDims ?? false}` +
          ` (inputs from KERNEL_TEST_SEED=${r.seed})`;
        assert.deepEqual(r.shape, r.cpuShape, label);
        assert.equal(r.leaked, 0, label);
        if (simd && leadingAxes(c.axis, c.shape) > 0) {
          const error = relativeError(
            r.values,
            exactSum(r.inputs[0], c.shape, [c.axis].flat()),
          );
          assert.ok(error < TOLERANCE, `${label}: relative error ${error}`);
        } else {
          assert.deepEqual(r.values, await ownSum(r.inputs[0], c), label);
        }
      }
    } finally {
      setKernelFlags(previous);
    }
  });
}

Deno.test("Sum on wasm of int32 values and of large sums stays exact", async () => {
  registerWasmKernels();
  await setupBackend("wasm");
  const ints = tf.tensor2d([[1, 2], [3, 4], [5, 6]], [3, 2], "int32");
  assert.deepEqual(Array.from(await tf.sum(ints, 0).data()), [9, 12]);
  // 100000 rows of 0.1: a float32 running sum drifts by about 1e-3 relative; blocks do not.
  const tenths = tf.fill([100000, 4], 0.1);
  const sums = await tf.sum(tenths, 0).data();
  for (const value of sums) assert.ok(Math.abs(value - 10000) < 1e-2, `sum ${value}`);
  tf.dispose([ints, tenths]);
});
