/**
 * Messages for REST API failures that name the fix: a token that may not write (the job's
 * `permissions:`), the read-only token of pull requests from forks, for which the Action still
 * succeeds and points to the two-workflow pattern, and GitHub's rate limits, which answer 403 or
 * 429 too but need waiting, not permissions.
 * @module
 */
import { errorStatus } from "./git_data.ts";
import { RATE_LIMIT_RETRIES } from "./octokit.ts";

/** Where the documentation explains the two-workflow pattern for forks. */
export const FORK_PATTERN_DOC = 'docs/action.md, section "Pull requests from forks"';

/** What the Action tried to write. */
export type WriteKind = "comment" | "image";

/** True for a 403 answer that is about permissions (no permission, or a fork's read-only token). */
export function isForbidden(error: unknown): boolean {
  return errorStatus(error) === 403 && !isRateLimited(error);
}

/**
 * True for an answer of GitHub's rate limits: 429, or a 403 that says so (no requests left,
 * a `retry-after` header, or a message about a rate limit).
 */
export function isRateLimited(error: unknown): boolean {
  const status = errorStatus(error);
  if (status === 429) return true;
  if (status !== 403) return false;
  const headers = (error as { response?: { headers?: Record<string, unknown> } }).response
    ?.headers ?? {};
  if (headers["x-ratelimit-remaining"] === "0" || headers["retry-after"] !== undefined) {
    return true;
  }
  return /\brate limit/i.test(error instanceof Error ? error.message : String(error));
}

/** The server's message of an Octokit error, shortened to one line. */
export function apiMessage(error: unknown): string {
  const status = errorStatus(error);
  const message = error instanceof Error ? error.message : String(error);
  const line = message.split("\n")[0].replace(/ - https:\/\/docs\.github\.com\S*$/, "");
  return status === undefined ? line : `${status} ${line}`;
}

/**
 * The warning for a write refused on a pull request from a fork: the run stays green, the
 * results are in the job summary, and comments need the two-workflow pattern.
 */
export function forkWarning(kind: WriteKind, error: unknown): string {
  const what = kind === "comment"
    ? "comment on the pull request"
    : "push the plot to the image branch";
  return `could not ${what} (${apiMessage(error)}): pull requests from forks get a read-only ` +
    `token. The results are in the job summary. To comment on pull requests from forks, use ` +
    `the two-workflow pattern (a pull_request workflow uploads the results, a workflow_run ` +
    `workflow posts them with mode: comment-only), see ${FORK_PATTERN_DOC}`;
}

/** The error for a write that GitHub's rate limit still refused after the retries. */
export function rateLimitError(
  kind: WriteKind,
  error: unknown,
  where: { repository: string },
): string {
  const what = kind === "comment" ? "the comment" : "the plot";
  return `GitHub's rate limit refused writing ${what} on ${where.repository} (${
    apiMessage(error)
  }) after up to ${RATE_LIMIT_RETRIES} retries: this is not a permission problem; re-run ` +
    "the job once the limit resets, or run fewer jobs at once (strategy.max-parallel)";
}

/** The error for a write refused outside forks: which permission the job needs. */
export function permissionError(
  kind: WriteKind,
  error: unknown,
  where: { repository: string; branch?: string; issue?: number },
): string {
  if (kind === "comment") {
    return `github-token may not comment on ${where.repository}#${where.issue} (${
      apiMessage(error)
    }): give the job \`permissions: pull-requests: write\`, or set \`comment: false\``;
  }
  return `github-token may not push to branch ${where.branch} of ${where.repository} (${
    apiMessage(error)
  }): give the job \`permissions: contents: write\`, or set \`image-branch: ''\` to disable ` +
    `image hosting`;
}

/** Where a write failed, for {@linkcode writeFailure}. */
export interface WriteTarget {
  /** `owner/repo`. */
  repository: string;
  /** The image branch. */
  branch?: string;
  /** The pull request. */
  issue?: number;
  /** True for the read-only token of a pull request from a fork. */
  readOnlyToken?: boolean;
}

/**
 * What a refused or failed write means for the run: an error, or, for a fork's read-only
 * token refused for permissions, a warning (the run stays green).
 */
export function writeFailure(
  kind: WriteKind,
  error: unknown,
  where: WriteTarget,
): { error: string } | { warning: string } {
  if (isRateLimited(error)) return { error: rateLimitError(kind, error, where) };
  if (isForbidden(error)) {
    return where.readOnlyToken
      ? { warning: forkWarning(kind, error) }
      : { error: permissionError(kind, error, where) };
  }
  const what = kind === "comment" ? "write the comment" : "store the plot";
  return { error: `could not ${what} on ${where.repository}: ${apiMessage(error)}` };
}
