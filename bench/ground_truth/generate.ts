/**
 * Generates the ground truth of the suggestion-quality benchmark: for every task, seed and
 * learning rate of the task's grid, train from the seed's initial weights at that constant rate
 * for the task's budget of steps (data order from the same seed) and record the final loss on
 * the task's validation data. Writes `bench/ground_truth/<task>.json`.
 *
 * Run: `deno run -A bench/ground_truth/generate.ts [--task NAME]... [--quick] [--out DIR]`
 * (`--quick`: 30 steps, one seed, every other rate, written to a temporary directory unless
 * `--out` is given; for trying the script, not for the benchmark).
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
  /** Steps of constant-rate training per run. */
  budgetSteps: number;
  /** Samples per step. */
  batchSize: number;
  /** Training and validation samples. */
  trainSize: number;
  /** Validation samples the final loss is computed on. */
  validationSize: number;
  /** Learning rates, half a decade apart. */
  grid: number[];
  /** Seeds of the initial weights and data order. */
  seeds: number[];
  /** Sum of the initial weights per seed (checked by the benchmark). */
  checksums: number[];
  /** Validation loss of the untrained model per seed. */
  untrained: number[];
  /** Final validation loss per seed and rate (`null`: the training loss became non-finite). */
  perSeed: (number | null)[][];
  /**
   * Mean over seeds of the final validation loss per rate, each seed's value capped at its
   * untrained loss (a non-finite run counts as the untrained loss): the curve regrets read.
   */
  mean: number[];
  /** Wall-clock seconds the task took. */
  seconds: number;
  /** `/proc/loadavg` at the end (the machine is shared). */
  loadavg: string;
}

/** Trains the model (already at its initial weights) at a constant rate; returns the final
 * validation loss, or null when the training loss becomes non-finite. */
function trainAtRate(
  task: Task,
  model: tf.LayersModel,
  data: TaskData,
  options: { lr: number; seed: number; steps: number },
): number | null {
  const loss = lossFunction(task.loss);
  const layout = planBatchLayout(data.train, model, loss.name);
  const optimizer = createOptimizer(task.optimizer, options.lr);
  const sampler = createBatchSampler(data.train.size, options.seed);
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  try {
    for (let step = 0; step < options.steps; step++) {
      const batch = gatherBatch(data.train, sampler.next(task.batchSize), layout);
      const cost = optimizer.minimize(
        () => tf.mean(loss.fn(batch.y, model.apply(batch.x, { training: true }) as tf.Tensor)),
        true,
        variables,
      )!;
      tf.dispose([batch.x, batch.y]);
      const check = step % 10 === 9 || step === options.steps - 1;
      const value = check ? cost.dataSync()[0] : 0;
      cost.dispose();
      if (!Number.isFinite(value)) return null;
    }
  } finally {
    disposeOptimizer(optimizer);
  }
  const final = validationLoss(model, data.validation, loss.fn, task);
  return Number.isFinite(final) ? final : null;
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

/** Computes one task's ground truth. */
export async function groundTruth(
  task: Task,
  options: { quick?: boolean; log?: (line: string) => void } = {},
): Promise<GroundTruth> {
  const started = performance.now();
  const data = await task.load();
  const seeds = options.quick ? task.seeds.slice(0, 1) : task.seeds;
  const grid = options.quick ? task.grid.filter((_, i) => i % 2 === 0) : task.grid;
  const steps = options.quick ? 30 : task.budgetSteps;
  const loss = lossFunction(task.loss);
  const checksums: number[] = [];
  const untrained: number[] = [];
  const perSeed: (number | null)[][] = [];
  for (const seed of seeds) {
    const model = task.model(seed);
    const initial = model.weights.map((w) => tf.clone(w.read()));
    checksums.push(weightChecksum(model));
    untrained.push(validationLoss(model, data.validation, loss.fn, task));
    const row: (number | null)[] = [];
    for (const lr of grid) {
      restore(model, initial);
      const t = performance.now();
      row.push(trainAtRate(task, model, data, { lr, seed, steps }));
      options.log?.(
        `${task.name} seed ${seed} lr ${lr.toExponential(1)}: ${
          row.at(-1)?.toFixed(4) ?? "non-finite"
        } (${((performance.now() - t) / 1000).toFixed(1)} s)`,
      );
    }
    perSeed.push(row);
    tf.dispose(initial);
    model.dispose();
  }
  const mean = grid.map((_, j) => {
    let sum = 0;
    perSeed.forEach((row, s) => (sum += Math.min(row[j] ?? untrained[s], untrained[s])));
    return sum / perSeed.length;
  });
  return {
    task: task.name,
    description: task.description,
    command: `${GENERATE_COMMAND} --task ${task.name}`,
    generatedAt: new Date().toISOString(),
    backend: tf.getBackend(),
    budgetSteps: steps,
    batchSize: task.batchSize,
    trainSize: data.train.size,
    validationSize: data.validation.size,
    grid,
    seeds,
    checksums,
    untrained,
    perSeed,
    mean,
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
    const text = key === "perSeed"
      ? `[\n${(value as unknown[]).map((row) => `    ${JSON.stringify(row)}`).join(",\n")}\n  ]`
      : JSON.stringify(value);
    return `  ${JSON.stringify(key)}: ${text}`;
  });
  return `{\n${lines.join(",\n")}\n}\n`;
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
  const tasks = TASKS.filter((t) => names.length === 0 || names.includes(t.name));
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
    const best = truth.mean.indexOf(Math.min(...truth.mean));
    console.log(
      `${task.name}: best rate ${truth.grid[best]} (mean validation loss ${
        truth.mean[best].toFixed(4)
      }), ${truth.seconds.toFixed(0)} s -> ${path}`,
    );
  }
  console.log(`ground truth: ${((performance.now() - started) / 1000).toFixed(0)} s in all`);
}
