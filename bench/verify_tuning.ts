/**
 * Tuning verification: which candidates, spacing, steps, pruning and tie tolerance give the
 * suggestions closest to the ground truth within the cost budget (sweep plus verification at most
 * 10 times the sweep's 100 steps)?
 *
 * Verification trains each candidate rate from the initial weights at a constant rate, so its
 * outcome for any setting can be read off a library of trials: for every task, initial weights
 * and rate on the lattice of powers of 10 to 1/6 decade that any setting would try, the held-out
 * loss every 25 steps up to 600 (`src/verify.ts` `trainTrial`, the held-out split of
 * `planHeldOut`). Each setting is then simulated on the benchmark's 100-step sweeps: candidates
 * from each curve, rounds of pruning, the choice, and its regret against both ground truths.
 * The library is cached in a file; the chosen default is then confirmed end to end by
 * `bench/quality.ts`.
 *
 * Run: `deno run -A bench/verify_tuning.ts --sweeps FILE --library FILE [--task NAME]...
 * [--core] [--max-steps N] [--simulate-only]` (sweeps are recorded into FILE when it does not
 * exist; the library grows as needed; `--simulate-only` never trains).
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { setupBackend } from "../src/backend.ts";
import { planBatchLayout } from "../src/batches.ts";
import { candidateBandwidth, drawnSmoothing } from "../src/drawn_curve.ts";
import { lossFunction } from "../src/losses.ts";
import type { Trial } from "../src/result.ts";
import { suggestAll } from "../src/suggest.ts";
import {
  candidateRates,
  chooseRate,
  planHeldOut,
  survivorIndices,
  trainTrial,
} from "../src/verify.ts";
import type { GroundTruth } from "./ground_truth/generate.ts";
import { type Curve, sweepTask, type TaskSweeps } from "./quality.ts";
import { type HorizonName, HORIZONS, loadTruth, mean, medianOf, pct, regret } from "./scoring.ts";
import { fashionMnistAvailable, TASKS } from "./tasks.ts";

/** Most steps of a library trial (`--max-steps`; 600 by default, 400 keeps big models cheap). */
const MAX_STEPS = Number(flagValue("--max-steps") ?? 600);

/** Steps at which the library scores every trial: every 25. */
const CHECKPOINTS = Array.from({ length: MAX_STEPS / 25 }, (_, i) => 25 * (i + 1));

function flagValue(flag: string): string | undefined {
  const i = Deno.args.indexOf(flag);
  return i >= 0 ? Deno.args[i + 1] : undefined;
}

/**
 * With `--core`, only settings that draw candidates like the base one (any spacing and count)
 * decide which trials the library runs, so that big models stay affordable; settings whose
 * candidates the library lacks are then left out of the tables.
 */
function shapesCandidatesLikeBase(setting: Setting): boolean {
  return setting.fallShare === BASE.fallShare && setting.overflow === BASE.overflow &&
    setting.topGap === BASE.topGap && setting.below === BASE.below;
}

/** Held-out samples of the library (the verification default). */
const HELD_OUT = 1024;

/** Lattice step of the library, in decades. */
const LATTICE = 1 / 6;

/** Verification steps allowed: 10 times the 100-step sweep, less the sweep. */
const BUDGET = 900;

/** Trials of one task and initial weights: held-out loss by lattice index and checkpoint. */
interface LibraryEntry {
  task: string;
  seed: number;
  heldOutSize: number;
  /** Lattice index k (rate 10^(k/6)) -> held-out loss per checkpoint (`null`: diverged). */
  trials: Record<string, (number | null)[]>;
}

/** A verification setting to simulate. */
interface Setting {
  name: string;
  /** Candidate spacing in lattice steps (2 = 1/3 decade, 3 = 1/2 decade). */
  spacing: number;
  candidates: number;
  fallShare: number;
  /** `widen`: widen the spacing until the span fits; `top`: keep the highest candidates. */
  overflow: "widen" | "top";
  /** Candidate steps below the lowest point for the top candidate (1 = the first below). */
  topGap: number;
  /** Extra candidates below the fall. */
  below: number;
  /** Scoring rounds as shares of the survivors' steps; `[1]` = no pruning. */
  rounds: number[];
  tolerance: number;
  /**
   * Horizon correction: rank the finalists by their held-out loss extrapolated this many
   * doublings of the steps ahead, along its change over the last doubling (0: off).
   */
  extrapolate: number;
  /** Horizon correction: after choosing, move this many candidates down (0: off). */
  shift: number;
  /** Horizon correction: divide the chosen rate by 10 to this power (0: off). */
  shiftDecades: number;
  /** Keep the shifted rate at or above the lowest candidate. */
  shiftFloor: boolean;
  /** Apply the shift only for optimizers whose steps do not shrink (adam, adamax, rmsprop). */
  shiftAdaptiveOnly: boolean;
  /** Decades of shift for momentum (when `shiftAdaptiveOnly`). */
  shiftMomentum?: number;
  /** Decades of shift for plain sgd (when `shiftAdaptiveOnly`). */
  shiftSgd?: number;
  /** Finalists within this share of the best: choose their geometric mean (0: off). */
  midpointWithin?: number;
  /** Parabola through the best of the last round and its neighbours at the round before. */
  parabola?: boolean;
}

function latticeIndex(lr: number): number {
  return Math.round(Math.log10(lr) / LATTICE);
}

function rateOf(k: number): number {
  return 10 ** (k * LATTICE);
}

/** Candidate lattice indices for a curve under a setting. */
function candidatesOf(curve: Curve, setting: Setting): number[] | null {
  const plan = candidateRates(curve.lrs, drawnSmoothing(curve, candidateBandwidth(curve.lrs)), {
    candidates: setting.candidates,
    spacing: setting.spacing * LATTICE,
    fallShare: setting.fallShare,
    topGap: setting.topGap,
    below: setting.below,
    overflow: setting.overflow,
  });
  return plan.lrs ? plan.lrs.map(latticeIndex) : null;
}

/**
 * Survivors' steps under a setting: the most the budget allows for its largest number of
 * candidates (as `verify.steps` is fixed), and what `count` candidates then cost.
 */
function stepsFor(count: number, setting: Setting): { steps: number; cost: number } | null {
  let best: { steps: number; cost: number } | null = null;
  for (let steps = CHECKPOINTS[0]; steps <= CHECKPOINTS[CHECKPOINTS.length - 1]; steps++) {
    const rounds = roundsOf(steps, setting);
    let alive = count;
    let done = 0;
    let cost = 0;
    for (const at of rounds) {
      cost += alive * (at - done);
      done = at;
      alive = Math.max(Math.min(alive, 2), Math.ceil(alive / 2));
    }
    if (cost <= BUDGET) best = { steps, cost };
  }
  return best;
}

function costOf(count: number, steps: number, setting: Setting): number {
  let alive = count;
  let done = 0;
  let cost = 0;
  for (const at of roundsOf(steps, setting)) {
    cost += alive * (at - done);
    done = at;
    alive = Math.max(Math.min(alive, 2), Math.ceil(alive / 2));
  }
  return cost;
}

function roundsOf(steps: number, setting: Setting): number[] {
  return setting.rounds.map((r) => Math.max(1, Math.round(r * steps)));
}

/**
 * The library's held-out loss at `steps`, interpolated linearly between checkpoints (before the
 * first, from the first); `null` once a trial diverged.
 */
function lossAtSteps(losses: (number | null)[], steps: number): number | null {
  const j = CHECKPOINTS.findIndex((c) => c >= steps);
  if (j <= 0) return losses[0];
  const [a, b] = [losses[j - 1], losses[j]];
  if (a === null || b === null) return null;
  const t = (steps - CHECKPOINTS[j - 1]) / (CHECKPOINTS[j] - CHECKPOINTS[j - 1]);
  return a + t * (b - a);
}

/** Simulates verification of one curve; the chosen rate (`null`: fall back) and its cost. */
function simulate(
  curve: Curve,
  entry: LibraryEntry,
  setting: Setting,
  optimizer: string,
): { lr: number | null; cost: number; fallback: boolean } | null {
  const candidates = candidatesOf(curve, setting);
  if (candidates?.some((k) => !entry.trials[String(k)])) return null;
  const fixed = candidates && stepsFor(setting.candidates, setting);
  const plan = fixed &&
    { steps: fixed.steps, cost: costOf(candidates.length, fixed.steps, setting) };
  if (!candidates || !plan) return { lr: null, cost: 0, fallback: true };
  const rounds = roundsOf(plan.steps, setting);
  const at = (k: number, steps: number) => {
    const losses = entry.trials[String(k)];
    if (!losses) throw new Error(`${entry.task} seed ${entry.seed}: no trial at lattice ${k}`);
    if (steps > 25 * losses.length) {
      throw new Error(
        `${entry.task} seed ${entry.seed}: the library's trials stop before ${steps}`,
      );
    }
    return lossAtSteps(losses, steps);
  };
  let alive = candidates.map((k) => k);
  for (const [r, steps] of rounds.entries()) {
    const trials: Trial[] = alive.map((k) => ({
      lr: rateOf(k),
      steps,
      heldOutLoss: at(k, steps),
      diverged: at(k, steps) === null,
    }));
    if (r === rounds.length - 1) {
      let chosen: number | null;
      if (setting.extrapolate > 0) {
        const half = Math.max(1, Math.round(steps / 2));
        const predicted: Trial[] = trials.map((t, i) => {
          const now = t.heldOutLoss;
          const before = at(alive[i], half);
          const ahead = now === null || before === null
            ? now
            : now + setting.extrapolate * (now - before);
          return { ...t, heldOutLoss: ahead };
        });
        chosen = chooseRate(predicted, setting.tolerance);
      } else {
        chosen = chooseRate(trials, setting.tolerance);
      }
      if (chosen !== null && (setting.midpointWithin ?? 0) > 0) {
        const scored = trials.filter((t) => t.heldOutLoss !== null);
        const best = Math.min(...scored.map((t) => t.heldOutLoss as number));
        const close = scored.filter((t) =>
          (t.heldOutLoss as number) <= best + setting.midpointWithin! * Math.abs(best)
        );
        if (close.length > 1) {
          const logs = close.map((t) => Math.log10(t.lr));
          chosen = 10 ** (logs.reduce((a, b) => a + b, 0) / logs.length);
        }
      }
      if (chosen !== null && setting.parabola && r > 0) {
        const prev = rounds[r - 1];
        const k = latticeIndex(chosen);
        const i = candidates.indexOf(k);
        const [lo, hi] = [candidates[i - 1], candidates[i + 1]];
        const [a, b, c] = [lo, k, hi].map((x) => x === undefined ? null : at(x, prev));
        if (a !== null && b !== null && c !== null && lo !== undefined && hi !== undefined) {
          const step = (hi - lo) / 2;
          const denom = a - 2 * b + c;
          if (denom > 0) {
            const offset = Math.max(-0.5, Math.min(0.5, (a - c) / (2 * denom)));
            chosen = rateOf(k + offset * step);
          }
        }
      }
      if (chosen !== null && setting.shift > 0) {
        const index = candidates.indexOf(latticeIndex(chosen));
        const lower = candidates[Math.max(0, index - setting.shift)];
        if (at(lower, steps) !== null || lower === candidates[index]) chosen = rateOf(lower);
      }
      const adaptive = ["adam", "adamax", "rmsprop"].includes(optimizer);
      const decades = !setting.shiftAdaptiveOnly || adaptive
        ? setting.shiftDecades
        : optimizer === "momentum"
        ? setting.shiftMomentum ?? 0
        : optimizer === "sgd"
        ? setting.shiftSgd ?? 0
        : 0;
      if (chosen !== null && decades > 0) {
        chosen /= 10 ** decades;
        if (setting.shiftFloor) chosen = Math.max(chosen, rateOf(candidates[0]));
      }
      return { lr: chosen, cost: plan.cost, fallback: chosen === null };
    }
    alive = survivorIndices(trials).map((i) => alive[i]);
  }
  return { lr: null, cost: plan.cost, fallback: true };
}

const BASE: Setting = {
  name: "",
  spacing: 2,
  candidates: 6,
  fallShare: 0.1,
  overflow: "widen",
  topGap: 1,
  below: 1,
  rounds: [0.25, 0.5, 1],
  tolerance: 0.01,
  extrapolate: 0,
  shift: 0,
  shiftDecades: 0,
  shiftFloor: false,
  shiftAdaptiveOnly: false,
};

/** The settings compared: one knob at a time around the base, then a few combinations. */
function settings(): Setting[] {
  const out: Setting[] = [];
  const add = (name: string, change: Partial<Setting>) => out.push({ ...BASE, ...change, name });
  add("base: 1/3 dec, 6 cand., fall 10%, widen, SH 1/4-1/2-1, tol 1%", {});
  for (const spacing of [1, 3]) add(`spacing ${spacing}/6 dec`, { spacing });
  for (const candidates of [3, 4, 5, 8]) add(`${candidates} candidates`, { candidates });
  for (const fallShare of [0.05, 0.2, 0.3]) add(`fall share ${fallShare}`, { fallShare });
  add("overflow: keep the top", { overflow: "top" });
  add("top two steps below the lowest", { topGap: 2 });
  add("two below the fall", { below: 2 });
  add("none below the fall", { below: 0 });
  add("no pruning", { rounds: [1] });
  add("SH 1/3-1", { rounds: [1 / 3, 1] });
  add("SH 1/2-1", { rounds: [0.5, 1] });
  add("SH 1/8-1/4-1/2-1", { rounds: [0.125, 0.25, 0.5, 1] });
  for (const tolerance of [0, 0.005, 0.02, 0.05, 0.1, 0.2]) {
    add(`tolerance ${tolerance}`, { tolerance });
  }
  for (const shiftDecades of [1 / 6, 1 / 3, 1 / 2, 2 / 3]) {
    add(`then ${shiftDecades.toFixed(2)} decade lower`, { shiftDecades });
  }
  const half = { shiftDecades: 0.5 };
  add("½ dec lower, floored at the lowest candidate", { ...half, shiftFloor: true });
  add("½ dec lower for adam, adamax, rmsprop", { ...half, shiftAdaptiveOnly: true });
  add("⅔ dec lower for adam, adamax, rmsprop", { shiftDecades: 2 / 3, shiftAdaptiveOnly: true });
  add("1 dec lower for adam, adamax, rmsprop", { shiftDecades: 1, shiftAdaptiveOnly: true });
  add("⅓ dec lower for adam, adamax, rmsprop", { shiftDecades: 1 / 3, shiftAdaptiveOnly: true });
  const adaptiveHalf = { shiftDecades: 0.5, shiftAdaptiveOnly: true };
  add("½ adaptive, SH 1/8-1/4-1/2-1", { ...adaptiveHalf, rounds: [0.125, 0.25, 0.5, 1] });
  add("½ adaptive, 8 candidates", { ...adaptiveHalf, candidates: 8 });
  add("½ adaptive, 5 candidates", { ...adaptiveHalf, candidates: 5 });
  add("½ adaptive, spacing 1/6 dec", { ...adaptiveHalf, spacing: 1 });
  add("½ adaptive, spacing 1/2 dec", { ...adaptiveHalf, spacing: 3 });
  const chosenBase = { ...adaptiveHalf, spacing: 3 };
  for (const m of [1 / 6, 0.25, 1 / 3]) {
    add(`½ adaptive, ${m.toFixed(2)} momentum, 1/2 dec`, { ...chosenBase, shiftMomentum: m });
    add(`½ adaptive, ${m.toFixed(2)} momentum and sgd, 1/2 dec`, {
      ...chosenBase,
      shiftMomentum: m,
      shiftSgd: m,
    });
  }
  const m25 = { ...chosenBase, shiftMomentum: 0.25 };
  add("½ adaptive, ¼ momentum, 1/2 dec, midpoint of finalists within 2%", {
    ...m25,
    midpointWithin: 0.02,
  });
  add("½ adaptive, ¼ momentum, 1/2 dec, parabola", { ...m25, parabola: true });
  for (const tolerance of [0, 0.02]) {
    add(`½ adaptive, ¼ momentum, 1/2 dec, tolerance ${tolerance}`, { ...m25, tolerance });
  }
  add("½ adaptive, ¼ momentum, 1/2 dec, SH 1/3-1", { ...m25, rounds: [1 / 3, 1] });
  add("½ adaptive, ¼ momentum, 1/2 dec, none below the fall", { ...m25, below: 0 });
  for (const d of [0.4, 0.6]) {
    add(`${d} adaptive, ¼ momentum, 1/2 dec`, { ...m25, shiftDecades: d });
  }
  add("½ adaptive, SH 1/3-1", { ...adaptiveHalf, rounds: [1 / 3, 1] });
  add("½ adaptive, tolerance 0", { ...adaptiveHalf, tolerance: 0 });
  add("½ adaptive, tolerance 0.05", { ...adaptiveHalf, tolerance: 0.05 });
  add("½ adaptive, 8 cand., SH 1/8-1/4-1/2-1", {
    ...adaptiveHalf,
    candidates: 8,
    rounds: [0.125, 0.25, 0.5, 1],
  });
  add("½ dec lower, tolerance 0", { ...half, tolerance: 0 });
  add("½ dec lower, tolerance 0.05", { ...half, tolerance: 0.05 });
  add("½ dec lower, top two steps below the lowest", { ...half, topGap: 2 });
  add("½ dec lower, 8 candidates", { ...half, candidates: 8 });
  add("½ dec lower, 4 candidates", { ...half, candidates: 4 });
  add("½ dec lower, spacing 1/2 dec", { ...half, spacing: 3 });
  add("½ dec lower, no pruning", { ...half, rounds: [1] });
  add("½ dec lower, fall share 0.05", { ...half, fallShare: 0.05 });
  add("⅔ dec lower, tolerance 0.05", { shiftDecades: 2 / 3, tolerance: 0.05 });
  for (const extrapolate of [1, 2, 3]) add(`extrapolate ${extrapolate} doublings`, { extrapolate });
  for (const shift of [1]) add(`shift ${shift} candidate down`, { shift });
  add("extrapolate 2, tolerance 0", { extrapolate: 2, tolerance: 0 });
  add("extrapolate 2, no pruning", { extrapolate: 2, rounds: [0.5, 1] });
  return out;
}

function spanOf(curves: Curve[], all: Setting[]): Set<number> {
  const needed = new Set<number>();
  for (const curve of curves) {
    for (const setting of all) for (const k of candidatesOf(curve, setting) ?? []) needed.add(k);
  }
  return needed;
}

async function readJson<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await Deno.readTextFile(path)) as T;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
}

if (import.meta.main) {
  const value = (flag: string) => {
    const i = Deno.args.indexOf(flag);
    return i >= 0 ? Deno.args[i + 1] : undefined;
  };
  const sweepsPath = value("--sweeps") ?? "/tmp/lr-finder-tuning-sweeps.json";
  const libraryPath = value("--library") ?? "/tmp/lr-finder-tuning-library.json";
  const only = Deno.args.flatMap((a, i) => (Deno.args[i - 1] === "--task" ? [a] : []));
  await setupBackend("wasm");
  const tasks = TASKS.filter((t) =>
    (only.length === 0 || only.includes(t.name)) && (!t.fashionMnist || fashionMnistAvailable())
  );
  const all = settings();
  /** `--simulate-only`: read the sweeps and the library, never train or write. */
  const simulateOnly = Deno.args.includes("--simulate-only");
  const sweeps = (await readJson<TaskSweeps[]>(sweepsPath)) ?? [];
  const library = (await readJson<LibraryEntry[]>(libraryPath)) ?? [];
  const truths = new Map<string, GroundTruth>();
  for (const task of tasks) {
    let truth: GroundTruth;
    try {
      truth = await loadTruth(task);
    } catch (error) {
      console.log(`skipping ${task.name}: ${(error as Error).message}`);
      continue;
    }
    let sw = sweeps.find((s) => s.task === task.name);
    const inLibrary = truth.seeds.every((seed) =>
      library.some((e) => e.task === task.name && e.seed === seed)
    );
    if (simulateOnly && !(sw && inLibrary)) continue;
    truths.set(task.name, truth);
    if (!sw) {
      sw = await sweepTask(task, truth, { quick: false, log: console.log });
      sweeps.push(sw);
      await Deno.writeTextFile(sweepsPath, JSON.stringify(sweeps));
    }
    const data = await task.load();
    for (const [i, seed] of truth.seeds.entries()) {
      const curves = sw.groups.slice(2 * i, 2 * i + 2).flat();
      let entry = library.find((e) => e.task === task.name && e.seed === seed);
      const spanning = Deno.args.includes("--core") ? all.filter(shapesCandidatesLikeBase) : all;
      const needed = [...spanOf(curves, spanning)].filter((k) => !entry?.trials[String(k)]);
      if (needed.length === 0 || simulateOnly) continue;
      const model = task.model(seed);
      const initial = model.weights.map((w) => tf.clone(w.read()));
      const loss = lossFunction(task.loss);
      const held = planHeldOut(data.train, undefined, {
        heldOutSamples: HELD_OUT,
        batchSize: task.batchSize,
        seed: 100 + 10 * seed,
      });
      if (held.reason !== undefined) throw new Error(held.reason);
      entry ??= { task: task.name, seed, heldOutSize: held.heldOut.size, trials: {} };
      if (!library.includes(entry)) library.push(entry);
      const started = performance.now();
      for (const k of needed.sort((a, b) => a - b)) {
        entry.trials[String(k)] = await trainTrial(
          {
            target: {
              model,
              lossFn: loss.fn,
              layout: planBatchLayout(data.train, model, loss.name),
            },
            initial,
            train: held.train,
            trainIndices: held.trainIndices,
            heldOut: held.heldOut,
            optimizer: task.optimizer,
            batchSize: task.batchSize,
            seed: 100 + 10 * seed,
          },
          rateOf(k),
          CHECKPOINTS,
        );
      }
      tf.dispose(initial);
      model.dispose();
      await Deno.writeTextFile(libraryPath, JSON.stringify(library));
      console.log(
        `${task.name} seed ${seed}: ${needed.length} trials in ${
          ((performance.now() - started) / 1000).toFixed(0)
        } s`,
      );
    }
  }

  const names = [...truths.keys()];
  const table: string[] = [
    "| Setting | within 5%, long | median, long | worst, long | within 5%, 300 | median, 300 | " +
    "worst, 300 | fallbacks | verification steps (mean) |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  const rows = all.flatMap((setting) => {
    const perTask = new Map<string, { regrets: Record<HorizonName, number[]>; costs: number[] }>();
    let fallbacks = 0;
    let missing = false;
    for (const task of names) {
      const sw = sweeps.find((s) => s.task === task)!;
      const truth = truths.get(task)!;
      const score = {
        regrets: { long: [] as number[], short: [] as number[] },
        costs: [] as number[],
      };
      truth.seeds.forEach((seed, i) => {
        const entry = library.find((e) => e.task === task && e.seed === seed)!;
        for (const curve of sw.groups.slice(2 * i, 2 * i + 2).flat()) {
          const optimizer = TASKS.find((t) => t.name === task)!.optimizer.name;
          const sim = simulate(curve, entry, setting, optimizer);
          if (sim === null) {
            missing = true;
            continue;
          }
          const lr = sim.lr ?? suggestAll(curve).combined.lr;
          if (sim.fallback) fallbacks++;
          for (const h of HORIZONS) score.regrets[h].push(regret(truth, h, lr));
          score.costs.push(sim.cost);
        }
      });
      perTask.set(task, score);
    }
    if (missing) return [];
    const cells: string[] = [];
    for (const h of HORIZONS) {
      const regrets = names.map((t) => mean(perTask.get(t)!.regrets[h]));
      const worst = Math.max(...regrets);
      cells.push(
        `${regrets.filter((r) => r <= 0.05).length} of ${regrets.length}`,
        pct(medianOf(regrets)),
        `${pct(worst)} (${names[regrets.indexOf(worst)]})`,
      );
    }
    cells.push(String(fallbacks), mean(names.flatMap((t) => perTask.get(t)!.costs)).toFixed(0));
    return [{ line: `| ${setting.name} | ${cells.join(" | ")} |`, perTask, setting }];
  });
  for (const row of rows) table.push(row.line);
  console.log(table.join("\n"));
  console.log("\nPer task, long horizon (mean regret):");
  console.log(`| Setting | ${names.join(" | ")} |`);
  console.log(`| --- | ${names.map(() => "---:").join(" | ")} |`);
  for (const row of rows) {
    console.log(
      `| ${row.setting.name} | ${
        names.map((t) => pct(mean(row.perTask.get(t)!.regrets.long))).join(" | ")
      } |`,
    );
  }
}
