/**
 * Parsing request bodies off the server's thread: {@linkcode createRequestParser} keeps one Web
 * Worker (`parse_worker.ts`) that decodes, parses and validates each body and sends back the
 * sweep job with its arrays transferred, not copied. A request's mistakes come back as the same
 * errors the handler would have thrown itself (400, 422 with every field, 413).
 * @module
 */
import { ConfigError } from "../src/validation.ts";
import { InputError, isInputError } from "../src/errors.ts";
import type { Limits } from "./limits.ts";
import { type FieldProblem, HttpError } from "./problem.ts";
import type { SweepJob } from "./request.ts";

/** An error as plain data, to cross a thread. */
export type SerializedError =
  | {
    kind: "http";
    status: number;
    message: string;
    errors?: FieldProblem[];
    headers: Record<string, string>;
  }
  | { kind: "config"; issues: { path: string; message: string }[] }
  | { kind: "input"; message: string; field?: string }
  | { kind: "bug"; message: string; stack?: string };

/** The parsing thread's answer to one body. */
export type ParseReply = { id: number; job: SweepJob } | { id: number; error: SerializedError };

/** An error as plain data (an `HttpError`, a user's mistake, or a bug). */
export function serializeError(error: unknown): SerializedError {
  if (error instanceof HttpError) {
    return {
      kind: "http",
      status: error.status,
      message: error.message,
      errors: error.errors,
      headers: error.headers,
    };
  }
  if (error instanceof ConfigError) return { kind: "config", issues: error.issues };
  if (isInputError(error)) {
    return { kind: "input", message: error.message, field: (error as InputError).field };
  }
  const bug = error instanceof Error ? error : new Error(String(error));
  return { kind: "bug", message: bug.message, stack: bug.stack };
}

/** The error a serialized error stands for. */
export function deserializeError(error: SerializedError): Error {
  switch (error.kind) {
    case "http":
      return new HttpError(error.status, error.message, {
        errors: error.errors,
        headers: error.headers,
      });
    case "config":
      return new ConfigError(error.issues);
    case "input":
      return new InputError(error.message, { field: error.field });
    case "bug": {
      const bug = new Error(`parsing thread: ${error.message}`);
      if (error.stack) bug.stack = error.stack;
      return bug;
    }
  }
}

/** Parses request bodies on a worker thread. */
export interface RequestParser {
  /** The sweep job of a body (its buffer is handed over: the caller must not use it after). */
  parse(bytes: Uint8Array, limits: Limits): Promise<SweepJob>;
  /** Stops the thread. */
  close(): void;
}

/** Starts the parsing thread. */
export function createRequestParser(): RequestParser {
  const worker = new Worker(new URL("./parse_worker.ts", import.meta.url), { type: "module" });
  const pending = new Map<number, PromiseWithResolvers<SweepJob>>();
  let nextId = 1;
  worker.onmessage = (event: MessageEvent<ParseReply>) => {
    const reply = event.data;
    const waiting = pending.get(reply.id);
    if (!waiting) return;
    pending.delete(reply.id);
    if ("job" in reply) waiting.resolve(reply.job);
    else waiting.reject(deserializeError(reply.error));
  };
  worker.onerror = (event) => {
    event.preventDefault();
    for (const waiting of pending.values()) {
      waiting.reject(new Error(`the parsing thread failed: ${event.message}`));
    }
    pending.clear();
  };
  return {
    parse(bytes, limits) {
      const id = nextId++;
      const waiting = Promise.withResolvers<SweepJob>();
      pending.set(id, waiting);
      // The view travels with its whole buffer, handed over rather than copied.
      worker.postMessage({ id, bytes, limits }, [bytes.buffer as ArrayBuffer]);
      return waiting.promise;
    },
    close() {
      worker.terminate();
      for (const waiting of pending.values()) {
        waiting.reject(new Error("the server is shutting down"));
      }
      pending.clear();
    },
  };
}
