/**
 * The core entry every surface calls (the CLI and the Action through `runConfig`, the HTTP
 * function, the demo): sweep a model the caller hands over, with the loss and optimizer
 * fallbacks applied in one place, and dispose of the model afterwards.
 *
 * @example
 * ```ts
 * const loaded = await loadModel("model.json");
 * const result = await sweepModel(loaded, data, { numIters: 200, signal });
 * ```
 * @module
 */
import type * as tf from "@tensorflow/tfjs";
import type { Dataset, DataSplits } from "./data/dataset.ts";
import { DEFAULTS } from "./defaults.ts";
import type { OptimizerSpec } from "./optimizer_spec.ts";
import { disposeOptimizer } from "./optimizers.ts";
import type { LrFinderResult } from "./result.ts";
import { findLearningRate, type SweepControls, type SweepSettings } from "./sweep.ts";

/**
 * A model to sweep and what its own training config says (a `LoadedModel` from `loadModel` is
 * one). The loss and optimizer here are the fallbacks for settings that name none.
 */
export interface ModelToSweep {
  /** The model; {@linkcode sweepModel} owns it from the call on and disposes it. */
  model: tf.LayersModel;
  /** The loss the model's training config names. */
  loss?: string;
  /** The optimizer the model's training config names. */
  optimizer?: OptimizerSpec;
}

/** Options of {@linkcode sweepModel}: what shapes the curve and how the sweep is run. */
export interface SweepModelOptions extends SweepSettings, SweepControls {}

/**
 * Sweeps a model and disposes it (and an optimizer it was compiled with), also when the sweep
 * throws. The loss is the settings', else the model's training config's, else the compiled
 * model's; the optimizer is the settings', else the training config's, else
 * `DEFAULTS.optimizer` (adam). Tensors are back to their count before the call.
 */
export async function sweepModel(
  subject: ModelToSweep,
  data: Dataset | DataSplits,
  options: SweepModelOptions = {},
): Promise<LrFinderResult> {
  try {
    return await findLearningRate(subject.model, data, {
      ...options,
      loss: options.loss ?? subject.loss,
      optimizer: options.optimizer ?? subject.optimizer ?? { ...DEFAULTS.optimizer },
    });
  } finally {
    disposeModel(subject.model);
  }
}

/** Disposes a model and the optimizer it was compiled with, if any. */
export function disposeModel(model: tf.LayersModel): void {
  const optimizer = model.optimizer as tf.Optimizer | undefined;
  model.dispose();
  // A model compiled with an optimizer object does not own it; disposing twice is harmless.
  if (optimizer) disposeOptimizer(optimizer);
}
