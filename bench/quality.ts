/**
 * Suggestion quality: how good is the learning rate each rule, and verification, suggests, and
 * what does it cost? For every task of `bench/tasks.ts` this sweeps from the ground truth's
 * initial weights, scores every rule by its regret against the cached ground truth
 * (`bench/ground_truth/`) at both of its training lengths (the long one: several epochs, the
 * training users run; the short one: 300 steps), runs the default (verified) suggestion end to
 * end, scores the tutorial's approach (one epoch, minimum/10), chooses `auto` by the numbers, and
 * times the default run on Fashion-MNIST. Prints tables as it goes and asserts nothing: the
 * numbers are measured in this one run.
 *
 * Run: `deno run -A bench/quality.ts [--quick] [--save-curves FILE] [--curves FILE] [--no-timing]`
 * (`--quick`: one initial-weights seed, one repetition of the timing; `--curves` reads sweeps and
 * default runs saved earlier with `--save-curves` and runs only what the file lacks, e.g. the
 * default runs after a change to verification; `--no-timing` skips the timing).
 * @module
 */
import { setupBackend } from "../src/backend.ts";
import type { StopReason } from "../src/result.ts";
import { learningRateSchedule } from "../src/schedule.ts";
import { smoothLosses } from "../src/smoothing.ts";
import {
  AUTO_RULE,
  smoothZeroLag,
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
import { VERIFY_DEFAULTS } from "../src/verify.ts";
import type { GroundTruth } from "./ground_truth/generate.ts";
import {
  bestOf,
  gridSearchSteps,
  type HorizonName,
  horizonOf,
  HORIZONS,
  loadTruth,
  mean,
  medianOf,
  pct,
  regret,
} from "./scoring.ts";
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

/** One default run of the library, verification included. */
export interface VerifiedRun {
  /** Seed of the run (data order, held-out split). */
  seed: number;
  /** The suggested rate. */
  lr: number | null;
  /** What chose it: `verified`, or the fallback rule. */
  method: string;
  /** Whether the result says the number can be trusted. */
  trusted: boolean;
  /** Codes of the result's warnings. */
  warnings: string[];
  /** Training steps of the sweep. */
  sweepSteps: number;
  /** Training steps of verification. */
  verifySteps: number;
  /** Candidate rates tried, and their held-out loss (`null`: diverged or pruned earlier). */
  trials: { lr: number; steps: number; heldOutLoss: number | null }[];
}

/** Every sweep and run recorded for one task. */
export interface TaskSweeps {
  /** Task name. */
  task: string;
  /** Default sweeps (train loss): groups of 3 runs (data orders) from the same initial weights. */
  groups: Curve[][];
  /** Default sweeps recording the loss on held-out training samples, one per seed. */
  validation: Curve[];
  /** The tutorial's approach: one epoch, one per seed. */
  tutorial: Curve[];
  /** The library's default (verified) runs, one per group. */
  verified: VerifiedRun[];
}

/** Options of {@linkcode run}. */
export interface QualityOptions {
  /** One initial-weights seed and one timing repetition, for development. */
  quick?: boolean;
  /** Score the sweeps saved in this file instead of sweeping (skips the timing). */
  curves?: string;
  /** Save the sweeps to this file. */
  saveCurves?: string;
  /** Time the default run against the tutorial's approach (default true). */
  timing?: boolean;
  /** Where progress and tables go as they are ready; default `console.log`. */
  log?: (text: string) => void;
}

/** Data-order seeds of the default sweeps: per initial weights, two groups of 3 runs. */
export const GROUP_SEEDS = [100, 200];

/** Share of the best loss within which a suggestion counts as good (the issue's 5%). */
const GOOD_REGRET = 0.05;

// ------------------------------------------------------------------------------------------------
// Rows: a way to suggest, with its suggestions and costs per task

/** What one way of suggesting gave on one task: a rate and its cost in steps per attempt. */
interface Attempts {
  lrs: (number | null)[];
  steps: number[];
}

/** A scored candidate: its name and its attempts per task. */
interface Row {
  name: string;
  perTask: Map<string, Attempts>;
}

function regretsOf(truth: GroundTruth, horizon: HorizonName, attempts: Attempts): number[] {
  return attempts.lrs.map((lr) => regret(truth, horizon, lr));
}

/** Per task, the mean regret over its attempts. */
function taskRegrets(
  row: Row,
  truths: Map<string, GroundTruth>,
  horizon: HorizonName,
  tasks: string[],
): number[] {
  return tasks.map((t) => {
    const attempts = row.perTask.get(t);
    return attempts ? mean(regretsOf(truths.get(t)!, horizon, attempts)) : Infinity;
  });
}

function worstOf(
  row: Row,
  truths: Map<string, GroundTruth>,
  horizon: HorizonName,
  tasks: string[],
) {
  const regrets = taskRegrets(row, truths, horizon, tasks);
  const worst = Math.max(...regrets);
  return { regret: worst, task: tasks[regrets.indexOf(worst)] };
}

/** Lowest worst-case regret first; ties (within 0.1 percentage point) by the median. */
function byWorstCase(
  truths: Map<string, GroundTruth>,
  horizon: HorizonName,
  tasks: string[],
): (a: Row, b: Row) => number {
  return (a, b) => {
    const d = worstOf(a, truths, horizon, tasks).regret - worstOf(b, truths, horizon, tasks).regret;
    if (Math.abs(d) > 1e-3) return d;
    return medianOf(taskRegrets(a, truths, horizon, tasks)) -
      medianOf(taskRegrets(b, truths, horizon, tasks));
  };
}

function curveSteps(c: Curve): number {
  return c.losses.length;
}

function collect(
  sweeps: TaskSweeps[],
  pick: (sw: TaskSweeps) => Attempts,
  name: string,
): Row {
  const perTask = new Map<string, Attempts>();
  for (const sw of sweeps) perTask.set(sw.task, pick(sw));
  return { name, perTask };
}

function singles(sw: TaskSweeps): Curve[] {
  return sw.groups.flat();
}

function withLosses(c: Curve): SuggestCurve {
  return { lrs: c.lrs, smoothed: c.smoothed, losses: c.losses };
}

function fromCurves(curves: Curve[], rule: (c: Curve) => number | null): Attempts {
  return { lrs: curves.map(rule), steps: curves.map(curveSteps) };
}

/** The library's default (verified) runs, the rules as the library computes them, the tutorial. */
function libraryRows(sweeps: TaskSweeps[]): Row[] {
  const rows: Row[] = [
    collect(
      sweeps,
      (sw) => ({
        lrs: sw.verified.map((v) => v.lr),
        steps: sw.verified.map((v) => v.sweepSteps + v.verifySteps),
      }),
      "**verified** (default: sweep, then verification)",
    ),
  ];
  for (const rule of RULE_NAMES) {
    rows.push(collect(
      sweeps,
      (sw) => fromCurves(singles(sw), (c) => suggestAll(withLosses(c))[rule].lr),
      rule === AUTO_RULE ? `${rule} (the fallback rule)` : rule,
    ));
  }
  rows.push(collect(
    sweeps,
    (sw) => fromCurves(sw.tutorial, (c) => suggestMinimum(c).lr),
    "tutorial: one epoch, minimum/10",
  ));
  return rows;
}

// ------------------------------------------------------------------------------------------------
// Curve rules: every rule and combination on every view of the curve

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
  "local linear 0.2 dec": resmoothed((lrs, l) => smoothZeroLag(lrs, l, { bandwidth: 0.2 })),
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
  "lowest/√10": (c) => (lowest(c) === null ? null : lowest(c)! / Math.sqrt(10)),
  "lowest/100": (c) => (lowest(c) === null ? null : lowest(c)! / 100),
  slide: (c) => suggestSlide(c).lr,
  "gm(valley, lowest)": (c) => geometricMean(valley(c), lowest(c)),
  "gm(valley, steepest)": (c) => geometricMean(valley(c), steepest(c)),
  "gm(steepest, minimum/10)": (c) => geometricMean(steepest(c), minimum(c)),
};

function candidateRows(sweeps: TaskSweeps[]): Row[] {
  const rows: Row[] = [];
  for (const [view, toCurve] of Object.entries(VIEWS)) {
    for (const [rule, fn] of Object.entries(RULES)) {
      rows.push(collect(
        sweeps,
        (sw) => fromCurves(singles(sw), (c) => fn(toCurve(c))),
        `${rule} on ${view}`,
      ));
    }
  }
  return rows;
}

function validationRows(sweeps: TaskSweeps[]): Row[] {
  return RULE_NAMES.map((rule) =>
    collect(
      sweeps,
      (sw) => fromCurves(sw.validation, (c) => suggestAll(withLosses(c))[rule].lr),
      `${rule}, validation-loss sweep`,
    )
  );
}

/** Ways to form one suggestion from 3 runs. */
function multiRunRows(sweeps: TaskSweeps[]): Row[] {
  const rows: Row[] = [];
  for (const rule of RULE_NAMES) {
    const one = (c: SuggestCurve) => suggestLearningRate(c, rule).lr;
    rows.push(collect(
      sweeps,
      (sw) => ({
        lrs: sw.groups.map((g) => logMedian(g.map((c) => one(withLosses(c))))),
        steps: sw.groups.map((g) => g.reduce((s, c) => s + curveSteps(c), 0)),
      }),
      `${rule}: log-median of the 3 runs' suggestions`,
    ));
  }
  return rows;
}

/**
 * Leave one task out: choose the best candidate on the other tasks, score it on the one left
 * out. Says how much the choice is fitted to these tasks.
 */
function leaveOneOut(
  rows: Row[],
  truths: Map<string, GroundTruth>,
  horizon: HorizonName,
  tasks: string[],
): { task: string; pick: string; regret: number }[] {
  return tasks.map((task) => {
    const others = tasks.filter((t) => t !== task);
    const pick = [...rows].sort(byWorstCase(truths, horizon, others))[0];
    return {
      task,
      pick: pick.name,
      regret: mean(regretsOf(truths.get(task)!, horizon, pick.perTask.get(task)!)),
    };
  });
}

// ------------------------------------------------------------------------------------------------
// Sweeping and the default runs

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

/** Sweeps and default runs of one task from the ground truth's initial weights. */
export async function sweepTask(
  task: Task,
  truth: GroundTruth,
  options: { quick: boolean; log: (line: string) => void },
): Promise<TaskSweeps> {
  const data = await task.load();
  const seeds = options.quick ? truth.seeds.slice(0, 1) : truth.seeds;
  const out: TaskSweeps = {
    task: task.name,
    groups: [],
    validation: [],
    tutorial: [],
    verified: [],
  };
  const common = {
    loss: task.loss,
    optimizer: task.optimizer,
    batchSize: task.batchSize,
    verify: false,
  };
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
    `  ${task.name}: ${out.groups.length * 3} sweeps, ${out.tutorial.length} one-epoch sweeps ` +
      `of ${epochSteps} steps, in ${((performance.now() - started) / 1000).toFixed(0)} s`,
  );
  return out;
}

/**
 * The library's default runs (sweep, then verification) of one task, from the ground truth's
 * initial weights, one per group of the sweeps (the same seeds).
 */
export async function verifiedRuns(
  task: Task,
  truth: GroundTruth,
  options: { quick: boolean; log: (line: string) => void },
): Promise<VerifiedRun[]> {
  const data = await task.load();
  const seeds = options.quick ? truth.seeds.slice(0, 1) : truth.seeds;
  const common = { loss: task.loss, optimizer: task.optimizer, batchSize: task.batchSize };
  const out: VerifiedRun[] = [];
  const started = performance.now();
  for (const seed of seeds) {
    const model = task.model(seed);
    try {
      for (const offset of options.quick ? GROUP_SEEDS.slice(0, 1) : GROUP_SEEDS) {
        const result = await findLearningRate(model, data.train, {
          ...common,
          seed: offset + 10 * seed,
        });
        out.push({
          seed: offset + 10 * seed,
          lr: result.suggestion.lr,
          method: result.suggestion.method,
          trusted: result.suggestion.trusted ?? false,
          warnings: (result.warnings ?? []).map((w) => w.code),
          sweepSteps: result.timing.steps,
          verifySteps: result.verification?.steps ?? 0,
          trials: (result.trials ?? []).map((t) => ({
            lr: t.lr,
            steps: t.steps,
            heldOutLoss: t.heldOutLoss,
          })),
        });
      }
    } finally {
      model.dispose();
    }
  }
  options.log(
    `  ${task.name}: ${out.length} default runs in ${
      ((performance.now() - started) / 1000).toFixed(0)
    } s`,
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
    { name: "lr-finder default (100-step sweep, then verification)", options: {} },
    { name: "lr-finder sweep only (`verify: false`, 100 steps)", options: { verify: false } },
    {
      name: `tutorial (one epoch: ${epochSteps} steps, minimum/10)`,
      options: { numIters: epochSteps, suggest: "minimum" as const, verify: false },
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
    await findLearningRate(model, data.train, { ...common, numIters: 10, verify: false });
    for (let rep = 0; rep < reps; rep++) {
      for (const [i, c] of contenders.entries()) {
        const start = performance.now();
        const result = await findLearningRate(model, data.train, {
          ...common,
          ...c.options,
          seed: 1000 + rep,
        });
        rows[i].ms.push(performance.now() - start);
        rows[i].steps.push(result.timing.steps + (result.verification?.steps ?? 0));
        rows[i].regrets.push(regret(truth, "long", result.suggestion.lr));
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

function decades(x: number): string {
  return Number.isFinite(x) ? `${x >= 0 ? "+" : ""}${x.toFixed(2)}` : "n/a";
}

/** The headline table: per row, tasks within 5%, median and worst at both horizons, and cost. */
function summaryTable(
  rows: Row[],
  truths: Map<string, GroundTruth>,
  tasks: Task[],
): string {
  const names = tasks.map((t) => t.name);
  const lines = [
    "| Way to suggest | within 5%, long | median, long | worst, long | within 5%, 300 steps | " +
    "median, 300 steps | worst, 300 steps | steps (mean) | × sweep | / grid search, long " +
    "(worst task) | / grid search, 300 steps (worst task) |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const row of rows) {
    const cells: string[] = [];
    for (const horizon of HORIZONS) {
      const regrets = taskRegrets(row, truths, horizon, names);
      const worst = worstOf(row, truths, horizon, names);
      cells.push(
        `${regrets.filter((r) => r <= GOOD_REGRET).length} of ${regrets.length}`,
        pct(medianOf(regrets)),
        `${pct(worst.regret)} (${worst.task})`,
      );
    }
    const steps = names.map((t) => mean(row.perTask.get(t)?.steps ?? []));
    const ratio = (horizon: HorizonName) =>
      Math.max(
        ...tasks.map((task, i) =>
          steps[i] / gridSearchSteps(task, truths.get(task.name)!, horizon)
        ),
      );
    cells.push(
      mean(steps).toFixed(0),
      (mean(steps) / 100).toFixed(1),
      ratio("long").toFixed(3),
      ratio("short").toFixed(3),
    );
    lines.push(`| ${row.name} | ${cells.join(" | ")} |`);
  }
  return lines.join("\n");
}

function regretTable(
  rows: Row[],
  truths: Map<string, GroundTruth>,
  horizon: HorizonName,
  tasks: string[],
  first = "Rule",
): string {
  const lines = [
    `| ${first} | ${tasks.join(" | ")} | worst | median | worst attempt |`,
    `| --- | ${tasks.map(() => "---:").join(" | ")} | ---: | ---: | ---: |`,
  ];
  for (const row of rows) {
    const cells = tasks.map((t) => {
      const a = row.perTask.get(t);
      if (!a) return "";
      const none = a.lrs.filter((lr) => lr === null).length;
      return pct(mean(regretsOf(truths.get(t)!, horizon, a))) + (none > 0 ? ` (${none} none)` : "");
    });
    const all = tasks.flatMap((t) => {
      const a = row.perTask.get(t);
      return a ? regretsOf(truths.get(t)!, horizon, a) : [];
    });
    const regrets = taskRegrets(row, truths, horizon, tasks);
    lines.push(
      `| ${row.name} | ${cells.join(" | ")} | ${pct(Math.max(...regrets))} | ${
        pct(medianOf(regrets))
      } | ${pct(Math.max(...all))} |`,
    );
  }
  return lines.join("\n");
}

function distanceTable(
  rows: Row[],
  truths: Map<string, GroundTruth>,
  horizon: HorizonName,
  tasks: string[],
): string {
  const lines = [
    `| Rule | ${tasks.join(" | ")} |`,
    `| --- | ${tasks.map(() => "---:").join(" | ")} |`,
  ];
  for (const row of rows) {
    const cells = tasks.map((t) => {
      const best = bestOf(truths.get(t)!, horizon).lr;
      const d = (row.perTask.get(t)?.lrs ?? []).filter((lr): lr is number => lr !== null)
        .map((lr) => Math.log10(lr / best));
      if (d.length === 0) return "n/a";
      return `${decades(mean(d))} (${decades(Math.min(...d))}..${decades(Math.max(...d))})`;
    });
    lines.push(`| ${row.name} | ${cells.join(" | ")} |`);
  }
  return lines.join("\n");
}

function truthTable(tasks: Task[], truths: Map<string, GroundTruth>): string {
  const lines = [
    "| Task | Model, data, optimizer | Train samples | Long: epochs (steps) | Best rate, long | " +
    "Best rate, 300 steps | Best loss, long | Untrained | Regret at best/√10, best·√10 (long) | " +
    "Time |",
    "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const task of tasks) {
    const t = truths.get(task.name)!;
    const long = horizonOf(t, "long");
    const best = bestOf(t, "long");
    lines.push(
      `| ${t.task} | ${t.description} | ${t.trainSize} | ${long.epochs} (${long.steps}) | ` +
        `${best.lr.toExponential(1)} | ${bestOf(t, "short").lr.toExponential(1)} | ` +
        `${best.loss.toFixed(4)} | ${mean(t.untrained).toFixed(3)} | ` +
        `${pct(regret(t, "long", best.lr / Math.sqrt(10)))}, ${
          pct(regret(t, "long", best.lr * Math.sqrt(10)))
        } | ${t.seconds.toFixed(0)} s |`,
    );
  }
  return lines.join("\n");
}

function verifiedTable(sweeps: TaskSweeps[], truths: Map<string, GroundTruth>): string {
  const lines = [
    "| Task | Runs verified | Trusted | Warnings | Verification steps (mean) | Chosen / best rate, " +
    "long (decades) |",
    "| --- | ---: | ---: | --- | ---: | ---: |",
  ];
  for (const sw of sweeps) {
    const runs = sw.verified;
    const codes = new Map<string, number>();
    for (const r of runs) for (const c of r.warnings) codes.set(c, (codes.get(c) ?? 0) + 1);
    const best = bestOf(truths.get(sw.task)!, "long").lr;
    const distances = runs.filter((r) => r.lr !== null).map((r) => Math.log10(r.lr! / best));
    lines.push(
      `| ${sw.task} | ${runs.filter((r) => r.method === "verified").length} of ${runs.length} | ` +
        `${runs.filter((r) => r.trusted).length} of ${runs.length} | ${
          [...codes].map(([c, n]) => `${c} (${n})`).join(", ") || "none"
        } | ${mean(runs.map((r) => r.verifySteps)).toFixed(0)} | ${
          distances.length ? decades(mean(distances)) : "n/a"
        } |`,
    );
  }
  return lines.join("\n");
}

function speedTable(speed: SpeedResult): string {
  const tutorial = speed.rows.at(-1)!;
  const lines = [
    "| Approach | Steps | Wall time (median) | Time / tutorial's | Suggested rate (median) | " +
    "Regret, long (mean) |",
    "| --- | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const row of speed.rows) {
    lines.push(
      `| ${row.name} | ${medianOf(row.steps)} | ${(medianOf(row.ms) / 1000).toFixed(2)} s | ` +
        `${(medianOf(row.ms) / medianOf(tutorial.ms)).toFixed(2)} | ` +
        `${medianOf(row.lrs).toExponential(1)} | ${pct(mean(row.regrets))} |`,
    );
  }
  return lines.join("\n");
}

// ------------------------------------------------------------------------------------------------
// The benchmark

/** The tasks whose data is available here. */
export function availableTasks(): Task[] {
  return TASKS.filter((t) => {
    if (t.fashionMnist && !fashionMnistAvailable()) {
      console.warn(
        `skipping ${t.name}: the Fashion-MNIST files are missing (dataset-fashion-mnist)`,
      );
      return false;
    }
    return true;
  });
}

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
  const tasks = availableTasks();
  const truths = new Map<string, GroundTruth>();
  for (const task of tasks) truths.set(task.name, await loadTruth(task));
  const loadBefore = await readLoadavg();

  const sweeps: TaskSweeps[] = options.curves
    ? JSON.parse(await Deno.readTextFile(options.curves)) as TaskSweeps[]
    : [];
  const save = async () => {
    if (options.saveCurves) await Deno.writeTextFile(options.saveCurves, JSON.stringify(sweeps));
  };
  log(`Sweeping ${tasks.length} tasks${quick ? " (quick)" : ""}:`);
  for (const task of tasks) {
    let sw = sweeps.find((s) => s.task === task.name);
    if (!sw) {
      sw = await sweepTask(task, truths.get(task.name)!, { quick, log });
      sweeps.push(sw);
      await save();
    }
    if (!(sw.verified?.length > 0)) {
      sw.verified = await verifiedRuns(task, truths.get(task.name)!, { quick, log });
      await save();
    }
  }
  const sweepSeconds = (performance.now() - started) / 1000;
  const scored = tasks.filter((t) => sweeps.some((s) => s.task === t.name));
  const names = scored.map((t) => t.name);
  const perTask = sweeps[0] ? singles(sweeps[0]).length : 0;
  const verifiedPerTask = sweeps[0]?.verified.length ?? 0;

  emit("## Suggestion quality");
  emit(
    `Regret = validation loss at the suggested rate (interpolated on the log grid of the ground ` +
      `truth) / the best validation loss on the grid - 1; no suggestion counts as the untrained ` +
      `model. Two ground truths from the same runs: **long** = the validation loss after the ` +
      `task's epochs (the training users run), **300 steps** = after 300 steps. The rules are ` +
      `scored on ${perTask} default sweeps per task (100 steps from 1e-7 to 10, the ground ` +
      `truth's ${quick ? "first initial weights" : "3 initial weights"} x ${
        perTask / (quick ? 1 : 3)
      } data orders); **verified** on ${verifiedPerTask} ` +
      `default runs per task (sweep, then verification with the defaults: ` +
      `${VERIFY_DEFAULTS.candidates} candidates at most, ${VERIFY_DEFAULTS.steps} steps for a ` +
      `survivor, successive halving ${VERIFY_DEFAULTS.prune ? "on" : "off"}, tolerance ` +
      `${VERIFY_DEFAULTS.tolerance}); the tutorial row on ${
        quick ? "1 sweep" : "3 sweeps"
      } of one epoch per task. A task is within 5% when its mean regret is. Steps: training ` +
      `steps per attempt (sweep and verification), against the 100-step sweep and against a ` +
      `grid search (one training at each rate of the task's half-decade grid, as long as the ` +
      `horizon; the highest ratio over the tasks). Backend wasm.${
        quick ? " **Quick run: fewer sweeps, numbers are rougher.**" : ""
      }`,
  );
  emit("### Ground truth");
  emit(
    `Constant-rate training from the same initial weights (per seed) at every rate of a ` +
      `half-decade grid (plus the quarter-decade rates beside each horizon's best), mean ` +
      `validation loss over 3 seeds (a diverged run counts as the untrained loss). Cached in ` +
      `\`bench/ground_truth/\`, regenerated by \`deno run -A bench/ground_truth/generate.ts\`.`,
  );
  emit(truthTable(scored, truths));

  const library = libraryRows(sweeps);
  emit("### Summary: every way to suggest against both ground truths");
  emit(summaryTable(library, truths, scored));
  for (const horizon of HORIZONS) {
    emit(`### Per task, ${horizon === "long" ? "long horizon" : "300 steps"}`);
    emit(regretTable(library, truths, horizon, names));
  }
  emit("Distance to the best grid rate (long) in decades: mean (lowest..highest).");
  emit(distanceTable(library, truths, "long", names));
  emit("### Verification runs");
  emit(
    "Per task: runs where verification chose the rate (otherwise the fallback rule did), runs " +
      "whose result is trusted, the warnings raised, and how far the chosen rate lies from the " +
      "best rate of the long ground truth.",
  );
  emit(verifiedTable(sweeps, truths));

  const candidates = candidateRows(sweeps).sort(byWorstCase(truths, "long", names));
  emit("### The fallback rule: every curve rule and combination on every curve");
  emit(
    `${candidates.length} candidates (gm = geometric mean; \`lowest\` = the rate at the lowest ` +
      `loss), sorted by the worst case against the long ground truth; the first 12 and the ` +
      `field's rules on the recorded curve. The fallback rule is \`${AUTO_RULE}\` ` +
      `(= gm(valley, lowest) on local linear 0.1 dec).`,
  );
  emit(regretTable(
    [
      ...candidates.slice(0, 12),
      ...candidates.filter((r) =>
        r.name.endsWith("(recorded)") && !r.name.startsWith("gm") && !r.name.startsWith("lowest")
      ),
    ],
    truths,
    "long",
    names,
    "Candidate",
  ));
  emit("Leave one task out (choose on the other tasks, score on the one left out):");
  emit(
    [
      "| Left out | Chosen on the others | Its regret on the one left out |",
      "| --- | --- | ---: |",
      ...leaveOneOut(candidates, truths, "long", names).map((l) =>
        `| ${l.task} | ${l.pick} | ${pct(l.regret)} |`
      ),
    ].join("\n"),
  );
  emit("### Validation-loss sweeps and several runs (long horizon)");
  emit(
    "The rules on sweeps that record the loss on 512 held-out training samples at every step " +
      '(`evaluate: "validation"`), one per initial weights, and the log-median over groups of 3 ' +
      "runs:",
  );
  emit(regretTable([...validationRows(sweeps), ...multiRunRows(sweeps)], truths, "long", names));

  if (options.timing !== false) {
    emit("## Time to a suggestion");
    emit(
      "Fashion-MNIST, tutorial MLP, Adam, batch 64, wasm backend, the same initial weights; " +
        "interleaved repetitions (each contender once per repetition, after one untimed sweep " +
        "that compiles the kernels). Wall time of `findLearningRate` (training, verification, " +
        "suggestion). Regret against the fmnist-mlp-adam long ground truth.",
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
    `Sweeps and default runs for the quality tables: ${sweepSeconds.toFixed(0)} s${
      options.curves ? " (sweeps recorded earlier read from a file)" : ""
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
    timing: !Deno.args.includes("--no-timing"),
  });
}
