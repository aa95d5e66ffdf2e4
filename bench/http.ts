/**
 * Load test of the HTTP function: starts `deno task serve`'s command in a child process (or
 * uses `--url`), sends small sweeps from a few concurrent clients, and prints requests per
 * second, latency percentiles and the server's memory before and after, as a table.
 *
 * ```sh
 * deno run -A bench/http.ts                       # 1000 sweeps, 4 clients, wasm
 * deno run -A bench/http.ts --requests 200 --concurrency 1 --backend cpu
 * deno run -A bench/http.ts --url http://localhost:8000   # a server already running
 * ```
 * @module
 */
import { parseArgs } from "node:util";
import denoConfig from "../deno.json" with { type: "json" };
import { createRng, normal } from "../src/random.ts";
import { type BenchOptions, mib, table } from "./common.ts";

interface Scenario {
  name: string;
  body: string;
  headers: Record<string, string>;
  expect: number;
}

interface Measured {
  scenario: string;
  requests: number;
  concurrency: number;
  ok: number;
  busy: number;
  other: number;
  seconds: number;
  latencies: number[];
}

interface Memory {
  rss: number;
  heapUsed: number;
  tensors: number;
  tensorBytes: number;
}

/** Settings of the HTTP load test; every field has a default. */
export interface HttpBenchOptions extends BenchOptions {
  /** Sweeps sent in the main scenario (default 1000, 100 with `quick`). */
  requests?: number;
  /** Concurrent clients (default 4). */
  concurrency?: number;
  /** Steps per sweep (default 10). */
  steps?: number;
  /** Training samples per request (default 256). */
  samples?: number;
  /** Backend of the server (default wasm). */
  backend?: string;
  /** A server already running; by default one is started with `deno task serve`'s command. */
  url?: string;
}

type HttpSettings = Required<Omit<HttpBenchOptions, "url" | "quick">> & { url?: string };

/** A small classification request: 4 features, 3 classes, a 16-unit hidden layer. */
function sweepBody(settings: HttpSettings): string {
  const rng = createRng(7);
  const x: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < settings.samples; i++) {
    const label = i % 3;
    x.push(Array.from({ length: 4 }, (_, j) => (j === label ? 2 : 0) + normal(rng)));
    y.push(label);
  }
  return JSON.stringify({
    model: [{ type: "dense", units: 16, activation: "relu" }, { type: "output" }],
    data: { x, y, classes: 3 },
    batchSize: 32,
    sweep: { numIters: settings.steps },
    seed: 1,
  });
}

async function startServer(
  settings: HttpSettings,
): Promise<{ url: string; stop(): Promise<void> }> {
  const args = denoConfig.tasks.serve.split(/\s+/).slice(1);
  const script = args.pop()!;
  const child = new Deno.Command(Deno.execPath(), {
    args: [...args, "--port", "0", "--host", "127.0.0.1", script],
    cwd: new URL("..", import.meta.url).pathname,
    env: {
      LR_FINDER_BACKEND: settings.backend,
      LR_FINDER_MAX_QUEUE: String(Math.max(4, settings.concurrency)),
    },
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const decoder = new TextDecoder();
  let log = "";
  const listening = Promise.withResolvers<string>();
  const drained = child.stderr.pipeTo(
    new WritableStream({
      write(chunk) {
        log += decoder.decode(chunk, { stream: true });
        const match = /Listening on (http:\/\/127\.0\.0\.1:\d+)\//.exec(log);
        if (match) listening.resolve(match[1]);
        if (log.length > 100_000) log = log.slice(-10_000);
      },
    }),
  ).then(() => listening.reject(new Error(`the server ended:\n${log}`)));
  const url = await listening.promise;
  return {
    url,
    async stop() {
      child.kill("SIGTERM");
      await child.status;
      await drained;
    },
  };
}

async function memory(url: string): Promise<Memory> {
  const health = await (await fetch(`${url}/v1/health`)).json();
  return health.memory as Memory;
}

async function measure(
  url: string,
  scenario: Scenario,
  count: number,
  concurrency: number,
): Promise<Measured> {
  const latencies: number[] = [];
  let next = 0;
  const measured: Measured = {
    scenario: scenario.name,
    requests: count,
    concurrency,
    ok: 0,
    busy: 0,
    other: 0,
    seconds: 0,
    latencies,
  };
  const started = performance.now();
  async function client(): Promise<void> {
    while (next < count) {
      next++;
      const sent = performance.now();
      const response = await fetch(`${url}/v1/sweep`, {
        method: "POST",
        headers: { "content-type": "application/json", ...scenario.headers },
        body: scenario.body,
      });
      await response.arrayBuffer();
      latencies.push(performance.now() - sent);
      if (response.status === scenario.expect) measured.ok++;
      else if (response.status === 429) measured.busy++;
      else measured.other++;
    }
  }
  await Promise.all(Array.from({ length: concurrency }, client));
  measured.seconds = (performance.now() - started) / 1000;
  return measured;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** Runs the load test against a fresh server and returns its Markdown section. */
export async function run(options: HttpBenchOptions = {}): Promise<string> {
  const settings: HttpSettings = {
    requests: options.requests ?? (options.quick ? 100 : 1000),
    concurrency: options.concurrency ?? 4,
    steps: options.steps ?? 10,
    samples: options.samples ?? 256,
    backend: options.backend ?? "wasm",
    url: options.url,
  };
  const { requests, concurrency, steps } = settings;
  const lines = ["## HTTP function", ""];
  const server = settings.url
    ? { url: settings.url, stop: () => Promise.resolve() }
    : await startServer(settings);
  try {
    const sweep: Scenario = {
      name: `sweep, ${steps} steps (JSON)`,
      body: sweepBody(settings),
      headers: {},
      expect: 200,
    };
    const events: Scenario = {
      ...sweep,
      name: `sweep, ${steps} steps (events)`,
      headers: { accept: "text/event-stream" },
    };
    const rejected: Scenario = {
      name: "invalid request (422)",
      body: JSON.stringify({ model: [{ type: "dense", units: 0 }], data: { x: [[1]], y: [1] } }),
      headers: {},
      expect: 422,
    };
    await measure(server.url, sweep, 20, concurrency);
    const checkpoints: { done: number; memory: Memory }[] = [
      { done: 0, memory: await memory(server.url) },
    ];
    const parts: Measured[] = [];
    for (let quarter = 1; quarter <= 4; quarter++) {
      const count = Math.round((requests * quarter) / 4) -
        Math.round((requests * (quarter - 1)) / 4);
      parts.push(await measure(server.url, sweep, count, concurrency));
      checkpoints.push({
        done: checkpoints[checkpoints.length - 1].done + count,
        memory: await memory(server.url),
      });
    }
    const results = [{
      ...parts[0],
      requests,
      ok: parts.reduce((n, p) => n + p.ok, 0),
      busy: parts.reduce((n, p) => n + p.busy, 0),
      other: parts.reduce((n, p) => n + p.other, 0),
      seconds: parts.reduce((n, p) => n + p.seconds, 0),
      latencies: parts.flatMap((p) => p.latencies),
    }];
    results.push(await measure(server.url, events, Math.min(requests, 200), concurrency));
    results.push(await measure(server.url, rejected, requests, concurrency));

    const load = await Deno.readTextFile("/proc/loadavg").catch(() => "n/a");
    lines.push(
      `The server (\`deno task serve\`'s command, backend ${settings.backend}) answers ` +
        `${concurrency} concurrent clients; each sweep request trains a 16-unit MLP on ` +
        `${settings.samples} samples for ${steps} steps. Load average at the end: ` +
        `${load.split(" ").slice(0, 3).join(" ")}.`,
      "",
    );
    lines.push(table(
      [
        "scenario",
        "requests",
        "ok",
        "429",
        "other",
        "req/s",
        "p50 ms",
        "p90 ms",
        "p99 ms",
        "max ms",
      ],
      results.map((r) => {
        const sorted = [...r.latencies].sort((a, b) => a - b);
        return [
          r.scenario,
          String(r.requests),
          String(r.ok),
          String(r.busy),
          String(r.other),
          (r.requests / r.seconds).toFixed(1),
          ...[50, 90, 99, 100].map((p) => percentile(sorted, p).toFixed(1)),
        ];
      }),
    ));
    lines.push("");
    lines.push(table(
      ["server memory after", "rss (MiB)", "JS heap used (MiB)", "tensors", "tensor bytes"],
      checkpoints.map(({ done, memory }) => [
        `${done} sweeps`,
        mib(memory.rss),
        mib(memory.heapUsed),
        String(memory.tensors),
        String(memory.tensorBytes),
      ]),
    ));
    const [first, last] = [checkpoints[0].memory, checkpoints[checkpoints.length - 1].memory];
    lines.push(
      `\nChange over ${requests} sweeps: rss ${mib(last.rss - first.rss)} MiB, JS heap ` +
        `${
          mib(last.heapUsed - first.heapUsed)
        } MiB (not collected yet: the heap is not forced to GC), ` +
        `tensors ${last.tensors - first.tensors}`,
    );
  } finally {
    await server.stop();
  }
  return lines.join("\n");
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      requests: { type: "string" },
      concurrency: { type: "string" },
      steps: { type: "string" },
      samples: { type: "string" },
      backend: { type: "string" },
      url: { type: "string" },
      quick: { type: "boolean" },
    },
  });
  const number = (value: string | undefined) => value === undefined ? undefined : Number(value);
  console.log(
    await run({
      requests: number(values.requests),
      concurrency: number(values.concurrency),
      steps: number(values.steps),
      samples: number(values.samples),
      backend: values.backend,
      url: values.url,
      quick: values.quick,
    }),
  );
}
