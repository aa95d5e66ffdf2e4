/**
 * Where a config's data comes from: the zod schemas of the data sources (`.npy` files, CSV, IDX,
 * a data module, synthetic data) and of the `data` section, their types, and resolving their
 * file paths.
 * @module
 */
import { isAbsolute, resolve } from "node:path";
import { z } from "zod";
import { strictObject, unionForms } from "../validation.ts";
import { MAX_SYNTHETIC_SAMPLES, SYNTHETIC_KINDS, type SyntheticSpec } from "./synthetic.ts";

const path = z.string().min(1);

/** A data source of `.npy` files. */
export interface NpySource {
  /** Path to the features .npy file (first axis: samples). */
  x: string;
  /** Path to the targets .npy file (first axis: samples). */
  y: string;
}

/** A CSV data source. */
export interface CsvSource {
  /** Path to a CSV file with a header row. */
  csv: string;
  /** Name of the label column; every other column is a feature. */
  label: string;
  /** Encode class labels as one-hot rows (true) or keep class indices (false). */
  oneHot?: boolean;
}

/** An IDX data source (MNIST, Fashion-MNIST). */
export interface IdxSource {
  /** The IDX image and label files, plain or gzip. */
  idx: { images: string; labels: string };
  /** Use only the first `limit` samples. */
  limit?: number;
}

/** A data module source. */
export interface ModuleSource {
  /** A .ts or .js module exporting loadData({ split }). */
  module: string;
}

/** A synthetic data source. */
export interface SyntheticSource {
  /** What to generate. */
  synthetic: SyntheticSpec;
}

/** One data source of a config. */
export type DataSource = NpySource | CsvSource | IdxSource | ModuleSource | SyntheticSource;

/** The `data` section: a training source and an optional validation source. */
export interface DataConfig {
  /** The samples the sweep trains on. */
  train: DataSource;
  /** Held-out samples, used with sweep.evaluate = validation. */
  validation?: DataSource;
}

/** A data source as written (the same shape: data sources have no defaults). */
export type DataSourceInput = DataSource;

const npySourceSchema = strictObject({
  x: path.describe("Path to the features .npy file (first axis: samples)"),
  y: path.describe("Path to the targets .npy file (first axis: samples)"),
}).describe("NumPy .npy files of features and targets");

const csvSourceSchema = strictObject({
  csv: path.describe("Path to a CSV file with a header row"),
  label: z.string().min(1).describe("Name of the label column; every other column is a feature"),
  oneHot: z.boolean().optional().describe("Encode class labels as one-hot rows"),
}).describe("A CSV table with a header row and a label column");

const idxSourceSchema = strictObject({
  idx: strictObject({
    images: path.describe("IDX image file, plain or .gz (e.g. train-images-idx3-ubyte.gz)"),
    labels: path.describe("IDX label file, plain or .gz (e.g. train-labels-idx1-ubyte.gz)"),
  }),
  limit: z.int().min(1).optional().describe("Use only the first `limit` samples"),
}).describe("IDX files as used by MNIST and Fashion-MNIST");

const moduleSourceSchema = strictObject({
  module: path.describe("A .ts or .js module exporting loadData({ split })"),
}).describe("A TypeScript or JavaScript module exporting loadData()");

const syntheticSpecSchema = strictObject({
  kind: z.enum(SYNTHETIC_KINDS).optional().describe("blobs (default), spirals or regression"),
  samples: z.int().min(1).max(MAX_SYNTHETIC_SAMPLES).optional().describe("Default 1000"),
  features: z.int().min(1).optional().describe("Default 2 (8 for regression)"),
  classes: z.int().min(2).optional().describe("Default 3 (blobs and spirals)"),
  noise: z.number().min(0).optional().describe("Standard deviation of the noise"),
  seed: z.int().optional().describe("Default 0"),
  oneHot: z.boolean().optional().describe("One-hot targets instead of class indices"),
}).superRefine((spec, ctx) => {
  if (spec.kind === "spirals" && spec.features !== undefined && spec.features < 2) {
    ctx.addIssue({
      code: "custom",
      path: ["features"],
      message: `must be at least 2 for spirals, got ${spec.features}`,
    });
  }
  if (spec.kind === "regression") {
    for (const key of ["classes", "oneHot"] as const) {
      if (spec[key] !== undefined) {
        ctx.addIssue({ code: "custom", path: [key], message: "is not used by kind regression" });
      }
    }
  }
}) satisfies z.ZodType<SyntheticSpec>;

const syntheticSourceSchema = strictObject({
  synthetic: syntheticSpecSchema,
}).describe("Seeded synthetic data");

const DATA_SOURCE_FORMS =
  "expected one of {x, y} (.npy files), {csv, label}, {idx: {images, labels}}, {module}, " +
  "{synthetic}";

/** Schema of one data source. */
export const dataSourceSchema: z.ZodType<DataSource, DataSource> = z.union([
  npySourceSchema,
  csvSourceSchema,
  idxSourceSchema,
  moduleSourceSchema,
  syntheticSourceSchema,
], unionForms(DATA_SOURCE_FORMS));

/** Schema of the config's `data` section. */
export const dataSchema: z.ZodType<DataConfig, DataConfig> = strictObject({
  train: dataSourceSchema.describe("The samples the sweep trains on"),
  validation: dataSourceSchema.optional().describe(
    "Held-out samples, used with sweep.evaluate = validation",
  ),
});

/** A data source whose file paths are absolute, resolved against `baseDir`. */
export function resolveSourcePaths<T extends DataSourceInput>(
  source: T,
  baseDir: string,
): T {
  const at = (p: string) => (isAbsolute(p) ? p : resolve(baseDir, p));
  if ("x" in source) return { ...source, x: at(source.x), y: at(source.y) };
  if ("csv" in source) return { ...source, csv: at(source.csv) };
  if ("idx" in source) {
    return { ...source, idx: { images: at(source.idx.images), labels: at(source.idx.labels) } };
  }
  if ("module" in source) return { ...source, module: at(source.module) };
  return source;
}
