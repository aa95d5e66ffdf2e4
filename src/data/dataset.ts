/**
 * The in-memory dataset every loader produces and the sweep consumes.
 *
 * Samples stay in flat typed arrays; tensors are built one mini-batch at a time.
 * @module
 */

/** Typed arrays a dataset may hold its features or targets in. */
export type SampleArray = Float32Array | Float64Array | Uint8Array | Int32Array;

/** A set of samples: features `x` and targets `y`, row-major, one row per sample. */
export interface Dataset {
  /** Features of all samples, flattened: `size * product(xShape)` values. */
  x: SampleArray;
  /** Shape of one sample's features, e.g. `[28, 28]` or `[4]`. */
  xShape: number[];
  /** Factor applied to features when a batch is built (1/255 for uint8 images); default 1. */
  xScale?: number;
  /**
   * Targets of all samples, flattened: `size * product(yShape)` values. With `classes`
   * set and `yShape` empty they are class indices.
   */
  y: SampleArray;
  /** Shape of one sample's target: `[]` for a scalar or a class index, `[k]` for vectors. */
  yShape: number[];
  /** Number of classes when `y` holds class indices (`yShape` is `[]`). */
  classes?: number;
  /**
   * What the data source was told about one-hot encoding: `true`, it made one-hot rows; `false`,
   * class labels stay indices (a loss that needs one-hot rows is then refused, not encoded).
   * Unset: class indices are encoded as the loss needs.
   */
  oneHot?: boolean;
  /** Names of the classes, by class index, when the data named them (e.g. CSV label strings). */
  classNames?: string[];
  /** Number of samples. */
  size: number;
  /** Where the data came from, for error messages and reports. */
  source?: string;
}

/** Training data and, optionally, held-out validation data. */
export interface DataSplits {
  /** Samples the sweep trains on. */
  train: Dataset;
  /** Samples the sweep evaluates on with `evaluate: "validation"`. */
  validation?: Dataset;
}

/** Number of values in one sample of the given shape. */
export function sampleLength(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}
