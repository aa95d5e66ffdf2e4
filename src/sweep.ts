/**
 * The learning-rate range test: snapshot the model, train with a rising learning rate while
 * recording the loss, stop on divergence, restore the model exactly, and suggest a rate.
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { type BatchLayout, createBatchSampler, gatherBatch, planBatchLayout } from "./batches.ts";
import { type Dataset, type DataSplits, sampleLength } from "./data/dataset.ts";
import { InputError } from "./errors.ts";
import { type LossFunction, lossFunction, type LossName } from "./losses.ts";
import type { OptimizerSpec } from "./optimizer_spec.ts";
import {
  createSweepOptimizer,
  describeOptimizer,
  disposeOptimizer,
  setOptimizerLearningRate,
} from "./optimizers.ts";
import type {
  LrFinderResult,
  RuleName,
  RunCurve,
  Settings,
  StopReason,
  Suggestion,
  SuggestMethod,
  Uncertainty,
} from "./result.ts";
import { concludeResult, type VerificationReport } from "./conclusion.ts";
import { YIELD_EVERY_MS, yieldToEventLoop } from "./event_loop.ts";
import { bandOf, medianCurve } from "./run_spread.ts";
import { fixedSample, splitOff } from "./samples.ts";
import { batchLoss, type TrainingTarget, trainOnSamples } from "./training.ts";
import {
  resolveVerifyOptions,
  runVerification,
  type VerifyOptions,
  type VerifyProgress,
} from "./verify.ts";
import { chanceLoss } from "./warnings.ts";
import { learningRateSchedule, type ScheduleMode } from "./schedule.ts";
import { createLossSmoother, DEFAULT_BETA } from "./smoothing.ts";
import {
  isSuggestMethod,
  medianSuggestion,
  RULE_NAMES,
  ruleFor,
  suggestAll,
  suggestLearningRate,
} from "./suggest.ts";

/** Progress of a sweep, reported after every recorded step. */
export interface SweepProgress {
  /** 0-based index of the current run. */
  run: number;
  /** Number of runs. */
  runs: number;
  /** 0-based step within the run. */
  step: number;
  /** Planned steps per run. */
  numIters: number;
  /** Learning rate of the step. */
  lr: number;
  /** Raw loss of the step (`NaN` when not finite). */
  loss: number;
  /** Smoothed loss of the step (`NaN` when not finite). */
  smoothed: number;
  /** Milliseconds since the sweep started. */
  elapsedMs: number;
}

/** Options of {@linkcode findLearningRate}; every field has a default. */
export interface FindLearningRateOptions {
  /** Name used in reports; default the model's name. */
  name?: string;
  /** Loss name; default the compiled model's loss. */
  loss?: string;
  /** Optimizer; default a copy of the compiled model's optimizer (with its state). */
  optimizer?: OptimizerSpec;
  /** Samples per step; default 64, or the data size when smaller. */
  batchSize?: number;
  /** First learning rate; default 1e-7. */
  startLr?: number;
  /** Last learning rate; default 10. */
  endLr?: number;
  /** Steps per run; default 100, at least 10. */
  numIters?: number;
  /** Schedule shape; default `exp`. */
  mode?: ScheduleMode;
  /** Smoothing factor beta in [0, 1); default 0.98. */
  smoothing?: number;
  /** Stop when the smoothed loss exceeds this multiple of its lowest value; default 4. */
  divergeThreshold?: number;
  /** Repetitions from the same initial state with different data orders; default 1. */
  runs?: number;
  /** Seed of the data order; run `r` uses `seed + r`. Default 0. */
  seed?: number;
  /** `train` records the batch loss; `validation` the loss on a fixed validation sample. */
  evaluate?: "train" | "validation";
  /** Validation samples evaluated per step with `evaluate: "validation"`; default 512. */
  validationSamples?: number;
  /** Suggestion rule; default `auto`. */
  suggest?: SuggestMethod;
  /** Stop with `time-budget` once this many milliseconds have passed. */
  timeBudgetMs?: number;
  /** Stop with `aborted` when this signal aborts. */
  signal?: AbortSignal;
  /** Called after every recorded step. */
  onStep?: (progress: SweepProgress) => void;
  /** Backend name and GPU adapter recorded in the settings; default the current backend. */
  backend?: { name: string; adapter?: { description: string } };
  /** Untimed steps run (and undone) first to compile kernels; default 2 on webgpu, else 0. */
  warmupSteps?: number;
  /** Steps a loss may wait before it is read; default 3 on webgpu (no GPU stall), else 0. */
  readLag?: number;
  /**
   * Verification after the sweep (default on): train from the same initial weights at a few
   * candidate rates from the curve and suggest the one with the lowest held-out loss (see
   * `src/verify.ts`). `false` keeps the sweep-only behaviour.
   */
  verify?: boolean | VerifyOptions;
  /** Called after every training step of verification. */
  onVerify?: (progress: VerifyProgress) => void;
}

const DEFAULTS = {
  batchSize: 64,
  startLr: 1e-7,
  endLr: 10,
  numIters: 100,
  mode: "exp" as ScheduleMode,
  smoothing: DEFAULT_BETA,
  divergeThreshold: 4,
  runs: 1,
  seed: 0,
  evaluate: "train" as const,
  validationSamples: 512,
  suggest: "auto" as SuggestMethod,
};

/** Everything a run needs, resolved and validated before any training. */
interface SweepPlan {
  model: tf.LayersModel;
  train: Dataset;
  validation?: Dataset;
  validationIndices?: Int32Array;
  /** The validation data given by the caller, whatever `evaluate` is. */
  givenValidation?: Dataset;
  layout: BatchLayout;
  loss: { name: LossName; fn: LossFunction };
  optimizerSpec: OptimizerSpec;
  sourceOptimizer?: tf.Optimizer;
  lrs: number[];
  settings: Settings;
  warmupSteps: number;
  readLag: number;
}

interface RunRecord {
  losses: (number | null)[];
  smoothed: (number | null)[];
  stopReason: StopReason;
  steps: number;
  sweepMs: number;
  optimizerState: "fresh" | "copied";
}

/**
 * Runs the learning-rate range test on a TensorFlow.js Layers model.
 *
 * The model is trained on mini-batches while the learning rate grows from `startLr` to `endLr`;
 * the loss of each step is recorded and smoothed, and the sweep stops early when the smoothed
 * loss exceeds `divergeThreshold` times its lowest value or a loss is not finite. Afterwards the
 * model's weights are bit for bit what they were, and the model's own optimizer is never used
 * (the sweep trains a copy of it). No tensors are left behind, also when an error is thrown.
 *
 * @example
 * ```ts
 * const result = await findLearningRate(model, data, { optimizer: { name: "adam" } });
 * console.log(result.suggestion.lr);
 * ```
 */
export async function findLearningRate(
  model: tf.LayersModel,
  data: Dataset | DataSplits,
  options: FindLearningRateOptions = {},
): Promise<LrFinderResult> {
  const startedAt = new Date();
  const started = performance.now();
  const plan = planSweep(model, data, options);
  const verify = resolveVerifyOptions(options.verify);
  const snapshot = snapshotWeights(model);
  const deadline = options.timeBudgetMs === undefined ? undefined : started + options.timeBudgetMs;
  const records: RunRecord[] = [];
  let warmupMs: number | undefined;
  let validation: { x: tf.Tensor; y: tf.Tensor } | undefined;
  let result: LrFinderResult;
  let report: VerificationReport | undefined;
  try {
    if (plan.validation && plan.validationIndices) {
      validation = gatherBatch(plan.validation, plan.validationIndices, plan.layout);
    }
    if (plan.warmupSteps > 0) {
      const warmStart = performance.now();
      await warmUp(plan, validation);
      restoreWeights(model, snapshot);
      warmupMs = performance.now() - warmStart;
    }
    for (let run = 0; run < plan.settings.runs; run++) {
      const record = await runSweep(plan, run, { ...options, deadline, started }, validation);
      restoreWeights(model, snapshot);
      records.push(record);
      if (record.losses.length > 0 && record.losses[0] === null) {
        throw new InputError(
          `loss is not finite at the first step (lr ${
            plan.lrs[0]
          }): check your data scaling and labels`,
          { field: "data" },
        );
      }
      if (record.stopReason === "aborted" || record.stopReason === "time-budget") break;
    }
    plan.settings.optimizerState = records[0]?.optimizerState ?? "fresh";
    result = assembleResult(plan, records, {
      name: options.name ?? model.name,
      startedAt,
      totalMs: performance.now() - started,
      warmupMs,
    });
    if (verify) {
      report = await runVerification(result, {
        target: targetOf(plan),
        initial: snapshot,
        train: plan.train,
        validation: plan.validation ?? plan.givenValidation,
        optimizer: plan.optimizerSpec,
        sourceOptimizer: plan.sourceOptimizer,
        batchSize: plan.settings.batchSize,
        seed: plan.settings.seed,
        signal: options.signal,
        deadline,
        onProgress: options.onVerify,
      }, verify);
    }
  } finally {
    restoreWeights(model, snapshot);
    tf.dispose(snapshot);
    if (validation) tf.dispose([validation.x, validation.y]);
  }
  result.timing.totalMs = performance.now() - started;
  return concludeResult(result, report, {
    chanceLoss: chanceLoss(plan.loss.name, outputUnits(model)),
  });
}

function planSweep(
  model: tf.LayersModel,
  data: Dataset | DataSplits,
  options: FindLearningRateOptions,
): SweepPlan {
  if (!(model instanceof tf.LayersModel)) {
    throw new InputError("model must be a TensorFlow.js LayersModel (tf.sequential or tf.model)");
  }
  if (!model.inputs || model.inputs.length !== 1 || !model.outputs || model.outputs.length !== 1) {
    throw new InputError(
      `the model must have exactly one input and one output, got ${
        model.inputs?.length ?? 0
      } inputs and ${model.outputs?.length ?? 0} outputs`,
      { field: "model" },
    );
  }
  if (model.trainableWeights.length === 0) {
    throw new InputError("the model has no trainable weights", { field: "model" });
  }
  const splits: DataSplits = "train" in data ? data : { train: data };
  const startLr = options.startLr ?? DEFAULTS.startLr;
  const endLr = options.endLr ?? DEFAULTS.endLr;
  const numIters = options.numIters ?? DEFAULTS.numIters;
  const mode = options.mode ?? DEFAULTS.mode;
  const smoothing = options.smoothing ?? DEFAULTS.smoothing;
  const divergeThreshold = options.divergeThreshold ?? DEFAULTS.divergeThreshold;
  const runs = options.runs ?? DEFAULTS.runs;
  const seed = options.seed ?? DEFAULTS.seed;
  const evaluate = options.evaluate ?? DEFAULTS.evaluate;
  const suggest = options.suggest ?? DEFAULTS.suggest;
  const validationSamples = options.validationSamples ?? DEFAULTS.validationSamples;

  if (!(Number.isFinite(startLr) && startLr > 0)) fail("startLr", "a positive number", startLr);
  if (!(Number.isFinite(endLr) && endLr > startLr)) {
    fail("endLr", `a number greater than startLr (${startLr})`, endLr);
  }
  if (!(Number.isInteger(numIters) && numIters >= 10)) {
    fail("numIters", "an integer of at least 10", numIters);
  }
  if (mode !== "exp" && mode !== "linear") fail("mode", `"exp" or "linear"`, mode);
  if (!(smoothing >= 0 && smoothing < 1)) fail("smoothing", "a number in [0, 1)", smoothing);
  if (!(divergeThreshold > 1)) {
    fail("divergeThreshold", "a number greater than 1", divergeThreshold);
  }
  if (!(Number.isInteger(runs) && runs >= 1)) fail("runs", "an integer of at least 1", runs);
  if (!Number.isInteger(seed)) fail("seed", "an integer", seed);
  if (evaluate !== "train" && evaluate !== "validation") {
    fail("evaluate", `"train" or "validation"`, evaluate);
  }
  if (!isSuggestMethod(suggest)) {
    fail("suggest", "auto, minimum, steepest, valley, slide or combined", suggest);
  }
  if (!(Number.isInteger(validationSamples) && validationSamples >= 1)) {
    fail("validationSamples", "an integer of at least 1", validationSamples);
  }
  if (options.timeBudgetMs !== undefined && !(options.timeBudgetMs > 0)) {
    fail("timeBudgetMs", "a positive number of milliseconds", options.timeBudgetMs);
  }

  let train = checkDataset(splits.train, "data.train");
  let validation = splits.validation
    ? checkDataset(splits.validation, "data.validation")
    : undefined;
  if (evaluate === "validation" && !validation) {
    const held = holdOut(train, Math.min(validationSamples, Math.floor(train.size / 5)), seed);
    train = held.train;
    validation = held.validation;
  }
  const batchSize = options.batchSize ?? Math.min(DEFAULTS.batchSize, train.size);
  if (!(Number.isInteger(batchSize) && batchSize >= 1)) {
    fail("batchSize", "a positive integer", batchSize);
  }
  if (batchSize > train.size) {
    throw new InputError(
      `batchSize must be at most the number of training samples (${train.size}), got ${batchSize}`,
      { field: "batchSize" },
    );
  }

  const lossName = options.loss ?? (typeof model.loss === "string" ? model.loss : undefined);
  if (lossName === undefined) {
    throw new InputError(
      model.loss === undefined
        ? `the model is not compiled and no loss was given: pass options.loss (e.g. "categoricalCrossentropy") or compile the model`
        : "the model's loss is a custom function or a list: pass options.loss by name",
      { field: "loss" },
    );
  }
  const loss = lossFunction(lossName);
  const sourceOptimizer = model.optimizer;
  if (!options.optimizer && !sourceOptimizer) {
    throw new InputError(
      `the model is not compiled and no optimizer was given: pass options.optimizer (e.g. { name: "adam" }) or compile the model`,
      { field: "optimizer" },
    );
  }
  const optimizerSpec = options.optimizer ?? describeOptimizer(sourceOptimizer);
  const layout = planBatchLayout(train, model, loss.name);
  if (validation) planBatchLayout(validation, model, loss.name);
  const validationIndices = evaluate === "validation" && validation
    ? fixedSample(validation.size, validationSamples, seed)
    : undefined;

  const backendName = options.backend?.name ?? tf.getBackend();
  const { learningRate: _swept, ...optimizerParams } = optimizerSpec;
  const settings: Settings = {
    seed,
    batchSize,
    backend: backendName,
    ...(options.backend?.adapter ? { adapter: options.backend.adapter.description } : {}),
    optimizer: optimizerParams,
    optimizerState: "fresh",
    loss: loss.name,
    startLr,
    endLr,
    numIters,
    mode,
    smoothing,
    divergeThreshold,
    runs,
    evaluate,
    suggest,
    trainSize: train.size,
    ...(validationIndices ? { validationSize: validationIndices.length } : {}),
  };
  const onGpu = backendName === "webgpu";
  return {
    model,
    train,
    validation: evaluate === "validation" ? validation : undefined,
    validationIndices,
    givenValidation: splits.validation ? validation : undefined,
    layout,
    loss,
    optimizerSpec,
    sourceOptimizer: options.optimizer ? undefined : sourceOptimizer,
    lrs: learningRateSchedule({ startLr, endLr, numIters, mode }),
    settings,
    warmupSteps: options.warmupSteps ?? (onGpu ? 2 : 0),
    readLag: options.readLag ?? (onGpu ? 3 : 0),
  };
}

interface RunControls {
  signal?: AbortSignal;
  onStep?: (progress: SweepProgress) => void;
  deadline?: number;
  started: number;
}

interface PendingLoss {
  step: number;
  loss: tf.Scalar;
}

async function runSweep(
  plan: SweepPlan,
  run: number,
  controls: RunControls,
  validation: { x: tf.Tensor; y: tf.Tensor } | undefined,
): Promise<RunRecord> {
  const seed = plan.settings.seed + run;
  const sampler = createBatchSampler(plan.train.size, seed);
  const variables = plan.model.trainableWeights.map((w) => w.read() as tf.Variable);
  const smoother = createLossSmoother(plan.settings.smoothing);
  const record: RunRecord = {
    losses: [],
    smoothed: [],
    stopReason: "completed",
    steps: 0,
    sweepMs: 0,
    optimizerState: "fresh",
  };
  let lowest = Infinity;
  const pending: PendingLoss[] = [];
  const sweep = await createSweepOptimizer(plan.optimizerSpec, plan.lrs[0], plan.sourceOptimizer);
  record.optimizerState = sweep.state;

  async function consume(entry: PendingLoss): Promise<StopReason | undefined> {
    const value = (await entry.loss.data())[0];
    entry.loss.dispose();
    const finite = Number.isFinite(value);
    const smoothed = finite ? smoother.push(value) : NaN;
    record.losses.push(finite ? value : null);
    record.smoothed.push(finite ? smoothed : null);
    controls.onStep?.({
      run,
      runs: plan.settings.runs,
      step: entry.step,
      numIters: plan.settings.numIters,
      lr: plan.lrs[entry.step],
      loss: value,
      smoothed,
      elapsedMs: performance.now() - controls.started,
    });
    if (!finite) return "non-finite";
    lowest = Math.min(lowest, smoothed);
    if (lowest > 0 && smoothed > plan.settings.divergeThreshold * lowest) return "diverged";
    return undefined;
  }

  const loopStart = performance.now();
  let lastYield = loopStart;
  let stop: StopReason | undefined;
  try {
    for (let step = 0; step < plan.settings.numIters && stop === undefined; step++) {
      if (performance.now() - lastYield >= YIELD_EVERY_MS) {
        await yieldToEventLoop();
        lastYield = performance.now();
      }
      if (controls.signal?.aborted) {
        stop = "aborted";
        break;
      }
      if (controls.deadline !== undefined && performance.now() >= controls.deadline) {
        stop = "time-budget";
        break;
      }
      setOptimizerLearningRate(sweep.optimizer, plan.lrs[step]);
      const loss = trainStep(
        plan,
        sweep.optimizer,
        sampler.next(plan.settings.batchSize),
        variables,
      );
      record.steps++;
      pending.push({ step, loss: validation ? evaluateLoss(plan, validation, loss) : loss });
      while (pending.length > plan.readLag && stop === undefined) {
        stop = await consume(pending.shift()!);
      }
    }
    while (
      pending.length > 0 && (stop === undefined || stop === "aborted" || stop === "time-budget")
    ) {
      const reason = await consume(pending.shift()!);
      if (reason) stop = reason;
    }
  } finally {
    record.sweepMs = performance.now() - loopStart;
    for (const entry of pending) entry.loss.dispose();
    disposeOptimizer(sweep.optimizer);
  }
  record.stopReason = stop ?? "completed";
  return record;
}

function trainStep(
  plan: SweepPlan,
  optimizer: tf.Optimizer,
  indices: Int32Array,
  variables: tf.Variable[],
): tf.Scalar {
  return trainOnSamples(targetOf(plan), { optimizer, data: plan.train, indices, variables });
}

function targetOf(plan: SweepPlan): TrainingTarget {
  return { model: plan.model, lossFn: plan.loss.fn, layout: plan.layout };
}

function evaluateLoss(
  plan: SweepPlan,
  validation: { x: tf.Tensor; y: tf.Tensor },
  trainingLoss: tf.Scalar,
): tf.Scalar {
  trainingLoss.dispose();
  return tf.tidy(() => batchLoss(targetOf(plan), validation, false));
}

async function warmUp(
  plan: SweepPlan,
  validation: { x: tf.Tensor; y: tf.Tensor } | undefined,
): Promise<void> {
  const variables = plan.model.trainableWeights.map((w) => w.read() as tf.Variable);
  const sweep = await createSweepOptimizer(plan.optimizerSpec, plan.lrs[0]);
  const sampler = createBatchSampler(plan.train.size, plan.settings.seed);
  try {
    for (let i = 0; i < plan.warmupSteps; i++) {
      const loss = trainStep(
        plan,
        sweep.optimizer,
        sampler.next(plan.settings.batchSize),
        variables,
      );
      const read = validation ? evaluateLoss(plan, validation, loss) : loss;
      await read.data();
      read.dispose();
    }
  } finally {
    disposeOptimizer(sweep.optimizer);
  }
}

/** References to the current values of every weight (trainable or not); no data is copied. */
function snapshotWeights(model: tf.LayersModel): tf.Tensor[] {
  return model.weights.map((w) => tf.clone(w.read()));
}

/** Points every weight back at its snapshot, bypassing constraints so values stay bitwise equal. */
function restoreWeights(model: tf.LayersModel, snapshot: tf.Tensor[]): void {
  model.weights.forEach((w, i) => {
    const variable = w.read() as tf.Variable;
    if (variable.dataId !== snapshot[i].dataId) variable.assign(snapshot[i]);
  });
}

function assembleResult(
  plan: SweepPlan,
  records: RunRecord[],
  meta: { name: string; startedAt: Date; totalMs: number; warmupMs?: number },
): LrFinderResult {
  const method = plan.settings.suggest;
  const steps = records.reduce((sum, r) => sum + r.steps, 0);
  const sweepMs = records.reduce((sum, r) => sum + r.sweepMs, 0);
  const timing = {
    startedAt: meta.startedAt.toISOString(),
    totalMs: meta.totalMs,
    sweepMs,
    steps,
    msPerStep: steps > 0 ? sweepMs / steps : 0,
    ...(meta.warmupMs !== undefined ? { warmupMs: meta.warmupMs } : {}),
  };
  const model = { params: plan.model.countParams(), layers: plan.model.layers.length };
  const interrupted = records.find((r) =>
    r.stopReason === "aborted" || r.stopReason === "time-budget"
  );
  const stopReason = interrupted?.stopReason ?? records[0].stopReason;

  if (records.length === 1) {
    const [only] = records;
    const curve = {
      lrs: plan.lrs.slice(0, only.losses.length),
      smoothed: only.smoothed,
      losses: only.losses,
    };
    return {
      version: 1,
      name: meta.name,
      lrs: curve.lrs,
      losses: only.losses,
      smoothed: only.smoothed,
      stopReason,
      suggestion: suggestLearningRate(curve, method),
      suggestions: suggestAll(curve),
      settings: plan.settings,
      timing,
      model,
    };
  }

  // The headline is the log-median of the runs' own suggestions (bench/quality.ts measured it
  // against the rule read on the median curve): it always lies within the runs' interval.
  const rule = ruleFor(method);
  const perRun = records.map((r) =>
    suggestAll({ lrs: plan.lrs.slice(0, r.losses.length), smoothed: r.smoothed, losses: r.losses })
  );
  const runs: RunCurve[] = records.map((r, i) => ({
    seed: plan.settings.seed + i,
    losses: r.losses,
    smoothed: r.smoothed,
    stopReason: r.stopReason,
    suggestion: perRun[i][rule],
  }));
  const losses = medianCurve(records.map((r) => r.losses), records.length);
  const smoothed = medianCurve(records.map((r) => r.smoothed), records.length).slice(
    0,
    losses.length,
  );
  const curve = { lrs: plan.lrs.slice(0, smoothed.length), smoothed };
  const suggestions = Object.fromEntries(
    RULE_NAMES.map((name) => [name, medianSuggestion(perRun.map((s) => s[name]), curve.lrs)]),
  ) as Record<RuleName, Suggestion>;
  return {
    version: 1,
    name: meta.name,
    lrs: curve.lrs,
    losses: losses.slice(0, smoothed.length),
    smoothed,
    stopReason,
    suggestion: suggestions[rule],
    suggestions,
    uncertainty: uncertaintyOf(runs.map((r) => r.suggestion)),
    runs,
    band: bandOf(records.map((r) => r.smoothed), smoothed.length),
    settings: plan.settings,
    timing,
    model,
  };
}

function uncertaintyOf(suggestions: Suggestion[]): Uncertainty | undefined {
  const perRun = suggestions.map((s) => s.lr);
  const found = perRun.filter((lr): lr is number => lr !== null);
  if (found.length === 0) return undefined;
  return {
    low: Math.min(...found),
    high: Math.max(...found),
    perRun,
    runsWithSuggestion: found.length,
  };
}

function checkDataset(data: Dataset, field: string): Dataset {
  const where = data.source ? ` (${data.source})` : "";
  if (!(Number.isInteger(data.size) && data.size > 0)) {
    throw new InputError(`${field} is empty${where}: it needs at least one sample`, { field });
  }
  const xValues = data.size * sampleLength(data.xShape);
  if (data.x.length !== xValues) {
    throw new InputError(
      `${field}.x must hold ${data.size} samples of shape [${
        data.xShape.join(", ")
      }] (${xValues} values), got ${data.x.length} values${where}`,
      { field: `${field}.x` },
    );
  }
  const yValues = data.size * sampleLength(data.yShape);
  if (data.y.length !== yValues) {
    throw new InputError(
      `${field}.y must hold one target of shape [${
        data.yShape.join(", ")
      }] per sample (${yValues} values for ${data.size} samples), got ${data.y.length} values${where}`,
      { field: `${field}.y` },
    );
  }
  return data;
}

/** Splits `count` samples, chosen by seed, off the training data to serve as validation data. */
function holdOut(
  data: Dataset,
  count: number,
  seed: number,
): { train: Dataset; validation: Dataset } {
  if (count < 1) {
    throw new InputError(
      `evaluate "validation" needs validation data: give data.validation, or at least 5 training samples to hold out, got ${data.size}`,
      { field: "data.validation" },
    );
  }
  const { held, rest } = splitOff(data, count, seed);
  return { validation: held, train: rest };
}

/** Values in one sample of the model's output (1 when its shape is not fully known). */
function outputUnits(model: tf.LayersModel): number {
  const shape = model.outputs[0].shape.slice(1);
  return shape.every((d): d is number => typeof d === "number") ? sampleLength(shape) : 1;
}

function fail(option: string, expected: string, got: unknown): never {
  throw new InputError(`${option} must be ${expected}, got ${JSON.stringify(got) ?? String(got)}`, {
    field: option,
  });
}
