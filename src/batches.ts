/**
 * Mini-batches for the sweep: a seeded order that cycles through the data, and tensors gathered
 * from the dataset's typed arrays one batch at a time (the dataset itself is never copied).
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { type Dataset, sampleLength } from "./data/dataset.ts";
import { InputError } from "./errors.ts";
import type { LossName } from "./loss_names.ts";
import { createRng, shuffledIndices } from "./random.ts";

/** How targets are turned into the tensor the loss compares with the model's output. */
export type TargetEncoding = "values" | "one-hot" | "class-index";

/** Shapes (without the batch dimension) and target encoding of the batches a model needs. */
export interface BatchLayout {
  /** Shape of one sample as the model's input expects it. */
  xShape: number[];
  /** Shape of one target as the loss expects it. */
  yShape: number[];
  /** How targets are encoded. */
  targetEncoding: TargetEncoding;
  /** Number of classes for `one-hot`. */
  classes?: number;
}

/** A batch of features and targets; the caller disposes both. */
export interface Batch {
  /** Features, `[batch, ...xShape]`. */
  x: tf.Tensor;
  /** Targets, `[batch, ...yShape]`. */
  y: tf.Tensor;
}

/** Draws sample indices in a seeded shuffled order, reshuffling at each pass over the data. */
export interface BatchSampler {
  /** The next `batchSize` indices; a batch may span the end of one pass and the next. */
  next(batchSize: number): Int32Array;
}

/** Creates a sampler over `size` samples; the same seed gives the same order. */
export function createBatchSampler(size: number, seed: number): BatchSampler {
  const rng = createRng(seed);
  const order = new Int32Array(size);
  let position = size;
  return {
    next(batchSize: number): Int32Array {
      const indices = new Int32Array(batchSize);
      for (let i = 0; i < batchSize; i++) {
        if (position === size) {
          shuffledIndices(size, rng, order);
          position = 0;
        }
        indices[i] = order[position++];
      }
      return indices;
    },
  };
}

/**
 * Works out how the dataset feeds the model: input reshaped to the model's input shape, targets
 * as values, one-hot rows or class indices depending on the data, the output shape and the loss.
 * Throws an {@linkcode InputError} when they cannot fit.
 */
export function planBatchLayout(
  data: Dataset,
  model: tf.LayersModel,
  loss: LossName,
): BatchLayout {
  const inputShape = knownShape(model.inputs[0].shape.slice(1)) ?? data.xShape;
  const outputShape = knownShape(model.outputs[0].shape.slice(1)) ?? data.yShape;
  const sampleValues = sampleLength(data.xShape);
  if (sampleLength(inputShape) !== sampleValues) {
    throw new InputError(
      `data has samples of shape ${
        formatShape(data.xShape)
      } (${sampleValues} values) but the model expects input of shape ${formatShape(inputShape)} (${
        sampleLength(inputShape)
      } values): check the data or the model's inputShape`,
      { field: "data.x" },
    );
  }
  const outputValues = sampleLength(outputShape);
  if (data.classes !== undefined && data.yShape.length === 0) {
    if (loss === "sparseCategoricalCrossentropy") {
      return { xShape: inputShape, yShape: [1], targetEncoding: "class-index" };
    }
    if (outputValues === data.classes && data.classes > 1) {
      return {
        xShape: inputShape,
        yShape: outputShape,
        targetEncoding: "one-hot",
        classes: data.classes,
      };
    }
    if (outputValues === 1) {
      return { xShape: inputShape, yShape: outputShape, targetEncoding: "values" };
    }
    throw new InputError(
      `data has ${data.classes} classes but the model's output has shape ${
        formatShape(outputShape)
      }: give the last layer ${data.classes} units (softmax) or use a matching dataset`,
      { field: "data.y" },
    );
  }
  const targetValues = sampleLength(data.yShape);
  if (loss === "sparseCategoricalCrossentropy" && targetValues === 1) {
    return { xShape: inputShape, yShape: [1], targetEncoding: "class-index" };
  }
  if (targetValues !== outputValues) {
    throw new InputError(
      `data has targets of shape ${
        formatShape(data.yShape)
      } (${targetValues} values) but the model's output has shape ${
        formatShape(outputShape)
      } (${outputValues} values): check the labels, the loss or the last layer`,
      { field: "data.y" },
    );
  }
  return { xShape: inputShape, yShape: outputShape, targetEncoding: "values" };
}

/** Builds the tensors of one batch from the given sample indices. */
export function gatherBatch(data: Dataset, indices: Int32Array, layout: BatchLayout): Batch {
  const x = gatherFeatures(data, indices);
  const y = gatherTargets(data, indices, layout);
  const batch = indices.length;
  return {
    x: tf.tensor(x, [batch, ...layout.xShape], "float32"),
    y: tf.tensor(y, [batch, ...layout.yShape], "float32"),
  };
}

function gatherFeatures(data: Dataset, indices: Int32Array): Float32Array {
  const width = sampleLength(data.xShape);
  const out = new Float32Array(indices.length * width);
  const scale = data.xScale ?? 1;
  const source = data.x;
  if (scale === 1 && source instanceof Float32Array) {
    for (let i = 0; i < indices.length; i++) {
      const start = indices[i] * width;
      out.set(source.subarray(start, start + width), i * width);
    }
    return out;
  }
  for (let i = 0; i < indices.length; i++) {
    const start = indices[i] * width;
    const offset = i * width;
    for (let j = 0; j < width; j++) out[offset + j] = source[start + j] * scale;
  }
  return out;
}

function gatherTargets(data: Dataset, indices: Int32Array, layout: BatchLayout): Float32Array {
  const source = data.y;
  if (layout.targetEncoding === "one-hot") {
    const classes = layout.classes!;
    const out = new Float32Array(indices.length * classes);
    for (let i = 0; i < indices.length; i++) out[i * classes + source[indices[i]]] = 1;
    return out;
  }
  const width = sampleLength(data.yShape);
  const out = new Float32Array(indices.length * width);
  for (let i = 0; i < indices.length; i++) {
    const start = indices[i] * width;
    for (let j = 0; j < width; j++) out[i * width + j] = source[start + j];
  }
  return out;
}

function knownShape(shape: (number | null)[]): number[] | undefined {
  return shape.every((d): d is number => typeof d === "number") ? shape : undefined;
}

function formatShape(shape: readonly number[]): string {
  return `[${shape.join(", ")}]`;
}
