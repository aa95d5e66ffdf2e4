/**
 * The answer of `GET /v1/health`: `ok`, or `degraded` while the sweep worker is being replaced
 * after a failure or cannot start; the worker's restarts, state and memory; the queue; the
 * limits; the server's own memory; and the connections the front has open.
 * @module
 */
import type { Limits } from "./limits.ts";
import type { WorkerStatus } from "./worker_pool.ts";

/** Connections of the listener in front of the handler (see `front.ts`). */
export interface ConnectionStats {
  /** Open now. */
  open: number;
  /** Accepted since the start. */
  accepted: number;
  /** Closed because the request line and headers did not arrive in time. */
  headerTimeouts: number;
}

/** The answer of `GET /v1/health`. */
export interface HealthStatus {
  /** `ok`; `degraded` while the worker is replaced after a failure or cannot start. */
  status: "ok" | "degraded";
  /** Version of LR Finder. */
  version: string;
  /** TensorFlow.js backend of the sweeps (what was asked for until the worker is ready). */
  backend: string;
  /** `busy` while a sweep runs, else `idle`. */
  state: "busy" | "idle";
  /** Requests waiting for their turn. */
  queued: number;
  /** Whether sweeps need a bearer token. */
  auth: boolean;
  /** The sweep worker. */
  worker: WorkerStatus;
  /** The limits of this server. */
  limits: Limits;
  /** Memory of the server process (the worker's is under `worker`). */
  memory: { rss: number; heapUsed: number };
  /** Connections, when the function runs behind its own listener (`deno task serve`). */
  connections?: ConnectionStats;
}

/** What the health report is made of. */
export interface HealthParts {
  /** Version of LR Finder. */
  version: string;
  /** The worker's backend, or the one asked for until it is ready. */
  backend: string;
  /** Whether a sweep holds the queue. */
  busy: boolean;
  /** Requests waiting. */
  queued: number;
  /** Whether sweeps need a token. */
  auth: boolean;
  /** The worker's state. */
  worker: WorkerStatus;
  /** The limits in force. */
  limits: Limits;
  /** The front listener's connections, when there is one. */
  connections?: ConnectionStats;
}

/** The health report of the parts. */
export function healthStatus(parts: HealthParts): HealthStatus {
  const { worker } = parts;
  const degraded = worker.state === "failed" ||
    (worker.state === "starting" && worker.restarts > 0);
  const usage = Deno.memoryUsage();
  const health: HealthStatus = {
    status: degraded ? "degraded" : "ok",
    version: parts.version,
    backend: parts.backend,
    state: parts.busy ? "busy" : "idle",
    queued: parts.queued,
    auth: parts.auth,
    worker,
    limits: parts.limits,
    memory: { rss: usage.rss, heapUsed: usage.heapUsed },
  };
  if (parts.connections) health.connections = parts.connections;
  return health;
}
