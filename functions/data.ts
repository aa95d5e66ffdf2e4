/**
 * The data of a request: inline arrays (`{x, y}`) or CSV text (`{csv, label}`), turned into a
 * validated {@linkcode Dataset} within the server's sample and feature limits.
 * @module
 */
import { z } from "zod";
import { ConfigError, configIssues, strictObject } from "../src/validation.ts";
import { type Dataset, sampleLength } from "../src/data/dataset.ts";
import { datasetFromArrays, parseCsv } from "../src/data/mod.ts";
import { InputError } from "../src/errors.ts";
import type { LossName } from "../src/loss_names.ts";
import type { Limits } from "./limits.ts";

/** Schema of inline data; `x` and `y` are checked value by value by `datasetFromArrays`. */
export const arraysDataSchema = strictObject({
  x: z.array(z.unknown()).describe("Samples: rows of numbers, nested arrays, or flat with xShape"),
  y: z.array(z.unknown()).describe("Targets: numbers, class names, class indices or rows"),
  xShape: z.array(z.int().min(1)).min(1).max(4).optional().describe("Shape of a flat x's samples"),
  classes: z.int().min(2).optional().describe("Numeric y holds class indices 0..classes-1"),
});

/** Schema of CSV data: the text with a header row, and the label column. */
export const csvDataSchema = strictObject({
  csv: z.string().min(1).describe("CSV text with a header row"),
  label: z.string().min(1).default("label").describe("Label column; default `label`"),
  oneHot: z.boolean().optional().describe("One-hot targets instead of class indices"),
  classification: z.boolean().optional().describe(
    "Numeric labels are class indices; default: when the loss is a cross-entropy over classes",
  ),
});

/** Losses whose numeric targets are class indices when the request does not say. */
const CLASS_LOSSES: readonly LossName[] = [
  "sparseCategoricalCrossentropy",
  "categoricalCrossentropy",
];

/** Options of {@linkcode requestDataset}. */
export interface RequestDatasetOptions {
  /** The loss, when the request names one (numeric labels become classes for cross-entropy). */
  loss?: LossName;
  /** The server's limits. */
  limits: Pick<Limits, "maxSamples" | "maxFeatures">;
}

/**
 * Builds the dataset of a request's `data` field. Mistakes are a {@linkcode ConfigError} (the
 * fields of `data`) or an {@linkcode InputError} naming the bad value (`data.x[3][1]`, or a CSV
 * row and column).
 */
export function requestDataset(value: unknown, options: RequestDatasetOptions): Dataset {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ConfigError([{
      path: "data",
      message: value === undefined
        ? "is missing, expected {x, y} (arrays) or {csv, label} (CSV text)"
        : `expected {x, y} (arrays) or {csv, label} (CSV text), got ${
          Array.isArray(value) ? "an array" : JSON.stringify(value)
        }`,
    }]);
  }
  const dataset = "csv" in value ? csvDataset(value, options) : arraysDataset(value, options);
  if (dataset.classes !== undefined && dataset.classes < 2) {
    const field = "csv" in value ? "data.csv" : "data.y";
    const name = dataset.classNames?.[0];
    throw new InputError(
      `${field} holds a single class${name === undefined ? "" : ` (${JSON.stringify(name)})`}: ` +
        "a classifier needs at least two classes; send numbers for a regression target",
      { field },
    );
  }
  const features = sampleLength(dataset.xShape);
  if (features > options.limits.maxFeatures) {
    const field = "csv" in value ? "data.csv" : "data.x";
    throw new InputError(
      `${field} has ${features} values per sample, more than the limit of this server ` +
        `(${options.limits.maxFeatures})`,
      { field },
    );
  }
  return dataset;
}

function csvDataset(value: object, options: RequestDatasetOptions): Dataset {
  const parsed = csvDataSchema.safeParse(value, { reportInput: true });
  if (!parsed.success) throw prefixed(configIssues(parsed.error.issues, value));
  const { csv, label, oneHot, classification } = parsed.data;
  const dataset = parseCsv(csv, {
    label,
    oneHot,
    classification: classification ?? (options.loss !== undefined &&
      CLASS_LOSSES.includes(options.loss)),
    source: "data.csv",
  });
  checkSamples(dataset.size, "data.csv", options);
  return dataset;
}

function arraysDataset(value: object, options: RequestDatasetOptions): Dataset {
  const parsed = arraysDataSchema.safeParse(value, { reportInput: true });
  if (!parsed.success) throw prefixed(configIssues(parsed.error.issues, value));
  const { x, y, xShape, classes } = parsed.data;
  if (Array.isArray(x)) {
    const flat = x.length > 0 && typeof x[0] === "number";
    const samples = flat ? Math.floor(x.length / sampleLength(xShape ?? [1])) : x.length;
    checkSamples(samples, "data.x", options);
  }
  return datasetFromArrays(x, y, {
    xShape,
    classes: classes ?? inferredClasses(y, options.loss),
    field: "data",
  });
}

/** Class count of numeric `y` that a cross-entropy loss reads as class indices. */
function inferredClasses(y: unknown, loss: LossName | undefined): number | undefined {
  if (loss === undefined || !CLASS_LOSSES.includes(loss) || !Array.isArray(y)) return undefined;
  let max = -1;
  for (const v of y) {
    if (typeof v !== "number" || !Number.isInteger(v) || v < 0) return undefined;
    if (v > max) max = v;
  }
  return max >= 1 ? max + 1 : undefined;
}

function checkSamples(samples: number, field: string, options: RequestDatasetOptions): void {
  if (samples > options.limits.maxSamples) {
    throw new InputError(
      `${field} holds ${samples} samples, more than the limit of this server ` +
        `(${options.limits.maxSamples}): send a sample of the data`,
      { field },
    );
  }
}

function prefixed(issues: { path: string; message: string }[]): ConfigError {
  return new ConfigError(
    issues.map((issue) => ({
      path: issue.path ? `data.${issue.path}` : "data",
      message: issue.message,
    })),
  );
}
