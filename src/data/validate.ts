/**
 * Checking a {@linkcode Dataset} before a sweep: shapes agree, there is data, every value is
 * finite and class indices are in range.
 * @module
 */
import { InputError } from "../errors.ts";
import { type Dataset, type SampleArray, sampleLength } from "./dataset.ts";

/**
 * Checks a dataset and returns it unchanged; throws an {@linkcode InputError} naming `source`
 * (default `ds.source`) and the first offending sample.
 */
export function validateDataset(ds: Dataset, source?: string): Dataset {
  const name = source ?? ds.source ?? "dataset";
  const fail = (message: string): never => {
    throw new InputError(`${name}: ${message}`, { field: name });
  };
  checkShape(ds.xShape, "x", fail);
  checkShape(ds.yShape, "y", fail);
  if (!Number.isSafeInteger(ds.size) || ds.size < 0) {
    fail(`size must be a non-negative integer, got ${ds.size}`);
  }
  if (ds.size === 0) fail("no samples: expected at least one");
  const xLength = sampleLength(ds.xShape);
  const yLength = sampleLength(ds.yShape);
  if (xLength === 0) fail(`each sample has no features (x shape [${ds.xShape.join(", ")}])`);
  if (ds.x.length !== ds.size * xLength) {
    fail(
      `x holds ${ds.x.length} values, expected ${ds.size * xLength} ` +
        `(${ds.size} samples of shape [${ds.xShape.join(", ")}])`,
    );
  }
  if (ds.y.length !== ds.size * yLength) {
    const ySamples = yLength === 0 ? 0 : ds.y.length / yLength;
    fail(
      Number.isInteger(ySamples)
        ? `x has ${ds.size} samples but y has ${ySamples}: every sample needs one target`
        : `y holds ${ds.y.length} values, expected ${ds.size * yLength} ` +
          `(${ds.size} samples of shape [${ds.yShape.join(", ")}])`,
    );
  }
  if (ds.xScale !== undefined && !(Number.isFinite(ds.xScale) && ds.xScale > 0)) {
    fail(`xScale must be a positive finite number, got ${ds.xScale}`);
  }
  const badX = firstNonFinite(ds.x);
  if (badX >= 0) {
    const sample = Math.floor(badX / xLength);
    fail(
      `sample ${sample} has a non-finite feature (${ds.x[badX]}) at x[${sample}]` +
        `${indexSuffix(badX % xLength, ds.xShape)}: remove or impute missing values`,
    );
  }
  const badY = firstNonFinite(ds.y);
  if (badY >= 0) {
    const sample = Math.floor(badY / Math.max(yLength, 1));
    fail(`sample ${sample} has a non-finite target (${ds.y[badY]})`);
  }
  if (ds.classes !== undefined) {
    if (!Number.isSafeInteger(ds.classes) || ds.classes < 1) {
      fail(`classes must be a positive integer, got ${ds.classes}`);
    }
    if (ds.yShape.length === 0) {
      for (let i = 0; i < ds.y.length; i++) {
        const label = ds.y[i];
        if (!Number.isInteger(label) || label < 0 || label >= ds.classes) {
          fail(
            `sample ${i} has class index ${label}, expected an integer from 0 to ${
              ds.classes - 1
            } (${ds.classes} classes)`,
          );
        }
      }
    }
  }
  return ds;
}

function checkShape(shape: readonly number[], name: string, fail: (m: string) => never): void {
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    fail(`${name}Shape must be a list of non-negative integers, got ${JSON.stringify(shape)}`);
  }
}

/** Index of the first NaN or infinite value, or -1. Integer arrays are always finite. */
function firstNonFinite(values: SampleArray): number {
  if (!(values instanceof Float32Array || values instanceof Float64Array)) return -1;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v - v !== 0) return i;
  }
  return -1;
}

/** `[3]` or `[1][4]` for a flat offset within one sample of the given shape. */
function indexSuffix(offset: number, shape: readonly number[]): string {
  if (shape.length === 0) return "";
  const parts: number[] = [];
  let rest = offset;
  for (let d = shape.length - 1; d >= 0; d--) {
    parts.unshift(rest % shape[d]);
    rest = Math.floor(rest / shape[d]);
  }
  return parts.map((p) => `[${p}]`).join("");
}

/**
 * The cheap check of a dataset handed to the sweep directly: it has samples, and `x` and `y`
 * hold as many values as `size` samples of their shapes. Throws an {@linkcode InputError}
 * naming `field` (e.g. `data.train`); {@linkcode validateDataset} is the loaders' full check.
 */
export function checkDatasetLengths(data: Dataset, field: string): Dataset {
  const where = data.source ? ` (${data.source})` : "";
  if (!(Number.isInteger(data.size) && data.size > 0)) {
    throw new InputError(`${field} is empty${where}: it needs at least one sample`, { field });
  }
  const xValues = data.size * sampleLength(data.xShape);
  if (data.x.length !== xValues) {
    throw new InputError(
      `${field}.x must hold ${data.size} samples of shape [${
        data.xShape.join(", ")
      }] (${xValues} values), got ${data.x.length} values${where}`,
      { field: `${field}.x` },
    );
  }
  const yValues = data.size * sampleLength(data.yShape);
  if (data.y.length !== yValues) {
    throw new InputError(
      `${field}.y must hold one target of shape [${
        data.yShape.join(", ")
      }] per sample (${yValues} values for ${data.size} samples), got ${data.y.length} values${where}`,
      { field: `${field}.y` },
    );
  }
  return data;
}
