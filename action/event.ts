/**
 * What the workflow run is about, from the runner's context (`@actions/github`'s `context`): the
 * repository, the commit, and for pull requests their number, head and base.
 * @module
 */
import { InputError } from "../src/errors.ts";

/** The parts of `@actions/github`'s `Context` used here. */
export interface RunContext {
  /** Event name, e.g. `pull_request` or `push`. */
  eventName: string;
  /** `GITHUB_SHA`. */
  sha: string;
  /** `GITHUB_REF`, e.g. `refs/heads/main` or `refs/pull/2/merge`. */
  ref: string;
  /** The event payload (`GITHUB_EVENT_PATH`). */
  payload: Record<string, unknown>;
  /** `GITHUB_SERVER_URL`. */
  serverUrl: string;
  /** `GITHUB_RUN_ID`. */
  runId: number;
  /** `GITHUB_ACTOR`. */
  actor: string;
}

/** A pull request from an event payload. */
export interface PullRequestInfo {
  /** Pull request number. */
  number: number;
  /** Head commit. */
  headSha: string;
  /** Base branch name, e.g. `main`. */
  baseRef: string;
  /** Head commit of the base branch when the event was sent. */
  baseSha: string;
  /** True when the head branch lives in another repository (a fork). */
  fork: boolean;
}

/** The workflow run as the Action sees it. */
export interface EventInfo {
  /** Repository owner. */
  owner: string;
  /** Repository name. */
  repo: string;
  /** Event name. */
  eventName: string;
  /** Commit the results are stored under: a pull request's head, otherwise `GITHUB_SHA`. */
  commit: string;
  /** The pull request, for pull request events. */
  pullRequest?: PullRequestInfo;
  /** Branch of a push (or any other run on a branch), whose latest result is remembered. */
  branch?: string;
  /** `https://github.com` or the GitHub Enterprise server. */
  serverUrl: string;
  /** Link to the workflow run, when known. */
  runUrl?: string;
  /**
   * The token is read-only by GitHub's rules: pull requests from forks and Dependabot's pull
   * requests. Writes refused with 403 are then warnings, not errors.
   */
  readOnlyToken: boolean;
  /** For `workflow_run` events: the head commit of the run that triggered this one. */
  workflowRunHeadSha?: string;
}

/** A commit SHA: SHA-1, or SHA-256 in repositories that use it. */
const COMMIT_SHA = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

/** A branch name as git allows it: no space, control character, `~^:?*[\\`. */
// deno-lint-ignore no-control-regex
const BRANCH_NAME = /^[^\s\u0000-\u001f\u007f~^:?*\[\\]{1,250}$/;

/** Splits `GITHUB_REPOSITORY` (`owner/name`). */
export function parseRepository(value: string | undefined): { owner: string; repo: string } {
  const match = /^([^/\s]+)\/([^/\s]+)$/.exec(value ?? "");
  if (!match) {
    throw new InputError(
      `GITHUB_REPOSITORY must be owner/name, got ${JSON.stringify(value ?? "")}: ` +
        "run the Action inside a GitHub Actions workflow",
      { field: "GITHUB_REPOSITORY" },
    );
  }
  return { owner: match[1], repo: match[2] };
}

/** Builds the {@linkcode EventInfo} of a run. */
export function eventInfo(
  context: RunContext,
  repository: { owner: string; repo: string },
): EventInfo {
  const pullRequest = pullRequestFromPayload(context.payload);
  const branchRef = /^refs\/heads\/(.+)$/.exec(context.ref)?.[1];
  const fullName = `${repository.owner}/${repository.repo}`;
  const workflowRun = context.payload.workflow_run as { head_sha?: unknown } | undefined;
  const headSha = workflowRun?.head_sha;
  return {
    ...repository,
    eventName: context.eventName,
    commit: pullRequest?.headSha ?? context.sha,
    pullRequest,
    branch: pullRequest ? undefined : branchRef,
    serverUrl: context.serverUrl.replace(/\/+$/, ""),
    runUrl: context.runId
      ? `${context.serverUrl.replace(/\/+$/, "")}/${fullName}/actions/runs/${context.runId}`
      : undefined,
    readOnlyToken: pullRequest !== undefined &&
      (pullRequest.fork || context.actor === "dependabot[bot]"),
    workflowRunHeadSha: typeof headSha === "string" ? headSha : undefined,
  };
}

/** The pull request of an event payload, or `undefined` when the payload has none. */
export function pullRequestFromPayload(
  payload: Record<string, unknown>,
): PullRequestInfo | undefined {
  const pr = payload.pull_request as Record<string, unknown> | undefined;
  if (!pr || typeof pr !== "object") return undefined;
  const head = pr.head as Record<string, unknown> | undefined;
  const base = pr.base as Record<string, unknown> | undefined;
  const number = Number(pr.number ?? payload.number);
  const headSha = head?.sha;
  const baseSha = base?.sha;
  const baseRef = base?.ref;
  if (
    !Number.isInteger(number) || typeof headSha !== "string" || typeof baseSha !== "string" ||
    typeof baseRef !== "string"
  ) {
    throw new InputError(
      "the event payload's pull_request lacks number, head.sha, base.sha or base.ref",
      { field: "GITHUB_EVENT_PATH" },
    );
  }
  // The payload of a fork's artifact is untrusted: only well-formed values go on.
  if (
    number < 1 || number > 1e9 || !COMMIT_SHA.test(headSha) || !COMMIT_SHA.test(baseSha) ||
    !BRANCH_NAME.test(baseRef)
  ) {
    throw new InputError(
      "the event payload's pull_request has a malformed number, head.sha, base.sha or " +
        "base.ref (expected a positive number, 40 or 64 hex digits and a branch name)",
      { field: "GITHUB_EVENT_PATH" },
    );
  }
  const headRepo = (head?.repo as { full_name?: string } | null | undefined)?.full_name;
  const baseRepo = (base?.repo as { full_name?: string } | null | undefined)?.full_name;
  return {
    number,
    headSha,
    baseRef,
    baseSha,
    // A deleted fork has no head repository; treat it as a fork.
    fork: headRepo === undefined || headRepo !== baseRepo,
  };
}
