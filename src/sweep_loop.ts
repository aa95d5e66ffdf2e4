/**
 * The step loop of the sweep: for each run, train on seeded mini-batches while the learning rate
 * follows the schedule, record the raw and smoothed loss, stop on divergence, a non-finite loss,
 * the time budget or an abort, and put the weights back after every run. Also the weight
 * snapshot and restore, and the training step, which a phase after the sweep can reuse.
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { createBatchSampler, gatherBatch } from "./batches.ts";
import { InputError } from "./errors.ts";
import { createSweepOptimizer, disposeOptimizer, setOptimizerLearningRate } from "./optimizers.ts";
import { createLossSmoother } from "./smoothing.ts";
import { YIELD_EVERY_MS, yieldToEventLoop } from "./event_loop.ts";
import { batchLoss, type TrainingTarget, trainOnSamples } from "./training.ts";
import type { SweepPlan } from "./sweep_plan.ts";
import type { SweepProgress } from "./sweep_options.ts";
import type { StopReason } from "./vocabulary.ts";

/** What one run of the sweep recorded. */
export interface RunRecord {
  /** Raw loss per recorded step (`null` where not finite). */
  losses: (number | null)[];
  /** Smoothed loss per recorded step. */
  smoothed: (number | null)[];
  /** Why the run ended. */
  stopReason: StopReason;
  /** Training steps taken (a step may be taken but not recorded when the run stops). */
  steps: number;
  /** Milliseconds in the step loop. */
  sweepMs: number;
  /** Whether the optimizer's state was copied from the compiled model or started fresh. */
  optimizerState: "fresh" | "copied";
}

/** Validation tensors evaluated at every step with `evaluate: "validation"`. */
export interface ValidationBatch {
  /** Features of the fixed validation sample. */
  x: tf.Tensor;
  /** Its targets. */
  y: tf.Tensor;
}

/** How the runs are watched and stopped. */
export interface RunControls {
  /** Stop with `aborted` when this signal aborts. */
  signal?: AbortSignal;
  /** Called after every recorded step. */
  onStep?: (progress: SweepProgress) => void;
  /** Clock reading after which the sweep stops with `time-budget`. */
  deadline?: number;
  /** Clock reading at the start of the sweep (progress reports the time since). */
  started: number;
  /** Milliseconds clock; default `performance.now` (see `SweepControls.clock`). */
  clock?: () => number;
}

/** What the runs recorded. */
export interface RunsRecord {
  /** One record per run that ran (a stop by abort or time budget ends the runs). */
  records: RunRecord[];
  /** Milliseconds of the warm-up, when there was one. */
  warmupMs?: number;
}

/**
 * Runs the plan's warm-up and every run, putting the weights back to `snapshot` after each.
 * Throws an {@linkcode InputError} about the data when the first step's loss is not finite.
 */
export async function runSweeps(
  plan: SweepPlan,
  snapshot: tf.Tensor[],
  controls: RunControls,
): Promise<RunsRecord> {
  const now = controls.clock ?? systemClock;
  const records: RunRecord[] = [];
  let warmupMs: number | undefined;
  let validation: ValidationBatch | undefined;
  try {
    if (plan.validation && plan.validationIndices) {
      validation = gatherBatch(plan.validation, plan.validationIndices, plan.layout);
    }
    if (plan.warmupSteps > 0) {
      const warmStart = now();
      await warmUp(plan, validation);
      restoreWeights(plan.model, snapshot);
      warmupMs = now() - warmStart;
    }
    for (let run = 0; run < plan.settings.runs; run++) {
      const record = await runSweep(plan, run, controls, validation);
      restoreWeights(plan.model, snapshot);
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
  } finally {
    if (validation) tf.dispose([validation.x, validation.y]);
  }
  return { records, warmupMs };
}

/** The default clock of a sweep. */
const systemClock = (): number => performance.now();

interface PendingLoss {
  step: number;
  loss: tf.Scalar;
}

async function runSweep(
  plan: SweepPlan,
  run: number,
  controls: RunControls,
  validation: ValidationBatch | undefined,
): Promise<RunRecord> {
  const now = controls.clock ?? systemClock;
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
      elapsedMs: now() - controls.started,
    });
    if (!finite) return "non-finite";
    lowest = Math.min(lowest, smoothed);
    if (lowest > 0 && smoothed > plan.settings.divergeThreshold * lowest) return "diverged";
    return undefined;
  }

  const loopStart = now();
  let lastYield = loopStart;
  let stop: StopReason | undefined;
  try {
    for (let step = 0; step < plan.settings.numIters && stop === undefined; step++) {
      if (now() - lastYield >= YIELD_EVERY_MS) {
        await yieldToEventLoop();
        lastYield = now();
      }
      if (controls.signal?.aborted) {
        stop = "aborted";
        break;
      }
      if (controls.deadline !== undefined && now() >= controls.deadline) {
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
    record.sweepMs = now() - loopStart;
    for (const entry of pending) entry.loss.dispose();
    disposeOptimizer(sweep.optimizer);
  }
  record.stopReason = stop ?? "completed";
  return record;
}

/** One training step on the samples at `indices`; returns the loss (the caller disposes it). */
export function trainStep(
  plan: SweepPlan,
  optimizer: tf.Optimizer,
  indices: Int32Array,
  variables: tf.Variable[],
): tf.Scalar {
  return trainOnSamples(trainingTarget(plan), { optimizer, data: plan.train, indices, variables });
}

/** The model, loss and batch layout of a plan, as training and scoring take them. */
export function trainingTarget(plan: SweepPlan): TrainingTarget {
  return { model: plan.model, lossFn: plan.loss.fn, layout: plan.layout };
}

function evaluateLoss(
  plan: SweepPlan,
  validation: ValidationBatch,
  trainingLoss: tf.Scalar,
): tf.Scalar {
  trainingLoss.dispose();
  return tf.tidy(() => batchLoss(trainingTarget(plan), validation, false));
}

async function warmUp(
  plan: SweepPlan,
  validation: ValidationBatch | undefined,
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
export function snapshotWeights(model: tf.LayersModel): tf.Tensor[] {
  return model.weights.map((w) => tf.clone(w.read()));
}

/** Points every weight back at its snapshot, bypassing constraints so values stay bitwise equal. */
export function restoreWeights(model: tf.LayersModel, snapshot: tf.Tensor[]): void {
  model.weights.forEach((w, i) => {
    const variable = w.read() as tf.Variable;
    if (variable.dataId !== snapshot[i].dataId) variable.assign(snapshot[i]);
  });
}
