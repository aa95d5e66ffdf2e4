/**
 * Starting the HTTP function on a free port for the tests, with small limits and request
 * bodies that keep sweeps tiny (the tests share two cores).
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { setupBackend } from "../src/backend.ts";
import { createHandler, type HandlerOptions, type SweepRecord } from "../functions/handler.ts";
import type { Limits } from "../functions/limits.ts";
import { blobs } from "./helpers.ts";

/** The backend of every test server (started once). */
export const backend = await setupBackend("wasm");

/** A running server. */
export interface TestServer {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  url: string;
  /** Sweeps that ended, in order. */
  records: SweepRecord[];
  /** Resolves once `count` sweeps have ended (rejects after `timeoutMs`). */
  sweepsEnded(count: number, timeoutMs?: number): Promise<void>;
  /** Stops the server and waits until it has stopped. */
  close(): Promise<void>;
}

/** Options of {@linkcode startServer}. */
export interface StartServerOptions extends Omit<Partial<HandlerOptions>, "limits"> {
  /** Limits of the server. */
  limits?: Partial<Limits>;
}

/** Starts the handler with `Deno.serve` on a free port of 127.0.0.1. */
export function startServer(options: StartServerOptions = {}): TestServer {
  const records: SweepRecord[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  const handler = createHandler({
    backend,
    ...options,
    onSweepEnd(record) {
      records.push(record);
      options.onSweepEnd?.(record);
      for (const waiter of waiters.filter((w) => records.length >= w.count)) waiter.resolve();
    },
  });
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    handler.fetch,
  );
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    records,
    sweepsEnded(count: number, timeoutMs = 60_000) {
      if (records.length >= count) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`only ${records.length} of ${count} sweeps ended`)),
          timeoutMs,
        );
        waiters.push({
          count,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        });
      });
    },
    async close() {
      await server.shutdown();
    },
  };
}

/** Samples of a small three-class dataset as plain arrays. */
export function smallData(size = 48): { x: number[][]; y: number[] } {
  const data = blobs(size, 2, 3, 5);
  const x: number[][] = [];
  for (let i = 0; i < size; i++) x.push([data.x[2 * i], data.x[2 * i + 1]]);
  return { x, y: Array.from(data.y) };
}

/** A valid request: a tiny model, a small dataset, a short sweep. */
export function smallRequest(): Record<string, unknown> {
  const { x, y } = smallData();
  return {
    model: [{ type: "dense", units: 8, activation: "relu" }, { type: "output" }],
    data: { x, y, classes: 3 },
    batchSize: 16,
    sweep: { numIters: 12 },
    seed: 1,
  };
}

/** POSTs a JSON body (an object is serialised) to `/v1/sweep`. */
export function postSweep(
  server: TestServer,
  body: unknown,
  headers: Record<string, string> = {},
  signal?: AbortSignal,
): Promise<Response> {
  return fetch(`${server.url}/v1/sweep`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
    signal,
  });
}

/** Number of tensors when no request is being served. */
export function tensorCount(): number {
  return tf.memory().numTensors;
}
