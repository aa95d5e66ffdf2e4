/**
 * Small seeded models and datasets shared by the test modules, and the file-system helpers
 * several of them need.
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { Dataset } from "../src/data/dataset.ts";
import { createRng, normal } from "../src/random.ts";

// The repository's root, and scripts run as their `deno task` runs them, as the doc samples run.
export { ROOT, runAsTask, runDeno, taskPermissions } from "../docs/samples.ts";
export type { DenoRunOutput } from "../docs/samples.ts";

/** Gaussian blobs: `classes` clusters in `features` dimensions, labels as class indices. */
export function blobs(size: number, features: number, classes: number, seed = 1): Dataset {
  const rng = createRng(seed);
  const centers = Array.from(
    { length: classes },
    () => Array.from({ length: features }, () => 2 * normal(rng)),
  );
  const x = new Float32Array(size * features);
  const y = new Int32Array(size);
  for (let i = 0; i < size; i++) {
    y[i] = i % classes;
    for (let j = 0; j < features; j++) x[i * features + j] = centers[y[i]][j] + normal(rng);
  }
  return { x, xShape: [features], y, yShape: [], classes, size, source: "blobs" };
}

/** A seeded multi-layer perceptron with a softmax output. */
export function mlp(features: number, classes: number, hidden = 32, seed = 7): tf.Sequential {
  return tf.sequential({
    layers: [
      tf.layers.dense({
        inputShape: [features],
        units: hidden,
        activation: "relu",
        kernelInitializer: tf.initializers.glorotUniform({ seed }),
      }),
      tf.layers.dense({
        units: classes,
        activation: "softmax",
        kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }),
      }),
    ],
  });
}

/** Copies every weight's values, for bitwise comparisons. */
export function weightValues(model: tf.LayersModel): Float32Array[] {
  return model.weights.map((w) => w.read().dataSync() as Float32Array).map((a) => a.slice());
}

/** True when two lists of arrays are equal bit for bit (NaN equal to NaN). */
export function bitwiseEqual(a: ArrayLike<number>[], b: ArrayLike<number>[]): boolean {
  if (a.length !== b.length) return false;
  return a.every((array, i) => {
    if (array.length !== b[i].length) return false;
    for (let j = 0; j < array.length; j++) if (!Object.is(array[j], b[i][j])) return false;
    return true;
  });
}

/** Runs `fn` with a fresh temporary folder, removed afterwards (also when `fn` throws). */
export async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/**
 * A sweep clock that only moves when the sweep records a step: pass both to the sweep, and the
 * time budget, `elapsedMs` and the loop's yields follow the steps, not the machine's speed.
 */
export function stepClock(msPerStep: number, start = 0): {
  clock: () => number;
  onStep: () => void;
} {
  let now = start;
  return { clock: () => now, onStep: () => void (now += msPerStep) };
}
