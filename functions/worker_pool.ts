/**
 * The sweep worker as the server sees it: one child process (`worker.ts`) kept started and warm,
 * given one job at a time, and killed when the job runs past its hard deadline, when its memory
 * crosses the ceiling, when the client has left and the sweep does not stop, or when its backend
 * trapped; a fresh worker then starts at once. A worker that dies on its own is replaced the
 * same way. The kernel caps the worker's data segment too (`ulimit -d`, the ceiling plus
 * {@linkcode DATA_HEADROOM_MIB}), so one huge allocation fails inside the worker instead of
 * taking the machine's memory.
 * @module
 */
import type { BackendRequest } from "../src/backend.ts";
import { ConfigError } from "../src/validation.ts";
import { InputError } from "../src/errors.ts";
import type { SweepProgress } from "../src/sweep.ts";
import type { VerifyProgress } from "../src/sweep_options.ts";
import {
  encodeFrame,
  type Frame,
  type FromWorker,
  readFrames,
  type ToWorker,
  type WorkerFailure,
  type WorkerStats,
} from "./worker_protocol.ts";

/** Address space V8 and Deno keep writable besides the sweep's own memory (about 630 MiB). */
export const DATA_HEADROOM_MIB = 1024;

/**
 * V8 settings of the sweep worker: its young generation sized up front, so its memory stays flat
 * over thousands of sweeps (`bench/many_sweeps.ts` measures it).
 */
export const SWEEP_WORKER_V8_FLAGS: readonly string[] = ["--min-semi-space-size=16"];

/** Why a job ended without an answer, as the HTTP layer words it. */
export type WorkerErrorKind =
  | "time"
  | "memory"
  | "trap"
  | "died"
  | "aborted"
  | "internal"
  | "unavailable";

/** A job the worker could not answer; the worker was replaced unless `kind` says otherwise. */
export class SweepWorkerError extends Error {
  override name = "SweepWorkerError";
  /** What happened. */
  readonly kind: WorkerErrorKind;
  /** Seconds until a fresh worker is expected to be ready. */
  readonly retryAfterSeconds: number;

  /** Creates the error. */
  constructor(kind: WorkerErrorKind, message: string, retryAfterSeconds = 1) {
    super(message);
    this.kind = kind;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** Timers the pool uses; tests pass a clock they advance by hand. */
export interface PoolTimers {
  /** Calls `callback` after `ms`; returns a handle. */
  setTimeout(callback: () => void, ms: number): unknown;
  /** Cancels a handle of `setTimeout`. */
  clearTimeout(handle: unknown): void;
}

/** The worker's state as `/v1/health` reports it. */
export interface WorkerStatus {
  /** `starting`, `ready` (idle), `busy`, or `failed` (could not start; retrying). */
  state: "starting" | "ready" | "busy" | "failed";
  /** Process id of the current worker. */
  pid?: number;
  /** The backend the worker started (once one was ready). */
  backend?: string;
  /** Workers replaced since the server started. */
  restarts: number;
  /** The last replacement: why and when. */
  lastRestart?: { reason: string; at: string };
  /** Milliseconds the last worker took from spawn to ready (TensorFlow.js loaded and warm). */
  startMs?: number;
  /** The worker's TensorFlow.js tensors after its last job. */
  tensors?: number;
  /** The worker's TensorFlow.js variables after its last job. */
  variables?: number;
  /** The worker's resident memory in bytes. */
  rss?: number;
}

/** What happened in the pool, for the server's log. */
export interface PoolEvent {
  /** `ready`, `replaced` or `start-failed`. */
  type: "ready" | "replaced" | "start-failed";
  /** Why, for `replaced` and `start-failed`. */
  reason?: string;
  /** Milliseconds from spawn to ready, for `ready`. */
  ms?: number;
}

/** Options of {@linkcode createWorkerPool}. */
export interface WorkerPoolOptions {
  /** Backend the worker starts. */
  backend: BackendRequest;
  /** Resident memory of the worker above which it is killed, in MiB. */
  memoryLimitMiB: number;
  /** Starts a worker process; default `deno run functions/worker.ts` under `ulimit -d`. */
  spawn?: (options: { backend: BackendRequest; dataLimitMiB: number }) => Deno.ChildProcess;
  /** Reads a process's resident memory in bytes; default from `/proc/<pid>/status`. */
  readRss?: (pid: number) => number | undefined;
  /** Timers; default the global ones. */
  timers?: PoolTimers;
  /** How often the worker's memory is read while a job runs; default 50 ms. */
  watchIntervalMs?: number;
  /** How long a sweep may take to stop after its client left; default 1000 ms. */
  abortGraceMs?: number;
  /** How long a worker may take to start; default 120 s. */
  startTimeoutMs?: number;
  /** Called on worker events. */
  onEvent?: (event: PoolEvent) => void;
}

/** Controls of one job. */
export interface RunControls {
  /** Milliseconds after which the worker is killed and the job fails with `time`. */
  hardDeadlineMs: number;
  /** Aborted when the client leaves: the worker is asked to stop, then killed after a grace. */
  signal?: AbortSignal;
  /** Called for every progress message. */
  onProgress?: (progress: SweepProgress) => void;
  /** Called for every progress message of verification. */
  onVerify?: (progress: VerifyProgress) => void;
}

/** The answer of a job. */
export interface WorkerAnswer {
  /** The result JSON's text. */
  resultJson: string;
  /** The rendered plot, for SVG and PNG. */
  body?: Uint8Array;
  /** Why the sweep stopped. */
  stopReason: string;
  /** Steps recorded. */
  steps: number;
}

/** The sweep worker; see {@linkcode createWorkerPool}. */
export interface WorkerPool {
  /** Runs one job (a frame from `jobFrame`); one at a time. */
  run(job: Frame<ToWorker>, controls: RunControls): Promise<WorkerAnswer>;
  /** Resolves once a worker is ready (rejects if it could not start). */
  ready(): Promise<void>;
  /** The state for `/v1/health`. */
  status(): WorkerStatus;
  /** Kills the worker; no new one starts. */
  close(): Promise<void>;
}

interface ActiveJob {
  id: number;
  onProgress?: (progress: SweepProgress) => void;
  onVerify?: (progress: VerifyProgress) => void;
  settle(outcome: { answer?: WorkerAnswer; error?: unknown }): void;
}

interface Worker {
  child: Deno.ChildProcess;
  writer: WritableStreamDefaultWriter<Uint8Array>;
  ready: PromiseWithResolvers<void>;
  isReady: boolean;
  spawnedAt: number;
  baseline?: WorkerStats;
  stats?: WorkerStats;
  job?: ActiveJob;
  killedFor?: string;
  stderr: string;
  exited: Promise<void>;
}

const RECYCLE_FRACTION = 0.75;
const MAX_START_BACKOFF_MS = 30_000;

/** Starts the worker (it warms up in the background) and returns the pool around it. */
export function createWorkerPool(options: WorkerPoolOptions): WorkerPool {
  const timers = options.timers ?? {
    setTimeout: (callback: () => void, ms: number) => setTimeout(callback, ms),
    clearTimeout: (handle: unknown) => clearTimeout(handle as number),
  };
  const readRss = options.readRss ?? readProcRss;
  const spawn = options.spawn ?? spawnWorker;
  const watchIntervalMs = options.watchIntervalMs ?? 50;
  const abortGraceMs = options.abortGraceMs ?? 1000;
  const startTimeoutMs = options.startTimeoutMs ?? 120_000;
  const limitBytes = options.memoryLimitMiB * 1024 * 1024;
  let current: Worker | undefined;
  let closed = false;
  let nextId = 1;
  let restarts = 0;
  let lastRestart: WorkerStatus["lastRestart"];
  let startMs: number | undefined;
  let backendName: string | undefined;
  let startFailures = 0;
  let retryAt: number | undefined;

  function start(): Worker {
    const child = spawn({
      backend: options.backend,
      dataLimitMiB: options.memoryLimitMiB + DATA_HEADROOM_MIB,
    });
    const worker: Worker = {
      child,
      writer: child.stdin.getWriter(),
      ready: Promise.withResolvers<void>(),
      isReady: false,
      spawnedAt: performance.now(),
      stderr: "",
      exited: Promise.resolve(),
    };
    worker.ready.promise.catch(() => {});
    const startTimer = timers.setTimeout(() => {
      if (!worker.isReady) kill(worker, `it did not start within ${startTimeoutMs} ms`);
    }, startTimeoutMs);
    const reading = listen(worker);
    const stderr = collectStderr(worker);
    worker.exited = Promise.all([reading, stderr, child.status]).then(([, , status]) => {
      timers.clearTimeout(startTimer);
      onExit(worker, status);
    });
    current = worker;
    return worker;
  }

  async function listen(worker: Worker): Promise<void> {
    try {
      for await (const frame of readFrames<FromWorker>(worker.child.stdout)) {
        onMessage(worker, frame);
      }
    } catch (error) {
      kill(worker, `it sent a malformed message (${(error as Error).message})`);
    }
  }

  async function collectStderr(worker: Worker): Promise<void> {
    const decoder = new TextDecoder();
    for await (const chunk of worker.child.stderr) {
      worker.stderr = (worker.stderr + decoder.decode(chunk, { stream: true })).slice(-4000);
    }
  }

  function onMessage(worker: Worker, frame: Frame<FromWorker>): void {
    const message = frame.message;
    if (message.type === "ready") {
      worker.isReady = true;
      backendName = message.backend.name;
      worker.baseline = message.stats;
      worker.stats = message.stats;
      startMs = performance.now() - worker.spawnedAt;
      startFailures = 0;
      options.onEvent?.({ type: "ready", ms: startMs });
      worker.ready.resolve();
      return;
    }
    const job = worker.job;
    if (!job || message.id !== job.id) return;
    if (message.type === "progress") {
      job.onProgress?.(message.progress);
      return;
    }
    if (message.type === "verify-progress") {
      job.onVerify?.(message.progress);
      return;
    }
    worker.stats = message.stats;
    if (message.type === "done") {
      job.settle({
        answer: {
          resultJson: message.resultJson,
          body: frame.attachments[0],
          stopReason: message.stopReason,
          steps: message.steps,
        },
      });
    } else {
      job.settle({ error: failureError(message.failure) });
      if (message.failure.kind === "memory" || message.failure.kind === "trap") {
        kill(worker, `its backend failed: ${message.failure.message}`);
      } else if (message.failure.kind === "model" || message.failure.kind === "internal") {
        kill(worker, `a job failed inside it: ${message.failure.message}`);
      }
    }
    recycleIfUnclean(worker);
  }

  /** A worker that kept tensors, variables or too much memory after a job is replaced. */
  function recycleIfUnclean(worker: Worker): void {
    const { baseline, stats } = worker;
    if (!baseline || !stats || worker.killedFor) return;
    if (stats.tensors !== baseline.tensors || stats.variables !== baseline.variables) {
      kill(
        worker,
        `it kept ${stats.tensors - baseline.tensors} tensors and ${
          stats.variables - baseline.variables
        } variables after a job`,
      );
    } else if (stats.rss > RECYCLE_FRACTION * limitBytes) {
      kill(worker, `its memory grew to ${mib(stats.rss)} MiB`);
    }
  }

  function failureError(failure: WorkerFailure): Error {
    switch (failure.kind) {
      case "input":
        return failure.issues
          ? new ConfigError(failure.issues)
          : new InputError(failure.message, { field: failure.field });
      case "aborted":
        return new SweepWorkerError("aborted", "the sweep was stopped: the client went away");
      case "memory":
        return new SweepWorkerError(
          "memory",
          `the sweep ran out of memory in its worker (${failure.message}), within the ` +
            `ceiling of ${options.memoryLimitMiB} MiB of this server: use a smaller model, ` +
            "input or batchSize",
        );
      case "trap":
        return new SweepWorkerError(
          "trap",
          `the sweep's backend failed (wasm trap: ${failure.message}); a fresh worker is ` +
            "starting",
          retryAfter(),
        );
      case "model":
        return new InputError(
          `TensorFlow.js could not train this model: ${lowerFirst(failure.message)}`,
          { field: "model" },
        );
      case "internal":
        return new SweepWorkerError(
          "internal",
          `the sweep failed inside its worker: ${failure.message}`,
        );
    }
  }

  /** Kills a worker (once); its exit starts the replacement. */
  function kill(worker: Worker, reason: string): void {
    if (worker.killedFor) return;
    worker.killedFor = reason;
    try {
      worker.child.kill("SIGKILL");
    } catch {
      // It has exited already.
    }
  }

  function onExit(worker: Worker, status: Deno.CommandStatus): void {
    const reason = worker.killedFor ??
      `it exited on its own (${status.signal ? `signal ${status.signal}` : `code ${status.code}`})${
        lastWords(worker.stderr)
      }`;
    worker.job?.settle({
      error: new SweepWorkerError(
        "died",
        `the sweep worker died: ${reason}; a fresh one is starting`,
        retryAfter(),
      ),
    });
    if (!worker.isReady) {
      worker.ready.reject(
        new SweepWorkerError("unavailable", `the sweep worker could not start: ${reason}`),
      );
    }
    if (current !== worker || closed) return;
    current = undefined;
    if (!worker.isReady) {
      startFailures++;
      const backoff = Math.min(MAX_START_BACKOFF_MS, 1000 * 2 ** (startFailures - 1));
      retryAt = performance.now() + backoff;
      options.onEvent?.({ type: "start-failed", reason });
      timers.setTimeout(() => {
        retryAt = undefined;
        if (!closed && !current) start();
      }, backoff);
      return;
    }
    restarts++;
    lastRestart = { reason, at: new Date().toISOString() };
    options.onEvent?.({ type: "replaced", reason });
    start();
  }

  function retryAfter(): number {
    return Math.max(1, Math.ceil((startMs ?? 1000) / 1000));
  }

  /** The current worker once it is ready; a dying one is waited out and its successor taken. */
  async function readyWorker(): Promise<Worker> {
    while (true) {
      if (closed) throw new SweepWorkerError("unavailable", "the server is shutting down");
      const worker = current;
      if (!worker) {
        const seconds = Math.max(1, Math.ceil(((retryAt ?? 0) - performance.now()) / 1000));
        throw new SweepWorkerError(
          "unavailable",
          `the sweep backend could not start; retrying in ${seconds} s`,
          seconds,
        );
      }
      if (worker.killedFor) {
        await worker.exited;
        continue;
      }
      await worker.ready.promise;
      if (!worker.killedFor) return worker;
    }
  }

  async function acquire(): Promise<Worker> {
    const worker = await readyWorker();
    if (worker.job) {
      throw new SweepWorkerError("internal", "the sweep worker is not free (one job at a time)");
    }
    return worker;
  }

  async function run(frame: Frame<ToWorker>, controls: RunControls): Promise<WorkerAnswer> {
    const worker = await acquire();
    const id = nextId++;
    const message = { ...frame.message, id } as ToWorker;
    const outcome = Promise.withResolvers<WorkerAnswer>();
    const handles: unknown[] = [];
    let settled = false;
    const settle = (result: { answer?: WorkerAnswer; error?: unknown }) => {
      if (settled) return;
      settled = true;
      worker.job = undefined;
      for (const handle of handles) timers.clearTimeout(handle);
      controls.signal?.removeEventListener("abort", onAbort);
      if (result.answer) outcome.resolve(result.answer);
      else outcome.reject(result.error);
    };
    const fail = (kind: WorkerErrorKind, text: string) => {
      kill(worker, text);
      settle({ error: new SweepWorkerError(kind, text, retryAfter()) });
    };
    const onAbort = () => {
      send(worker, { type: "abort", id }).catch(() => {});
      handles.push(timers.setTimeout(() => {
        fail("aborted", "the sweep did not stop after its client went away");
      }, abortGraceMs));
    };
    worker.job = { id, onProgress: controls.onProgress, onVerify: controls.onVerify, settle };
    handles.push(timers.setTimeout(() => {
      fail(
        "time",
        `the sweep was still running ${controls.hardDeadlineMs} ms after it started, past its ` +
          "time budget (a single step or the model build took too long): its worker was " +
          "stopped; use a smaller model, input or batchSize",
      );
    }, controls.hardDeadlineMs));
    const watch = () => {
      const rss = readRss(worker.child.pid);
      if (rss !== undefined && worker.stats) worker.stats = { ...worker.stats, rss };
      if (rss !== undefined && rss > limitBytes) {
        fail(
          "memory",
          `the sweep's worker used ${mib(rss)} MiB, more than the memory ceiling of ` +
            `${options.memoryLimitMiB} MiB of this server (LR_FINDER_WORKER_MEMORY_MIB): its ` +
            "worker was stopped; use a smaller model, input or batchSize",
        );
        return;
      }
      if (!settled) handles.push(timers.setTimeout(watch, watchIntervalMs));
    };
    handles.push(timers.setTimeout(watch, watchIntervalMs));
    send(worker, message, frame.attachments).catch((error) => {
      fail("died", `the job could not be sent to the sweep worker: ${error}`);
    });
    // After the job: the frames reach the worker in order, so an abort finds its job.
    if (controls.signal?.aborted) onAbort();
    else controls.signal?.addEventListener("abort", onAbort, { once: true });
    return await outcome.promise;
  }

  function send(worker: Worker, message: ToWorker, attachments: Uint8Array[] = []) {
    return worker.writer.write(encodeFrame(message, attachments));
  }

  start();
  return {
    run,
    ready: async () => {
      await readyWorker();
    },
    status(): WorkerStatus {
      const worker = current;
      const state = !worker
        ? "failed"
        : !worker.isReady || worker.killedFor
        ? "starting"
        : worker.job
        ? "busy"
        : "ready";
      const status: WorkerStatus = { state, restarts };
      if (worker) status.pid = worker.child.pid;
      if (backendName) status.backend = backendName;
      if (lastRestart) status.lastRestart = lastRestart;
      if (startMs !== undefined) status.startMs = Math.round(startMs);
      if (worker?.stats) {
        status.tensors = worker.stats.tensors;
        status.variables = worker.stats.variables;
        status.rss = worker.stats.rss;
      }
      return status;
    },
    async close() {
      closed = true;
      const worker = current;
      current = undefined;
      if (!worker) return;
      kill(worker, "the server is shutting down");
      await worker.exited;
    },
  };
}

/** `deno run functions/worker.ts <backend>` under `ulimit -d`, with read access to the repo. */
function spawnWorker(
  options: { backend: BackendRequest; dataLimitMiB: number },
): Deno.ChildProcess {
  const root = new URL("..", import.meta.url).pathname;
  const env: Record<string, string> = {};
  for (const name of ["HOME", "PATH", "DENO_DIR", "XDG_CACHE_HOME", "TMPDIR", "NO_COLOR"]) {
    const value = Deno.env.get(name);
    if (value !== undefined) env[name] = value;
  }
  return new Deno.Command("sh", {
    args: [
      "-c",
      'ulimit -d "$1" || exit 97; shift; exec "$@"',
      "lr-finder-worker",
      String(options.dataLimitMiB * 1024),
      Deno.execPath(),
      "run",
      "--quiet",
      "--no-prompt",
      `--v8-flags=${SWEEP_WORKER_V8_FLAGS.join(",")}`,
      `--config=${root}deno.json`,
      `--allow-read=${root}`,
      `${root}functions/worker.ts`,
      options.backend,
    ],
    cwd: root,
    clearEnv: true,
    env,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

/** Resident memory of a process from `/proc/<pid>/status` (Linux), in bytes. */
function readProcRss(pid: number): number | undefined {
  try {
    const status = Deno.readTextFileSync(`/proc/${pid}/status`);
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

function lastWords(stderr: string): string {
  const line = stderr.split("\n").map((l) => l.trim()).filter((l) => l !== "").find((l) =>
    /error|fatal|out of memory|panic/i.test(l)
  );
  return line ? `: ${line.slice(0, 200)}` : "";
}

function lowerFirst(text: string): string {
  const trimmed = text.trim().replace(/\.$/, "");
  return trimmed.charAt(0).toLowerCase() + trimmed.slice(1);
}

function mib(bytes: number): string {
  return (bytes / (1024 * 1024)).toFixed(0);
}
