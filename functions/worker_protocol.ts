/**
 * The messages between the server and its sweep worker (a child process), and their framing on
 * the worker's stdin and stdout: each frame is two little-endian 32-bit lengths, a JSON header
 * and binary attachments (the data's typed arrays, a rendered PNG). The result travels as the
 * result JSON's text, so the protocol carries whatever fields the result has.
 * @module
 */
import type { Dataset, SampleArray } from "../src/data/dataset.ts";
import type { SweepProgress } from "../src/sweep.ts";
import type { VerifyProgress } from "../src/sweep_options.ts";
import type { SweepFormat } from "./negotiate.ts";
import type { SweepJob } from "./request.ts";
import type { VerifyBudget } from "./verify_budget.ts";

/** Largest frame either side accepts (a job's data is at most the body limit as float32). */
export const MAX_FRAME_BYTES = 512 * 1024 * 1024;

/** What a worker says about its own memory and TensorFlow.js state. */
export interface WorkerStats {
  /** `tf.memory().numTensors`. */
  tensors: number;
  /** Registered TensorFlow.js variables. */
  variables: number;
  /** Resident memory of the worker process in bytes. */
  rss: number;
}

/** The budgets the worker checks once the model is built. */
export interface JobBudget {
  /** Most parameters. */
  maxParams: number;
  /** Most estimated bytes of one training step. */
  maxStepBytes: number;
  /** Most estimated floating-point operations of one training step. */
  maxStepFlops: number;
}

/** The dataset's fields that are not arrays. */
type DatasetMeta = Omit<Dataset, "x" | "y"> & { xType: ArrayType; yType: ArrayType };

type ArrayType = "f32" | "f64" | "u8" | "i32";

/** A job as it travels: the sweep job without its arrays, which follow as attachments. */
export interface WireJob {
  /** The checked topology and the origins of its layers. */
  topology: SweepJob["topology"];
  /** Options of the sweep. */
  options: SweepJob["options"];
  /** The data's shape, classes and source. */
  data: DatasetMeta;
  /** The representation to render. */
  format: SweepFormat;
  /** Budgets checked before the first step. */
  budget: JobBudget;
  /** What the server changed about verification to fit its budget, said in the answer. */
  verifyBudget?: VerifyBudget;
}

/** Server to worker. */
export type ToWorker =
  | { type: "job"; id: number; job: WireJob }
  | { type: "abort"; id: number };

/** Why a job failed in the worker. */
export interface WorkerFailure {
  /**
   * `input`: the request's fault, already a clear message (422); `memory`: an allocation failed;
   * `trap`: the backend failed (a wasm trap); `aborted`: the server asked it to stop;
   * `model`: TensorFlow.js failed on the request's model while building or training it;
   * `internal`: the worker could not take the job.
   */
  kind: "input" | "memory" | "trap" | "aborted" | "model" | "internal";
  /** The error's message. */
  message: string;
  /** The field an input error is about. */
  field?: string;
  /** Every field problem of a config error. */
  issues?: { path: string; message: string }[];
}

/** Worker to server. */
export type FromWorker =
  | { type: "ready"; backend: { name: string; reason: string }; stats: WorkerStats }
  | { type: "progress"; id: number; progress: SweepProgress }
  | { type: "verify-progress"; id: number; progress: VerifyProgress }
  | {
    type: "done";
    id: number;
    resultJson: string;
    stopReason: string;
    steps: number;
    stats: WorkerStats;
  }
  | { type: "failed"; id: number; failure: WorkerFailure; stats: WorkerStats };

/** A message and its binary attachments. */
export interface Frame<T> {
  /** The JSON part. */
  message: T;
  /** The binary parts, in order. */
  attachments: Uint8Array[];
}

const HEADER_BYTES = 8;

/** Encodes a frame: lengths, `{message, sizes}` as JSON, then the attachments. */
export function encodeFrame(message: unknown, attachments: readonly Uint8Array[] = []): Uint8Array {
  const header = new TextEncoder().encode(
    JSON.stringify({ message, sizes: attachments.map((a) => a.byteLength) }),
  );
  const body = attachments.reduce((sum, a) => sum + a.byteLength, 0);
  const frame = new Uint8Array(HEADER_BYTES + header.byteLength + body);
  const view = new DataView(frame.buffer);
  view.setUint32(0, header.byteLength, true);
  view.setUint32(4, body, true);
  frame.set(header, HEADER_BYTES);
  let offset = HEADER_BYTES + header.byteLength;
  for (const attachment of attachments) {
    frame.set(attachment, offset);
    offset += attachment.byteLength;
  }
  return frame;
}

/** Splits a byte stream into frames; a frame over `maxFrameBytes` or malformed throws. */
export async function* readFrames<T>(
  stream: ReadableStream<Uint8Array>,
  maxFrameBytes = MAX_FRAME_BYTES,
): AsyncGenerator<Frame<T>> {
  let buffer = new Uint8Array(64 * 1024);
  let length = 0;
  for await (const chunk of stream) {
    if (length + chunk.byteLength > buffer.byteLength) {
      const grown = new Uint8Array(Math.max(buffer.byteLength * 2, length + chunk.byteLength));
      grown.set(buffer.subarray(0, length));
      buffer = grown;
    }
    buffer.set(chunk, length);
    length += chunk.byteLength;
    let start = 0;
    while (length - start >= HEADER_BYTES) {
      const view = new DataView(buffer.buffer, buffer.byteOffset + start, HEADER_BYTES);
      const headerLength = view.getUint32(0, true);
      const bodyLength = view.getUint32(4, true);
      const total = HEADER_BYTES + headerLength + bodyLength;
      if (total > maxFrameBytes) {
        throw new Error(`a frame of ${total} bytes is over the limit of ${maxFrameBytes}`);
      }
      if (length - start < total) break;
      yield decodeFrame<T>(buffer.slice(start, start + total), headerLength);
      start += total;
    }
    if (start > 0) {
      buffer.copyWithin(0, start, length);
      length -= start;
    }
  }
  if (length > 0) throw new Error(`the stream ended inside a frame (${length} bytes left)`);
}

function decodeFrame<T>(frame: Uint8Array, headerLength: number): Frame<T> {
  const header = JSON.parse(
    new TextDecoder().decode(frame.subarray(HEADER_BYTES, HEADER_BYTES + headerLength)),
  ) as { message: T; sizes: number[] };
  const attachments: Uint8Array[] = [];
  let offset = HEADER_BYTES + headerLength;
  for (const size of header.sizes) {
    attachments.push(frame.subarray(offset, offset + size));
    offset += size;
  }
  if (offset !== frame.byteLength) throw new Error("a frame's attachments do not add up");
  return { message: header.message, attachments };
}

/** The job of a parsed request as a message and its attachments (the data's arrays). */
export function jobFrame(
  id: number,
  job: SweepJob,
  options: { format: SweepFormat; budget: JobBudget },
): Frame<ToWorker> {
  const { x, y, ...meta } = job.data;
  return {
    message: {
      type: "job",
      id,
      job: {
        topology: job.topology,
        options: job.options,
        data: { ...meta, xType: arrayType(x), yType: arrayType(y) },
        format: options.format,
        budget: options.budget,
        ...(job.verifyBudget ? { verifyBudget: job.verifyBudget } : {}),
      },
    },
    attachments: [bytesOf(x), bytesOf(y)],
  };
}

/** The dataset of a job frame, its arrays rebuilt from the attachments. */
export function datasetOf(job: WireJob, attachments: readonly Uint8Array[]): Dataset {
  const { xType, yType, ...meta } = job.data;
  if (attachments.length !== 2) throw new Error("a job needs the x and y arrays");
  return { ...meta, x: arrayOf(xType, attachments[0]), y: arrayOf(yType, attachments[1]) };
}

function arrayType(array: SampleArray): ArrayType {
  if (array instanceof Float32Array) return "f32";
  if (array instanceof Float64Array) return "f64";
  if (array instanceof Uint8Array) return "u8";
  return "i32";
}

function bytesOf(array: SampleArray): Uint8Array {
  return new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
}

function arrayOf(type: ArrayType, bytes: Uint8Array): SampleArray {
  const copy = bytes.slice();
  switch (type) {
    case "f32":
      return new Float32Array(copy.buffer);
    case "f64":
      return new Float64Array(copy.buffer);
    case "u8":
      return copy;
    case "i32":
      return new Int32Array(copy.buffer);
  }
}
