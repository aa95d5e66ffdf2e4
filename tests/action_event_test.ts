import assert from "node:assert/strict";
import { eventInfo, parseRepository, pullRequestFromPayload } from "../action/event.ts";
import { InputError } from "../src/errors.ts";
import { EXAMPLE_PR, pullRequestPayload, pushPayload } from "./github_mock/runner.ts";

const REPO = { owner: "Codertocat", repo: "Hello-World" };

function context(eventName: string, payload: Record<string, unknown>, ref: string, actor = "x") {
  return {
    eventName,
    payload,
    ref,
    sha: "f".repeat(40),
    serverUrl: "https://github.com/",
    runId: 7,
    actor,
  };
}

Deno.test("a pull request event keys results by its head and knows its base", () => {
  const info = eventInfo(context("pull_request", pullRequestPayload(), "refs/pull/2/merge"), REPO);
  assert.deepEqual(info, {
    owner: "Codertocat",
    repo: "Hello-World",
    eventName: "pull_request",
    commit: EXAMPLE_PR.headSha,
    pullRequest: {
      number: 2,
      headSha: EXAMPLE_PR.headSha,
      baseRef: "master",
      baseSha: EXAMPLE_PR.baseSha,
      fork: false,
    },
    branch: undefined,
    serverUrl: "https://github.com",
    runUrl: "https://github.com/Codertocat/Hello-World/actions/runs/7",
    readOnlyToken: false,
    workflowRunHeadSha: undefined,
  });
});

Deno.test("forks and Dependabot's pull requests have read-only tokens", () => {
  const fork = eventInfo(
    context("pull_request", pullRequestPayload({ fork: true }), "refs/pull/2/merge"),
    REPO,
  );
  assert.equal(fork.pullRequest?.fork, true);
  assert.equal(fork.readOnlyToken, true);
  const bot = eventInfo(
    context("pull_request", pullRequestPayload(), "refs/pull/2/merge", "dependabot[bot]"),
    REPO,
  );
  assert.equal(bot.readOnlyToken, true);
});

Deno.test("a push keys results by GITHUB_SHA and names its branch", () => {
  const info = eventInfo(
    context("push", pushPayload("a".repeat(40)), "refs/heads/release/1"),
    REPO,
  );
  assert.equal(info.commit, "f".repeat(40));
  assert.equal(info.branch, "release/1");
  assert.equal(info.pullRequest, undefined);
  assert.equal(eventInfo(context("push", {}, "refs/tags/v1"), REPO).branch, undefined);
});

Deno.test("a workflow_run event carries the head commit of the run that triggered it", () => {
  const info = eventInfo(
    context("workflow_run", { workflow_run: { head_sha: "b".repeat(40) } }, "refs/heads/main"),
    REPO,
  );
  assert.equal(info.workflowRunHeadSha, "b".repeat(40));
});

Deno.test("malformed repository names and pull requests are InputErrors", () => {
  assert.deepEqual(parseRepository("o/r"), { owner: "o", repo: "r" });
  assert.throws(() => parseRepository(undefined), /GITHUB_REPOSITORY must be owner\/name, got ""/);
  assert.throws(
    () => pullRequestFromPayload({ pull_request: { number: 1, head: {} } }),
    InputError,
  );
});
