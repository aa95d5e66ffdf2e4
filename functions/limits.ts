/**
 * The limits that keep one HTTP function process safe to expose: request size, model size,
 * data size, sweep length, time and queue; each with a default and an environment variable.
 * @module
 */
import { InputError } from "../src/errors.ts";

/** What one request may ask of the server. */
export interface Limits {
  /** Largest request body in bytes, checked while reading. */
  maxBodyBytes: number;
  /** Largest model, in parameters (weights), checked before any weight is allocated. */
  maxParams: number;
  /** Most training samples. */
  maxSamples: number;
  /** Most values per sample (features; pixels times channels for images). */
  maxFeatures: number;
  /** Most steps per run (`sweep.numIters`). */
  maxSteps: number;
  /** Most repeated runs (`sweep.runs`). */
  maxRuns: number;
  /** Time budget of one sweep in milliseconds; a longer sweep stops with `time-budget`. */
  timeBudgetMs: number;
  /** Requests that may wait while a sweep runs; one more is answered 429. */
  maxQueue: number;
}

/** The defaults: small models on a shared CPU. */
export const DEFAULT_LIMITS: Readonly<Limits> = {
  maxBodyBytes: 8 * 1024 * 1024,
  maxParams: 1_000_000,
  maxSamples: 20_000,
  maxFeatures: 4096,
  maxSteps: 500,
  maxRuns: 3,
  timeBudgetMs: 60_000,
  maxQueue: 4,
};

/** The environment variable that sets each limit. */
export const LIMIT_ENV: Readonly<Record<keyof Limits, string>> = {
  maxBodyBytes: "LR_FINDER_MAX_BODY_BYTES",
  maxParams: "LR_FINDER_MAX_PARAMS",
  maxSamples: "LR_FINDER_MAX_SAMPLES",
  maxFeatures: "LR_FINDER_MAX_FEATURES",
  maxSteps: "LR_FINDER_MAX_STEPS",
  maxRuns: "LR_FINDER_MAX_RUNS",
  timeBudgetMs: "LR_FINDER_TIME_BUDGET_MS",
  maxQueue: "LR_FINDER_MAX_QUEUE",
};

/**
 * Limits from environment variables (see {@linkcode LIMIT_ENV}), defaults for those not set.
 * A value that is not a whole number (at least 1; at least 0 for the queue) is an
 * {@linkcode InputError} naming the variable, so a misconfigured server does not start.
 */
export function limitsFromEnv(env: Readonly<Record<string, string | undefined>>): Limits {
  const limits: Limits = { ...DEFAULT_LIMITS };
  for (const key of Object.keys(LIMIT_ENV) as (keyof Limits)[]) {
    const name = LIMIT_ENV[key];
    const text = env[name]?.trim();
    if (text === undefined || text === "") continue;
    const min = key === "maxQueue" ? 0 : 1;
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
