/**
 * The learning-rate range test on a model the caller keeps: plan the sweep (`sweep_plan.ts`),
 * snapshot the weights, run the step loop (`sweep_loop.ts`), assemble the result
 * (`aggregate.ts`), verify the candidate rates by short training (`verify.ts`), conclude with
 * the guards and warnings (`conclusion.ts`) and restore the model exactly. `sweepModel` (`sweep_model.ts`) is the entry
 * for a model the sweep may dispose of.
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { Dataset, DataSplits } from "./data/dataset.ts";
import type { LrFinderResult } from "./result.ts";
import { assembleResult } from "./aggregate.ts";
import { startedBackend } from "./backend.ts";
import { concludeResult, type VerificationReport } from "./conclusion.ts";
import { sampleLength } from "./data/dataset.ts";
import { restoreWeights, runSweeps, snapshotWeights, trainingTarget } from "./sweep_loop.ts";
import type { FindLearningRateOptions } from "./sweep_options.ts";
import { planSweep } from "./sweep_plan.ts";
import { resolveVerifyOptions, runVerification } from "./verify.ts";
import { chanceLoss } from "./warnings.ts";

export type {
  FindLearningRateOptions,
  SweepControls,
  SweepProgress,
  SweepSettings,
} from "./sweep_options.ts";

/**
 * Runs the learning-rate range test on a TensorFlow.js Layers model.
 *
 * The model is trained on mini-batches while the learning rate grows from `startLr` to `endLr`;
 * the loss of each step is recorded and smoothed, and the sweep stops early when the smoothed
 * loss exceeds `divergeThreshold` times its lowest value or a loss is not finite. Afterwards the
 * model's weights are bit for bit what they were, and the model's own optimizer is never used
 * (the sweep trains a copy of it). No tensors are left behind, also when an error is thrown.
 * Unless `options.backend` names the backend already running, the sweep runs on the one
 * `setupBackend` started, or starts `setupBackend("auto")` itself when nothing was started.
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
  const clock = options.clock ?? (() => performance.now());
  const started = clock();
  const backend = options.backend ?? await startedBackend();
  const plan = planSweep(model, data, { ...options, backend });
  const verify = resolveVerifyOptions(options.verify);
  const deadline = plan.timeBudgetMs === undefined ? undefined : started + plan.timeBudgetMs;
  const snapshot = snapshotWeights(model);
  try {
    const runs = await runSweeps(plan, snapshot, {
      signal: options.signal,
      onStep: options.onStep,
      deadline,
      started,
      clock,
    });
    const result = assembleResult(plan, runs, {
      name: options.name ?? model.name,
      startedAt,
      totalMs: clock() - started,
    });
    let report: VerificationReport | undefined;
    if (verify) {
      report = await runVerification(result, {
        target: trainingTarget(plan),
        initial: snapshot,
        train: plan.train,
        validation: plan.validation ?? plan.givenValidation,
        optimizer: plan.optimizerSpec,
        sourceOptimizer: plan.sourceOptimizer,
        batchSize: plan.settings.batchSize,
        seed: plan.settings.seed,
        signal: options.signal,
        deadline,
        clock,
        onProgress: options.onVerify,
      }, verify);
    }
    result.timing.totalMs = clock() - started;
    return concludeResult(result, report, {
      chanceLoss: chanceLoss(plan.loss.name, outputUnits(model)),
    });
  } finally {
    restoreWeights(model, snapshot);
    tf.dispose(snapshot);
  }
}

/** Values in one sample of the model's output (1 when its shape is not fully known). */
function outputUnits(model: tf.LayersModel): number {
  const shape = model.outputs[0].shape.slice(1);
  return shape.every((d): d is number => typeof d === "number") ? sampleLength(shape) : 1;
}
