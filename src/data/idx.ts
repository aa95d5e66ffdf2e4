/**
 * Reading IDX files, the format of MNIST and Fashion-MNIST, plain or gzip-compressed, into a
 * {@linkcode Dataset}: uint8 images scaled by 1/255 and integer labels as class indices.
 * @module
 */
import { InputError } from "../errors.ts";
import { type Dataset, type SampleArray, sampleLength } from "./dataset.ts";
import { readInputFile } from "./read_file.ts";

/** An array read from an IDX file. */
export interface IdxArray {
  /** The values in row-major order (uint8 stays `Uint8Array`, other integers `Int32Array`). */
  data: SampleArray;
  /** Dimensions; the first counts the items. */
  shape: number[];
  /** The IDX element type. */
  type: "uint8" | "int8" | "int16" | "int32" | "float32" | "float64";
}

/** Options of {@linkcode parseIdx}. */
export interface ParseIdxOptions {
  /** The file name used in error messages; default `"data.idx"`. */
  source?: string;
}

/** Paths of an image file and its label file. */
export interface IdxFiles {
  /** IDX file of images, e.g. `train-images-idx3-ubyte.gz`. */
  images: string;
  /** IDX file of labels, e.g. `train-labels-idx1-ubyte.gz`. */
  labels: string;
}

/** Options of {@linkcode loadIdxDataset}. */
export interface LoadIdxOptions {
  /** Keep only the first `limit` samples. */
  limit?: number;
}

const TYPES: Record<number, { type: IdxArray["type"]; size: number }> = {
  0x08: { type: "uint8", size: 1 },
  0x09: { type: "int8", size: 1 },
  0x0b: { type: "int16", size: 2 },
  0x0c: { type: "int32", size: 4 },
  0x0d: { type: "float32", size: 4 },
  0x0e: { type: "float64", size: 8 },
};

/** Reads an IDX file, decompressing it first when it is gzip data (whatever its name). */
export async function loadIdx(path: string): Promise<IdxArray> {
  const bytes = await readInputFile(path, { what: "IDX file" });
  return parseIdx(await gunzipIfNeeded(bytes, path), { source: path });
}

/**
 * Reads an image file and a label file into a dataset: images as `Uint8Array` with
 * `xScale` 1/255 (other element types as they are), labels as `Int32Array` class indices with
 * `classes` = the largest label in the whole file + 1 (10 for MNIST and Fashion-MNIST).
 */
export async function loadIdxDataset(
  files: IdxFiles,
  options: LoadIdxOptions = {},
): Promise<Dataset> {
  const [images, labels] = await Promise.all([loadIdx(files.images), loadIdx(files.labels)]);
  const fail = (message: string): never => {
    throw new InputError(message, { field: files.labels });
  };
  if (images.shape.length < 2) {
    fail(
      `${files.images}: expected images (at least 2 dimensions), found shape [${
        images.shape.join(", ")
      }]: is this the label file?`,
    );
  }
  if (labels.shape.length !== 1) {
    fail(
      `${files.labels}: expected labels (1 dimension), found shape [${labels.shape.join(", ")}]` +
        ": is this the image file?",
    );
  }
  if (!(labels.data instanceof Uint8Array || labels.data instanceof Int32Array)) {
    fail(`${files.labels}: expected integer labels, found ${labels.type} values`);
  }
  const count = images.shape[0];
  if (labels.shape[0] !== count) {
    fail(
      `${files.images} has ${count} images but ${files.labels} has ${labels.shape[0]} labels: ` +
        "use the label file that belongs to the image file",
    );
  }
  let maxLabel = 0;
  for (let i = 0; i < labels.data.length; i++) {
    const label = labels.data[i];
    if (label < 0) fail(`${files.labels}: label ${i} is negative (${label})`);
    if (label > maxLabel) maxLabel = label;
  }
  let size = count;
  if (options.limit !== undefined) {
    if (!Number.isSafeInteger(options.limit) || options.limit < 1) {
      throw new InputError(`limit must be a positive integer, got ${options.limit}`, {
        field: "limit",
      });
    }
    size = Math.min(count, options.limit);
  }
  const xShape = images.shape.slice(1);
  const perImage = sampleLength(xShape);
  const x = size === count ? images.data : images.data.slice(0, size * perImage);
  const y = Int32Array.from(labels.data.subarray(0, size));
  const dataset: Dataset = {
    x,
    xShape,
    y,
    yShape: [],
    classes: maxLabel + 1,
    size,
    source: files.images,
  };
  if (images.data instanceof Uint8Array) dataset.xScale = 1 / 255;
  return dataset;
}

/** Parses the (already decompressed) bytes of an IDX file. */
export function parseIdx(bytes: Uint8Array, options: ParseIdxOptions = {}): IdxArray {
  const source = options.source ?? "data.idx";
  const fail = (message: string): never => {
    throw new InputError(`${source}: ${message}`, { field: source });
  };
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0 || !(bytes[2] in TYPES)) {
    fail(
      `not an IDX file: bad magic number 0x${hex(bytes.subarray(0, 4))}, expected ` +
        "0x0000TTNN (TT the type code 08-0E, NN the number of dimensions)",
    );
  }
  const { type, size } = TYPES[bytes[2]];
  const ndim = bytes[3];
  if (ndim === 0) fail("the header declares 0 dimensions, expected at least 1");
  const headerLength = 4 + 4 * ndim;
  if (bytes.length < headerLength) fail("file is truncated inside its header");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape: number[] = [];
  for (let d = 0; d < ndim; d++) shape.push(view.getUint32(4 + 4 * d, false));
  const count = sampleLength(shape);
  const expected = count * size;
  const found = bytes.length - headerLength;
  if (found !== expected) {
    fail(
      `expected ${expected} bytes of ${type} data for shape [${shape.join(", ")}], found ${found}` +
        (found < expected ? ": the file is truncated" : ""),
    );
  }
  let data: SampleArray;
  switch (type) {
    case "uint8":
      data = bytes.slice(headerLength);
      break;
    case "int8":
      data = Int32Array.from(new Int8Array(bytes.buffer, bytes.byteOffset + headerLength, count));
      break;
    case "int16":
      data = new Int32Array(count);
      for (let i = 0; i < count; i++) data[i] = view.getInt16(headerLength + 2 * i, false);
      break;
    case "int32":
      data = new Int32Array(count);
      for (let i = 0; i < count; i++) data[i] = view.getInt32(headerLength + 4 * i, false);
      break;
    case "float32":
      data = new Float32Array(count);
      for (let i = 0; i < count; i++) data[i] = view.getFloat32(headerLength + 4 * i, false);
      break;
    case "float64":
      data = new Float64Array(count);
      for (let i = 0; i < count; i++) data[i] = view.getFloat64(headerLength + 8 * i, false);
      break;
  }
  return { data, shape, type };
}

/** Decompresses gzip data (recognised by its magic bytes); other bytes are returned as they are. */
export async function gunzipIfNeeded(bytes: Uint8Array, source: string): Promise<Uint8Array> {
  if (bytes.length < 2 || bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes;
  try {
    const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream()
      .pipeThrough(new DecompressionStream("gzip"));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  } catch (error) {
    throw new InputError(
      `${source}: corrupt gzip data (${error instanceof Error ? error.message : error}): ` +
        "download the file again",
      { field: source, cause: error },
    );
  }
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("") || "(empty)";
}
