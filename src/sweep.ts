/**
 * The learning-rate range test on a model the caller keeps: plan the sweep (`sweep_plan.ts`),
 * snapshot the weights, run the step loop (`sweep_loop.ts`), assemble the result
 * (`aggregate.ts`) and restore the model exactly. `sweepModel` (`sweep_model.ts`) is the entry
 * for a model the sweep may dispose of.
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { Dataset, DataSplits } from "./data/dataset.ts";
import type { LrFinderResult } from "./result.ts";
import { assembleResult } from "./aggregate.ts";
import { startedBackend } from "./backend.ts";
import { restoreWeights, runSweeps, snapshotWeights } from "./sweep_loop.ts";
import type { FindLearningRateOptions } from "./sweep_options.ts";
import { planSweep } from "./sweep_plan.ts";

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
    // Phases after the sweep go here, while the snapshot still holds the weights: they read the
    // result (its suggestion), may train from the restored weights (`restoreWeights(model,
    // snapshot)` after each) and add their own fields to the result.
    return result;
  } finally {
    restoreWeights(model, snapshot);
    tf.dispose(snapshot);
  }
}
