/**
 * The targets checked against the loss before any training, so that a mismatch is one line
 * naming the fix instead of a TensorFlow.js shape error or, worse, a sweep that runs on labels
 * the loss silently misreads:
 * - `sparseCategoricalCrossentropy`: one integer class index per sample, from 0 to outputs - 1;
 * - `categoricalCrossentropy`: one-hot (or probability) rows as wide as the output, or class
 *   indices that the sweep encodes, unless the data source was told `oneHot: false`;
 * - `binaryCrossentropy`: labels 0 and 1, one output per label (class labels: one output).
 * @module
 */
import { type Dataset, sampleLength } from "./data/dataset.ts";
import { InputError } from "./errors.ts";
import type { LossName } from "./loss_names.ts";

/** How far a probability row's sum may be from 1. */
const ROW_SUM_TOLERANCE = 1e-3;

/**
 * Checks that `data`'s targets suit `loss` on a model whose output has `outputShape` (without
 * the batch axis). Throws an {@linkcode InputError} naming `field` (`data.train`), the first
 * offending sample and what to change.
 */
export function checkTargets(
  data: Dataset,
  outputShape: readonly number[],
  options: { loss: LossName; field: string },
): void {
  const { loss, field } = options;
  const where = data.source ? `${field} (${data.source})` : field;
  const fail = (message: string): never => {
    throw new InputError(`${where}: ${message}`, { field });
  };
  const outputs = sampleLength(outputShape);
  const perSample = sampleLength(data.yShape);
  const indices = data.classes !== undefined && data.yShape.length === 0;
  switch (loss) {
    case "sparseCategoricalCrossentropy": {
      const classes = outputShape[outputShape.length - 1] ?? 1;
      if (perSample !== 1) {
        fail(
          `sparseCategoricalCrossentropy needs one class index per sample, but the targets are ` +
            `rows of ${perSample} values${data.oneHot ? " (oneHot is true)" : ""}: ` +
            (data.oneHot
              ? "remove oneHot from the data source, or use loss categoricalCrossentropy"
              : "use loss categoricalCrossentropy for one-hot rows"),
        );
      }
      const bad = firstIndexOutside(data.y, classes);
      if (bad >= 0) {
        fail(
          `sample ${bad} has label ${data.y[bad]}, but sparseCategoricalCrossentropy needs ` +
            `integer class indices from 0 to ${classes - 1} (the model has ${classes} outputs): ` +
            (Number.isInteger(data.y[bad])
              ? `give the last layer ${maxOf(data.y) + 1} units, or fix the labels`
              : "fix the labels, or use a regression loss such as meanSquaredError"),
        );
      }
      return;
    }
    case "categoricalCrossentropy": {
      if (indices) {
        if (data.oneHot === false) {
          fail(
            `oneHot is false, so the targets stay class indices, but categoricalCrossentropy ` +
              `needs one-hot rows: remove "oneHot": false (the ${data.classes} classes are then ` +
              "encoded), or use loss sparseCategoricalCrossentropy",
          );
        }
        return;
      }
      if (perSample !== outputs || perSample < 2) {
        fail(
          `categoricalCrossentropy needs one-hot rows of ${outputs} values (the model's ` +
            `outputs), but each target has ${perSample}: ` +
            (perSample === 1
              ? "for class indices use loss sparseCategoricalCrossentropy, or one-hot encode " +
                'them ("oneHot": true for CSV)'
              : "check the labels or the last layer"),
        );
      }
      const bad = firstNonDistribution(data.y, perSample);
      if (bad >= 0) {
        const row = Array.from(data.y.subarray(bad * perSample, (bad + 1) * perSample));
        fail(
          `sample ${bad} has target [${row.join(", ")}], but categoricalCrossentropy needs ` +
            "one-hot rows (non-negative, summing to 1): for class indices use loss " +
            "sparseCategoricalCrossentropy",
        );
      }
      return;
    }
    case "binaryCrossentropy": {
      if (indices && data.classes! > 2) {
        fail(
          `binaryCrossentropy needs labels 0 and 1, but the data has ${data.classes} classes: ` +
            "use loss sparseCategoricalCrossentropy (or categoricalCrossentropy) with " +
            `${data.classes} softmax outputs`,
        );
      }
      if ((indices || perSample === 1) && outputs !== 1) {
        fail(
          `binaryCrossentropy on one label per sample needs a model with one output (sigmoid), ` +
            `but this one has ${outputs}: give the last layer 1 unit with sigmoid, or use loss ` +
            "sparseCategoricalCrossentropy",
        );
      }
      const bad = data.y.findIndex((v) => v !== 0 && v !== 1);
      if (bad >= 0) {
        fail(
          `sample ${Math.floor(bad / Math.max(perSample, 1))} has target ${data.y[bad]}, but ` +
            "binaryCrossentropy needs labels 0 and 1: fix the labels, or use a regression loss " +
            "such as meanSquaredError",
        );
      }
      return;
    }
    default:
      return;
  }
}

/** Index of the first value that is not an integer in [0, count), or -1. */
function firstIndexOutside(values: ArrayLike<number>, count: number): number {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!(Number.isInteger(v) && v >= 0 && v < count)) return i;
  }
  return -1;
}

/** Index of the first row of `width` values that is not a probability distribution, or -1. */
function firstNonDistribution(values: ArrayLike<number>, width: number): number {
  for (let row = 0; row * width < values.length; row++) {
    let sum = 0;
    for (let j = row * width; j < (row + 1) * width; j++) {
      if (!(values[j] >= 0)) return row;
      sum += values[j];
    }
    if (Math.abs(sum - 1) > ROW_SUM_TOLERANCE) return row;
  }
  return -1;
}

function maxOf(values: ArrayLike<number>): number {
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) if (values[i] > max) max = values[i];
  return max;
}
