/**
 * Starting the HTTP function on a free port for the tests, with small limits and request
 * bodies that keep sweeps tiny (the tests share two cores). Each server has its own sweep
 * worker process; the worker's TensorFlow.js memory is read from `/v1/health`.
 * @module
 */
import denoConfig from "../deno.json" with { type: "json" };
import { createHandler, type HandlerOptions, type SweepRecord } from "../functions/handler.ts";
import type { HealthStatus } from "../functions/health.ts";
import type { Limits } from "../functions/limits.ts";
import type { PoolTimers } from "../functions/worker_pool.ts";
import { blobs } from "./helpers.ts";

/** A running server. */
export interface TestServer {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  url: string;
  /** Sweeps that ended, in order. */
  records: SweepRecord[];
  /** Resolves once `count` sweeps have ended. */
  sweepsEnded(count: number): Promise<void>;
  /** The health report, fetched over HTTP. */
  health(): Promise<HealthStatus>;
  /** Resolves once the sweep worker is ready. */
  ready(): Promise<void>;
  /** Stops the server and its worker and waits until both have stopped. */
  close(): Promise<void>;
}

/** Options of {@linkcode startServer}. */
export interface StartServerOptions extends Omit<HandlerOptions, "limits"> {
  /** Limits of the server. */
  limits?: Partial<Limits>;
}

/** Starts the handler with `Deno.serve` on a free port of 127.0.0.1 (wasm backend). */
export function startServer(options: StartServerOptions = {}): TestServer {
  const records: SweepRecord[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  const handler = createHandler({
    backend: "wasm",
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
  const url = `http://127.0.0.1:${server.addr.port}`;
  return {
    url,
    records,
    sweepsEnded(count: number) {
      if (records.length >= count) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ count, resolve }));
    },
    ready: () => handler.ready(),
    async health() {
      return await (await fetch(`${url}/v1/health`)).json() as HealthStatus;
    },
    async close() {
      await server.shutdown();
      await handler.close();
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
  server: { url: string },
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

/** The worker's tensors and variables after its last job (0 and 0 for a clean worker). */
export async function workerMemory(
  server: TestServer,
): Promise<{ tensors: number; variables: number }> {
  await server.ready();
  const { worker } = await server.health();
  return { tensors: worker.tensors ?? -1, variables: worker.variables ?? -1 };
}

/** Splits an event stream into its events. */
export function parseEvents(text: string): { event: string; data: string }[] {
  return text.split("\n\n").filter((block) => block.trim() !== "").map((block) => {
    let event = "message";
    const data: string[] = [];
    for (const line of block.split("\n")) {
      if (line.startsWith("event: ")) event = line.slice(7);
      if (line.startsWith("data: ")) data.push(line.slice(6));
    }
    return { event, data: data.join("\n") };
  });
}

/** Reads problem+json and checks its shape. */
export async function problemOf(response: Response): Promise<Record<string, unknown>> {
  const type = response.headers.get("content-type");
  if (type !== "application/problem+json") {
    throw new Error(`expected problem+json, got ${type}: ${await response.text()}`);
  }
  const problem = await response.json();
  if (problem.status !== response.status || problem.type !== "about:blank") {
    throw new Error(`malformed problem: ${JSON.stringify(problem)}`);
  }
  return problem;
}

/** `deno task serve` running in a child process. */
export interface ServeProcess {
  /** Base URL. */
  url: string;
  /** Its stderr so far. */
  log(): string;
  /** Its health report. */
  health(): Promise<HealthStatus>;
  /** Stops it (SIGTERM) and waits for it and its worker to end. */
  stop(): Promise<void>;
}

/** `deno task serve`'s command on a free port of 127.0.0.1, its stderr collected. */
export function spawnServe(env: Record<string, string>): {
  child: Deno.ChildProcess;
  output: { log: string };
  listening: Promise<string>;
  finished: Promise<void>;
} {
  const args = denoConfig.tasks.serve.split(/\s+/).slice(1);
  const child = new Deno.Command(Deno.execPath(), {
    args: [...args, "--port", "0", "--host", "127.0.0.1"],
    cwd: new URL("..", import.meta.url).pathname,
    env,
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const decoder = new TextDecoder();
  const output = { log: "" };
  const listening = Promise.withResolvers<string>();
  const finished = child.stderr.pipeTo(
    new WritableStream({
      write(chunk) {
        output.log += decoder.decode(chunk, { stream: true });
        const match = /Listening on (http:\/\/127\.0\.0\.1:\d+)\//.exec(output.log);
        if (match) listening.resolve(match[1]);
      },
    }),
  ).then(() => listening.reject(new Error(`the server ended:\n${output.log}`)));
  listening.promise.catch(() => {});
  return { child, output, listening: listening.promise, finished };
}

/** Starts `deno task serve` and waits until it listens and its worker is ready. */
export async function startServeProcess(env: Record<string, string> = {}): Promise<ServeProcess> {
  const serve = spawnServe({ LR_FINDER_BACKEND: "wasm", ...env });
  const url = await serve.listening;
  const health = async () => await (await fetch(`${url}/v1/health`)).json() as HealthStatus;
  while ((await health()).worker.state !== "ready") {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    url,
    log: () => serve.output.log,
    health,
    async stop() {
      serve.child.kill("SIGTERM");
      await serve.child.status;
      await serve.finished;
    },
  };
}

/** Timers that fire only when the test says so: `fire(ms)` runs those set for `ms`. */
export function manualTimers(): PoolTimers & { fire(ms: number): void } {
  const pending = new Map<number, { callback: () => void; ms: number }>();
  let next = 1;
  return {
    setTimeout(callback, ms) {
      pending.set(next, { callback, ms });
      return next++;
    },
    clearTimeout(handle) {
      pending.delete(handle as number);
    },
    fire(ms) {
      for (const [handle, timer] of [...pending]) {
        if (timer.ms !== ms) continue;
        pending.delete(handle);
        timer.callback();
      }
    },
  };
}

/** A Keras Sequential topology whose first layer takes samples of `inputShape`. */
export function sequential(inputShape: number[], layers: Record<string, unknown>[]) {
  const [first, ...rest] = layers;
  const firstConfig = { ...(first.config as object), batch_input_shape: [null, ...inputShape] };
  return {
    class_name: "Sequential",
    config: { name: "test", layers: [{ ...first, config: firstConfig }, ...rest] },
  };
}

/** A Keras layer `{class_name, config}`. */
export function layer(className: string, config: Record<string, unknown> = {}) {
  return { class_name: className, config };
}
