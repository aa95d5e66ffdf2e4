/**
 * The parsing thread: a Web Worker that turns a request body's bytes into a sweep job (UTF-8,
 * JSON, the request's schema, the data's typed arrays), so that a 4 MB body's parse and
 * validation never hold up the server's thread, where `/v1/health` is answered. The body was
 * counted while it arrived (`json_scan.ts`), so the work here is bounded. Started by
 * `parser.ts`; errors travel as plain data and are rebuilt there.
 * @module
 */
/// <reference lib="deno.worker" />
import { decodeUtf8, parseJsonBody } from "./body.ts";
import type { Limits } from "./limits.ts";
import { type ParseReply, serializeError } from "./parser.ts";
import { parseSweepRequest } from "./request.ts";

/** Bodies from this size on are followed by a full garbage collection, when V8 exposes it. */
const COLLECT_AFTER_BYTES = 1024 * 1024;

self.onmessage = (event: MessageEvent<{ id: number; bytes: Uint8Array; limits: Limits }>) => {
  const { id, bytes, limits } = event.data;
  try {
    const job = parseSweepRequest(parseJsonBody(decodeUtf8(bytes)), limits);
    const reply: ParseReply = { id, job };
    self.postMessage(reply, [job.data.x.buffer, job.data.y.buffer] as Transferable[]);
  } catch (error) {
    const reply: ParseReply = { id, error: serializeError(error) };
    self.postMessage(reply);
  }
  // A large body leaves tens of MB of garbage that V8 would let the heap grow around; with
  // `--expose-gc` (as `deno task serve` runs) it is collected at once, off the server's thread.
  const collect = (globalThis as { gc?: () => void }).gc;
  if (bytes.byteLength >= COLLECT_AFTER_BYTES && collect) collect();
};
