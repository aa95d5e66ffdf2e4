/**
 * `POST /v1/sweep`: the wrappers that refuse a request before its body is read (not JSON, an
 * `Accept` the sweep cannot answer, a full queue), and the handler that parses and validates
 * the body (counted while it arrived), waits for the sweep's turn, runs the job in the worker and answers JSON,
 * SVG, PNG or an event stream. When the worker fails, the answer names what happened.
 * @module
 */
import { bodyOf } from "./body.ts";
import { clientSignal } from "./client_signal.ts";
import { killGraceMs, type Limits } from "./limits.ts";
import type { Handler, Middleware } from "./middleware.ts";
import {
  isJsonContentType,
  negotiateFormat,
  SWEEP_MEDIA_TYPES,
  type SweepFormat,
} from "./negotiate.ts";
import { HttpError, problemDetails, toHttpError } from "./problem.ts";
import { QueueFullError, type SweepQueue } from "./queue.ts";
import type { RequestParser } from "./parser.ts";
import { eventStream, progressData, verifyData } from "./sse.ts";
import { jobFrame } from "./worker_protocol.ts";
import {
  type RunControls,
  SweepWorkerError,
  type WorkerAnswer,
  type WorkerPool,
} from "./worker_pool.ts";

/** What happened to one sweep. */
export interface SweepRecord {
  /** The representation asked for. */
  format: SweepFormat;
  /** Why the sweep stopped, when it produced a result. */
  stopReason?: string;
  /** Steps recorded. */
  steps: number;
  /** The status the request was (or would have been) answered with. */
  status: number;
  /** Milliseconds from the sweep's turn to its end (model build included). */
  ms: number;
}

/** Refuses a body that is not sent as JSON (415). */
export const requireJson: Middleware = (request, next) => {
  const type = request.headers.get("content-type");
  if (!isJsonContentType(type)) {
    throw new HttpError(
      415,
      `the request body must be JSON sent with Content-Type: application/json, got ${
        type ?? "no Content-Type"
      }`,
    );
  }
  return next(request);
};

/** Refuses an `Accept` that names none of the sweep's answers (406). */
export const requireAcceptable: Middleware = (request, next) => {
  const accept = request.headers.get("accept");
  if (!negotiateFormat(accept)) {
    throw new HttpError(
      406,
      `cannot answer in ${accept}: ask for ${Object.values(SWEEP_MEDIA_TYPES).join(", ")}`,
    );
  }
  return next(request);
};

/** Refuses a request while the queue is full (429), before its body is read. */
export function admission(queue: SweepQueue): Middleware {
  return (request, next) => {
    try {
      queue.admit();
    } catch (error) {
      throw error instanceof QueueFullError ? busyError(error, queue) : error;
    }
    return next(request);
  };
}

/** Options of {@linkcode sweepHandler}. */
export interface SweepHandlerOptions {
  /** The server's limits. */
  limits: Limits;
  /** One sweep at a time. */
  queue: SweepQueue;
  /** The worker. */
  pool: WorkerPool;
  /** Parses bodies off the server's thread. */
  parser: RequestParser;
  /** Called after every sweep that got its turn. */
  onSweepEnd?: (record: SweepRecord) => void;
}

/** The sweep handler (behind the wrappers, which have read the body). */
export function sweepHandler(options: SweepHandlerOptions): Handler {
  const { limits, queue, pool } = options;
  const budget = {
    maxParams: limits.maxParams,
    maxStepBytes: limits.maxStepBytes,
    maxStepFlops: limits.maxStepFlops,
  };

  /** Waits for the turn, runs the job in the worker, records what happened. */
  async function runInTurn(
    frame: ReturnType<typeof jobFrame>,
    format: SweepFormat,
    controls: Omit<RunControls, "signal"> & { signal: AbortSignal },
  ): Promise<WorkerAnswer> {
    let started: number | undefined;
    let answer: WorkerAnswer | undefined;
    let status = 500;
    try {
      answer = await queue.run(() => {
        started = performance.now();
        return pool.run(frame, controls);
      }, { signal: controls.signal });
      if (controls.signal.aborted) {
        throw new HttpError(499, "the client closed the request before the sweep ended");
      }
      status = 200;
      return answer;
    } catch (error) {
      const http = error instanceof QueueFullError ? busyError(error, queue) : workerHttpError(
        error,
      ) ?? (controls.signal.aborted && toHttpError(error) === undefined
        ? new HttpError(499, "the client closed the request before the sweep ended", {
          cause: error,
        })
        : undefined);
      status = http?.status ?? toHttpError(error)?.status ?? 500;
      throw http ?? error;
    } finally {
      if (started !== undefined) {
        options.onSweepEnd?.({
          format,
          stopReason: answer?.stopReason,
          steps: answer?.steps ?? 0,
          status,
          ms: performance.now() - started,
        });
      }
    }
  }

  return async (request) => {
    const format = negotiateFormat(request.headers.get("accept"))!;
    // The body was counted while it arrived (bodyLimit's JSON scanner): parsing is bounded, and
    // done on the parsing thread so that this one stays free for health checks.
    const job = await options.parser.parse(bodyOf(request), limits);
    const frame = jobFrame(0, job, { format, budget });
    const budgetMs = job.options.timeBudgetMs ?? limits.timeBudgetMs;
    const hardDeadlineMs = budgetMs + killGraceMs(budgetMs);
    if (format === "events") {
      return await eventStream(async (sink) => {
        const answer = await runInTurn(frame, format, {
          hardDeadlineMs,
          signal: AbortSignal.any([clientSignal(request), sink.signal]),
          onProgress: (progress) => sink.send("progress", progressData(progress)),
          onVerify: (progress) => sink.send("verify", verifyData(progress)),
        });
        sink.send("result", answer.resultJson);
      }, {
        errorEvent(error) {
          const problem = toHttpError(error) ?? new HttpError(500, "internal error");
          return JSON.stringify(problemDetails(problem.status, problem.message, problem.errors));
        },
      });
    }
    const answer = await runInTurn(frame, format, {
      hardDeadlineMs,
      signal: clientSignal(request),
    });
    return answerResponse(format, answer);
  };
}

function answerResponse(format: SweepFormat, answer: WorkerAnswer): Response {
  const headers = { "cache-control": "no-store" };
  if (format === "svg" || format === "png") {
    if (!answer.body) throw new Error("the worker sent no plot");
    const type = format === "svg" ? "image/svg+xml; charset=utf-8" : "image/png";
    return new Response(answer.body as Uint8Array<ArrayBuffer>, {
      headers: { ...headers, "content-type": type },
    });
  }
  return new Response(answer.resultJson, {
    headers: { ...headers, "content-type": "application/json; charset=utf-8" },
  });
}

/** The HTTP error of a worker failure: what happened, in words and status. */
export function workerHttpError(error: unknown): HttpError | undefined {
  if (!(error instanceof SweepWorkerError)) return undefined;
  const retry = { "retry-after": String(error.retryAfterSeconds) };
  switch (error.kind) {
    case "time":
    case "memory":
      return new HttpError(422, error.message, { cause: error });
    case "aborted":
      return new HttpError(499, error.message, { cause: error });
    case "trap":
    case "died":
    case "unavailable":
      return new HttpError(503, error.message, { headers: retry, cause: error });
    case "internal":
      return undefined;
  }
}

function busyError(error: QueueFullError, queue: SweepQueue): HttpError {
  return new HttpError(
    429,
    `the server is busy: a sweep is running and ${queue.waiting} more are waiting; ` +
      `retry in ${error.retryAfterSeconds} s`,
    { headers: { "retry-after": String(error.retryAfterSeconds) } },
  );
}
