/**
 * Reading and writing NumPy `.npy` files: format versions 1 to 3, C order, little-endian
 * `f4`, `f8`, `u1`, `i4` and `i8` arrays. Values stay in typed arrays.
 * @module
 */
import { InputError } from "../errors.ts";
import { readInputFile } from "./read_file.ts";

/** The element types this reader understands (NumPy `dtype.str` without the byte order). */
export type NpyDtype = "f4" | "f8" | "u1" | "i4" | "i8";

/** The typed array an `.npy` file is read into. */
export type NpyData = Float32Array | Float64Array | Uint8Array | Int32Array;

/** An array read from an `.npy` file. */
export interface NpyArray {
  /** The values in C (row-major) order. `i8` files become `Int32Array` when every value fits,
   * `Float64Array` otherwise. */
  data: NpyData;
  /** The array's shape; `[]` for a scalar. */
  shape: number[];
  /** The element type stored in the file. */
  dtype: NpyDtype;
}

/** Options of {@linkcode parseNpy}. */
export interface ParseNpyOptions {
  /** The file name used in error messages; default `"array.npy"`. */
  source?: string;
}

/** Options of {@linkcode encodeNpy}. */
export interface EncodeNpyOptions {
  /** Element type to store; default follows the array type (`f4` for Float32Array...). */
  dtype?: Exclude<NpyDtype, "i8">;
  /** Format version 1, 2 or 3; default 1. */
  version?: 1 | 2 | 3;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"
const ITEM_SIZES: Record<NpyDtype, number> = { f4: 4, f8: 8, u1: 1, i4: 4, i8: 8 };

/** Reads an `.npy` file; every problem is an {@linkcode InputError} naming the file. */
export async function loadNpy(path: string): Promise<NpyArray> {
  const bytes = await readInputFile(path, { what: ".npy file" });
  return parseNpy(bytes, { source: path });
}

/** Parses the bytes of an `.npy` file. */
export function parseNpy(bytes: Uint8Array, options: ParseNpyOptions = {}): NpyArray {
  const source = options.source ?? "array.npy";
  const fail = (message: string): never => {
    throw new InputError(`${source}: ${message}`, { field: source });
  };
  if (bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b) {
    fail(
      "this is an .npz archive, expected a single .npy array: save each array with np.save",
    );
  }
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) {
    fail("not an .npy file: it does not start with the \\x93NUMPY magic string");
  }
  const major = bytes[6];
  const minor = bytes[7];
  if (major < 1 || major > 3) {
    fail(`unsupported .npy format version ${major}.${minor}, expected 1.0, 2.0 or 3.0`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lengthBytes = major === 1 ? 2 : 4;
  if (bytes.length < 8 + lengthBytes) fail("file is truncated inside its header");
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const headerStart = 8 + lengthBytes;
  const dataStart = headerStart + headerLength;
  if (dataStart > bytes.length) {
    fail(
      `file is truncated: the header says it is ${headerLength} bytes long but the file ends ` +
        `after ${bytes.length - headerStart}`,
    );
  }
  const headerBytes = bytes.subarray(headerStart, dataStart);
  const headerText = major === 3
    ? new TextDecoder("utf-8").decode(headerBytes)
    : new TextDecoder("latin1").decode(headerBytes);
  const header = parseHeader(headerText, fail);
  const count = header.shape.reduce((a, b) => a * b, 1);
  const expected = count * ITEM_SIZES[header.dtype];
  const found = bytes.length - dataStart;
  if (found !== expected) {
    fail(
      `expected ${expected} bytes of data for shape (${header.shape.join(", ")}) and dtype ` +
        `${header.dtype}, found ${found}${found < expected ? ": the file is truncated" : ""}`,
    );
  }
  const raw = bytes.slice(dataStart, dataStart + expected).buffer;
  let data: NpyData;
  switch (header.dtype) {
    case "f4":
      data = new Float32Array(raw);
      break;
    case "f8":
      data = new Float64Array(raw);
      break;
    case "u1":
      data = new Uint8Array(raw);
      break;
    case "i4":
      data = new Int32Array(raw);
      break;
    case "i8":
      data = int64ToNumbers(new Int32Array(raw), fail);
      break;
  }
  return { data, shape: header.shape, dtype: header.dtype };
}

/** Encodes a typed array as the bytes of an `.npy` file (C order, little-endian). */
export function encodeNpy(
  data: NpyData | readonly number[],
  shape: readonly number[],
  options: EncodeNpyOptions = {},
): Uint8Array {
  const dtype = options.dtype ?? dtypeOf(data);
  const version = options.version ?? 1;
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length) {
    throw new RangeError(`shape (${shape.join(", ")}) needs ${count} values, got ${data.length}`);
  }
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;
  let header = `{'descr': '${dtype === "u1" ? "|" : "<"}${dtype}', 'fortran_order': False, ` +
    `'shape': ${shapeText}, }`;
  const prefix = version === 1 ? 10 : 12;
  const padding = 64 - ((prefix + header.length + 1) % 64);
  header += " ".repeat(padding % 64) + "\n";
  const headerBytes = new TextEncoder().encode(header);
  const values = toTypedArray(data, dtype);
  const out = new Uint8Array(prefix + headerBytes.length + values.byteLength);
  out.set(MAGIC, 0);
  out[6] = version;
  out[7] = 0;
  const view = new DataView(out.buffer);
  if (version === 1) view.setUint16(8, headerBytes.length, true);
  else view.setUint32(8, headerBytes.length, true);
  out.set(headerBytes, prefix);
  out.set(
    new Uint8Array(values.buffer, values.byteOffset, values.byteLength),
    prefix + headerBytes.length,
  );
  return out;
}

function dtypeOf(data: NpyData | readonly number[]): Exclude<NpyDtype, "i8"> {
  if (data instanceof Float64Array) return "f8";
  if (data instanceof Uint8Array) return "u1";
  if (data instanceof Int32Array) return "i4";
  return "f4";
}

function toTypedArray(data: NpyData | readonly number[], dtype: Exclude<NpyDtype, "i8">): NpyData {
  switch (dtype) {
    case "f4":
      return data instanceof Float32Array ? data : Float32Array.from(data);
    case "f8":
      return data instanceof Float64Array ? data : Float64Array.from(data);
    case "u1":
      return data instanceof Uint8Array ? data : Uint8Array.from(data);
    case "i4":
      return data instanceof Int32Array ? data : Int32Array.from(data);
  }
}

/** Converts little-endian int64 pairs (low, high words) to numbers, keeping them exact. */
function int64ToNumbers(words: Int32Array, fail: (message: string) => never): NpyData {
  const n = words.length / 2;
  let fitsInt32 = true;
  for (let i = 0; i < n; i++) {
    const low = words[2 * i];
    const high = words[2 * i + 1];
    if (!(high === 0 && low >= 0) && !(high === -1 && low < 0)) {
      fitsInt32 = false;
      const value = high * 4294967296 + (low >>> 0);
      if (!Number.isSafeInteger(value)) {
        fail(
          `value at flat index ${i} does not fit in a JavaScript number exactly ` +
            `(int64 outside ±2^53): convert the array to float64 or int32 first`,
        );
      }
    }
  }
  if (fitsInt32) {
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) out[i] = words[2 * i];
    return out;
  }
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = words[2 * i + 1] * 4294967296 + (words[2 * i] >>> 0);
  return out;
}

interface NpyHeader {
  dtype: NpyDtype;
  shape: number[];
}

function parseHeader(text: string, fail: (message: string) => never): NpyHeader {
  let value: PyValue;
  try {
    value = parsePythonLiteral(text);
  } catch (error) {
    return fail(`malformed header ${JSON.stringify(text.trim())}: ${(error as Error).message}`);
  }
  if (!(value instanceof Map)) {
    return fail(`malformed header: expected a dict, found ${JSON.stringify(text.trim())}`);
  }
  const descr = value.get("descr");
  const fortran = value.get("fortran_order");
  const shape = value.get("shape");
  if (typeof descr !== "string") {
    if (Array.isArray(descr)) {
      fail("structured (record) arrays are not supported: save a plain numeric array");
    }
    fail("malformed header: 'descr' must be a dtype string such as '<f4'");
  }
  if (typeof fortran !== "boolean") fail("malformed header: 'fortran_order' must be True or False");
  if (
    !Array.isArray(shape) ||
    !shape.every((d) => typeof d === "number" && Number.isSafeInteger(d) && d >= 0)
  ) {
    return fail("malformed header: 'shape' must be a tuple of non-negative integers");
  }
  const dims = shape as number[];
  const dtype = parseDescr(descr as string, fail);
  if (fortran && dims.filter((d) => d > 1).length > 1) {
    fail(
      "array is stored in Fortran (column-major) order, expected C order: save it with " +
        "np.save(path, np.ascontiguousarray(a))",
    );
  }
  return { dtype, shape: dims };
}

function parseDescr(descr: string, fail: (message: string) => never): NpyDtype {
  const match = /^([<>|=]?)([a-zA-Z])(\d+)$/.exec(descr);
  if (!match) {
    return fail(
      `unsupported dtype ${
        JSON.stringify(descr)
      }, expected one of f4, f8, u1, i4, i8 (little-endian)`,
    );
  }
  const [, order, kind, size] = match;
  const dtype = `${kind}${size}`;
  if (!(dtype in ITEM_SIZES)) {
    return fail(
      `unsupported dtype ${JSON.stringify(descr)}, expected one of f4, f8, u1, i4, i8: ` +
        "convert it with a.astype('<f4')",
    );
  }
  if (order === ">" && dtype !== "u1") {
    return fail(
      `dtype ${JSON.stringify(descr)} is big-endian, expected little-endian: convert it with ` +
        `a.astype('<${dtype}')`,
    );
  }
  if (order === "=" && dtype !== "u1") {
    return fail(
      `dtype ${JSON.stringify(descr)} has native byte order, expected an explicit '<': convert ` +
        `it with a.astype('<${dtype}')`,
    );
  }
  return dtype as NpyDtype;
}

/** A value of the Python literal subset used by `.npy` headers. */
type PyValue = string | number | boolean | null | PyValue[] | Map<string, PyValue>;

/**
 * Parses the Python literal subset of `.npy` headers: dicts with string keys, tuples, lists,
 * strings, integers, True, False and None.
 */
function parsePythonLiteral(text: string): PyValue {
  let pos = 0;
  const skipSpace = () => {
    while (pos < text.length && /\s/.test(text[pos])) pos++;
  };
  const expect = (char: string) => {
    skipSpace();
    if (text[pos] !== char) {
      throw new SyntaxError(
        `expected '${char}' at character ${pos + 1}, found ${describeChar(text[pos])}`,
      );
    }
    pos++;
  };
  const parseSequence = (close: string): PyValue[] => {
    const items: PyValue[] = [];
    for (;;) {
      skipSpace();
      if (text[pos] === close) {
        pos++;
        return items;
      }
      items.push(parseValue());
      skipSpace();
      if (text[pos] === ",") pos++;
      else if (text[pos] !== close) {
        throw new SyntaxError(
          `expected ',' or '${close}' at character ${pos + 1}, found ${describeChar(text[pos])}`,
        );
      }
    }
  };
  const parseDict = (): Map<string, PyValue> => {
    const dict = new Map<string, PyValue>();
    for (;;) {
      skipSpace();
      if (text[pos] === "}") {
        pos++;
        return dict;
      }
      const key = parseValue();
      if (typeof key !== "string") {
        throw new SyntaxError(`expected a string key at character ${pos + 1}`);
      }
      expect(":");
      dict.set(key, parseValue());
      skipSpace();
      if (text[pos] === ",") pos++;
      else if (text[pos] !== "}") {
        throw new SyntaxError(
          `expected ',' or '}' at character ${pos + 1}, found ${describeChar(text[pos])}`,
        );
      }
    }
  };
  const parseString = (quote: string): string => {
    let out = "";
    pos++;
    while (pos < text.length && text[pos] !== quote) {
      if (text[pos] === "\\" && pos + 1 < text.length) pos++;
      out += text[pos++];
    }
    if (pos >= text.length) throw new SyntaxError("unterminated string");
    pos++;
    return out;
  };
  const parseValue = (): PyValue => {
    skipSpace();
    const char = text[pos];
    if (char === "{") {
      pos++;
      return parseDict();
    }
    if (char === "(") {
      pos++;
      return parseSequence(")");
    }
    if (char === "[") {
      pos++;
      return parseSequence("]");
    }
    if (char === "'" || char === '"') return parseString(char);
    const word = /^(?:[+-]?\d+L?|True|False|None)/.exec(text.slice(pos));
    if (!word) {
      throw new SyntaxError(`unexpected ${describeChar(char)} at character ${pos + 1}`);
    }
    pos += word[0].length;
    if (word[0] === "True") return true;
    if (word[0] === "False") return false;
    if (word[0] === "None") return null;
    return Number(word[0].replace("L", ""));
  };
  const value = parseValue();
  skipSpace();
  if (pos !== text.length) {
    throw new SyntaxError(`unexpected ${describeChar(text[pos])} at character ${pos + 1}`);
  }
  return value;
}

function describeChar(char: string | undefined): string {
  return char === undefined ? "the end of the header" : JSON.stringify(char);
}
