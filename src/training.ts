/**
 * Training and scoring a model on mini-batches of a dataset, as the model's own fit would: the
 * sweep and the verification trials take the same step, and trials are scored on held-out
 * samples with the same loss.
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { type BatchLayout, gatherBatch } from "./batches.ts";
import type { Dataset } from "./data/dataset.ts";
import type { LossFunction } from "./losses.ts";
import { trainingStep } from "./optimizers.ts";

/** The model, its loss and how the dataset feeds it. */
export interface TrainingTarget {
  /** The model being trained (its weights change). */
  model: tf.LayersModel;
  /** Per-sample loss. */
  lossFn: LossFunction;
  /** Shapes and target encoding of the batches. */
  layout: BatchLayout;
}

/**
 * Mean loss of a batch; in training mode plus the model's regularisation penalties, as the
 * model's fit computes it.
 */
export function batchLoss(
  target: TrainingTarget,
  batch: { x: tf.Tensor; y: tf.Tensor },
  training: boolean,
): tf.Scalar {
  const prediction = target.model.apply(batch.x, { training }) as tf.Tensor;
  let total = tf.mean(target.lossFn(batch.y, prediction)) as tf.Scalar;
  if (training) {
    for (const penalty of target.model.calculateLosses()) total = tf.add(total, penalty);
  }
  return total;
}

/** One training step on the samples `indices` of `data`; returns the loss (caller disposes). */
export function trainOnSamples(
  target: TrainingTarget,
  step: {
    optimizer: tf.Optimizer;
    data: Dataset;
    indices: Int32Array;
    variables: tf.Variable[];
  },
): tf.Scalar {
  const batch = gatherBatch(step.data, step.indices, target.layout);
  try {
    return trainingStep(step.optimizer, {
      loss: () => batchLoss(target, batch, true),
      variables: step.variables,
    });
  } finally {
    tf.dispose([batch.x, batch.y]);
  }
}

/** Samples per forward pass when scoring held-out data. */
export const SCORE_CHUNK = 256;

/**
 * Mean loss (in inference mode, without penalties) over every sample of `data`, in chunks of
 * {@linkcode SCORE_CHUNK}; `NaN` when any sample's loss is not finite.
 */
export async function heldOutLoss(target: TrainingTarget, data: Dataset): Promise<number> {
  let total = 0;
  for (let start = 0; start < data.size; start += SCORE_CHUNK) {
    const count = Math.min(SCORE_CHUNK, data.size - start);
    const indices = Int32Array.from({ length: count }, (_, i) => start + i);
    const batch = gatherBatch(data, indices, target.layout);
    const mean = tf.tidy(() => {
      const prediction = target.model.apply(batch.x, { training: false }) as tf.Tensor;
      return tf.mean(target.lossFn(batch.y, prediction));
    });
    tf.dispose([batch.x, batch.y]);
    const value = (await mean.data())[0];
    mean.dispose();
    total += value * count;
  }
  return Number.isFinite(total) ? total / data.size : NaN;
}
