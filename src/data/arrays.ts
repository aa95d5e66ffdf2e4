/**
 * Turning plain JavaScript arrays (parsed JSON, a data module's result) into a validated
 * {@linkcode Dataset}, with errors that give the exact path of the bad value.
 * @module
 */
import { InputError } from "../errors.ts";
import { type Dataset, sampleLength } from "./dataset.ts";
import { validateDataset } from "./validate.ts";

/** Options of {@linkcode datasetFromArrays}. */
export interface ArraysOptions {
  /**
   * Shape of one sample's features. Required when `x` is flat (one number per value) and a
   * sample has more than one value; checked against nested `x` otherwise.
   */
  xShape?: number[];
  /**
   * Number of classes: `y` then holds class indices `0..classes-1` (numbers) and is checked
   * against it. Without it, numeric `y` is a regression target, unless `y` holds strings.
   */
  classes?: number;
  /** Factor applied to features when batches are built (e.g. 1/255 for 0..255 pixels). */
  xScale?: number;
  /** Prefix of the field paths in messages, e.g. `"data"` gives `data.x[12][3]`. */
  field?: string;
  /** Where the data came from, stored as the dataset's `source` and named in messages. */
  source?: string;
}

/** A dataset built from arrays, with class names when the labels were strings. */
export interface ArraysDataset extends Dataset {
  /** Class names when `y` held strings, sorted; index `i` is class `i`. */
  classNames?: string[];
}

/**
 * Builds a dataset from JavaScript arrays.
 *
 * `x`: rows (`number[][]`), nested samples (`number[][][]` for images), or a flat `number[]`
 * (or typed array) with `options.xShape`; a flat array without `xShape` is one feature per
 * sample. `y`: numbers (regression targets, or class indices with `options.classes`), strings
 * (class names, become sorted class indices), or rows of numbers (one-hot or multi-output).
 * Features become `Float32Array`, class indices `Int32Array`.
 *
 * @example
 * ```ts
 * const ds = datasetFromArrays([[0, 1], [1, 0]], [1, 0], { classes: 2, field: "data" });
 * ```
 */
export function datasetFromArrays(
  x: unknown,
  y: unknown,
  options: ArraysOptions = {},
): ArraysDataset {
  const prefix = options.field ? `${options.field}.` : "";
  const xPath = `${prefix}x`;
  const fail = (message: string, field: string): never => {
    throw new InputError(message, { field });
  };
  if (!isArrayLike(x)) fail(`${xPath} must be an array of samples, got ${describe(x)}`, xPath);
  const xs = x as ArrayLike<unknown>;
  if (xs.length === 0) fail(`${xPath} must hold at least one sample, got an empty array`, xPath);
  const flat = typeof xs[0] === "number" || ArrayBuffer.isView(xs);
  let xShape: number[];
  let size: number;
  let xData: Float32Array;
  if (flat) {
    xShape = options.xShape ?? [1];
    checkShapeOption(xShape, prefix);
    const per = sampleLength(xShape);
    if (per === 0 || xs.length % per !== 0) {
      fail(
        `${xPath} holds ${xs.length} values, which is not a multiple of the ${per} values of ` +
          `one sample of shape [${xShape.join(", ")}]`,
        xPath,
      );
    }
    size = xs.length / per;
    xData = new Float32Array(xs.length);
    for (let i = 0; i < xs.length; i++) {
      const v = xs[i];
      if (typeof v !== "number" || v - v !== 0) {
        fail(`${xPath}[${i}] must be a finite number, got ${describe(v)}`, `${xPath}[${i}]`);
      }
      xData[i] = v as number;
    }
  } else {
    size = xs.length;
    xShape = inferShape(xs[0], `${xPath}[0]`, fail);
    if (options.xShape) {
      checkShapeOption(options.xShape, prefix);
      if (!sameShape(options.xShape, xShape)) {
        fail(
          `${xPath}[0] has shape [${xShape.join(", ")}] but xShape is [${
            options.xShape.join(", ")
          }]`,
          xPath,
        );
      }
    }
    const per = sampleLength(xShape);
    xData = new Float32Array(size * per);
    for (let i = 0; i < size; i++) {
      fillNested(xs[i], xShape, 0, xData, i * per, `${xPath}[${i}]`, fail);
    }
  }
  const dataset: ArraysDataset = {
    x: xData,
    xShape,
    y: new Float32Array(0),
    yShape: [],
    size,
  };
  if (options.source !== undefined) dataset.source = options.source;
  if (options.xScale !== undefined) dataset.xScale = options.xScale;
  buildTargets(y, dataset, options, prefix, fail);
  return validateDataset(dataset, options.source ?? (options.field || "data"));
}

function buildTargets(
  y: unknown,
  dataset: ArraysDataset,
  options: ArraysOptions,
  prefix: string,
  fail: (message: string, field: string) => never,
): void {
  const xPath = `${prefix}x`;
  const yPath = `${prefix}y`;
  if (!isArrayLike(y)) fail(`${yPath} must be an array of targets, got ${describe(y)}`, yPath);
  const ys = y as ArrayLike<unknown>;
  const size = dataset.size;
  if (ys.length !== size) {
    fail(
      `${yPath} must have ${size} entries (one per sample of ${xPath}), got ${ys.length}`,
      yPath,
    );
  }
  const first = ys[0];
  if (typeof first === "string") {
    const names = new Array<string>(size);
    for (let i = 0; i < size; i++) {
      const v = ys[i];
      if (typeof v !== "string" || v === "") {
        fail(`${yPath}[${i}] must be a class name like ${yPath}[0], got ${describe(v)}`, yPath);
      }
      names[i] = v as string;
    }
    const classNames = [...new Set(names)].sort();
    if (options.classes !== undefined && options.classes < classNames.length) {
      fail(
        `${yPath} names ${classNames.length} classes but classes is ${options.classes}`,
        yPath,
      );
    }
    const index = new Map(classNames.map((name, i) => [name, i]));
    dataset.y = Int32Array.from(names, (name) => index.get(name)!);
    dataset.classes = options.classes ?? classNames.length;
    dataset.classNames = classNames;
    return;
  }
  if (typeof first === "number" || ArrayBuffer.isView(ys)) {
    const classes = options.classes;
    if (classes !== undefined && (!Number.isSafeInteger(classes) || classes < 1)) {
      fail(`${prefix}classes must be a positive integer, got ${classes}`, `${prefix}classes`);
    }
    const out = classes === undefined ? new Float32Array(size) : new Int32Array(size);
    for (let i = 0; i < size; i++) {
      const v = ys[i];
      if (typeof v !== "number" || v - v !== 0) {
        fail(`${yPath}[${i}] must be a finite number, got ${describe(v)}`, `${yPath}[${i}]`);
      }
      if (
        classes !== undefined &&
        (!Number.isInteger(v) || (v as number) < 0 || (v as number) >= classes)
      ) {
        fail(
          `${yPath}[${i}] must be a class index from 0 to ${classes - 1}, got ${describe(v)}`,
          yPath,
        );
      }
      out[i] = v as number;
    }
    dataset.y = out;
    if (classes !== undefined) dataset.classes = classes;
    return;
  }
  const yShape = inferShape(first, `${yPath}[0]`, fail);
  const per = sampleLength(yShape);
  const out = new Float32Array(size * per);
  for (let i = 0; i < size; i++) fillNested(ys[i], yShape, 0, out, i * per, `${yPath}[${i}]`, fail);
  dataset.y = out;
  dataset.yShape = yShape;
  if (options.classes !== undefined) {
    if (yShape.length !== 1 || yShape[0] !== options.classes) {
      fail(
        `${yPath}[0] must be a one-hot row of ${options.classes} values (classes), got shape ` +
          `[${yShape.join(", ")}]`,
        yPath,
      );
    }
  }
}

/** The shape of a nested array sample, following first elements. */
function inferShape(
  sample: unknown,
  path: string,
  fail: (message: string, field: string) => never,
): number[] {
  const shape: number[] = [];
  let node = sample;
  let nodePath = path;
  while (isArrayLike(node)) {
    const arr = node as ArrayLike<unknown>;
    if (arr.length === 0) fail(`${nodePath} must not be empty`, path);
    shape.push(arr.length);
    node = arr[0];
    nodePath += "[0]";
  }
  if (shape.length === 0) {
    fail(`${path} must be a number or an array of numbers, got ${describe(sample)}`, path);
  }
  return shape;
}

/** Copies a nested array of the given shape into `out` at `offset`, checking every value. */
function fillNested(
  node: unknown,
  shape: readonly number[],
  depth: number,
  out: Float32Array,
  offset: number,
  path: string,
  fail: (message: string, field: string) => never,
): number {
  const length = shape[depth];
  if (!isArrayLike(node) || (node as ArrayLike<unknown>).length !== length) {
    fail(
      `${path} must be an array of ${length} ${depth + 1 === shape.length ? "numbers" : "arrays"}` +
        `, got ${describe(node)}`,
      path,
    );
  }
  const arr = node as ArrayLike<unknown>;
  if (depth + 1 === shape.length) {
    for (let i = 0; i < length; i++) {
      const v = arr[i];
      if (typeof v !== "number" || v - v !== 0) {
        fail(`${path}[${i}] must be a finite number, got ${describe(v)}`, `${path}[${i}]`);
      }
      out[offset + i] = v as number;
    }
    return offset + length;
  }
  for (let i = 0; i < length; i++) {
    offset = fillNested(arr[i], shape, depth + 1, out, offset, `${path}[${i}]`, fail);
  }
  return offset;
}

function checkShapeOption(shape: unknown, prefix: string): void {
  if (
    !Array.isArray(shape) || shape.length === 0 ||
    !shape.every((d) => Number.isSafeInteger(d) && d > 0)
  ) {
    throw new InputError(
      `${prefix}xShape must be a non-empty list of positive integers, got ${describe(shape)}`,
      { field: `${prefix}xShape` },
    );
  }
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function isArrayLike(value: unknown): boolean {
  return Array.isArray(value) ||
    (ArrayBuffer.isView(value) && !(value instanceof DataView));
}

/** A short description of a JSON-ish value for messages: `"abc"`, `null`, `an object`. */
function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (typeof value === "string") {
    return JSON.stringify(value.length > 40 ? `${value.slice(0, 37)}...` : value);
  }
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name}`;
  return `a${typeof value === "object" ? "n object" : ` ${typeof value}`}`;
}
