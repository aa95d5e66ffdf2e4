/**
 * Verification: after the sweep, train from the same initial weights at a few candidate rates
 * drawn from the curve, each at a constant rate for a fixed number of steps, score each on
 * held-out samples and suggest the best (on a near tie, the smaller rate). Successive halving
 * prunes the worse half of the candidates at each round, so the survivors train longer for the
 * same cost, and a horizon correction moves the suggestion below the best trial for optimizers
 * whose best rate drops over long training. The candidates, spacing, steps, pruning, tolerance and
 * correction were chosen with `bench/verify_tuning.ts` against ground truth and confirmed end to
 * end by `bench/quality.ts` (bench/notes/quality.md).
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { type BatchSampler, createBatchSampler } from "./batches.ts";
import type { Dataset } from "./data/dataset.ts";
import { z } from "zod";
import { DEFAULTS } from "./defaults.ts";
import { createYielder } from "./event_loop.ts";
import type { OptimizerSpec } from "./optimizer_spec.ts";
import { createSweepOptimizer, disposeOptimizer } from "./optimizers.ts";
import type { VerificationReport } from "./conclusion.ts";
import { candidateBandwidth, drawnSmoothing, lowestPoint } from "./drawn_curve.ts";
import type { LrFinderResult, Trial, Verification, Warning } from "./result.ts";
import type { WarningCode } from "./vocabulary.ts";
import { warning } from "./warnings.ts";
import { fixedSample, splitIndices, subset } from "./data/split.ts";
import { verifySchema } from "./settings_schema.ts";
import type { VerifyOptions, VerifyProgress } from "./sweep_options.ts";
import { firstIssueError } from "./validation.ts";
import { heldOutLoss, type TrainingTarget, trainOnSamples } from "./training.ts";

export type { VerifyOptions, VerifyProgress } from "./sweep_options.ts";

/** Verification settings with every default filled in. */
export type ResolvedVerifyOptions = Required<VerifyOptions>;

/**
 * The horizon correction of `horizonShift: "auto"` for adam, adamax and rmsprop, in decades.
 * Their steps are normalised by the gradient's running scale, so they keep their size as the
 * loss converges and the weights jitter on a scale set by the rate itself: over the training
 * users run (about ten times the trials' steps) the best constant rate of the benchmark's 8 tasks
 * with these optimizers sat 0.25 to 1.25 decades below the best one over 300 steps. With plain
 * SGD, whose steps shrink with the gradient, it moved less and a shift cost more than it gained
 * (bench/notes/quality.md).
 */
export const ADAPTIVE_HORIZON_SHIFT = 0.5;

/**
 * The horizon correction of `horizonShift: "auto"` for SGD with momentum, in decades: its steps
 * shrink with the gradient, but momentum carries about ten of them at once, and the benchmark's
 * momentum tasks trained best over their epochs 0 to 0.5 decades below the best rate over 300
 * steps; a quarter decade brought the one that missed within 5% and kept the others there
 * (`bench/verify_tuning.ts`).
 */
export const MOMENTUM_HORIZON_SHIFT = 0.25;

/** Optimizers whose step size does not shrink with the gradient (see `ADAPTIVE_HORIZON_SHIFT`). */
export const ADAPTIVE_OPTIMIZERS: readonly string[] = ["adam", "adamax", "rmsprop"];

/** The horizon correction in decades for an optimizer: the option's number, or what `auto` means. */
export function horizonShiftFor(option: number | "auto", optimizer: string): number {
  if (option !== "auto") return option;
  if (ADAPTIVE_OPTIMIZERS.includes(optimizer)) return ADAPTIVE_HORIZON_SHIFT;
  return optimizer === "momentum" ? MOMENTUM_HORIZON_SHIFT : 0;
}

/** The defaults (`DEFAULTS.verify`), chosen by the quality benchmark (see the module comment). */
export const VERIFY_DEFAULTS: Readonly<ResolvedVerifyOptions> = DEFAULTS.verify;

/**
 * The shortest trials verification is shortened to when it does not fit a budget (the time
 * budget here, the HTTP server's step budget there), half the default: in the quality
 * benchmark's simulation, all six candidates trained 150 steps without pruning chose as well as
 * the default's pruned 270 (bench/notes/quality.md); nothing shorter was measured.
 */
export const MIN_SHORTENED_STEPS = Math.ceil(DEFAULTS.verify.steps / 2);

/**
 * What a verification step costs against a sweep step, for the time estimate: the same training
 * step, plus scoring the held-out samples after each round and copying weights between rounds.
 */
export const TRIAL_STEP_COST = 1.25;

/** Share of the training data held out when no validation data is given... */
export const HELD_OUT_SHARE = 0.2;

/** ...but not fewer than this many samples, or verification is skipped. */
export const MIN_HELD_OUT_SAMPLES = 32;

/**
 * The loss has started to fall where it is below its level before the fall by this share of the
 * whole descent (from the highest point before the lowest to the lowest).
 */
export const FALL_SHARE = 0.1;

/** Share of a survivor's steps at which each pruning round scores: a quarter, a half, all. */
export const ROUND_SHARES: readonly number[] = [0.25, 0.5, 1];

/**
 * Validates the `verify` option and fills in the defaults; `false` when verification is off.
 * Throws an {@linkcode InputError} naming the field for an invalid value.
 */
export function resolveVerifyOptions(
  verify: boolean | VerifyOptions | undefined,
): ResolvedVerifyOptions | false {
  if (verify === undefined) return { ...VERIFY_DEFAULTS };
  const parsed = verifySchema.safeParse(verify, { reportInput: true });
  if (!parsed.success) throw firstIssueError(prefixed(parsed.error.issues), { verify });
  if (parsed.data === false) return false;
  if (parsed.data === true) return { ...VERIFY_DEFAULTS };
  return { ...VERIFY_DEFAULTS, ...withoutUndefined(parsed.data) };
}

function prefixed(issues: readonly z.core.$ZodIssue[]): z.core.$ZodIssue[] {
  return issues.map((issue) => ({ ...issue, path: ["verify", ...issue.path] }));
}

/** The candidate rates read from a curve, or why there are none. */
export type CandidatePlan = { lrs: number[]; reason?: undefined } | {
  lrs?: undefined;
  reason: string;
};

/** How candidates are read off a curve; the knobs past `candidates` and `spacing` are for tuning. */
export interface CandidateOptions {
  /** Most candidates. */
  candidates: number;
  /** Decades between candidates. */
  spacing: number;
  /** Share of the descent that marks where the loss starts to fall; default {@linkcode FALL_SHARE}. */
  fallShare?: number;
  /** Lattice steps below the lowest point for the top candidate; default 1 (the first below). */
  topGap?: number;
  /** Extra candidates below where the loss starts to fall; default 1. */
  below?: number;
  /** Too many: `widen` the spacing (default) or keep the `top` ones. */
  overflow?: "widen" | "top";
}

/**
 * The candidate rates: on the lattice of powers of 10 to `spacing`, every rate strictly below the
 * lowest point of the drawn curve down to where the loss starts to fall (it is below its level
 * before the fall by {@linkcode FALL_SHARE} of the descent), plus one below. When that span holds
 * more than `candidates` rates, the spacing widens (by whole lattice steps) until it fits, so the
 * candidates still reach from the fall to the lowest point. At least 2 candidates.
 */
export function candidateRates(
  lrs: readonly number[],
  drawn: readonly (number | null)[],
  options: CandidateOptions,
): CandidatePlan {
  const fallShare = options.fallShare ?? FALL_SHARE;
  const lowest = lowestPoint(lrs, drawn);
  if (lowest === null) return { reason: "the curve has no finite loss" };
  let start = -Infinity;
  for (let i = 0; i <= lowest.index; i++) {
    const v = drawn[i];
    if (v !== null && Number.isFinite(v)) start = Math.max(start, v);
  }
  const descent = start - lowest.loss;
  if (!(descent > 0) || lowest.index === 0) {
    return { reason: "the loss never falls below its first value" };
  }
  const level = lowest.loss + (1 - fallShare) * descent;
  let fall = 0;
  for (let i = lowest.index; i >= 0; i--) {
    const v = drawn[i];
    if (v !== null && v >= level) {
      fall = i;
      break;
    }
  }
  const top = Math.ceil(Math.log10(lowest.lr) / options.spacing - 1e-9) - (options.topGap ?? 1);
  const bottom = Math.floor(Math.log10(lrs[fall]) / options.spacing + 1e-9) -
    (options.below ?? 1);
  let count = Math.max(2, top - bottom + 1);
  let stride = 1;
  if (options.overflow === "top") {
    count = Math.min(count, options.candidates);
  } else {
    while (count > options.candidates) {
      stride++;
      count = Math.max(2, Math.ceil((top - bottom) / stride) + 1);
    }
  }
  const rates: number[] = [];
  for (let k = 0; k < count; k++) rates.unshift(latticeRate(top - k * stride, options.spacing));
  return { lrs: rates };
}

/** `10^(k * spacing)`, rounded to 6 significant digits so that it prints cleanly. */
function latticeRate(k: number, spacing: number): number {
  return Number((10 ** (k * spacing)).toPrecision(6));
}

/**
 * The samples trials train on (`trainIndices` of `train`, or all of it) and the held-out samples
 * they are scored on.
 */
export type HeldOutPlan =
  | {
    train: Dataset;
    trainIndices?: Int32Array;
    heldOut: Dataset;
    source: "validation" | "train";
    reason?: undefined;
  }
  | { reason: string; train?: undefined; heldOut?: undefined; trainIndices?: undefined };

/**
 * Chooses the held-out samples: up to `heldOutSamples` of the validation data when given (chosen
 * by seed), otherwise that many training samples, at most {@linkcode HELD_OUT_SHARE} of them,
 * split off by seed (copied; the trials train on the rest, by index, without a copy). Says why
 * when the training data is too small to hold out {@linkcode MIN_HELD_OUT_SAMPLES} and still fill
 * a batch.
 */
export function planHeldOut(
  train: Dataset,
  validation: Dataset | undefined,
  options: { heldOutSamples: number; batchSize: number; seed: number },
): HeldOutPlan {
  if (validation && validation.size > 0) {
    const heldOut = validation.size <= options.heldOutSamples
      ? validation
      : subset(validation, fixedSample(validation.size, options.heldOutSamples, options.seed));
    return { train, heldOut, source: "validation" };
  }
  const count = Math.min(options.heldOutSamples, Math.floor(train.size * HELD_OUT_SHARE));
  if (count < MIN_HELD_OUT_SAMPLES || train.size - count < options.batchSize) {
    return {
      reason: `the training data (${train.size} samples) is too small to hold out ` +
        `${MIN_HELD_OUT_SAMPLES} samples for scoring and still fill a batch of ` +
        `${options.batchSize}: give validation data or more samples`,
    };
  }
  const { held, rest } = splitIndices(train.size, count, options.seed);
  return { train, trainIndices: rest, heldOut: subset(train, held), source: "train" };
}

/** What every trial shares: the model, where it starts, its optimizer, the data order, controls. */
export interface TrialSettings {
  /** The model, its loss and batch layout. */
  target: TrainingTarget;
  /** Values of every model weight to start each trial from (the sweep's snapshot). */
  initial: readonly tf.Tensor[];
  /** Optimizer of the trials (each trial gets its own, at a constant rate). */
  optimizer: OptimizerSpec;
  /** The model's own optimizer, whose state each trial starts from when of the same kind. */
  sourceOptimizer?: tf.Optimizer;
  /** Samples per step. */
  batchSize: number;
  /** Seed of the data order (the same for every trial) and of the held-out split. */
  seed: number;
  /** Stops verification when aborted. */
  signal?: AbortSignal;
  /** Stops verification at this time of `clock`. */
  deadline?: number;
  /** The clock of the deadline and of `verification.ms`; default `performance.now`. */
  clock?: () => number;
  /** Called after every training step. */
  onProgress?: (progress: VerifyProgress) => void;
}

/** Everything a verification run needs: the trials' settings and their data. */
export interface VerifyContext extends TrialSettings {
  /** Samples the trials train on: `trainIndices` of them, or all. */
  train: Dataset;
  /** The indices into `train` that trials train on; all when absent. */
  trainIndices?: Int32Array;
  /** Samples the trials are scored on. */
  heldOut: Dataset;
}

/** What verification found. */
export interface VerifyOutcome {
  /** Every candidate's trial, in the order of the rates. */
  trials: Trial[];
  /** The rate chosen, or `null` when every trial diverged or verification was stopped. */
  chosen: number | null;
  /** Set when verification was stopped before it finished. */
  stopped?: "aborted" | "time-budget";
  /** Training steps of all trials together. */
  steps: number;
  /** Training steps of a trial that survives every round. */
  maxSteps: number;
}

/** The steps at which the trials are scored: the end of each pruning round. */
export function roundSteps(options: { steps: number; prune: boolean }): number[] {
  if (!options.prune) return [options.steps];
  const steps = ROUND_SHARES.map((share) => Math.max(1, Math.round(share * options.steps)));
  return steps.filter((s, i) => i === 0 || s > steps[i - 1]);
}

/** Steps verification trains when no trial diverges. */
export function plannedSteps(candidates: number, options: { steps: number; prune: boolean }) {
  let alive = candidates;
  let done = 0;
  let total = 0;
  for (const at of roundSteps(options)) {
    total += alive * (at - done);
    done = at;
    alive = Math.max(Math.min(alive, 2), Math.ceil(alive / 2));
  }
  return total;
}

interface TrialState {
  trial: Trial;
  optimizer: tf.Optimizer;
  sampler: BatchSampler;
  /** The trial's weights between rounds; `null` before it first trains. */
  weights: tf.Tensor[] | null;
}

/**
 * Trains every candidate from the initial weights at its constant rate and scores it on the
 * held-out samples after each round; after each round but the last, the better half (at least
 * two) go on. Chooses the rate with the lowest held-out loss in the last round, or a smaller one
 * within `tolerance` of it. The model's weights are left at no particular value: the caller
 * restores them. Every tensor made here is freed, also on a throw.
 */
export async function verifyCandidates(
  context: VerifyContext,
  lrs: readonly number[],
  options: { steps: number; prune: boolean; tolerance: number },
): Promise<VerifyOutcome> {
  const rounds = roundSteps(options);
  const planned = plannedSteps(lrs.length, options);
  const states: TrialState[] = [];
  const variables = context.target.model.trainableWeights.map((w) => w.read() as tf.Variable);
  const yieldNow = createYielder();
  let done = 0;
  let stopped: VerifyOutcome["stopped"];
  try {
    for (const lr of lrs) {
      const { optimizer } = await createSweepOptimizer(
        context.optimizer,
        lr,
        context.sourceOptimizer,
      );
      states.push({
        trial: { lr, steps: 0, heldOutLoss: null, diverged: false },
        optimizer,
        sampler: trialSampler(context),
        weights: null,
      });
    }
    let alive = states;
    for (const [round, until] of rounds.entries()) {
      for (const state of alive) {
        loadWeights(context, state.weights ?? context.initial);
        while (state.trial.steps < until && !state.trial.diverged) {
          await yieldNow();
          stopped = stopReason(context);
          if (stopped) return finish();
          const loss = trainOnSamples(context.target, {
            optimizer: state.optimizer,
            data: context.train,
            indices: state.sampler.next(context.batchSize),
            variables,
          });
          const value = (await loss.data())[0];
          loss.dispose();
          state.trial.steps++;
          done++;
          if (!Number.isFinite(value)) state.trial.diverged = true;
          context.onProgress?.({
            lr: state.trial.lr,
            trial: states.indexOf(state),
            trials: states.length,
            step: state.trial.steps,
            done,
            planned,
          });
        }
        if (!state.trial.diverged) {
          const score = await heldOutLoss(context.target, context.heldOut);
          if (Number.isFinite(score)) state.trial.heldOutLoss = score;
          else state.trial.diverged = true;
        }
        if (state.trial.diverged) state.trial.heldOutLoss = null;
        if (round < rounds.length - 1) {
          if (state.weights) tf.dispose(state.weights);
          state.weights = state.trial.diverged ? null : saveWeights(context);
        }
      }
      if (round < rounds.length - 1) alive = survivors(alive);
    }
    return finish();
  } finally {
    for (const state of states) {
      disposeOptimizer(state.optimizer);
      if (state.weights) tf.dispose(state.weights);
    }
  }

  function finish(): VerifyOutcome {
    const trials = states.map((s) => s.trial);
    const finalists = trials.filter((t) => t.steps === rounds[rounds.length - 1]);
    return {
      trials,
      chosen: stopped ? null : chooseRate(finalists, options.tolerance),
      ...(stopped ? { stopped } : {}),
      steps: done,
      maxSteps: rounds[rounds.length - 1],
    };
  }
}

/** The better half (at least two) of the trials that did not diverge, by held-out loss. */
function survivors(states: TrialState[]): TrialState[] {
  const kept = new Set(survivorIndices(states.map((s) => s.trial)));
  states.forEach((state, i) => {
    if (!kept.has(i) && state.weights) {
      tf.dispose(state.weights);
      state.weights = null;
    }
  });
  return states.filter((_, i) => kept.has(i));
}

/**
 * Which trials go on after a pruning round: the better half by held-out loss (at least two, when
 * two have a loss), leaving out those that diverged. Indices into `trials`, in their order.
 */
export function survivorIndices(trials: readonly Trial[]): number[] {
  const scored = trials.flatMap((t, i) => (t.heldOutLoss === null ? [] : [i]));
  const keep = Math.max(Math.min(scored.length, 2), Math.ceil(trials.length / 2));
  const ranked = [...scored].sort((a, b) => trials[a].heldOutLoss! - trials[b].heldOutLoss!);
  return ranked.slice(0, keep).sort((a, b) => a - b);
}

/**
 * The rate of the trial with the lowest held-out loss, or the smallest rate whose loss is within
 * `tolerance` (a share) of it; `null` when no trial has a finite loss.
 */
export function chooseRate(trials: readonly Trial[], tolerance: number): number | null {
  const scored = trials.filter((t): t is Trial & { heldOutLoss: number } =>
    t.heldOutLoss !== null && Number.isFinite(t.heldOutLoss)
  );
  if (scored.length === 0) return null;
  const best = Math.min(...scored.map((t) => t.heldOutLoss));
  const bound = best + tolerance * Math.abs(best);
  return Math.min(...scored.filter((t) => t.heldOutLoss <= bound).map((t) => t.lr));
}

/**
 * The most steps a trial may train such that verification of `candidates` (with pruning or not)
 * trains at most `budget` steps in all, and at most `most`; 0 when not even one step fits.
 */
export function longestFittingSteps(
  candidates: number,
  prune: boolean,
  budget: number,
  most: number,
): number {
  let low = 0;
  // A trial that survives every round trains all its steps, so no more than `budget` fit.
  let high = Math.max(0, Math.min(most, Math.floor(budget)));
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (plannedSteps(candidates, { steps: mid, prune }) <= budget) low = mid;
    else high = mid - 1;
  }
  return low;
}

/** Verification fitted to the time left: the trials' steps, or why it cannot run. */
export type TimeFit = { steps: number; shortened: boolean; reason?: undefined } | {
  steps?: undefined;
  shortened?: undefined;
  reason: string;
};

/**
 * Fits verification to the time left before `deadline`, estimated from the sweep's time per step
 * ({@linkcode TRIAL_STEP_COST} times it per verification step): the trials as planned when they
 * fit, shortened down to {@linkcode MIN_SHORTENED_STEPS} when not, else the reason it cannot run.
 * Without a deadline or a measured step time, the trials as planned.
 */
export function fitToTime(
  candidates: number,
  options: { steps: number; prune: boolean },
  time: { now: number; deadline?: number; msPerStep: number },
): TimeFit {
  const planned = { steps: options.steps, shortened: false };
  if (time.deadline === undefined || !(time.msPerStep > 0)) return planned;
  const msPerStep = time.msPerStep * TRIAL_STEP_COST;
  const left = Math.max(0, time.deadline - time.now);
  const affordable = Math.floor(left / msPerStep);
  if (plannedSteps(candidates, options) <= affordable) return planned;
  const steps = longestFittingSteps(candidates, options.prune, affordable, options.steps);
  const floor = Math.min(MIN_SHORTENED_STEPS, options.steps);
  if (steps >= floor) return { steps, shortened: true };
  const needed = plannedSteps(candidates, { steps: floor, prune: options.prune });
  return {
    reason: `the time budget leaves about ${Math.round(left)} ms, and verification needs about ` +
      `${Math.round(needed * msPerStep)} ms (${needed} steps of ${candidates} candidates at ` +
      `${msPerStep.toFixed(1)} ms, from the sweep's time per step); raise timeBudgetMs`,
  };
}

/** What the sweep hands to verification: the trials' settings and the sweep's data. */
export interface VerifySetup extends TrialSettings {
  /** The sweep's training samples. */
  train: Dataset;
  /** Validation samples, when given (or held out for `evaluate: "validation"`). */
  validation?: Dataset;
}

/**
 * Verifies the rates a result's curve points to: chooses the candidates from the drawn curve and
 * the held-out samples, trains and scores the trials, and reports the outcome; when verification
 * cannot choose, says why with a warning, and the curve rule stands.
 */
export async function runVerification(
  result: LrFinderResult,
  setup: VerifySetup,
  options: ResolvedVerifyOptions,
): Promise<VerificationReport> {
  const now = setup.clock ?? (() => performance.now());
  const started = now();
  const settings = {
    ...options,
    horizonShift: horizonShiftFor(options.horizonShift, setup.optimizer.name),
  };
  const base = { steps: 0, ms: 0, settings };
  const fallback = (
    code: WarningCode,
    reason: string,
    severity: Warning["severity"] = "caution",
    extra: Partial<VerificationReport> = {},
  ): VerificationReport => ({
    verification: { ...base, ...extra.verification, outcome: "fallback", reason },
    trials: extra.trials ?? [],
    chosen: null,
    best: null,
    candidates: extra.candidates ?? [],
    warning: warning(code, `not verified: ${reason}; the curve rule chose the rate`, severity),
  });
  if (result.stopReason === "aborted" || result.stopReason === "time-budget") {
    return fallback(
      "verification-stopped",
      result.stopReason === "aborted" ? "the sweep was aborted" : "the time budget ran out",
    );
  }
  const drawn = drawnSmoothing(result, candidateBandwidth(result.lrs));
  const plan = candidateRates(result.lrs, drawn, options);
  if (plan.reason !== undefined) return fallback("no-candidates", plan.reason);
  const held = planHeldOut(setup.train, setup.validation, { ...options, ...setup });
  if (held.reason !== undefined) return fallback("no-held-out", held.reason);
  const timed = fitToTime(plan.lrs.length, options, {
    now: now(),
    deadline: setup.deadline,
    msPerStep: result.timing.msPerStep,
  });
  if (timed.reason !== undefined) return fallback("verification-over-budget", timed.reason);
  const trialOptions = { ...options, steps: timed.steps };
  settings.steps = timed.steps;
  const context = {
    ...setup,
    train: held.train,
    trainIndices: held.trainIndices,
    heldOut: held.heldOut,
  };
  loadWeights(context, setup.initial);
  const initialLoss = await heldOutLoss(context.target, held.heldOut);
  const outcome = await verifyCandidates(context, plan.lrs, trialOptions);
  const verification: Verification = {
    outcome: outcome.chosen === null ? "fallback" : "verified",
    heldOut: held.source,
    heldOutSize: held.heldOut.size,
    ...(Number.isFinite(initialLoss) ? { initialLoss } : {}),
    steps: outcome.steps,
    maxSteps: outcome.maxSteps,
    ms: now() - started,
    settings,
  };
  const ran = { verification, trials: outcome.trials, candidates: plan.lrs, best: outcome.chosen };
  if (outcome.stopped) {
    return fallback(
      "verification-stopped",
      outcome.stopped === "aborted"
        ? "verification was aborted"
        : "the time budget ran out during verification",
      "caution",
      ran,
    );
  }
  if (outcome.chosen === null) {
    return fallback(
      "trials-diverged",
      "every trial diverged, even at rates below the lowest loss",
      "untrusted",
      ran,
    );
  }
  verification.best = outcome.chosen;
  const shortened = timed.shortened
    ? warning(
      "verification-shortened",
      `verification was shortened to fit the time budget: trials of up to ${timed.steps} steps ` +
        `instead of ${options.steps}`,
      "caution",
    )
    : undefined;
  return {
    ...ran,
    chosen: outcome.chosen / 10 ** settings.horizonShift,
    ...(shortened ? { warning: shortened } : {}),
  };
}

/**
 * One trial for measurements (bench/): trains from the initial weights at a constant rate and
 * returns the held-out loss at each of `checkpoints` (ascending step counts), `null` from where
 * it diverged. The caller restores the model.
 */
export async function trainTrial(
  context: VerifyContext,
  lr: number,
  checkpoints: readonly number[],
): Promise<(number | null)[]> {
  const variables = context.target.model.trainableWeights.map((w) => w.read() as tf.Variable);
  const { optimizer } = await createSweepOptimizer(context.optimizer, lr, context.sourceOptimizer);
  const sampler = trialSampler(context);
  const out: (number | null)[] = checkpoints.map(() => null);
  try {
    loadWeights(context, context.initial);
    let step = 0;
    for (const [i, at] of checkpoints.entries()) {
      for (; step < at; step++) {
        const loss = trainOnSamples(context.target, {
          optimizer,
          data: context.train,
          indices: sampler.next(context.batchSize),
          variables,
        });
        const value = (await loss.data())[0];
        loss.dispose();
        if (!Number.isFinite(value)) return out;
      }
      const score = await heldOutLoss(context.target, context.heldOut);
      if (!Number.isFinite(score)) return out;
      out[i] = score;
    }
    return out;
  } finally {
    disposeOptimizer(optimizer);
  }
}

/** The trials' data order: seeded, over `trainIndices` when given (the same for every trial). */
function trialSampler(context: VerifyContext): BatchSampler {
  const allowed = context.trainIndices;
  const sampler = createBatchSampler(allowed?.length ?? context.train.size, context.seed);
  if (!allowed) return sampler;
  return {
    next(batchSize: number): Int32Array {
      const picked = sampler.next(batchSize);
      for (let i = 0; i < picked.length; i++) picked[i] = allowed[picked[i]];
      return picked;
    },
  };
}

function stopReason(context: VerifyContext): "aborted" | "time-budget" | undefined {
  if (context.signal?.aborted) return "aborted";
  if (
    context.deadline !== undefined &&
    (context.clock ?? (() => performance.now()))() >= context.deadline
  ) {
    return "time-budget";
  }
  return undefined;
}

/** Points every model weight at the given values (no copy; training replaces, never mutates). */
function loadWeights(context: VerifyContext, values: readonly tf.Tensor[]): void {
  context.target.model.weights.forEach((w, i) => {
    const variable = w.read() as tf.Variable;
    if (variable.dataId !== values[i].dataId) variable.assign(values[i]);
  });
}

function saveWeights(context: VerifyContext): tf.Tensor[] {
  return context.target.model.weights.map((w) => tf.clone(w.read()));
}

function withoutUndefined(options: VerifyOptions): VerifyOptions {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
}
