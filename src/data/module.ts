/**
 * Loading data from a user's TypeScript or JavaScript module that exports `loadData()`.
 * @module
 */
import { pathToFileURL } from "node:url";
import { InputError } from "../errors.ts";
import { type Dataset, type SampleArray, sampleLength } from "./dataset.ts";
import { datasetFromArrays } from "./arrays.ts";
import { validateDataset } from "./validate.ts";

/** Which split a data module is asked for. */
export type DataSplit = "train" | "validation";

/** What `loadData()` receives. */
export interface LoadDataContext {
  /** The split being loaded; a module used for both splits can return different samples. */
  split: DataSplit;
}

/**
 * What `loadData()` may return besides a {@linkcode Dataset}: plain arrays as accepted by
 * {@linkcode datasetFromArrays}, with its options alongside.
 */
export interface PlainData {
  /** Features: rows, nested samples, or a flat array with `xShape`. */
  x: unknown;
  /** Targets: numbers, class names, class indices (with `classes`) or rows. */
  y: unknown;
  /** Shape of one sample's features (for flat `x`). */
  xShape?: number[];
  /** Number of classes when `y` holds class indices. */
  classes?: number;
  /** Factor applied to features when batches are built. */
  xScale?: number;
}

/** Options of {@linkcode loadDataModule}. */
export interface LoadDataModuleOptions {
  /** The split passed to `loadData()`; default `"train"`. */
  split?: DataSplit;
}

/**
 * Imports a module (absolute path) and calls its `loadData({ split })` export, sync or async.
 * It may return a {@linkcode Dataset} (typed arrays) or {@linkcode PlainData}; either way the
 * result is validated and an {@linkcode InputError} names the module.
 */
export async function loadDataModule(
  path: string,
  options: LoadDataModuleOptions = {},
): Promise<Dataset> {
  const split = options.split ?? "train";
  const loadData = await importUserFunction(path, "loadData");
  let result: unknown;
  try {
    result = await loadData({ split } satisfies LoadDataContext);
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError(
      `${path}: loadData() failed: ${error instanceof Error ? error.message : String(error)}`,
      { field: path, cause: error },
    );
  }
  return datasetFromResult(result, path);
}

/**
 * Imports a user's module by absolute path; a missing file or a module that throws while
 * loading is an {@linkcode InputError} naming it.
 */
export async function importUserModule(path: string): Promise<Record<string, unknown>> {
  try {
    await Deno.stat(path);
  } catch (error) {
    const what = error instanceof Deno.errors.NotFound ? "not found" : "cannot be read";
    throw new InputError(`${path}: module ${what}`, { field: path, cause: error });
  }
  try {
    return await import(pathToFileURL(path).href);
  } catch (error) {
    throw new InputError(
      `${path}: the module failed to load: ${
        error instanceof Error ? error.message : String(error)
      }`,
      { field: path, cause: error },
    );
  }
}

/**
 * The function a user's module exports as `name` (see {@linkcode importUserModule}); an
 * {@linkcode InputError} naming what it exports instead when there is none.
 */
export async function importUserFunction(
  path: string,
  name: string,
): Promise<(...args: unknown[]) => unknown> {
  const mod = await importUserModule(path);
  const fn = mod[name];
  if (typeof fn !== "function") {
    const names = Object.keys(mod);
    throw new InputError(
      `${path}: expected an exported function ${name}(), found ${
        names.length ? `exports ${names.join(", ")}` : "no exports"
      }`,
      { field: path },
    );
  }
  return fn as (...args: unknown[]) => unknown;
}

function datasetFromResult(result: unknown, path: string): Dataset {
  if (typeof result !== "object" || result === null || !("x" in result) || !("y" in result)) {
    throw new InputError(
      `${path}: loadData() must return a dataset or { x, y } arrays, got ${
        result === null ? "null" : Array.isArray(result) ? "an array" : typeof result
      }`,
      { field: path },
    );
  }
  const data = result as Partial<Dataset> & PlainData;
  if (ArrayBuffer.isView(data.x) && ArrayBuffer.isView(data.y) && Array.isArray(data.yShape)) {
    const xShape = data.xShape ?? [];
    const per = sampleLength(xShape);
    const dataset: Dataset = {
      x: asSampleArray(data.x),
      xShape,
      y: asSampleArray(data.y),
      yShape: data.yShape,
      size: data.size ?? (per > 0 ? data.x.length / per : 0),
      source: data.source ?? path,
    };
    if (data.xScale !== undefined) dataset.xScale = data.xScale;
    if (data.classes !== undefined) dataset.classes = data.classes;
    return validateDataset(dataset, path);
  }
  return datasetFromArrays(data.x, data.y, {
    xShape: data.xShape,
    classes: data.classes,
    xScale: data.xScale,
    source: path,
  });
}

/** Keeps the typed arrays a dataset may hold; other numeric typed arrays become Float32Array. */
function asSampleArray(values: ArrayBufferView): SampleArray {
  if (
    values instanceof Float32Array || values instanceof Float64Array ||
    values instanceof Uint8Array || values instanceof Int32Array
  ) {
    return values;
  }
  return Float32Array.from(values as unknown as ArrayLike<number>);
}
