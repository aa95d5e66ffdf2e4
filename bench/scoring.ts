/**
 * Scoring a suggested learning rate against the ground truth (`bench/ground_truth/`): the regret
 * at each training length (horizon), summaries over tasks, and the cost of a grid search.
 * @module
 */
import { type GroundTruth, groundTruthPath, type Horizon } from "./ground_truth/generate.ts";
import type { Task } from "./tasks.ts";

/** The horizons every table reports: the long one (the training users run) first. */
export const HORIZONS = ["long", "short"] as const;

/** A horizon's name. */
export type HorizonName = typeof HORIZONS[number];

/** Loads a task's ground truth, with the command that makes it when it is missing. */
export async function loadTruth(task: Task): Promise<GroundTruth> {
  const path = groundTruthPath(task.name);
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch {
    throw new Error(
      `missing ground truth ${path}: run deno run -A bench/ground_truth/generate.ts --task ${task.name}`,
    );
  }
  const truth = JSON.parse(text) as GroundTruth;
  if (!Array.isArray(truth.horizons)) {
    throw new Error(
      `${path} is in the old format (one horizon): regenerate it with ${truth.command}`,
    );
  }
  return truth;
}

/** A horizon of a ground truth by name. */
export function horizonOf(truth: GroundTruth, name: HorizonName): Horizon {
  const horizon = truth.horizons.find((h) => h.name === name);
  if (!horizon) throw new Error(`${truth.task}: the ground truth has no ${name} horizon`);
  return horizon;
}

/** Mean validation loss at `lr`, interpolated linearly on the log grid, clamped to its ends. */
export function lossAt(truth: GroundTruth, horizon: HorizonName, lr: number): number {
  const mean = horizonOf(truth, horizon).mean;
  const x = Math.log10(lr);
  const grid = truth.grid.map((g) => Math.log10(g));
  if (x <= grid[0]) return mean[0];
  if (x >= grid[grid.length - 1]) return mean[grid.length - 1];
  let i = 0;
  while (grid[i + 1] < x) i++;
  const t = (x - grid[i]) / (grid[i + 1] - grid[i]);
  return mean[i] + t * (mean[i + 1] - mean[i]);
}

/** The grid rate with the lowest mean validation loss at a horizon. */
export function bestOf(truth: GroundTruth, horizon: HorizonName): { lr: number; loss: number } {
  const mean = horizonOf(truth, horizon).mean;
  let best = 0;
  for (let i = 1; i < mean.length; i++) if (mean[i] < mean[best]) best = i;
  return { lr: truth.grid[best], loss: mean[best] };
}

/** Loss at the rate / best loss - 1; no suggestion counts as not training (untrained loss). */
export function regret(truth: GroundTruth, horizon: HorizonName, lr: number | null): number {
  const best = bestOf(truth, horizon).loss;
  if (lr === null) return mean(truth.untrained) / best - 1;
  return lossAt(truth, horizon, lr) / best - 1;
}

/**
 * Steps of the grid search a user would run to find the rate: one training at every rate of the
 * task's half-decade grid, each as long as the horizon.
 */
export function gridSearchSteps(task: Task, truth: GroundTruth, horizon: HorizonName): number {
  return task.grid.length * horizonOf(truth, horizon).steps;
}

/** Arithmetic mean; `NaN` for none. */
export function mean(xs: readonly number[]): number {
  return xs.length === 0 ? NaN : xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** Median; `NaN` for none. */
export function medianOf(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Regret as a percentage: one decimal below 10 (i.e. 1000%), none above. */
export function pct(x: number): string {
  if (!Number.isFinite(x)) return "n/a";
  return x >= 10 ? `${Math.round(100 * x)}%` : `${(100 * x).toFixed(1)}%`;
}
