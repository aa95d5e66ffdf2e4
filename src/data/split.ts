/**
 * Taking samples out of a dataset by seed: a fixed sample of indices, a subset, a split in two
 * (held-out samples and the rest), and the held-out split that serves as validation data when
 * none was given.
 * @module
 */
import { InputError } from "../errors.ts";
import { createRng, shuffledIndices } from "../random.ts";
import { type Dataset, sampleLength } from "./dataset.ts";

/** A training set and the validation set split off it. */
export interface HeldOut {
  /** The samples left for training. */
  train: Dataset;
  /** The samples split off. */
  validation: Dataset;
}

/**
 * Splits `count` samples, chosen by seed, off the data to serve as validation data; throws an
 * {@linkcode InputError} asking for validation data when `count` is below 1.
 */
export function holdOut(data: Dataset, count: number, seed: number): HeldOut {
  if (count < 1) {
    throw new InputError(
      `evaluate "validation" needs validation data: give data.validation, or at least 5 training samples to hold out, got ${data.size}`,
      { field: "data.validation" },
    );
  }
  const { held, rest } = splitOff(data, count, seed);
  return { validation: held, train: rest };
}

/**
 * Splits the indices of `size` samples in two by seed: `count` chosen ones and every other one.
 * The same seed and count give the same split.
 */
export function splitIndices(
  size: number,
  count: number,
  seed: number,
): { held: Int32Array; rest: Int32Array } {
  const order = fixedSample(size, size, seed ^ 0x5eed);
  return { held: order.subarray(0, count), rest: order.subarray(count) };
}

/**
 * Splits `count` samples, chosen by seed, off a dataset ({@linkcode splitIndices}): `held`
 * holds copies of them, `rest` of every other sample.
 */
export function splitOff(
  data: Dataset,
  count: number,
  seed: number,
): { held: Dataset; rest: Dataset } {
  const { held, rest } = splitIndices(data.size, count, seed);
  return { held: subset(data, held), rest: subset(data, rest) };
}

/** A copy of the samples at `indices`, in that order. */
export function subset(data: Dataset, indices: Int32Array): Dataset {
  const xWidth = sampleLength(data.xShape);
  const yWidth = sampleLength(data.yShape);
  const XArray = data.x.constructor as new (n: number) => typeof data.x;
  const YArray = data.y.constructor as new (n: number) => typeof data.y;
  const x = new XArray(indices.length * xWidth);
  const y = new YArray(indices.length * yWidth);
  indices.forEach((index, i) => {
    x.set(data.x.subarray(index * xWidth, (index + 1) * xWidth), i * xWidth);
    y.set(data.y.subarray(index * yWidth, (index + 1) * yWidth), i * yWidth);
  });
  return { ...data, x, y, size: indices.length };
}

/**
 * The first `count` indices (at most `size`) of a seeded permutation of `size` samples: the
 * same indices as the first batch of `createBatchSampler(size, seed)`.
 */
export function fixedSample(size: number, count: number, seed: number): Int32Array {
  return shuffledIndices(size, createRng(seed)).slice(0, Math.min(count, size));
}
