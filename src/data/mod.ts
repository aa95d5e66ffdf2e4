/**
 * Dataset loaders: `.npy` files, CSV, IDX (MNIST-style, plain or gzip), a data module and
 * synthetic data, all producing a validated {@linkcode Dataset} of typed arrays.
 *
 * @example
 * ```ts
 * const splits = await loadDataSplits(
 *   { train: { idx: { images: "train-images-idx3-ubyte.gz", labels: "train-labels-idx1-ubyte.gz" } } },
 *   { baseDir: "/usr/share/datasets/fashion-mnist" },
 * );
 * ```
 * @module
 */
import { isAbsolute, resolve } from "node:path";
import type { DataConfig, DataSource } from "./sources.ts";
import { InputError, isInputError } from "../errors.ts";
import { loadCsv } from "./csv.ts";
import type { Dataset, DataSplits } from "./dataset.ts";
import { loadIdxDataset } from "./idx.ts";
import { type DataSplit, loadDataModule } from "./module.ts";
import { loadNpy, type NpyArray } from "./npy.ts";
import { syntheticDataset } from "./synthetic.ts";
import { validateDataset } from "./validate.ts";

export type { Dataset, DataSplits, SampleArray } from "./dataset.ts";
export { sampleLength } from "./dataset.ts";
export { type ArraysDataset, type ArraysOptions, datasetFromArrays } from "./arrays.ts";
export { type CsvDataset, type CsvOptions, loadCsv, parseCsv } from "./csv.ts";
export {
  gunzipIfNeeded,
  type IdxArray,
  type IdxFiles,
  loadIdx,
  loadIdxDataset,
  type LoadIdxOptions,
  parseIdx,
  type ParseIdxOptions,
} from "./idx.ts";
export {
  type DataSplit,
  importUserModule,
  type LoadDataContext,
  loadDataModule,
  type LoadDataModuleOptions,
  type PlainData,
} from "./module.ts";
export {
  encodeNpy,
  type EncodeNpyOptions,
  loadNpy,
  type NpyArray,
  type NpyData,
  type NpyDtype,
  parseNpy,
  type ParseNpyOptions,
} from "./npy.ts";
export {
  SYNTHETIC_DEFAULTS,
  SYNTHETIC_KINDS,
  syntheticDataset,
  type SyntheticKind,
  type SyntheticSpec,
} from "./synthetic.ts";
export { validateDataset } from "./validate.ts";
export { parseJson, readInputFile, readInputText } from "./read_file.ts";
export {
  type DataConfig,
  dataSchema,
  type DataSource,
  type DataSourceInput,
  dataSourceSchema,
  resolveSourcePaths,
} from "./sources.ts";

/** Options of {@linkcode loadDataSource} and {@linkcode loadDataSplits}. */
export interface LoadDataOptions {
  /** Directory relative paths are resolved against; default the working directory. */
  baseDir?: string;
}

/** Options of {@linkcode loadDataSource}. */
export interface LoadDataSourceOptions extends LoadDataOptions {
  /** Which split this source is (passed to a data module's `loadData`); default `"train"`. */
  split?: DataSplit;
}

/**
 * Loads one data source of a config into a validated dataset. `.npy` targets that are 1-D
 * non-negative integers become `Int32Array` class indices (`classes` = largest + 1); uint8
 * features get `xScale` 1/255.
 */
export async function loadDataSource(
  source: DataSource,
  options: LoadDataSourceOptions = {},
): Promise<Dataset> {
  const baseDir = options.baseDir ?? Deno.cwd();
  const at = (p: string) => (isAbsolute(p) ? p : resolve(baseDir, p));
  if ("x" in source) return await loadNpyDataset(at(source.x), at(source.y));
  if ("csv" in source) {
    const path = at(source.csv);
    return validateDataset(
      await loadCsv(path, { label: source.label, oneHot: source.oneHot }),
      path,
    );
  }
  if ("idx" in source) {
    const images = at(source.idx.images);
    const dataset = await loadIdxDataset(
      { images, labels: at(source.idx.labels) },
      { limit: source.limit },
    );
    return validateDataset(dataset, images);
  }
  if ("module" in source) {
    return await loadDataModule(at(source.module), { split: options.split ?? "train" });
  }
  if ("synthetic" in source) return validateDataset(syntheticDataset(source.synthetic));
  throw new InputError(
    `unknown data source with keys ${Object.keys(source as object).join(", ")}`,
  );
}

/** Loads the training and (when configured) validation data of a config. */
export async function loadDataSplits(
  data: DataConfig,
  options: LoadDataOptions = {},
): Promise<DataSplits> {
  const train = await withField(
    "data.train",
    loadDataSource(data.train, { ...options, split: "train" }),
  );
  if (!data.validation) return { train };
  const validation = await withField(
    "data.validation",
    loadDataSource(data.validation, { ...options, split: "validation" }),
  );
  alignClasses(train, validation);
  checkCompatible(train, validation);
  return { train, validation };
}

/** Reads a pair of `.npy` files into a dataset; see {@linkcode loadDataSource}. */
export async function loadNpyDataset(xPath: string, yPath: string): Promise<Dataset> {
  const [x, y] = await Promise.all([loadNpy(xPath), loadNpy(yPath)]);
  if (x.shape.length === 0) {
    throw new InputError(
      `${xPath}: expected an array whose first axis counts the samples, found a scalar`,
      { field: xPath },
    );
  }
  if (y.shape.length === 0) {
    throw new InputError(
      `${yPath}: expected an array whose first axis counts the samples, found a scalar`,
      { field: yPath },
    );
  }
  if (x.shape[0] !== y.shape[0]) {
    throw new InputError(
      `${xPath} has ${x.shape[0]} samples but ${yPath} has ${
        y.shape[0]
      }: the first axes must match`,
      { field: yPath },
    );
  }
  const dataset: Dataset = {
    x: x.data,
    xShape: x.shape.slice(1),
    y: y.data,
    yShape: y.shape.slice(1),
    size: x.shape[0],
    source: xPath,
  };
  if (x.dtype === "u1") dataset.xScale = 1 / 255;
  const classes = classCount(y);
  if (classes !== undefined) {
    dataset.classes = classes;
    if (y.data instanceof Uint8Array) dataset.y = Int32Array.from(y.data);
  }
  return validateDataset(dataset, xPath);
}

/** Class count of 1-D integer targets (largest + 1), or `undefined` for other targets. */
function classCount(y: NpyArray): number | undefined {
  if (y.shape.length !== 1 || !(y.data instanceof Int32Array || y.data instanceof Uint8Array)) {
    return undefined;
  }
  let max = -1;
  for (let i = 0; i < y.data.length; i++) {
    const v = y.data[i];
    if (v < 0) return undefined;
    if (v > max) max = v;
  }
  return max + 1;
}

async function withField<T>(field: string, promise: Promise<T>): Promise<T> {
  try {
    return await promise;
  } catch (error) {
    if (isInputError(error) && error.field === undefined) {
      throw new InputError(`${field}: ${error.message}`, { field, cause: error });
    }
    throw error;
  }
}

function checkCompatible(train: Dataset, validation: Dataset): void {
  const same = (a: number[], b: number[]) => a.length === b.length && a.every((d, i) => d === b[i]);
  if (!same(train.xShape, validation.xShape)) {
    throw new InputError(
      `data.validation: samples have shape [${validation.xShape.join(", ")}] but training ` +
        `samples have shape [${train.xShape.join(", ")}]`,
      { field: "data.validation" },
    );
  }
  if (!same(train.yShape, validation.yShape)) {
    throw new InputError(
      `data.validation: targets have shape [${validation.yShape.join(", ")}] but training ` +
        `targets have shape [${train.yShape.join(", ")}]`,
      { field: "data.validation" },
    );
  }
}

/**
 * Makes class indices mean the same in both splits: string class names of the validation data
 * are mapped to the training data's indices, and both get the larger class count.
 */
function alignClasses(train: Dataset, validation: Dataset): void {
  const trainNames = (train as { classNames?: string[] }).classNames;
  const validationNames = (validation as { classNames?: string[] }).classNames;
  if (trainNames && validationNames) {
    const index = new Map(trainNames.map((name, i) => [name, i]));
    const unknown = validationNames.filter((name) => !index.has(name));
    if (unknown.length > 0) {
      throw new InputError(
        `data.validation: classes ${unknown.map((n) => JSON.stringify(n)).join(", ")} do not ` +
          `occur in the training data (its classes: ${
            trainNames.map((n) => JSON.stringify(n)).join(", ")
          })`,
        { field: "data.validation" },
      );
    }
    const map = validationNames.map((name) => index.get(name)!);
    const y = validation.y;
    if (validation.yShape.length === 0) {
      for (let i = 0; i < y.length; i++) y[i] = map[y[i]];
      validation.classes = train.classes;
    } else {
      const from = validationNames.length;
      const to = trainNames.length;
      const oneHot = new Float32Array(validation.size * to);
      for (let i = 0; i < validation.size; i++) {
        for (let c = 0; c < from; c++) if (y[i * from + c] === 1) oneHot[i * to + map[c]] = 1;
      }
      validation.y = oneHot;
      validation.yShape = [to];
    }
    (validation as { classNames?: string[] }).classNames = trainNames;
  }
  if (train.classes !== undefined && validation.classes !== undefined) {
    const classes = Math.max(train.classes, validation.classes);
    train.classes = classes;
    validation.classes = classes;
  }
}
