/**
 * The limits that keep one HTTP function process safe to expose: request size and parse cost,
 * model size, per-step memory and work, data size, sweep length, verification's size and the
 * training steps of a request, time, the sweep worker's memory, connection timeouts and the queue;
 * each with a default and an environment variable.
 * @module
 */
import { InputError } from "../src/errors.ts";

/** What one request may ask of the server. */
export interface Limits {
  /** Largest request body in bytes, checked while reading. */
  maxBodyBytes: number;
  /**
   * Largest estimated memory of the parsed body in bytes, counted by scanning the text before
   * `JSON.parse` builds it (about 64 bytes per array or object, 12 per number, 40 per string).
   */
  maxParseBytes: number;
  /** Largest model, in parameters (weights), checked before any weight is allocated. */
  maxParams: number;
  /**
   * Largest estimated memory of one training step in bytes: every layer's output times the
   * batch (kept for the backward pass, and its gradient), plus weights, gradients and the
   * optimizer's state; checked before the first step.
   */
  maxStepBytes: number;
  /** Most estimated floating-point operations of one training step (forward and backward). */
  maxStepFlops: number;
  /** Most training samples. */
  maxSamples: number;
  /** Most values per sample (features; pixels times channels for images). */
  maxFeatures: number;
  /** Most steps per run (`sweep.numIters`). */
  maxSteps: number;
  /** Most repeated runs (`sweep.runs`). */
  maxRuns: number;
  /** Most candidate rates verification may train (`verify.candidates`). */
  maxVerifyCandidates: number;
  /** Most training steps of one verification trial (`verify.steps`). */
  maxVerifySteps: number;
  /**
   * Most training steps of one request, the sweep's (`numIters` times `runs`) and verification's
   * planned steps together. Verification left to its defaults is shortened or skipped to fit
   * (see `verify_budget.ts`); `verify.steps` asked for explicitly is refused when it does not fit.
   */
  maxTrainingSteps: number;
  /**
   * Time budget of one sweep in milliseconds: after it the sweep stops between steps with the
   * partial curve; a sweep still running a quarter later (at least 5 s) gets its worker killed.
   */
  timeBudgetMs: number;
  /** Resident memory of the sweep worker in MiB; above it the worker is killed and replaced. */
  workerMemoryMiB: number;
  /** Requests that may wait while a sweep runs; one more is answered 429. */
  maxQueue: number;
  /** Time a client has to send the request line and headers, in milliseconds. */
  headerTimeoutMs: number;
  /** Time a client has to send the whole body once the headers are in, in milliseconds. */
  bodyTimeoutMs: number;
}

const MIB = 1024 * 1024;

/** The defaults: small models on a shared CPU. */
export const DEFAULT_LIMITS: Readonly<Limits> = {
  maxBodyBytes: 8 * MIB,
  maxParseBytes: 64 * MIB,
  maxParams: 1_000_000,
  maxStepBytes: 256 * MIB,
  maxStepFlops: 10_000_000_000,
  maxSamples: 20_000,
  maxFeatures: 4096,
  maxSteps: 500,
  maxRuns: 3,
  maxVerifyCandidates: 8,
  maxVerifySteps: 500,
  maxTrainingSteps: 2000,
  timeBudgetMs: 60_000,
  workerMemoryMiB: 1024,
  maxQueue: 4,
  headerTimeoutMs: 10_000,
  bodyTimeoutMs: 30_000,
};

/** The environment variable that sets each limit. */
export const LIMIT_ENV: Readonly<Record<keyof Limits, string>> = {
  maxBodyBytes: "LR_FINDER_MAX_BODY_BYTES",
  maxParseBytes: "LR_FINDER_MAX_PARSE_BYTES",
  maxParams: "LR_FINDER_MAX_PARAMS",
  maxStepBytes: "LR_FINDER_MAX_STEP_BYTES",
  maxStepFlops: "LR_FINDER_MAX_STEP_FLOPS",
  maxSamples: "LR_FINDER_MAX_SAMPLES",
  maxFeatures: "LR_FINDER_MAX_FEATURES",
  maxSteps: "LR_FINDER_MAX_STEPS",
  maxRuns: "LR_FINDER_MAX_RUNS",
  maxVerifyCandidates: "LR_FINDER_MAX_VERIFY_CANDIDATES",
  maxVerifySteps: "LR_FINDER_MAX_VERIFY_STEPS",
  maxTrainingSteps: "LR_FINDER_MAX_TRAINING_STEPS",
  timeBudgetMs: "LR_FINDER_TIME_BUDGET_MS",
  workerMemoryMiB: "LR_FINDER_WORKER_MEMORY_MIB",
  maxQueue: "LR_FINDER_MAX_QUEUE",
  headerTimeoutMs: "LR_FINDER_HEADER_TIMEOUT_MS",
  bodyTimeoutMs: "LR_FINDER_BODY_TIMEOUT_MS",
};

/** Smallest worker memory that can hold TensorFlow.js and its backend. */
const MIN_WORKER_MEMORY_MIB = 128;

/** Limits whose smallest value is not 1. */
const MIN_VALUES: Partial<Record<keyof Limits, number>> = {
  maxQueue: 0,
  workerMemoryMiB: MIN_WORKER_MEMORY_MIB,
  // Verification compares at least two rates.
  maxVerifyCandidates: 2,
};

/**
 * Limits from environment variables (see {@linkcode LIMIT_ENV}), defaults for those not set.
 * A value that is not a whole number (at least 1; at least 0 for the queue, 2 for the
 * verification candidates, 128 for the worker's memory) is an {@linkcode InputError} naming the
 * variable, so a misconfigured server does not start.
 */
export function limitsFromEnv(env: Readonly<Record<string, string | undefined>>): Limits {
  const limits: Limits = { ...DEFAULT_LIMITS };
  for (const key of Object.keys(LIMIT_ENV) as (keyof Limits)[]) {
    const name = LIMIT_ENV[key];
    const text = env[name]?.trim();
    if (text === undefined || text === "") continue;
    const min = MIN_VALUES[key] ?? 1;
    const value = /^\d+$/.test(text) ? Number(text) : NaN;
    if (!Number.isSafeInteger(value) || value < min) {
      throw new InputError(
        `${name} must be a whole number of at least ${min}, got ${JSON.stringify(text)}`,
        { field: name },
      );
    }
    limits[key] = value;
  }
  return limits;
}

/** Milliseconds after the time budget at which a sweep still running is killed. */
export function killGraceMs(timeBudgetMs: number): number {
  return Math.max(5000, Math.ceil(timeBudgetMs / 4));
}
