/**
 * Suggestion quality: how good is the learning rate each rule suggests, and how long does it take
 * to get one? For every task of `bench/tasks.ts` this sweeps from the ground truth's initial
 * weights and scores every rule, smoothing variant, combination, multi-run aggregate and
 * validation-loss sweep by its regret against the cached ground truth (`bench/ground_truth/`),
 * scores the tutorial's approach (one epoch, minimum/10), chooses the default by the lowest
 * worst-case regret, and times a default sweep against the tutorial's on Fashion-MNIST. Prints
 * tables as it goes and asserts nothing: the numbers are measured in this one run.
 *
 * Run: `deno run -A bench/quality.ts [--quick] [--save-curves FILE] [--curves FILE]`
 * (`--quick`: one initial-weights seed, one repetition of the timing; `--curves` scores sweeps
 * saved earlier with `--save-curves` instead of sweeping again, and skips the timing).
 * @module
 */
import { setupBackend } from "../src/backend.ts";
import type { StopReason } from "../src/result.ts";
import { learningRateSchedule } from "../src/schedule.ts";
import { smoothLosses } from "../src/smoothing.ts";
import {
  AUTO_RULE,
  SLIDE_THRESHOLD,
  smoothZeroLag,
  SUGGEST_BANDWIDTH,
  suggestAll,
  type SuggestCurve,
  suggestLearningRate,
  suggestMinimum,
  suggestSlide,
  suggestSteepest,
  suggestValley,
} from "../src/suggest.ts";
import { findLearningRate } from "../src/sweep.ts";
import { RULE_NAMES } from "../src/vocabulary.ts";
import { type GroundTruth, groundTruthPath } from "./ground_truth/generate.ts";
import { fashionMnistAvailable, type Task, TASKS, weightChecksum } from "./tasks.ts";

/** One recorded sweep. */
export interface Curve {
  /** Learning rate per step. */
  lrs: number[];
  /** Raw loss per step (`null` where not finite). */
  losses: (number | null)[];
  /** Causal smoothed loss per step, as the sweep recorded it. */
  smoothed: (number | null)[];
  /** Why the sweep ended. */
  stopReason: StopReason;
}

/** Every sweep recorded for one task. */
export interface TaskSweeps {
  /** Task name. */
  task: string;
  /** Default sweeps (train loss): groups of 3 runs (data orders) from the same initial weights. */
  groups: Curve[][];
  /** Default sweeps recording the loss on held-out training samples, one per seed. */
  validation: Curve[];
  /** The tutorial's approach: one epoch, one per seed. */
  tutorial: Curve[];
}

/** Options of {@linkcode run}. */
export interface QualityOptions {
  /** One initial-weights seed and one timing repetition, for development. */
  quick?: boolean;
  /** Score the sweeps saved in this file instead of sweeping (skips the timing). */
  curves?: string;
  /** Save the sweeps to this file. */
  saveCurves?: string;
  /** Where progress and tables go as they are ready; default `console.log`. */
  log?: (text: string) => void;
}

/** Data-order seeds of the default sweeps: per initial weights, two groups of 3 runs. */
const GROUP_SEEDS = [100, 200];

// ------------------------------------------------------------------------------------------------
// Scoring against the ground truth

/** Mean validation loss at `lr`, interpolated linearly on the log grid, clamped to its ends. */
export function lossAt(truth: GroundTruth, lr: number): number {
  const x = Math.log10(lr);
  const grid = truth.grid.map((g) => Math.log10(g));
  if (x <= grid[0]) return truth.mean[0];
  if (x >= grid[grid.length - 1]) return truth.mean[grid.length - 1];
  let i = 0;
  while (grid[i + 1] < x) i++;
  const t = (x - grid[i]) / (grid[i + 1] - grid[i]);
  return truth.mean[i] + t * (truth.mean[i + 1] - truth.mean[i]);
}

/** The grid rate with the lowest mean validation loss. */
export function bestOf(truth: GroundTruth): { lr: number; loss: number } {
  let best = 0;
  for (let i = 1; i < truth.mean.length; i++) if (truth.mean[i] < truth.mean[best]) best = i;
  return { lr: truth.grid[best], loss: truth.mean[best] };
}

/** Loss at the rate / best loss - 1; no suggestion counts as not training (untrained loss). */
export function regret(truth: GroundTruth, lr: number | null): number {
  const best = bestOf(truth).loss;
  if (lr === null) return mean(truth.untrained) / best - 1;
  return lossAt(truth, lr) / best - 1;
}

/** How one candidate did on one task. */
interface TaskScore {
  /** Regret of each scored sweep (or group of runs). */
  regrets: number[];
  /** log10(suggested / best rate) of each sweep that had a suggestion. */
  distances: number[];
  /** Sweeps without a suggestion. */
  failures: number;
}

function scoreOf(truth: GroundTruth, lrs: (number | null)[]): TaskScore {
  const best = bestOf(truth).lr;
  const found = lrs.filter((lr): lr is number => lr !== null);
  return {
    regrets: lrs.map((lr) => regret(truth, lr)),
    distances: found.map((lr) => Math.log10(lr / best)),
    failures: lrs.length - found.length,
  };
}

function mean(xs: readonly number[]): number {
  return xs.length === 0 ? NaN : xs.reduce((a, b) => a + b, 0) / xs.length;
}

// ------------------------------------------------------------------------------------------------
// Candidates: rules, smoothings of the curve they read, combinations, aggregates

/** A way to get a curve for the rules from a sweep. */
type CurveView = (curve: Curve) => SuggestCurve;

function finitePrefix(curve: Curve): { lrs: number[]; losses: number[] } {
  const losses: number[] = [];
  for (const v of curve.losses) {
    if (v === null || !Number.isFinite(v)) break;
    losses.push(v);
  }
  return { lrs: curve.lrs.slice(0, losses.length), losses };
}

function resmoothed(smooth: (lrs: number[], losses: number[]) => number[]): CurveView {
  return (curve) => {
    const { lrs, losses } = finitePrefix(curve);
    return { lrs, smoothed: losses.length > 0 ? smooth(lrs, losses) : [] };
  };
}

/** The curves the rules are tried on: the recorded causal average and non-causal smoothings. */
const VIEWS: Record<string, CurveView> = {
  "causal EMA 0.98 (recorded)": (c) => ({ lrs: c.lrs, smoothed: c.smoothed }),
  "causal EMA 0.9": resmoothed((_, losses) => smoothLosses(losses, 0.9)),
  "zero-phase EMA 0.9": resmoothed((_, losses) =>
    smoothLosses(smoothLosses(losses, 0.9).reverse(), 0.9).reverse()
  ),
  "local linear 0.1 dec": resmoothed((lrs, l) => smoothZeroLag(lrs, l, { bandwidth: 0.1 })),
  "local linear 0.15 dec": resmoothed((lrs, l) => smoothZeroLag(lrs, l, { bandwidth: 0.15 })),
  "local linear 0.2 dec": resmoothed((lrs, l) => smoothZeroLag(lrs, l, { bandwidth: 0.2 })),
  "local linear 0.3 dec": resmoothed((lrs, l) => smoothZeroLag(lrs, l, { bandwidth: 0.3 })),
};

type Rule = (curve: SuggestCurve) => number | null;

function lowest(curve: SuggestCurve): number | null {
  const s = suggestMinimum(curve);
  return s.lr === null ? null : s.lr * 10;
}

function geometricMean(...lrs: (number | null)[]): number | null {
  if (lrs.some((lr) => lr === null)) return null;
  return Math.exp(mean(lrs.map((lr) => Math.log(lr!))));
}

function logMedian(lrs: (number | null)[]): number | null {
  const found = lrs.filter((lr): lr is number => lr !== null).sort((a, b) => a - b);
  if (found.length === 0) return null;
  const mid = found.length >> 1;
  return found.length % 2 ? found[mid] : Math.sqrt(found[mid - 1] * found[mid]);
}

const valley: Rule = (c) => suggestValley(c).lr;
const steepest: Rule = (c) => suggestSteepest(c).lr;
const minimum: Rule = (c) => suggestMinimum(c).lr;

/** The field's rules and the combinations tried, each on any of the views. */
const RULES: Record<string, Rule> = {
  valley,
  steepest,
  "minimum/10": minimum,
  slide: (c) => suggestSlide(c).lr,
  "gm(valley, lowest)": (c) => geometricMean(valley(c), lowest(c)),
  "gm(valley, steepest)": (c) => geometricMean(valley(c), steepest(c)),
  "gm(steepest, minimum/10)": (c) => geometricMean(steepest(c), minimum(c)),
  "gm(minimum/10, lowest)": (c) => geometricMean(minimum(c), lowest(c)),
  "median(valley, steepest, minimum/10)": (c) =>
    [valley(c), steepest(c), minimum(c)].some((lr) => lr === null)
      ? null
      : logMedian([valley(c), steepest(c), minimum(c)]),
};

/** A scored candidate: its name and its score per task. */
interface Row {
  name: string;
  perTask: Map<string, TaskScore>;
}

function worstOf(row: Row, tasks: string[]): { regret: number; task: string } {
  let worst = { regret: -Infinity, task: "" };
  for (const task of tasks) {
    const r = mean(row.perTask.get(task)?.regrets ?? [Infinity]);
    if (r > worst.regret) worst = { regret: r, task };
  }
  return worst;
}

function meanOf(row: Row, tasks: string[]): number {
  return mean(tasks.map((t) => mean(row.perTask.get(t)?.regrets ?? [Infinity])));
}

/** Lowest worst-case regret first; ties (within 0.1 percentage point) by the mean. */
function byWorstCase(tasks: string[]): (a: Row, b: Row) => number {
  return (a, b) => {
    const d = worstOf(a, tasks).regret - worstOf(b, tasks).regret;
    return Math.abs(d) > 1e-3 ? d : meanOf(a, tasks) - meanOf(b, tasks);
  };
}

function collect(
  truths: Map<string, GroundTruth>,
  sweeps: TaskSweeps[],
  pick: (sw: TaskSweeps) => (number | null)[],
  name: string,
): Row {
  const perTask = new Map<string, TaskScore>();
  for (const sw of sweeps) perTask.set(sw.task, scoreOf(truths.get(sw.task)!, pick(sw)));
  return { name, perTask };
}

function singles(sw: TaskSweeps): Curve[] {
  return sw.groups.flat();
}

function withLosses(c: Curve): SuggestCurve {
  return { lrs: c.lrs, smoothed: c.smoothed, losses: c.losses };
}

/** The library's own rules, read from the result exactly as the sweep computes them. */
function libraryRows(truths: Map<string, GroundTruth>, sweeps: TaskSweeps[]): Row[] {
  const rows = RULE_NAMES.map((rule) =>
    collect(
      truths,
      sweeps,
      (sw) => singles(sw).map((c) => suggestAll(withLosses(c))[rule].lr),
      rule === AUTO_RULE ? `**${rule}** (auto)` : rule,
    )
  );
  rows.push(collect(
    truths,
    sweeps,
    (sw) => sw.tutorial.map((c) => suggestMinimum(c).lr),
    "tutorial: one epoch, minimum/10",
  ));
  return rows;
}

/** Every rule and combination on every view: the space `auto` is chosen from. */
function candidateRows(truths: Map<string, GroundTruth>, sweeps: TaskSweeps[]): Row[] {
  const rows: Row[] = [];
  for (const [view, toCurve] of Object.entries(VIEWS)) {
    for (const [rule, fn] of Object.entries(RULES)) {
      rows.push(collect(
        truths,
        sweeps,
        (sw) => singles(sw).map((c) => fn(toCurve(c))),
        `${rule} on ${view}`,
      ));
    }
  }
  return rows;
}

/** The default rule and the field's rules on validation-loss sweeps. */
function validationRows(truths: Map<string, GroundTruth>, sweeps: TaskSweeps[]): Row[] {
  return RULE_NAMES.map((rule) =>
    collect(
      truths,
      sweeps,
      (sw) => sw.validation.map((c) => suggestAll(withLosses(c))[rule].lr),
      `${rule}, validation-loss sweep`,
    )
  );
}

/** Ways to form one suggestion from 3 runs. */
function multiRunRows(truths: Map<string, GroundTruth>, sweeps: TaskSweeps[]): Row[] {
  const rows: Row[] = [];
  for (const rule of RULE_NAMES) {
    const one = (c: SuggestCurve) => suggestLearningRate(c, rule).lr;
    rows.push(collect(
      truths,
      sweeps,
      (sw) => sw.groups.map((g) => logMedian(g.map((c) => one(withLosses(c))))),
      `${rule}: log-median of the 3 runs' suggestions`,
    ));
    rows.push(collect(
      truths,
      sweeps,
      (sw) => sw.groups.map((g) => one(medianCurve(g))),
      `${rule}: on the median curve (raw and smoothed losses)`,
    ));
  }
  return rows;
}

/** Per-step median of the raw and of the causal smoothed losses, up to the shortest run. */
function medianCurve(runs: Curve[]): SuggestCurve {
  const n = Math.min(...runs.map((r) => finitePrefix(r).losses.length));
  const at = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    const mid = sorted.length >> 1;
    return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  };
  const losses: number[] = [];
  const smoothed: number[] = [];
  for (let k = 0; k < n; k++) {
    losses.push(at(runs.map((r) => r.losses[k]!)));
    smoothed.push(at(runs.map((r) => r.smoothed[k]!)));
  }
  return { lrs: runs[0].lrs.slice(0, n), smoothed, losses };
}

/** `slide` with other thresholds, on the recorded curve. */
function slideRows(truths: Map<string, GroundTruth>, sweeps: TaskSweeps[]): Row[] {
  return [0.01, 0.03, 0.05, 0.1, 0.2, 0.3, 0.5, 1].map((threshold) =>
    collect(
      truths,
      sweeps,
      (sw) => singles(sw).map((c) => suggestSlide(c, { threshold }).lr),
      `slide, threshold ${threshold}${threshold === SLIDE_THRESHOLD ? " (current)" : ""}`,
    )
  );
}

/**
 * Leave one task out: choose the best candidate on the other tasks, score it on the one left
 * out. Says how much the choice is fitted to these tasks.
 */
function leaveOneOut(
  rows: Row[],
  tasks: string[],
): { task: string; pick: string; regret: number }[] {
  return tasks.map((task) => {
    const others = tasks.filter((t) => t !== task);
    const pick = [...rows].sort(byWorstCase(others))[0];
    return { task, pick: pick.name, regret: mean(pick.perTask.get(task)!.regrets) };
  });
}

// ------------------------------------------------------------------------------------------------
// Sweeping

async function loadTruth(task: Task): Promise<GroundTruth> {
  const path = groundTruthPath(task.name);
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch {
    throw new Error(
      `missing ground truth ${path}: run deno run -A bench/ground_truth/generate.ts --task ${task.name}`,
    );
  }
  return JSON.parse(text) as GroundTruth;
}

function recorded(
  lrs: number[],
  run: { losses: (number | null)[]; smoothed: (number | null)[]; stopReason: StopReason },
): Curve {
  return {
    lrs: lrs.slice(0, run.losses.length),
    losses: run.losses,
    smoothed: run.smoothed,
    stopReason: run.stopReason,
  };
}

async function sweepTask(
  task: Task,
  truth: GroundTruth,
  options: { quick: boolean; log: (line: string) => void },
): Promise<TaskSweeps> {
  const data = await task.load();
  const seeds = options.quick ? truth.seeds.slice(0, 1) : truth.seeds;
  const out: TaskSweeps = { task: task.name, groups: [], validation: [], tutorial: [] };
  const common = { loss: task.loss, optimizer: task.optimizer, batchSize: task.batchSize };
  const epochSteps = Math.ceil(data.train.size / task.batchSize);
  const started = performance.now();
  for (const [i, seed] of seeds.entries()) {
    const model = task.model(seed);
    try {
      const checksum = weightChecksum(model);
      if (Math.abs(checksum - truth.checksums[i]) > 1e-6 * Math.max(1, Math.abs(checksum))) {
        throw new Error(
          `${task.name} seed ${seed}: the initial weights differ from the ground truth's ` +
            `(checksum ${checksum}, stored ${truth.checksums[i]}): regenerate the ground truth`,
        );
      }
      for (const offset of options.quick ? GROUP_SEEDS.slice(0, 1) : GROUP_SEEDS) {
        const result = await findLearningRate(model, data.train, {
          ...common,
          runs: 3,
          seed: offset + 10 * seed,
        });
        out.groups.push(
          result.runs!.map((r) => recorded(learningRateSchedule(result.settings), r)),
        );
      }
      const validation = await findLearningRate(model, data.train, {
        ...common,
        evaluate: "validation",
        seed: 100 + 10 * seed,
      });
      out.validation.push(recorded(validation.lrs, validation));
      const tutorial = await findLearningRate(model, data.train, {
        ...common,
        numIters: epochSteps,
        suggest: "minimum",
        seed: 100 + 10 * seed,
      });
      out.tutorial.push(recorded(tutorial.lrs, tutorial));
    } finally {
      model.dispose();
    }
  }
  options.log(
    `  ${task.name}: ${out.groups.length * 3} default sweeps, ${out.validation.length} ` +
      `validation-loss sweeps, ${out.tutorial.length} one-epoch sweeps of ${epochSteps} steps ` +
      `in ${((performance.now() - started) / 1000).toFixed(0)} s`,
  );
  return out;
}

// ------------------------------------------------------------------------------------------------
// Time to a suggestion against the tutorial's approach

interface SpeedResult {
  reps: number;
  rows: { name: string; steps: number[]; ms: number[]; regrets: number[]; lrs: number[] }[];
  loadavg: string[];
}

async function timeToSuggestion(quick: boolean, log: (line: string) => void): Promise<SpeedResult> {
  const task = TASKS.find((t) => t.name === "fmnist-mlp-adam")!;
  const truth = await loadTruth(task);
  const data = await task.load();
  const epochSteps = Math.ceil(data.train.size / task.batchSize);
  const common = { loss: task.loss, optimizer: task.optimizer, batchSize: task.batchSize };
  const contenders = [
    { name: "lr-finder default (100 steps, auto)", options: {} },
    { name: "lr-finder, 3 runs (3 x 100 steps, auto)", options: { runs: 3 } },
    {
      name: `tutorial (one epoch: ${epochSteps} steps, minimum/10)`,
      options: { numIters: epochSteps, suggest: "minimum" as const },
    },
  ];
  const reps = quick ? 1 : 3;
  const rows = contenders.map((c) => ({
    name: c.name,
    steps: [] as number[],
    ms: [] as number[],
    regrets: [] as number[],
    lrs: [] as number[],
  }));
  const loadavg: string[] = [];
  const model = task.model(0);
  try {
    // One untimed sweep first, so that no contender pays for compiling kernels.
    await findLearningRate(model, data.train, { ...common, numIters: 10 });
    for (let rep = 0; rep < reps; rep++) {
      for (const [i, c] of contenders.entries()) {
        const start = performance.now();
        const result = await findLearningRate(model, data.train, {
          ...common,
          ...c.options,
          seed: 1000 + rep,
        });
        rows[i].ms.push(performance.now() - start);
        rows[i].steps.push(result.timing.steps);
        rows[i].regrets.push(regret(truth, result.suggestion.lr));
        rows[i].lrs.push(result.suggestion.lr ?? NaN);
      }
      loadavg.push(await readLoadavg());
      log(`  timing repetition ${rep + 1} of ${reps} (load ${loadavg.at(-1)})`);
    }
  } finally {
    model.dispose();
  }
  return { reps, rows, loadavg };
}

async function readLoadavg(): Promise<string> {
  const text = await Deno.readTextFile("/proc/loadavg").catch(() => "");
  return text.split(" ").slice(0, 3).join(" ");
}

// ------------------------------------------------------------------------------------------------
// Tables

function pct(x: number): string {
  if (!Number.isFinite(x)) return "n/a";
  return x >= 10 ? `${Math.round(100 * x)}%` : `${(100 * x).toFixed(1)}%`;
}

function decades(x: number): string {
  return Number.isFinite(x) ? `${x >= 0 ? "+" : ""}${x.toFixed(2)}` : "n/a";
}

function regretTable(rows: Row[], tasks: string[], first = "Rule"): string {
  const lines = [
    `| ${first} | ${tasks.join(" | ")} | worst | mean | worst sweep |`,
    `| --- | ${tasks.map(() => "---:").join(" | ")} | ---: | ---: | ---: |`,
  ];
  for (const row of rows) {
    const cells = tasks.map((t) => {
      const s = row.perTask.get(t);
      if (!s) return "";
      return pct(mean(s.regrets)) + (s.failures > 0 ? ` (${s.failures} none)` : "");
    });
    lines.push(
      `| ${row.name} | ${cells.join(" | ")} | ${pct(worstOf(row, tasks).regret)} | ${
        pct(meanOf(row, tasks))
      } | ${pct(Math.max(...tasks.flatMap((t) => row.perTask.get(t)?.regrets ?? [])))} |`,
    );
  }
  return lines.join("\n");
}

function distanceTable(rows: Row[], tasks: string[]): string {
  const lines = [
    `| Rule | ${tasks.join(" | ")} |`,
    `| --- | ${tasks.map(() => "---:").join(" | ")} |`,
  ];
  for (const row of rows) {
    const cells = tasks.map((t) => {
      const d = row.perTask.get(t)?.distances ?? [];
      if (d.length === 0) return "n/a";
      return `${decades(mean(d))} (${decades(Math.min(...d))}..${decades(Math.max(...d))})`;
    });
    lines.push(`| ${row.name} | ${cells.join(" | ")} |`);
  }
  return lines.join("\n");
}

function truthTable(truths: GroundTruth[]): string {
  const lines = [
    "| Task | Model, data, optimizer | Budget | Grid | Best rate | Best loss | Untrained | Regret at best/√10, best·√10 | Time |",
    "| --- | --- | ---: | --- | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const t of truths) {
    const best = bestOf(t);
    lines.push(
      `| ${t.task} | ${t.description} | ${t.budgetSteps} steps x ${t.batchSize} | ` +
        `${t.grid[0].toExponential(0)}..${t.grid.at(-1)!.toExponential(0)} (${t.grid.length}) | ` +
        `${best.lr.toExponential(1)} | ${best.loss.toFixed(4)} | ${
          mean(t.untrained).toFixed(3)
        } | ` +
        `${pct(regret(t, best.lr / Math.sqrt(10)))}, ${
          pct(regret(t, best.lr * Math.sqrt(10)))
        } | ` +
        `${t.seconds.toFixed(0)} s |`,
    );
  }
  return lines.join("\n");
}

function speedTable(speed: SpeedResult): string {
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  const tutorial = speed.rows.at(-1)!;
  const lines = [
    "| Approach | Steps | Wall time (median) | Time / tutorial's | Suggested rate (median) | Regret (mean) |",
    "| --- | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const row of speed.rows) {
    lines.push(
      `| ${row.name} | ${median(row.steps)} | ${(median(row.ms) / 1000).toFixed(2)} s | ` +
        `${(median(row.ms) / median(tutorial.ms)).toFixed(2)} | ` +
        `${median(row.lrs).toExponential(1)} | ${pct(mean(row.regrets))} |`,
    );
  }
  return lines.join("\n");
}

// ------------------------------------------------------------------------------------------------
// The benchmark

/** Runs the benchmark, printing as it goes, and returns its Markdown section for RESULTS.md. */
export async function run(options: QualityOptions = {}): Promise<string> {
  const started = performance.now();
  const log = options.log ?? ((text: string) => console.log(text));
  const quick = options.quick ?? false;
  const out: string[] = [];
  const emit = (text: string) => {
    out.push(text);
    log(text + "\n");
  };
  // One BLAS thread: the threaded library may sum in another order from run to run, and the
  // quality tables should come out the same when the bench runs again on this machine.
  await setupBackend("wasm", { threads: 1 });
  const tasks = TASKS.filter((t) => {
    if (t.fashionMnist && !fashionMnistAvailable()) {
      console.warn(
        `skipping ${t.name}: the Fashion-MNIST files are missing (dataset-fashion-mnist)`,
      );
      return false;
    }
    return true;
  });
  const truths = new Map<string, GroundTruth>();
  for (const task of tasks) truths.set(task.name, await loadTruth(task));
  const loadBefore = await readLoadavg();

  let sweeps: TaskSweeps[];
  if (options.curves) {
    sweeps = JSON.parse(await Deno.readTextFile(options.curves)) as TaskSweeps[];
  } else {
    log(`Sweeping ${tasks.length} tasks${quick ? " (quick)" : ""}:`);
    sweeps = [];
    for (const task of tasks) {
      sweeps.push(await sweepTask(task, truths.get(task.name)!, { quick, log }));
    }
    if (options.saveCurves) await Deno.writeTextFile(options.saveCurves, JSON.stringify(sweeps));
  }
  const sweepSeconds = (performance.now() - started) / 1000;
  const names = sweeps.map((s) => s.task);
  const perTask = sweeps[0] ? singles(sweeps[0]).length : 0;

  emit("## Suggestion quality");
  emit(
    `Regret = validation loss at the suggested rate (interpolated on the log grid of the ground ` +
      `truth) / the best validation loss on the grid - 1; a sweep without a suggestion counts as ` +
      `the untrained model. Each cell is the mean over ${perTask} default sweeps per task ` +
      `(100 steps from 1e-7 to 10, the ground truth's ${
        quick ? "first initial weights" : "3 initial weights"
      } x ${perTask / (quick ? 1 : 3)} data orders); the tutorial row is ${
        quick ? "1 sweep" : "3 sweeps"
      } of one epoch per task. Worst = the highest per-task mean: the criterion for \`auto\`. ` +
      `Backend wasm.${quick ? " **Quick run: fewer sweeps, numbers are rougher.**" : ""}`,
  );
  emit("### Ground truth");
  emit(
    `Constant-rate training from the same initial weights (per seed) at every rate of a ` +
      `half-decade grid, mean final validation loss over 3 seeds (a diverged run counts as the ` +
      `untrained loss). Cached in \`bench/ground_truth/\`, regenerated by ` +
      `\`deno run -A bench/ground_truth/generate.ts\`.`,
  );
  emit(truthTable([...truths.values()].filter((t) => names.includes(t.task))));

  const library = libraryRows(truths, sweeps);
  emit("### The rules as the library computes them");
  emit(regretTable(library, names));
  emit("Distance to the best grid rate in decades: mean (lowest..highest) over the sweeps.");
  emit(distanceTable(library, names));

  const candidates = candidateRows(truths, sweeps).sort(byWorstCase(names));
  const best = candidates[0];
  const autoRow = library.find((r) => r.name.includes("(auto)"))!;
  const autoName = `gm(valley, lowest) on local linear ${SUGGEST_BANDWIDTH} dec`;
  emit("### Choosing `auto`: every rule and combination on every curve");
  emit(
    `${candidates.length} candidates: the rules (\`minimum/10\`, \`valley\`, \`steepest\`, ` +
      `\`slide\`) and combinations (gm = geometric mean; \`lowest\` = the rate at the lowest ` +
      `loss) on the recorded causal average and on non-causal smoothings of the raw loss ` +
      `(zero-phase: the average run forwards then backwards; local linear: a line fitted ` +
      `around each step with Gaussian weights of the given width in decades). Sorted by worst ` +
      `case; the first 12 and the field's rules on the recorded curve:`,
  );
  const shown = [
    ...candidates.slice(0, 12),
    ...candidates.filter((r) =>
      r.name.endsWith("(recorded)") && !r.name.startsWith("gm") && !r.name.startsWith("median")
    ),
  ];
  emit(regretTable(shown, names, "Candidate"));
  const bestWorst = worstOf(best, names);
  const autoWorst = worstOf(autoRow, names);
  emit(
    `Lowest worst-case regret: **${best.name}**, ${
      pct(bestWorst.regret)
    } (on ${bestWorst.task}), ` +
      `mean ${
        pct(meanOf(best, names))
      }. The library's \`auto\` is \`${AUTO_RULE}\` = ${autoName}: ` +
      `worst case ${pct(autoWorst.regret)} (on ${autoWorst.task}), mean ${
        pct(meanOf(autoRow, names))
      }${
        best.name === autoName
          ? ", the benchmark's choice."
          : `. **The benchmark now prefers ${best.name}: revisit AUTO_RULE.**`
      }`,
  );
  const loo = leaveOneOut(candidates, names);
  emit(
    "Leave one task out (choose on the other tasks, score on the one left out): how much the " +
      "choice is fitted to these tasks.",
  );
  emit(
    [
      "| Left out | Chosen on the others | Its regret on the one left out |",
      "| --- | --- | ---: |",
      ...loo.map((l) => `| ${l.task} | ${l.pick} | ${pct(l.regret)} |`),
    ].join("\n"),
  );

  emit("### Validation-loss sweeps");
  emit(
    "The same rules on sweeps that record the loss on 512 held-out training samples at every " +
      'step (`evaluate: "validation"`), one per initial weights:',
  );
  emit(regretTable(validationRows(truths, sweeps), names));

  emit("### Several runs: how the headline suggestion is formed");
  emit(
    "Groups of 3 runs (same initial weights, different data orders); worst sweep = worst " +
      "group. The library uses the log-median of the runs' suggestions, which always lies " +
      "within the runs' interval (`uncertainty`).",
  );
  const multi = multiRunRows(truths, sweeps);
  emit(regretTable(multi, names, "Rule and aggregate"));

  emit("### `slide` threshold");
  emit(
    "`slide` stops where two slopes 15 steps apart differ by less than the threshold (a share " +
      "of the loss's descent per decade):",
  );
  const slides = slideRows(truths, sweeps);
  emit(regretTable(slides, names, "Threshold"));
  emit(`Lowest worst case (ties by the mean): ${[...slides].sort(byWorstCase(names))[0].name}.`);

  if (!options.curves) {
    emit("## Time to a suggestion");
    emit(
      "Fashion-MNIST, tutorial MLP, Adam, batch 64, wasm backend, the same initial weights; " +
        "interleaved repetitions (each contender once per repetition, after one untimed sweep " +
        "that compiles the kernels). Wall time of `findLearningRate` (training, smoothing, " +
        "suggestion). A sweep stops early once the smoothed loss exceeds 4 times its lowest " +
        "value. Regret against the fmnist-mlp-adam ground truth.",
    );
    if (fashionMnistAvailable()) {
      const speed = await timeToSuggestion(quick, log);
      emit(speedTable(speed));
      emit(`${speed.reps} repetitions; load average after each: ${speed.loadavg.join("; ")}.`);
    } else {
      emit("Skipped: the Fashion-MNIST files are missing (Debian package dataset-fashion-mnist).");
    }
  }

  const groundTruthSeconds = [...truths.values()].reduce((s, t) => s + t.seconds, 0);
  emit(
    `Sweeps for the quality tables: ${
      options.curves ? "read from a file" : `${sweepSeconds.toFixed(0)} s`
    }; whole benchmark: ${((performance.now() - started) / 1000).toFixed(0)} s ` +
      `(load average ${loadBefore} before, ${await readLoadavg()} after, 2 cores). ` +
      `Ground-truth generation (cached): ${groundTruthSeconds.toFixed(0)} s.`,
  );
  return out.join("\n\n") + "\n";
}

if (import.meta.main) {
  const value = (flag: string) => {
    const i = Deno.args.indexOf(flag);
    return i >= 0 ? Deno.args[i + 1] : undefined;
  };
  await run({
    quick: Deno.args.includes("--quick"),
    curves: value("--curves"),
    saveCurves: value("--save-curves"),
  });
}
