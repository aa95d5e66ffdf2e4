/**
 * Generates the ground truth of the suggestion-quality benchmark: for every task, seed and
 * learning rate of the task's grid, train from the seed's initial weights at that constant rate
 * (data order from the same seed) and record the loss on the task's validation data at two
 * training lengths of the same run: the short horizon (the task's `budgetSteps`, 300) and the
 * long one (the task's `epochs` over the training data: the training users run). After the
 * half-decade grid, the quarter-decade rates beside each horizon's best are added. Writes
 * `bench/ground_truth/<task>.json`.
 *
 * Run: `deno run -A bench/ground_truth/generate.ts [--task NAME]... [--quick] [--out DIR]`
 * (`--quick`: 30 and 60 steps, one seed, every other rate, written to a temporary directory
 * unless `--out` is given; for trying the script, not for the benchmark).
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { setupBackend } from "../../src/backend.ts";
import { createBatchSampler, gatherBatch, planBatchLayout } from "../../src/batches.ts";
import type { Dataset } from "../../src/data/dataset.ts";
import { type LossFunction, lossFunction } from "../../src/losses.ts";
import { createOptimizer, disposeOptimizer } from "../../src/optimizers.ts";
import {
  fashionMnistAvailable,
  type Task,
  type TaskData,
  TASKS,
  weightChecksum,
} from "../tasks.ts";

/** The command that regenerates every file, recorded in each. */
export const GENERATE_COMMAND = "deno run -A bench/ground_truth/generate.ts";

/** The final validation loss of every run at one training length. */
export interface Horizon {
  /** `short` (the task's fixed number of steps) or `long` (its epochs: the training users run). */
  name: "short" | "long";
  /** Steps of constant-rate training. */
  steps: number;
  /** Passes over the training data those steps make. */
  epochs: number;
  /** Validation loss per seed and rate (`null`: the run diverged, see `divergence`). */
  perSeed: (number | null)[][];
  /**
   * Mean over seeds of the validation loss per rate, each seed's value capped at its untrained
   * loss (a diverged run counts as the untrained loss): the curve regrets read.
   */
  mean: number[];
}

/** The stored ground truth of one task. */
export interface GroundTruth {
  /** Task name. */
  task: string;
  /** Task description. */
  description: string;
  /** The command that regenerates this file. */
  command: string;
  /** ISO time of generation. */
  generatedAt: string;
  /** TensorFlow.js backend. */
  backend: string;
  /** Samples per step. */
  batchSize: number;
  /** Training samples. */
  trainSize: number;
  /** Validation samples the loss is computed on. */
  validationSize: number;
  /** Learning rates: a half-decade grid plus quarter-decade rates beside each horizon's best. */
  grid: number[];
  /** Seeds of the initial weights and data order. */
  seeds: number[];
  /** Sum of the initial weights per seed (checked by the benchmark). */
  checksums: number[];
  /** Validation loss of the untrained model per seed. */
  untrained: number[];
  /** When a run counts as diverged (and stops early). */
  divergence: string;
  /** The ground truth at each training length, read from the same runs: short, then long. */
  horizons: Horizon[];
  /** Wall-clock seconds the task took. */
  seconds: number;
  /** `/proc/loadavg` at the end (the machine is shared). */
  loadavg: string;
}

/** A run stops as diverged once its mean training loss over this many steps is... */
const DIVERGENCE_WINDOW = 100;
/** ...above this multiple of the untrained validation loss (checked from this step on). */
const DIVERGENCE_FACTOR = 3;
const DIVERGENCE_FROM_STEP = 200;

/** Steps of a task's long horizon: its epochs over `trainSize` samples. */
export function longSteps(task: Task, trainSize: number): number {
  return task.epochs * Math.ceil(trainSize / task.batchSize);
}

/**
 * Trains the model (already at its initial weights) at a constant rate up to the last of
 * `checkpoints` and returns the validation loss at each checkpoint; `null` from where the
 * training loss became non-finite or stayed far above the untrained loss (diverged).
 */
function trainAtRate(
  task: Task,
  model: tf.LayersModel,
  data: TaskData,
  options: { lr: number; seed: number; checkpoints: number[]; untrained: number },
): (number | null)[] {
  const loss = lossFunction(task.loss);
  const layout = planBatchLayout(data.train, model, loss.name);
  const optimizer = createOptimizer(task.optimizer, options.lr);
  const sampler = createBatchSampler(data.train.size, options.seed);
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const steps = Math.max(...options.checkpoints);
  const out: (number | null)[] = options.checkpoints.map(() => null);
  const recent: number[] = [];
  try {
    for (let step = 0; step < steps; step++) {
      const batch = gatherBatch(data.train, sampler.next(task.batchSize), layout);
      const cost = optimizer.minimize(
        () => tf.mean(loss.fn(batch.y, model.apply(batch.x, { training: true }) as tf.Tensor)),
        true,
        variables,
      )!;
      tf.dispose([batch.x, batch.y]);
      const value = cost.dataSync()[0];
      cost.dispose();
      if (!Number.isFinite(value)) return out;
      recent.push(value);
      if (recent.length > DIVERGENCE_WINDOW) recent.shift();
      if (step >= DIVERGENCE_FROM_STEP && step % 10 === 9) {
        const mean = recent.reduce((a, b) => a + b, 0) / recent.length;
        if (mean > DIVERGENCE_FACTOR * options.untrained) return out;
      }
      options.checkpoints.forEach((at, i) => {
        if (at !== step + 1) return;
        const final = validationLoss(model, data.validation, loss.fn, task);
        out[i] = Number.isFinite(final) ? final : null;
      });
    }
  } finally {
    disposeOptimizer(optimizer);
  }
  return out;
}

/** Mean loss of the model over a whole dataset, in chunks of 500 samples. */
export function validationLoss(
  model: tf.LayersModel,
  data: Dataset,
  lossFn: LossFunction,
  task: Task,
): number {
  const layout = planBatchLayout(data, model, task.loss);
  let total = 0;
  for (let start = 0; start < data.size; start += 500) {
    const count = Math.min(500, data.size - start);
    const indices = Int32Array.from({ length: count }, (_, i) => start + i);
    const batch = gatherBatch(data, indices, layout);
    const sum = tf.tidy(() =>
      tf.sum(lossFn(batch.y, model.apply(batch.x, { training: false }) as tf.Tensor))
    );
    total += sum.dataSync()[0];
    tf.dispose([sum, batch.x, batch.y]);
  }
  return total / data.size;
}

function restore(model: tf.LayersModel, initial: tf.Tensor[]): void {
  model.weights.forEach((w, i) => (w.read() as tf.Variable).assign(initial[i]));
}

/** Mean over seeds of the loss at checkpoint `h`, each capped at the seed's untrained loss. */
function meanCapped(perSeed: (number | null)[][], h: number, untrained: number[]): number {
  let sum = 0;
  perSeed.forEach((losses, s) => (sum += Math.min(losses[h] ?? untrained[s], untrained[s])));
  return sum / perSeed.length;
}

/** Computes one task's ground truth. */
export async function groundTruth(
  task: Task,
  options: { quick?: boolean; log?: (line: string) => void } = {},
): Promise<GroundTruth> {
  const started = performance.now();
  const data = await task.load();
  const seeds = options.quick ? task.seeds.slice(0, 1) : task.seeds;
  const coarse = options.quick ? task.grid.filter((_, i) => i % 2 === 0) : task.grid;
  const checkpoints = options.quick
    ? [30, 60]
    : [task.budgetSteps, longSteps(task, data.train.size)];
  const loss = lossFunction(task.loss);
  const models = seeds.map((seed) => task.model(seed));
  const initial = models.map((model) => model.weights.map((w) => tf.clone(w.read())));
  const checksums = models.map(weightChecksum);
  const untrained = models.map((model) => validationLoss(model, data.validation, loss.fn, task));
  /** For each rate: per seed, the validation loss at each checkpoint. */
  const results = new Map<number, (number | null)[][]>();
  const runRate = (lr: number) => {
    results.set(
      lr,
      seeds.map((seed, s) => {
        restore(models[s], initial[s]);
        const t = performance.now();
        const losses = trainAtRate(task, models[s], data, {
          lr,
          seed,
          checkpoints,
          untrained: untrained[s],
        });
        options.log?.(
          `${task.name} seed ${seed} lr ${lr.toExponential(2)}: ${
            losses.map((v) => v?.toFixed(4) ?? "diverged").join(" / ")
          } (${((performance.now() - t) / 1000).toFixed(1)} s)`,
        );
        return losses;
      }),
    );
  };
  try {
    for (const lr of coarse) runRate(lr);
    if (!options.quick) {
      for (let h = 0; h < checkpoints.length; h++) {
        const means = coarse.map((lr) => meanCapped(results.get(lr)!, h, untrained));
        const best = means.indexOf(Math.min(...means));
        for (const side of [-1, 1]) {
          const quarter = Math.round(4 * Math.log10(coarse[best])) + side;
          const lr = Number((10 ** (quarter / 4)).toPrecision(6));
          if (![...results.keys()].some((r) => Math.abs(Math.log10(r / lr)) < 0.01)) runRate(lr);
        }
      }
    }
  } finally {
    initial.forEach((tensors) => tf.dispose(tensors));
    models.forEach((model) => model.dispose());
  }
  const grid = [...results.keys()].sort((a, b) => a - b);
  const horizons: Horizon[] = checkpoints.map((steps, h) => ({
    name: h === 0 ? "short" : "long",
    steps,
    epochs: Number((steps * task.batchSize / data.train.size).toFixed(2)),
    perSeed: seeds.map((_, s) => grid.map((lr) => results.get(lr)![s][h])),
    mean: grid.map((lr) => meanCapped(results.get(lr)!, h, untrained)),
  }));
  return {
    task: task.name,
    description: task.description,
    command: `${GENERATE_COMMAND} --task ${task.name}`,
    generatedAt: new Date().toISOString(),
    backend: tf.getBackend(),
    batchSize: task.batchSize,
    trainSize: data.train.size,
    validationSize: data.validation.size,
    grid,
    seeds,
    checksums,
    untrained,
    divergence: `a run diverged when its training loss is not finite, or when from step ` +
      `${DIVERGENCE_FROM_STEP} its mean over the last ${DIVERGENCE_WINDOW} steps exceeds ` +
      `${DIVERGENCE_FACTOR} times the untrained validation loss; it stops there and counts as ` +
      `the untrained loss`,
    horizons,
    seconds: (performance.now() - started) / 1000,
    loadavg: (await Deno.readTextFile("/proc/loadavg").catch(() => "")).trim(),
  };
}

/** Where a task's ground truth is stored. */
export function groundTruthPath(task: string, dir = new URL(".", import.meta.url).pathname) {
  return `${dir.replace(/\/$/, "")}/${task}.json`;
}

/** Serialises a ground truth with one line per array, so diffs stay readable. */
export function formatGroundTruth(truth: GroundTruth): string {
  const lines = Object.entries(truth).map(([key, value]) => {
    const text = key === "horizons"
      ? `[\n${(value as Horizon[]).map(formatHorizon).join(",\n")}\n  ]`
      : JSON.stringify(value);
    return `  ${JSON.stringify(key)}: ${text}`;
  });
  return `{\n${lines.join(",\n")}\n}\n`;
}

function formatHorizon(horizon: Horizon): string {
  const rows = horizon.perSeed.map((row) => `        ${JSON.stringify(row)}`).join(",\n");
  return `    {\n      "name": ${JSON.stringify(horizon.name)}, "steps": ${horizon.steps}, ` +
    `"epochs": ${horizon.epochs},\n      "perSeed": [\n${rows}\n      ],\n` +
    `      "mean": ${JSON.stringify(horizon.mean)}\n    }`;
}

if (import.meta.main) {
  const args = [...Deno.args];
  const quick = args.includes("--quick");
  const names = args.flatMap((a, i) => (args[i - 1] === "--task" ? [a] : []));
  const outIndex = args.indexOf("--out");
  const out = outIndex >= 0
    ? args[outIndex + 1]
    : quick
    ? await Deno.makeTempDir({ prefix: "lr-finder-ground-truth-" })
    : new URL(".", import.meta.url).pathname;
  const unknown = names.filter((n) => !TASKS.some((t) => t.name === n));
  if (unknown.length > 0) {
    console.error(
      `unknown task ${unknown.join(", ")}: expected one of ${TASKS.map((t) => t.name).join(", ")}`,
    );
    Deno.exit(2);
  }
  const tasks = names.length === 0
    ? TASKS
    : names.map((name) => TASKS.find((t) => t.name === name)!);
  await setupBackend("wasm");
  const started = performance.now();
  for (const task of tasks) {
    if (task.fashionMnist && !fashionMnistAvailable()) {
      console.warn(
        `skipping ${task.name}: Fashion-MNIST files are missing (dataset-fashion-mnist)`,
      );
      continue;
    }
    const truth = await groundTruth(task, { quick, log: (line) => console.log(line) });
    const path = groundTruthPath(task.name, out);
    await Deno.writeTextFile(path, formatGroundTruth(truth));
    const bests = truth.horizons.map((h) => {
      const best = h.mean.indexOf(Math.min(...h.mean));
      return `${h.name} (${h.steps} steps): ${truth.grid[best]} (${h.mean[best].toFixed(4)})`;
    });
    console.log(
      `${task.name}: best rate ${bests.join(", ")}, ${truth.seconds.toFixed(0)} s -> ${path}`,
    );
  }
  console.log(`ground truth: ${((performance.now() - started) / 1000).toFixed(0)} s in all`);
}
