/**
 * The HTTP function: routes, authentication, CORS, content negotiation, limits, the sweep queue
 * and streaming, over the core (`sweepModel`) and the reports. Start it with `deno serve`
 * (see `main.ts`) or with `Deno.serve(createHandler({ backend }).fetch)`.
 *
 * @example
 * ```ts
 * import { setupBackend } from "../src/backend.ts";
 * import { createHandler } from "./handler.ts";
 *
 * const handler = createHandler({ backend: await setupBackend("wasm") });
 * Deno.serve({ port: 8000 }, handler.fetch);
 * ```
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import denoConfig from "../deno.json" with { type: "json" };
import type { BackendInfo } from "../src/backend.ts";
import { renderPng, renderSvg, resultJson } from "../src/report/mod.ts";
import type { LrFinderResult, StopReason } from "../src/result.ts";
import type { SweepProgress } from "../src/sweep.ts";
import { sweepModel } from "../src/sweep_model.ts";
import { parseJsonBody, readBodyText } from "./body.ts";
import { DEFAULT_LIMITS, type Limits } from "./limits.ts";
import {
  isJsonContentType,
  negotiateFormat,
  SWEEP_MEDIA_TYPES,
  type SweepFormat,
} from "./negotiate.ts";
import { PAGE_ASSETS, PAGE_CSP } from "./page.ts";
import { HttpError, problemDetails, problemResponse, toHttpError } from "./problem.ts";
import { createSweepQueue, QueueFullError } from "./queue.ts";
import { parseSweepRequest, type SweepJob } from "./request.ts";
import { encodeEvent, EVENT_STREAM_TYPE, progressData } from "./sse.ts";
import { buildModel } from "./topology.ts";

/** Options of {@linkcode createHandler}. */
export interface HandlerOptions {
  /** The backend the sweeps run on (started by the caller with `setupBackend`). */
  backend: BackendInfo;
  /** Limits; unset ones keep {@linkcode DEFAULT_LIMITS}. */
  limits?: Partial<Limits>;
  /** When set, `POST /v1/sweep` needs `Authorization: Bearer <token>`. */
  token?: string;
  /** Origins allowed to call the API from a browser (`*` for any); default none. */
  corsOrigins?: readonly string[];
  /** Reported by `GET /v1/health`; default the version in deno.json. */
  version?: string;
  /** Called after every sweep that ran (for logs and tests). */
  onSweepEnd?: (record: SweepRecord) => void;
}

/** What happened to one sweep. */
export interface SweepRecord {
  /** The representation asked for. */
  format: SweepFormat;
  /** Why the sweep stopped, when it produced a result. */
  stopReason?: StopReason;
  /** Steps recorded. */
  steps: number;
  /** The status the request was (or would have been) answered with. */
  status: number;
  /** Milliseconds from the sweep's turn to its end (model build included). */
  ms: number;
}

/** The answer of `GET /v1/health`. */
export interface HealthStatus {
  /** Always `ok` when the process answers. */
  status: "ok";
  /** Version of LR Finder. */
  version: string;
  /** TensorFlow.js backend of the sweeps. */
  backend: string;
  /** `busy` while a sweep runs, else `idle`. */
  state: "busy" | "idle";
  /** Requests waiting for their turn. */
  queued: number;
  /** Whether sweeps need a bearer token. */
  auth: boolean;
  /** The limits of this server. */
  limits: Limits;
  /** Memory of the process and TensorFlow.js. */
  memory: { tensors: number; tensorBytes: number; rss: number; heapUsed: number };
}

/** A request handler with its state. */
export interface SweepHandler {
  /** Answers one request (the `fetch` of `deno serve` and `Deno.serve`). */
  fetch(request: Request): Promise<Response>;
  /** The limits in force. */
  readonly limits: Limits;
  /** The health report. */
  health(): HealthStatus;
}

const ROUTES: Record<string, readonly string[]> = {
  "/v1/sweep": ["POST"],
  "/v1/health": ["GET", "HEAD"],
  ...Object.fromEntries(Object.keys(PAGE_ASSETS).map((path) => [path, ["GET", "HEAD"]])),
};

const ALLOWED_REQUEST_HEADERS = "authorization, content-type, accept";

/** Creates the handler of the HTTP function. */
export function createHandler(options: HandlerOptions): SweepHandler {
  const limits: Limits = { ...DEFAULT_LIMITS, ...options.limits };
  const queue = createSweepQueue({ maxWaiting: limits.maxQueue });
  const version = options.version ?? denoConfig.version;
  const tokenDigest = options.token ? sha256(options.token) : undefined;
  const corsOrigins = options.corsOrigins ?? [];

  function health(): HealthStatus {
    const memory = tf.memory();
    const usage = Deno.memoryUsage();
    return {
      status: "ok",
      version,
      backend: options.backend.name,
      state: queue.busy ? "busy" : "idle",
      queued: queue.waiting,
      auth: tokenDigest !== undefined,
      limits,
      memory: {
        tensors: memory.numTensors,
        tensorBytes: memory.numBytes,
        rss: usage.rss,
        heapUsed: usage.heapUsed,
      },
    };
  }

  async function route(request: Request): Promise<Response> {
    const { pathname } = new URL(request.url);
    const methods = ROUTES[pathname];
    if (!methods) {
      throw new HttpError(
        404,
        `no route ${pathname}: the API has POST /v1/sweep, GET /v1/health and the page at /`,
      );
    }
    const allow = [...methods, "OPTIONS"].join(", ");
    if (request.method === "OPTIONS") {
      return new Response(null, { status: 204, headers: { allow, ...preflight(request) } });
    }
    if (!methods.includes(request.method)) {
      throw new HttpError(
        405,
        `${pathname} answers ${methods.join(" and ")}, not ${request.method}`,
        {
          headers: { allow },
        },
      );
    }
    const head = request.method === "HEAD";
    if (pathname === "/v1/health") return json(JSON.stringify(health(), null, 2) + "\n", head);
    if (pathname === "/v1/sweep") return await sweep(request);
    const asset = PAGE_ASSETS[pathname];
    return new Response(head ? null : asset.body, {
      headers: {
        "content-type": asset.type,
        "cache-control": "no-cache",
        "content-security-policy": PAGE_CSP,
        "x-frame-options": "DENY",
        "referrer-policy": "no-referrer",
      },
    });
  }

  async function sweep(request: Request): Promise<Response> {
    await authenticate(request);
    if (!isJsonContentType(request.headers.get("content-type"))) {
      throw new HttpError(
        415,
        `the request body must be JSON sent with Content-Type: application/json, got ${
          request.headers.get("content-type") ?? "no Content-Type"
        }`,
      );
    }
    const format = negotiateFormat(request.headers.get("accept"));
    if (!format) {
      throw new HttpError(
        406,
        `cannot answer in ${request.headers.get("accept")}: ask for ${
          Object.values(SWEEP_MEDIA_TYPES).join(", ")
        }`,
      );
    }
    const text = await readBodyText(request, limits.maxBodyBytes);
    const job = parseSweepRequest(parseJsonBody(text), limits);
    const abort = new AbortController();
    const onDisconnect = () => abort.abort(new DOMException("the client went away", "AbortError"));
    request.signal.addEventListener("abort", onDisconnect, { once: true });
    try {
      if (format === "events") return await streamSweep(job, abort);
      const result = await runInTurn(job, format, abort.signal);
      if (format === "svg") {
        return new Response(await renderSvg(result), {
          headers: { "content-type": "image/svg+xml; charset=utf-8", "cache-control": "no-store" },
        });
      }
      if (format === "png") {
        return new Response(await renderPng(result) as Uint8Array<ArrayBuffer>, {
          headers: { "content-type": "image/png", "cache-control": "no-store" },
        });
      }
      return json(resultJson(result), false);
    } catch (error) {
      if (abort.signal.aborted && toHttpError(error) === undefined) {
        throw new HttpError(499, "the client closed the request before the sweep ended", {
          cause: error,
        });
      }
      throw error;
    } finally {
      if (format !== "events") request.signal.removeEventListener("abort", onDisconnect);
    }
  }

  async function authenticate(request: Request): Promise<void> {
    if (!tokenDigest) return;
    const header = request.headers.get("authorization") ?? "";
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match || !equalBytes(await tokenDigest, await sha256(match[1]))) {
      throw new HttpError(
        401,
        match
          ? "the bearer token is not valid for this server"
          : "this server needs a token: send Authorization: Bearer <token> (LR_FINDER_TOKEN)",
        { headers: { "www-authenticate": 'Bearer realm="lr-finder"' } },
      );
    }
  }

  /** Waits for the sweep's turn, builds the model, sweeps, disposes the model. */
  async function runInTurn(
    job: SweepJob,
    format: SweepFormat,
    signal: AbortSignal,
    onStep?: (progress: SweepProgress) => void,
  ): Promise<LrFinderResult> {
    try {
      return await queue.run(async () => {
        const started = performance.now();
        let result: LrFinderResult | undefined;
        let status = 500;
        try {
          signal.throwIfAborted();
          const model = await buildModel(job.topology, { maxParams: limits.maxParams });
          result = await sweepModel({ model }, job.data, {
            ...job.options,
            signal,
            onStep,
            backend: options.backend,
          });
          status = 200;
          return result;
        } catch (error) {
          status = toHttpError(error)?.status ?? (signal.aborted ? 499 : 500);
          throw error;
        } finally {
          options.onSweepEnd?.({
            format,
            stopReason: result?.stopReason,
            steps: result?.timing.steps ?? 0,
            status,
            ms: performance.now() - started,
          });
        }
      }, { signal });
    } catch (error) {
      if (error instanceof QueueFullError) {
        throw new HttpError(
          429,
          `the server is busy: a sweep is running and ${queue.waiting} more are waiting; ` +
            `retry in ${error.retryAfterSeconds} s`,
          { headers: { "retry-after": String(error.retryAfterSeconds) } },
        );
      }
      throw error;
    }
  }

  /**
   * Streams progress events. The response starts with the first step, so a request that
   * fails before it (busy, a model that does not fit the data) still gets its status code;
   * a failure after it ends the stream with an `error` event holding the problem.
   */
  async function streamSweep(job: SweepJob, abort: AbortController): Promise<Response> {
    const encoder = new TextEncoder();
    let controller!: ReadableStreamDefaultController<Uint8Array>;
    let closed = false;
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        controller = c;
      },
      cancel() {
        closed = true;
        abort.abort(new DOMException("the client went away", "AbortError"));
      },
    });
    const send = (name: string, data: string) => {
      if (closed) return;
      try {
        controller.enqueue(encoder.encode(encodeEvent(name, data)));
      } catch {
        closed = true;
      }
    };
    const close = () => {
      if (closed) return;
      closed = true;
      controller.close();
    };
    const opened = Promise.withResolvers<void>();
    let open = false;
    const start = () => {
      open = true;
      opened.resolve();
    };
    const done = runInTurn(job, "events", abort.signal, (progress) => {
      send("progress", progressData(progress));
      if (!open) start();
    }).then(
      (result) => {
        send("result", resultJson(result));
        close();
        if (!open) start();
        return undefined;
      },
      (error: unknown) => {
        if (!open) return error;
        const problem = toHttpError(error) ?? internalError(error);
        send(
          "error",
          JSON.stringify(problemDetails(problem.status, problem.message, problem.errors)),
        );
        close();
        return undefined;
      },
    );
    const failure = await Promise.race([opened.promise.then(() => undefined), done]);
    if (!open) {
      close();
      throw failure;
    }
    return new Response(body, {
      headers: {
        "content-type": `${EVENT_STREAM_TYPE}; charset=utf-8`,
        "cache-control": "no-store",
        "x-accel-buffering": "no",
      },
    });
  }

  function preflight(request: Request): Record<string, string> {
    const headers = cors(request);
    if (!headers["access-control-allow-origin"]) return {};
    return {
      ...headers,
      "access-control-allow-methods": "GET, POST, OPTIONS",
      "access-control-allow-headers": ALLOWED_REQUEST_HEADERS,
      "access-control-max-age": "600",
    };
  }

  function cors(request: Request): Record<string, string> {
    const origin = request.headers.get("origin");
    if (!origin || corsOrigins.length === 0) return {};
    const any = corsOrigins.includes("*");
    if (!any && !corsOrigins.includes(origin)) return {};
    return {
      "access-control-allow-origin": any ? "*" : origin,
      "access-control-expose-headers": "retry-after, content-type",
      ...(any ? {} : { vary: "origin" }),
    };
  }

  async function handle(request: Request): Promise<Response> {
    let response: Response;
    try {
      response = await route(request);
    } catch (error) {
      response = problemResponse(toHttpError(error) ?? internalError(error));
    }
    for (const [name, value] of Object.entries(cors(request))) response.headers.set(name, value);
    response.headers.set("x-content-type-options", "nosniff");
    return response;
  }

  return {
    fetch: handle,
    limits,
    health,
  };
}

function internalError(error: unknown): HttpError {
  console.error("lr-finder: internal error:", error);
  return new HttpError(500, "internal error while handling the request; see the server log", {
    cause: error,
  });
}

function json(text: string, head: boolean): Response {
  return new Response(head ? null : text, {
    headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" },
  });
}

async function sha256(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
}

/** Compares two digests in time independent of where they differ. */
function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a[i] ^ b[i];
  return difference === 0;
}
