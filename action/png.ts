/**
 * Checking that bytes from an untrusted artifact are one PNG image and nothing else before they
 * are committed to the image branch: a size cap, the signature, an `IHDR` first with bounded
 * dimensions, an `IEND` at the very end (nothing appended), and a full decode with every
 * chunk's CRC checked (`fast-png`).
 * @module
 */
import { decode } from "fast-png";
import { InputError } from "../src/errors.ts";

/** Largest plot accepted, in bytes (the Action's plots are about 100 KB). */
export const MAX_PNG_BYTES = 2 * 1024 * 1024;

/** Largest width or height accepted, in pixels. */
export const MAX_PNG_SIDE = 4096;

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Throws an {@linkcode InputError} naming `source` unless `bytes` are one valid PNG image. */
export function checkPng(bytes: Uint8Array, source: string): void {
  const fail = (what: string): never => {
    throw new InputError(`${source} is not a valid PNG plot: ${what}`, { field: "results-dir" });
  };
  if (bytes.length > MAX_PNG_BYTES) {
    fail(`expected at most ${MAX_PNG_BYTES} bytes, got ${bytes.length}`);
  }
  if (bytes.length < 8 || SIGNATURE.some((b, i) => bytes[i] !== b)) {
    fail("expected the PNG signature at the start");
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const type = (at: number) => String.fromCharCode(...bytes.subarray(at, at + 4));
  let at = 8;
  let first = true;
  let ended = false;
  while (at < bytes.length) {
    if (ended) fail("expected nothing after the IEND chunk");
    if (at + 12 > bytes.length) fail("a chunk is cut off");
    const length = view.getUint32(at);
    const name = type(at + 4);
    if (!/^[A-Za-z]{4}$/.test(name)) fail("a chunk has an invalid type");
    if (at + 12 + length > bytes.length) fail(`chunk ${name} is cut off`);
    if (first) {
      if (name !== "IHDR" || length !== 13) fail("expected the IHDR chunk first");
      const width = view.getUint32(at + 8);
      const height = view.getUint32(at + 12);
      if (width < 1 || height < 1 || width > MAX_PNG_SIDE || height > MAX_PNG_SIDE) {
        fail(`expected at most ${MAX_PNG_SIDE}x${MAX_PNG_SIDE} pixels, got ${width}x${height}`);
      }
      first = false;
    }
    if (name === "IEND") ended = true;
    at += 12 + length;
  }
  if (!ended) fail("expected the IEND chunk at the end");
  try {
    decode(bytes, { checkCrc: true });
  } catch (error) {
    fail(`it does not decode (${error instanceof Error ? error.message : String(error)})`);
  }
}
