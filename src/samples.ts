/**
 * Choosing samples of a dataset by seed: a fixed sample of indices, a copy of some samples, and a
 * split of a dataset into two disjoint parts (held-out samples and the rest).
 * @module
 */
import { createBatchSampler } from "./batches.ts";
import { type Dataset, sampleLength } from "./data/dataset.ts";

/** The first `count` indices of a seeded permutation of `size` samples. */
export function fixedSample(size: number, count: number, seed: number): Int32Array {
  const sampler = createBatchSampler(size, seed);
  return sampler.next(Math.min(count, size));
}

/** A dataset of copies of the samples at `indices`, in that order. */
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
