/**
 * Counting a JSON body while it arrives, before `JSON.parse` builds anything: a byte-level scan
 * (JSON's structure is ASCII, so UTF-8 needs no decoding) counts arrays, objects, numbers and
 * strings to estimate the memory the parsed value would take, measures the nesting depth, and
 * counts the rows of `data.x` and `data.y` and the lines of `data.csv`. A body that would be too
 * costly is refused from these counts as soon as it crosses a limit, and the rest is not read:
 * 7.8 MB of two million one-element rows cost the first 80 KB. Malformed JSON is left for
 * `JSON.parse` to report with its line and column.
 * @module
 */
import { fieldProblem, HttpError } from "./problem.ts";

/** Deepest nesting of arrays and objects a request body may have. */
export const MAX_JSON_DEPTH = 64;

/** Estimated bytes of the parsed value per array or object (measured on V8: about 64). */
export const CONTAINER_BYTES = 64;
/** Estimated bytes per number, `true`, `false` or `null` (10 to 16 on V8). */
export const SCALAR_BYTES = 12;
/** Estimated bytes per string besides its characters. */
export const STRING_BYTES = 40;

/** Limits the scan enforces. */
export interface ScanLimits {
  /** Most estimated bytes of the parsed value. */
  maxParseBytes: number;
  /** Most rows of `data.x` and `data.y`, and data lines of `data.csv`. */
  maxSamples: number;
  /** Most values per sample: a flat `data.x` may hold `maxSamples * maxFeatures` numbers. */
  maxFeatures: number;
}

/** What the scan counted. */
export interface JsonCounts {
  /** Arrays and objects. */
  containers: number;
  /** Numbers and literals. */
  scalars: number;
  /** Strings (keys included). */
  strings: number;
  /** Bytes inside strings. */
  stringBytes: number;
  /** Estimated bytes of the parsed value. */
  parseBytes: number;
  /** Deepest nesting. */
  depth: number;
}

/** An incremental scan; see {@linkcode createJsonScanner}. */
export interface JsonScanner {
  /** Scans the next bytes; throws an `HttpError` as soon as a limit is crossed. */
  push(bytes: Uint8Array): void;
  /** The counts so far (after the last byte: of the whole body). */
  counts(): JsonCounts;
}

interface Container {
  array: boolean;
  /** Which sample list this is: `x` or `y` under the top-level `data`. */
  rows?: "data.x" | "data.y";
  /** Key under which this container sits in its parent object (short keys only). */
  key?: string;
  /** Its index in its parent array. */
  index?: number;
  count: number;
  /** Numbers directly in a flat `data.x`. */
  values: number;
}

const MAX_KEY = 16;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * A scanner that throws an {@linkcode HttpError}: 413 when the parsed value would take more
 * than `maxParseBytes`, 422 with a JSON pointer when the body nests deeper than
 * {@linkcode MAX_JSON_DEPTH} or holds more than `maxSamples` samples.
 */
export function createJsonScanner(limits: ScanLimits): JsonScanner {
  const counts: JsonCounts = {
    containers: 0,
    scalars: 0,
    strings: 0,
    stringBytes: 0,
    parseBytes: 0,
    depth: 0,
  };
  const stack: Container[] = [];
  let expectKey = false;
  let pendingKey: string | undefined;
  let inString = false;
  let stringIsKey = false;
  let escape = false;
  let unicodeLeft = 0;
  let unicodeHex = "";
  let key: number[] | undefined;
  let inScalar = false;
  const csv = { active: false, lines: 0, lineHasText: false };

  const budget = () => {
    counts.parseBytes = CONTAINER_BYTES * counts.containers + SCALAR_BYTES * counts.scalars +
      STRING_BYTES * counts.strings + counts.stringBytes;
    if (counts.parseBytes > limits.maxParseBytes) throw tooCostly(counts, limits);
  };
  const addValue = (container: boolean) => {
    const parent = stack[stack.length - 1];
    if (!parent) return;
    parent.count++;
    if (!parent.rows) return;
    // A flat x holds values, not rows: at most maxSamples samples of maxFeatures values.
    if (parent.rows === "data.x" && !container) {
      parent.values++;
      if (parent.values > limits.maxSamples * limits.maxFeatures) {
        throw tooManyRows(parent.rows, limits.maxSamples);
      }
    } else if (parent.count - parent.values > limits.maxSamples) {
      throw tooManyRows(parent.rows, limits.maxSamples);
    }
  };
  const csvCharacter = (newline: boolean) => {
    if (!newline) {
      csv.lineHasText = true;
      return;
    }
    if (csv.lineHasText) csv.lines++;
    csv.lineHasText = false;
    // The header and maxSamples data lines.
    if (csv.lines > limits.maxSamples + 1) throw tooManyRows("data.csv", limits.maxSamples);
  };
  const isDataObject = () =>
    stack.length === 2 && !stack[1].array && stack[1].key === "data" && !stack[0].array;

  function stringByte(b: number): void {
    if (unicodeLeft > 0) {
      unicodeHex += String.fromCharCode(b).toLowerCase();
      if (--unicodeLeft === 0 && csv.active) {
        csvCharacter(unicodeHex === "000a" || unicodeHex === "000d");
      }
      return;
    }
    if (escape) {
      escape = false;
      if (b === 0x75 /* u */) {
        unicodeLeft = 4;
        unicodeHex = "";
      } else if (csv.active) {
        csvCharacter(b === 0x6e /* n */ || b === 0x72 /* r */);
      }
      key?.push(b);
      return;
    }
    if (b === BACKSLASH) {
      escape = true;
      return;
    }
    if (b === QUOTE) {
      inString = false;
      if (stringIsKey) {
        pendingKey = key && key.length <= MAX_KEY ? String.fromCharCode(...key) : "";
        expectKey = false;
      } else {
        addValue(false);
        pendingKey = undefined;
      }
      key = undefined;
      csv.active = false;
      budget();
      return;
    }
    counts.stringBytes++;
    if (key && key.length <= MAX_KEY) key.push(b);
    if (csv.active) csvCharacter(false);
  }

  function structuralByte(b: number): void {
    if (inScalar) {
      if (b !== 0x2c && b !== 0x5d && b !== 0x7d && b > 0x20) return;
      inScalar = false;
    }
    if (b === QUOTE) {
      inString = true;
      stringIsKey = expectKey;
      counts.strings++;
      key = expectKey ? [] : undefined;
      csv.active = !expectKey && pendingKey === "csv" && isDataObject();
    } else if (b === 0x7b /* { */ || b === 0x5b /* [ */) {
      addValue(true);
      const array = b === 0x5b;
      const parent = stack[stack.length - 1];
      const container: Container = {
        array,
        key: parent?.array ? undefined : pendingKey,
        index: parent?.array ? parent.count - 1 : undefined,
        count: 0,
        values: 0,
      };
      if (array && (pendingKey === "x" || pendingKey === "y") && isDataObject()) {
        container.rows = pendingKey === "x" ? "data.x" : "data.y";
      }
      stack.push(container);
      counts.containers++;
      counts.depth = Math.max(counts.depth, stack.length);
      if (stack.length > MAX_JSON_DEPTH) throw tooDeep(stack);
      expectKey = !array;
      pendingKey = undefined;
      budget();
    } else if (b === 0x7d /* } */ || b === 0x5d /* ] */) {
      stack.pop();
      expectKey = false;
    } else if (b === 0x2c /* , */) {
      const parent = stack[stack.length - 1];
      expectKey = parent !== undefined && !parent.array;
    } else if (b === 0x3a /* : */) {
      expectKey = false;
    } else if (b > 0x20) {
      inScalar = true;
      addValue(false);
      counts.scalars++;
      pendingKey = undefined;
      budget();
    }
  }

  return {
    push(bytes) {
      const length = bytes.length;
      for (let i = 0; i < length; i++) {
        const b = bytes[i];
        if (inString) {
          // Fast path: plain characters of a value string that is not CSV text.
          if (
            b !== QUOTE && b !== BACKSLASH && !escape && unicodeLeft === 0 && !key && !csv.active
          ) {
            counts.stringBytes++;
            continue;
          }
          stringByte(b);
        } else if (inScalar && b > 0x20 && b !== 0x2c && b !== 0x5d && b !== 0x7d) {
          // Fast path: the rest of a number or literal.
          continue;
        } else {
          structuralByte(b);
        }
      }
    },
    counts() {
      budget();
      return { ...counts };
    },
  };
}

/** Scans a whole body (text or bytes) at once; see {@linkcode createJsonScanner}. */
export function scanJson(body: string | Uint8Array, limits: ScanLimits): JsonCounts {
  const scanner = createJsonScanner(limits);
  scanner.push(typeof body === "string" ? new TextEncoder().encode(body) : body);
  return scanner.counts();
}

function tooCostly(counts: JsonCounts, limits: ScanLimits): HttpError {
  return new HttpError(
    413,
    `the request body would take more than ${mib(limits.maxParseBytes)} MiB once parsed ` +
      `(${counts.containers} arrays and objects, ${counts.scalars} numbers, ${counts.strings} ` +
      "strings so far), the limit of this server (LR_FINDER_MAX_PARSE_BYTES): send x as one " +
      "flat array of numbers with xShape, or CSV text, or fewer samples",
  );
}

function tooManyRows(field: "data.x" | "data.y" | "data.csv", maxSamples: number): HttpError {
  const detail = `holds more than ${maxSamples} samples, the limit of this server: send a ` +
    "sample of the data";
  return new HttpError(422, `${field} ${detail}`, { errors: [fieldProblem(field, detail)] });
}

function tooDeep(stack: Container[]): HttpError {
  let field = "";
  for (const container of stack.slice(1)) {
    if (container.index !== undefined) field += `[${container.index}]`;
    else field += field === "" ? container.key ?? "" : `.${container.key ?? ""}`;
  }
  const detail = `is nested deeper than ${MAX_JSON_DEPTH} levels of arrays and objects`;
  return new HttpError(422, `${field || "the request body"} ${detail}`, {
    errors: [fieldProblem(field, detail)],
  });
}

function mib(bytes: number): string {
  return (bytes / (1024 * 1024)).toFixed(0);
}
