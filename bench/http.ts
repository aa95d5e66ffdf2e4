/**
 * Load test of the HTTP function: starts `deno task serve`'s command in a child process (or
 * uses `--url`), sends small sweeps from a few concurrent clients while a prober measures
 * `/v1/health`, then does the same under an attack mix (the hostile requests of issue 11,
 * mutated topologies, 7.8 MB bodies of one-element rows, slow connections), and prints requests
 * per second, latency percentiles, health latency and the memory of the server and of its sweep
 * worker, side by side. It also measures what a worker costs to start and to replace.
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
import type { HealthStatus } from "../functions/health.ts";
import { createRng, normal } from "../src/random.ts";
import { ATTACKS, millionRowsBody } from "../tests/functions_attacks.ts";
import { topologyCases } from "../tests/functions_topology_fuzz.ts";
import type { CpuKernelsInfo, LrFinderResult } from "../src/result.ts";
import { type BenchOptions, machineLine, mib, table } from "./common.ts";

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

/** Health latencies and memory seen by the prober during one phase. */
interface Probe {
  phase: string;
  latencies: number[];
  failures: number;
  peakServerRss: number;
  peakWorkerRss: number;
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
  /** Hostile requests in the attack mix (default 600, 120 with `quick`). */
  attacks?: number;
  /** Slow connections held open during the attack (default 200). */
  slowConnections?: number;
}

type HttpSettings = Required<Omit<HttpBenchOptions, "url" | "quick" | "curves">> & { url?: string };

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
    // The server around a sweep is measured here; what verification costs is the core's
    // training, measured by bench/quality.ts.
    verify: false,
  });
}

async function startServer(
  settings: HttpSettings,
): Promise<{ url: string; stop(): Promise<void> }> {
  const args = denoConfig.tasks.serve.split(/\s+/).slice(1);
  const child = new Deno.Command(Deno.execPath(), {
    args: [...args, "--port", "0", "--host", "127.0.0.1"],
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

async function health(url: string): Promise<HealthStatus> {
  return await (await fetch(`${url}/v1/health`)).json() as HealthStatus;
}

async function untilReady(url: string): Promise<HealthStatus> {
  for (;;) {
    const status = await health(url);
    if (status.worker.state === "ready" || status.worker.state === "busy") return status;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The CPU kernels of the sweep worker, as one sweep's answer records them. */
async function workerKernels(url: string, body: string): Promise<CpuKernelsInfo | undefined> {
  const response = await fetch(`${url}/v1/sweep`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body,
  });
  if (!response.ok) {
    await response.body?.cancel();
    return undefined;
  }
  return (await response.json() as LrFinderResult).settings.cpuKernels;
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

/**
 * Probes `/v1/health` every 20 ms until `done` resolves, from a child process of its own so
 * that the latencies are the server's, not this process's event loop (busy sending attacks).
 */
async function probeHealth(url: string, phase: string, done: Promise<unknown>): Promise<Probe> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-net", new URL(import.meta.url).pathname, "--probe", url],
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const output = child.output();
  await done;
  await child.stdin.close();
  const { stdout } = await output;
  return { phase, ...JSON.parse(new TextDecoder().decode(stdout)) };
}

/** The probe child: health every 20 ms until stdin closes, then the figures as JSON. */
async function runProbe(url: string): Promise<void> {
  const probe = { latencies: [] as number[], failures: 0, peakServerRss: 0, peakWorkerRss: 0 };
  let finished = false;
  (async () => {
    for await (const _ of Deno.stdin.readable) {
      // Nothing is sent; the stream ends when the parent is done.
    }
    finished = true;
  })();
  while (!finished) {
    const started = performance.now();
    try {
      const status = await health(url);
      probe.latencies.push(performance.now() - started);
      probe.peakServerRss = Math.max(probe.peakServerRss, status.memory.rss);
      probe.peakWorkerRss = Math.max(probe.peakWorkerRss, status.worker.rss ?? 0);
    } catch {
      probe.failures++;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  console.log(JSON.stringify(probe));
}

/** The hostile requests of the attack mix, in a seeded order. */
function attackBodies(count: number): { name: string; body: string }[] {
  const rng = createRng(11);
  const rows = millionRowsBody();
  const topologies = topologyCases(count, 5);
  return Array.from({ length: count }, (_, i) => {
    const pick = rng();
    if (pick < 0.5) return { name: "mutated topology", body: topologies[i].body };
    if (pick < 0.6) return { name: "1.95M one-element rows", body: rows };
    const attack = ATTACKS[Math.floor(rng() * ATTACKS.length)];
    return { name: attack.name, body: attack.body };
  });
}

/** Opens connections that send half a request head and wait; the server closes them. */
async function slowConnections(url: string, count: number): Promise<Deno.TcpConn[]> {
  const { hostname, port } = new URL(url);
  const head = new TextEncoder().encode("POST /v1/sweep HTTP/1.1\r\nHost: x\r\n");
  const conns: Deno.TcpConn[] = [];
  for (let i = 0; i < count; i++) {
    const conn = await Deno.connect({ hostname, port: Number(port) });
    await conn.write(head).catch(() => {});
    conns.push(conn);
  }
  return conns;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function latencyRow(name: string, latencies: number[]): string[] {
  const sorted = [...latencies].sort((a, b) => a - b);
  return [
    name,
    String(sorted.length),
    ...[50, 90, 99, 100].map((p) => percentile(sorted, p).toFixed(1)),
  ];
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
    attacks: options.attacks ?? (options.quick ? 120 : 600),
    slowConnections: options.slowConnections ?? 200,
  };
  const { requests, concurrency, steps } = settings;
  const lines = ["## HTTP function", ""];
  const server = settings.url
    ? { url: settings.url, stop: () => Promise.resolve() }
    : await startServer(settings);
  try {
    const started = await untilReady(server.url);
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
    const kernels = await workerKernels(server.url, sweep.body);
    const checkpoints: { done: number; memory: HealthStatus }[] = [
      { done: 0, memory: await health(server.url) },
    ];
    const parts: Measured[] = [];
    const normalLoad = (async () => {
      for (let quarter = 1; quarter <= 4; quarter++) {
        const count = Math.round((requests * quarter) / 4) -
          Math.round((requests * (quarter - 1)) / 4);
        parts.push(await measure(server.url, sweep, count, concurrency));
        checkpoints.push({
          done: checkpoints[checkpoints.length - 1].done + count,
          memory: await health(server.url),
        });
      }
    })();
    const normalProbe = await probeHealth(server.url, "normal load (sweeps)", normalLoad);
    await normalLoad;
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

    // The attack mix: hostile requests from as many clients as sweep clients, sweeps going on,
    // slow connections held open, the prober measuring health all along.
    const beforeAttack = await health(server.url);
    const bodies = attackBodies(settings.attacks);
    const statuses = new Map<number, number>();
    let next = 0;
    const attacker = async () => {
      while (next < bodies.length) {
        const { body } = bodies[next++];
        const response = await fetch(`${server.url}/v1/sweep`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body,
        });
        await response.arrayBuffer();
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      }
    };
    const slow = await slowConnections(server.url, settings.slowConnections);
    const attackStarted = performance.now();
    const sweepsDuringAttack = { ok: 0, other: 0 };
    let attacking = true;
    const attack = Promise.all(Array.from({ length: concurrency }, attacker)).then(() => {
      attacking = false;
    });
    const sweeper = (async () => {
      while (attacking) {
        const response = await fetch(`${server.url}/v1/sweep`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: sweep.body,
        });
        await response.arrayBuffer();
        if (response.status === 200) sweepsDuringAttack.ok++;
        else sweepsDuringAttack.other++;
      }
    })();
    const attackProbe = await probeHealth(
      server.url,
      "attack mix (hostile requests, sweeps, slow connections)",
      Promise.all([attack, sweeper]),
    );
    const attackSeconds = (performance.now() - attackStarted) / 1000;
    for (const conn of slow) {
      try {
        conn.close();
      } catch {
        // Closed by the server's header timeout already.
      }
    }
    const afterAttack = await untilReady(server.url);

    // What a worker costs: spawn to ready, and a replacement after a kill.
    let replacementMs = NaN;
    if (!settings.url && afterAttack.worker.pid) {
      const killed = performance.now();
      Deno.kill(afterAttack.worker.pid, "SIGKILL");
      for (;;) {
        const status = await health(server.url);
        if (status.worker.pid !== afterAttack.worker.pid && status.worker.state === "ready") break;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      replacementMs = performance.now() - killed;
    }

    const load = await Deno.readTextFile("/proc/loadavg").catch(() => "n/a");
    lines.push(
      `The server (\`deno task serve\`'s command, backend ${settings.backend}) answers ` +
        `${concurrency} concurrent clients; each sweep request trains a 16-unit MLP on ` +
        `${settings.samples} samples for ${steps} steps in the sweep worker. Machine (with the sweep worker's kernels): ${
          kernels ? machineLine(kernels) : "kernels not reported"
        }. Load average at the end: ${load.split(" ").slice(0, 3).join(" ")}.`,
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
      ["server memory after", "server rss (MiB)", "JS heap used (MiB)", "worker rss (MiB)"],
      checkpoints.map(({ done, memory }) => [
        `${done} sweeps`,
        mib(memory.memory.rss),
        mib(memory.memory.heapUsed),
        mib(memory.worker.rss),
      ]),
    ));
    const [first, last] = [checkpoints[0].memory, checkpoints[checkpoints.length - 1].memory];
    lines.push(
      `\nChange over ${requests} sweeps: server rss ${
        mib(last.memory.rss - first.memory.rss)
      } MiB, worker rss ${mib((last.worker.rss ?? 0) - (first.worker.rss ?? 0))} MiB, ` +
        `worker tensors ${last.worker.tensors}, worker restarts ${last.worker.restarts}.`,
      "",
    );
    lines.push(
      `Attack mix: ${bodies.length} hostile requests (half mutated topologies, a tenth 7.8 MB ` +
        `bodies of 1.95M one-element rows, the rest the issue's table) from ${concurrency} ` +
        `clients, one client sweeping meanwhile, ${settings.slowConnections} slow connections ` +
        `open; ${attackSeconds.toFixed(1)} s. Answers: ${
          [...statuses].sort((a, b) => a[0] - b[0]).map(([s, n]) => `${n} x ${s}`).join(", ")
        }; sweeps during the attack: ${sweepsDuringAttack.ok} answered 200, ` +
        `${sweepsDuringAttack.other} other.`,
      "",
    );
    lines.push(table(
      ["/v1/health while", "probes", "p50 ms", "p90 ms", "p99 ms", "max ms"],
      [normalProbe, attackProbe].map((p) => latencyRow(p.phase, p.latencies)),
    ));
    lines.push("");
    lines.push(table(
      ["memory", "server rss (MiB)", "worker rss (MiB)", "worker restarts", "worker tensors"],
      [
        [
          "at start",
          mib(started.memory.rss),
          mib(started.worker.rss),
          String(started.worker.restarts),
          String(started.worker.tensors),
        ],
        [
          "before the attack",
          mib(beforeAttack.memory.rss),
          mib(beforeAttack.worker.rss),
          String(beforeAttack.worker.restarts),
          String(beforeAttack.worker.tensors),
        ],
        [
          "peak during the attack",
          mib(attackProbe.peakServerRss),
          mib(attackProbe.peakWorkerRss),
          "",
          "",
        ],
        [
          "after the attack",
          mib(afterAttack.memory.rss),
          mib(afterAttack.worker.rss),
          String(afterAttack.worker.restarts),
          String(afterAttack.worker.tensors),
        ],
      ],
    ));
    lines.push(
      `\nA sweep worker takes ${started.worker.startMs} ms from spawn to ready (TensorFlow.js ` +
        `loaded and warmed with a tiny sweep)` +
        (Number.isFinite(replacementMs)
          ? `; after a SIGKILL a fresh one was ready ${replacementMs.toFixed(0)} ms later.`
          : "."),
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
      attacks: { type: "string" },
      slow: { type: "string" },
      quick: { type: "boolean" },
      probe: { type: "string" },
    },
  });
  if (values.probe) {
    await runProbe(values.probe);
    Deno.exit(0);
  }
  const number = (value: string | undefined) => value === undefined ? undefined : Number(value);
  console.log(
    await run({
      requests: number(values.requests),
      concurrency: number(values.concurrency),
      steps: number(values.steps),
      samples: number(values.samples),
      backend: values.backend,
      url: values.url,
      attacks: number(values.attacks),
      slowConnections: number(values.slow),
      quick: values.quick,
    }),
  );
}
