/**
 * The HTTP function: a route table of small handlers (`routes.ts`) behind wrappers for errors,
 * CORS and security headers (`middleware.ts`); the sweep route adds authentication, the JSON
 * and `Accept` checks, the queue's admission and the body limits. Bodies are parsed on a
 * parsing thread (`parser.ts`) and sweeps run in a worker process the server can kill
 * (`worker_pool.ts`), so the server's thread stays free for health checks. Start it with `deno task serve` (see
 * `main.ts`) or with `Deno.serve(createHandler({ backend: "auto" }).fetch)`.
 *
 * @example
 * ```ts
 * import { createHandler } from "./handler.ts";
 *
 * const handler = createHandler({ backend: "wasm" });
 * Deno.serve({ port: 8000 }, handler.fetch);
 * ```
 * @module
 */
import denoConfig from "../deno.json" with { type: "json" };
import type { BackendRequest } from "../src/backend.ts";
import { bodyLimit } from "./body.ts";
import { createJsonScanner } from "./json_scan.ts";
import { type ConnectionStats, type HealthStatus, healthStatus } from "./health.ts";
import { DEFAULT_LIMITS, type Limits } from "./limits.ts";
import {
  bearerAuth,
  compose,
  cors,
  type Handler,
  problemBoundary,
  securityHeaders,
} from "./middleware.ts";
import { PAGE_ASSETS, PAGE_CSP } from "./page.ts";
import { createRequestParser } from "./parser.ts";
import { createSweepQueue } from "./queue.ts";
import { type MethodTable, router, type RouteTable } from "./routes.ts";
import {
  admission,
  requireAcceptable,
  requireJson,
  sweepHandler,
  type SweepRecord,
} from "./sweep_route.ts";
import { createWorkerPool, type PoolEvent, type WorkerPool } from "./worker_pool.ts";

export type { SweepRecord } from "./sweep_route.ts";
export type { HealthStatus } from "./health.ts";

/** Options of {@linkcode createHandler}. */
export interface HandlerOptions {
  /** The backend the sweep worker starts; default `auto`. */
  backend?: BackendRequest;
  /** Limits; unset ones keep {@linkcode DEFAULT_LIMITS}. */
  limits?: Partial<Limits>;
  /** When set, `POST /v1/sweep` needs `Authorization: Bearer <token>`. */
  token?: string;
  /** Origins allowed to call the API from a browser (`*` for any); default none. */
  corsOrigins?: readonly string[];
  /** Reported by `GET /v1/health`; default the version in deno.json. */
  version?: string;
  /** The sweep worker; default one started for this handler from `backend` and the limits. */
  pool?: WorkerPool;
  /** Connection figures for `GET /v1/health` (from the listener in front, `front.ts`). */
  connections?: () => ConnectionStats;
  /** Called after every sweep that got its turn (for logs and tests). */
  onSweepEnd?: (record: SweepRecord) => void;
  /** Called when the worker is ready, replaced, or fails to start (for logs). */
  onWorkerEvent?: (event: PoolEvent) => void;
}

/** A request handler with its state. */
export interface SweepHandler {
  /** Answers one request (the `fetch` of `Deno.serve`). */
  fetch(request: Request): Promise<Response>;
  /** The limits in force. */
  readonly limits: Limits;
  /** The health report. */
  health(): HealthStatus;
  /** Resolves once the sweep worker is ready. */
  ready(): Promise<void>;
  /** Stops the sweep worker. */
  close(): Promise<void>;
}

/** Creates the handler of the HTTP function and starts its sweep worker. */
export function createHandler(options: HandlerOptions = {}): SweepHandler {
  const limits: Limits = { ...DEFAULT_LIMITS, ...options.limits };
  const backend = options.backend ?? "auto";
  const queue = createSweepQueue({ maxWaiting: limits.maxQueue });
  const pool = options.pool ?? createWorkerPool({
    backend,
    memoryLimitMiB: limits.workerMemoryMiB,
    onEvent: options.onWorkerEvent,
  });
  const version = options.version ?? denoConfig.version;
  const parser = createRequestParser();

  function health(): HealthStatus {
    const worker = pool.status();
    return healthStatus({
      version,
      backend: worker.backend ?? backend,
      busy: queue.busy,
      queued: queue.waiting,
      auth: options.token !== undefined && options.token !== "",
      worker,
      limits,
      connections: options.connections?.(),
    });
  }

  const sweep = compose(
    [
      bearerAuth(options.token),
      requireJson,
      requireAcceptable,
      admission(queue),
      bodyLimit({
        maxBytes: limits.maxBodyBytes,
        timeoutMs: limits.bodyTimeoutMs,
        maxConcurrent: limits.maxQueue + 1,
        inspector() {
          const scanner = createJsonScanner(limits);
          return (chunk) => scanner.push(chunk);
        },
      }),
    ],
    sweepHandler({ limits, queue, pool, parser, onSweepEnd: options.onSweepEnd }),
  );
  const routes: RouteTable = {
    "/v1/sweep": { POST: sweep },
    "/v1/health": { GET: () => Promise.resolve(jsonResponse(health())) },
    ...pageRoutes(),
  };
  const fetch = compose(
    [cors(options.corsOrigins ?? []), securityHeaders, problemBoundary],
    router(routes),
  );
  return {
    fetch,
    limits,
    health,
    ready: () => pool.ready(),
    async close() {
      parser.close();
      await pool.close();
    },
  };
}

function pageRoutes(): Record<string, MethodTable> {
  const routes: Record<string, MethodTable> = {};
  for (const [path, asset] of Object.entries(PAGE_ASSETS)) {
    const page: Handler = () =>
      Promise.resolve(
        new Response(asset.body, {
          headers: {
            "content-type": asset.type,
            "cache-control": "no-cache",
            "content-security-policy": PAGE_CSP,
            "x-frame-options": "DENY",
          },
        }),
      );
    routes[path] = { GET: page };
  }
  return routes;
}

function jsonResponse(value: unknown): Response {
  return new Response(JSON.stringify(value, null, 2) + "\n", {
    headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" },
  });
}
