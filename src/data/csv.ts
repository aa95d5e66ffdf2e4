/**
 * Reading a CSV table with a header row into a {@linkcode Dataset}: one column holds the label,
 * every other column is a numeric feature.
 * @module
 */
import { CsvError, parse } from "csv-parse/sync";
import { InputError } from "../errors.ts";
import type { Dataset } from "./dataset.ts";
import { readInputText } from "./read_file.ts";

/** Options of {@linkcode parseCsv} and {@linkcode loadCsv}. */
export interface CsvOptions {
  /** Name of the label column (as written in the header row). */
  label: string;
  /**
   * Encode class labels as one-hot rows (`yShape` `[classes]`) instead of class indices.
   * Implies `classification`.
   */
  oneHot?: boolean;
  /** Treat numeric labels as class indices (they must then be non-negative integers). */
  classification?: boolean;
  /** The file name used in messages and stored as the dataset's `source`. */
  source?: string;
}

/** A dataset read from CSV, with the names of its columns and classes. */
export interface CsvDataset extends Dataset {
  /** Names of the feature columns, in order. */
  featureNames: string[];
  /** Class names when the labels were strings, sorted; index `i` is class `i`. */
  classNames?: string[];
}

/** How many bad cells one error lists. */
const MAX_REPORTED = 5;
const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** Reads a CSV file; see {@linkcode parseCsv}. */
export async function loadCsv(path: string, options: CsvOptions): Promise<CsvDataset> {
  const text = await readInputText(path, { what: "CSV file" });
  return parseCsv(text, { ...options, source: options.source ?? path });
}

/**
 * Parses CSV text with a header row. Feature cells must be finite numbers; every bad cell is
 * reported (up to five in one error) with its row, counting the header as row 1, and column.
 * String labels become classes (sorted distinct values); numeric labels are regression targets
 * unless `classification` or `oneHot` is set.
 */
export function parseCsv(text: string, options: CsvOptions): CsvDataset {
  const source = options.source ?? "data.csv";
  const fail = (message: string): never => {
    throw new InputError(`${source}: ${message}`, { field: source });
  };
  let rows: { record: string[]; info: { records: number } }[];
  try {
    rows = parse(text, {
      info: true,
      bom: true,
      trim: true,
      skip_empty_lines: true,
      relax_column_count: true,
      // Files edited on several systems mix line endings; csv-parse would guess from the first.
      record_delimiter: ["\r\n", "\n", "\r"],
    }) as unknown as typeof rows;
  } catch (error) {
    if (error instanceof CsvError) {
      const colon = error.message.indexOf(": ");
      return fail(`malformed CSV: ${lowerFirst(error.message.slice(colon + 2))}`);
    }
    throw error;
  }
  if (rows.length === 0) fail("the file is empty, expected a header row and data rows");
  const header = rows[0].record;
  const seen = new Set<string>();
  for (const name of header) {
    if (seen.has(name)) fail(`column ${JSON.stringify(name)} appears twice in the header row`);
    seen.add(name);
  }
  const labelIndex = header.indexOf(options.label);
  if (labelIndex < 0) {
    fail(
      `label column ${JSON.stringify(options.label)} not found; the header has ${
        header.map((h) => JSON.stringify(h)).join(", ")
      }`,
    );
  }
  if (header.length < 2) fail("expected at least one feature column besides the label");
  const size = rows.length - 1;
  if (size === 0) fail("no data rows after the header row");
  const featureNames = header.filter((_, i) => i !== labelIndex);
  const features = featureNames.length;
  const x = new Float32Array(size * features);
  const labels: string[] = new Array(size);
  const bad: string[] = [];
  let badCount = 0;
  for (let r = 0; r < size; r++) {
    const { record, info } = rows[r + 1];
    const row = info.records;
    if (record.length !== header.length) {
      fail(`row ${row} has ${record.length} cells, expected ${header.length} like the header row`);
    }
    let f = 0;
    for (let c = 0; c < record.length; c++) {
      const cell = record[c];
      if (c === labelIndex) {
        labels[r] = cell;
        if (cell === "") {
          badCount++;
          if (bad.length < MAX_REPORTED) {
            bad.push(`row ${row}, column ${JSON.stringify(header[c])}: empty label`);
          }
        }
        continue;
      }
      const value = NUMBER.test(cell) ? Number(cell) : NaN;
      if (Number.isFinite(value)) {
        x[r * features + f] = value;
      } else {
        badCount++;
        if (bad.length < MAX_REPORTED) {
          bad.push(`row ${row}, column ${JSON.stringify(header[c])}: ${describeCell(cell)}`);
        }
      }
      f++;
    }
  }
  if (badCount > 0) {
    const more = badCount > bad.length ? `\n  ... and ${badCount - bad.length} more` : "";
    fail(
      `expected a finite number in every feature cell and a label in every row, found ` +
        `${badCount} bad ${badCount === 1 ? "cell" : "cells"}:\n  ${bad.join("\n  ")}${more}`,
    );
  }
  const dataset: CsvDataset = {
    x,
    xShape: [features],
    y: new Float32Array(0),
    yShape: [],
    size,
    source,
    featureNames,
  };
  if (options.oneHot !== undefined) dataset.oneHot = options.oneHot;
  const numeric = labels.every((cell) => NUMBER.test(cell) && Number.isFinite(Number(cell)));
  const classification = options.classification === true || options.oneHot === true;
  let indices: Int32Array;
  let classes: number;
  if (numeric) {
    const values = labels.map(Number);
    if (!classification) {
      dataset.y = Float32Array.from(values);
      return dataset;
    }
    const badLabels: string[] = [];
    for (let r = 0; r < size; r++) {
      const v = values[r];
      if (!Number.isInteger(v) || v < 0 || v > 0x7fffffff) {
        if (badLabels.length < MAX_REPORTED) {
          badLabels.push(`row ${rows[r + 1].info.records}: ${JSON.stringify(labels[r])}`);
        }
      }
    }
    if (badLabels.length > 0) {
      fail(
        `class labels in column ${
          JSON.stringify(options.label)
        } must be non-negative integers, found:\n  ` +
          badLabels.join("\n  "),
      );
    }
    indices = Int32Array.from(values);
    classes = indices.reduce((m, v) => Math.max(m, v), 0) + 1;
  } else {
    const classNames = [...new Set(labels)].sort();
    const index = new Map(classNames.map((name, i) => [name, i]));
    indices = Int32Array.from(labels, (name) => index.get(name)!);
    classes = classNames.length;
    dataset.classNames = classNames;
  }
  if (options.oneHot) {
    const y = new Float32Array(size * classes);
    for (let r = 0; r < size; r++) y[r * classes + indices[r]] = 1;
    dataset.y = y;
    dataset.yShape = [classes];
  } else {
    dataset.y = indices;
    dataset.classes = classes;
  }
  return dataset;
}

function describeCell(cell: string): string {
  if (cell === "") return "empty cell";
  const shown = cell.length > 40 ? `${cell.slice(0, 37)}...` : cell;
  return `${JSON.stringify(shown)} is not a finite number`;
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}
