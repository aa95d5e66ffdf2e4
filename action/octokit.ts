/**
 * The Action's REST client: `@actions/github`'s Octokit with `@octokit/plugin-retry` (server
 * errors and dropped connections retried with growing pauses) and `@octokit/plugin-throttling`
 * (writes paced as GitHub asks, and rate-limit answers waited out a bounded number of times).
 * Every wait scales with `timeScale`, so tests run the same code without sleeping for seconds.
 * @module
 */
import { getOctokit } from "@actions/github";
import { retry } from "@octokit/plugin-retry";
import { throttling } from "@octokit/plugin-throttling";
import Bottleneck from "bottleneck";
import { InputError } from "../src/errors.ts";
import type { Octokit } from "./git_data.ts";

/** Retries of a request that failed with a server error (5xx) or no answer. */
export const SERVER_ERROR_RETRIES = 3;

/** Retries of a request refused by a rate limit (primary or secondary). */
export const RATE_LIMIT_RETRIES = 3;

/** Longest wait, in seconds, for a rate limit to pass; a longer one fails the request. */
export const MAX_RATE_LIMIT_WAIT_S = 120;

/** Environment variable that scales every wait (tests set it far below 1). */
export const TIME_SCALE_VARIABLE = "LR_FINDER_API_TIME_SCALE";

/** Options of {@linkcode createOctokit}. */
export interface ApiClientOptions {
  /** REST API root (default: `GITHUB_API_URL` or `https://api.github.com`). */
  baseUrl?: string;
  /** Factor on every wait: backoff, `retry-after`, write pacing (default 1). */
  timeScale?: number;
  /** Receives one line for every retry and for every rate limit not waited out. */
  log?: (message: string) => void;
}

/** A request as the plugins describe it. */
interface RequestOptions {
  method?: string;
  url?: string;
}

/** The REST client with retries and throttling. */
export function createOctokit(token: string, options: ApiClientOptions = {}): Octokit {
  const scale = options.timeScale ?? 1;
  const log = options.log ?? (() => {});
  const onLimit = (kind: string) =>
  (
    retryAfter: number,
    request: RequestOptions,
    _octokit: unknown,
    retryCount: number,
  ): boolean => {
    const what = `${request.method ?? "GET"} ${request.url ?? ""}`;
    if (retryCount >= RATE_LIMIT_RETRIES) {
      log(`${kind} still refuses ${what} after ${retryCount} retries: giving up`);
      return false;
    }
    if (retryAfter > MAX_RATE_LIMIT_WAIT_S) {
      log(
        `${kind} refuses ${what} for ${retryAfter} s, longer than the ` +
          `${MAX_RATE_LIMIT_WAIT_S} s this step waits: giving up`,
      );
      return false;
    }
    log(
      `${kind} refused ${what}: retrying in ${retryAfter} s ` +
        `(retry ${retryCount + 1} of ${RATE_LIMIT_RETRIES})`,
    );
    return true;
  };
  return getOctokit(
    token,
    {
      ...(options.baseUrl ? { baseUrl: options.baseUrl } : {}),
      retry: {
        retries: SERVER_ERROR_RETRIES,
        retryAfterBaseValue: 1000 * scale,
        // 429 is left to the throttling plugin, which waits as long as GitHub says.
        doNotRetry: [400, 401, 403, 404, 410, 422, 429, 451],
      },
      throttle: {
        retryAfterBaseValue: 1000 * scale,
        // GitHub asks for at least a second between writes, more for those that notify people.
        write: new Bottleneck.Group({ maxConcurrent: 1, minTime: 1000 * scale }),
        notifications: new Bottleneck.Group({ maxConcurrent: 1, minTime: 3000 * scale }),
        onRateLimit: onLimit("GitHub's rate limit"),
        onSecondaryRateLimit: onLimit("GitHub's secondary rate limit"),
      },
    },
    logServerErrors(log),
    retry,
    throttling,
  );
}

/**
 * A plugin, applied before the others so that it sees every attempt, that logs each server
 * error or dropped connection (the retry plugin then decides whether to try again).
 */
function logServerErrors(log: (message: string) => void) {
  return (octokit: { hook: { error: (name: "request", fn: ErrorHook) => void } }) => {
    octokit.hook.error("request", (error, options) => {
      const status = (error as { status?: unknown }).status;
      if (typeof status !== "number" || status >= 500) {
        const message = (error instanceof Error ? error.message.split("\n")[0] : String(error))
          .replace(/ - https:\/\/docs\.github\.com\S*$/, "");
        log(
          `GitHub answered ${options.method} ${options.url} with ${
            status ?? "no answer"
          }: ${message}`,
        );
      }
      throw error;
    });
  };
}

type ErrorHook = (error: unknown, options: { method?: string; url?: string }) => never;

/** Reads {@linkcode TIME_SCALE_VARIABLE}: a number in (0, 1], 1 when unset. */
export function timeScaleFromEnv(value: string | undefined): number {
  if (value === undefined || value.trim() === "") return 1;
  const scale = Number(value);
  if (!(scale > 0 && scale <= 1)) {
    throw new InputError(
      `${TIME_SCALE_VARIABLE} must be a number above 0 and at most 1, got ${JSON.stringify(value)}`,
      { field: TIME_SCALE_VARIABLE },
    );
  }
  return scale;
}
