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

self.onmessage = (event: MessageEvent<{ id: number; bytes: Uint8Array; limits: Limits }>) => {
  const { id, bytes, limits } = event.data;
  let reply: ParseReply;
  try {
    const job = parseSweepRequest(parseJsonBody(decodeUtf8(bytes)), limits);
    reply = { id, job };
    self.postMessage(reply, [job.data.x.buffer, job.data.y.buffer] as Transferable[]);
    return;
  } catch (error) {
    reply = { id, error: serializeError(error) };
  }
  self.postMessage(reply);
};
