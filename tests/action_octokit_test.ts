import assert from "node:assert/strict";
import {
  createOctokit,
  MAX_RATE_LIMIT_WAIT_S,
  RATE_LIMIT_RETRIES,
  SERVER_ERROR_RETRIES,
  timeScaleFromEnv,
} from "../action/octokit.ts";
import { isForbidden, isRateLimited } from "../action/permissions.ts";
import {
  GitHubMock,
  READ_ONLY_TOKEN,
  SECONDARY_RATE_LIMIT_MESSAGE,
  WORKFLOW_TOKEN,
} from "./github_mock/mod.ts";

/** Waits a thousand times shorter than GitHub asks, so no test sleeps for seconds. */
const TIME_SCALE = 0.001;

async function withClient(
  token: string,
  fn: (mock: GitHubMock, octokit: ReturnType<typeof createOctokit>, log: string[]) => Promise<void>,
): Promise<void> {
  const mock = new GitHubMock({ repositories: ["o/r"] });
  const log: string[] = [];
  try {
    const octokit = createOctokit(token, {
      baseUrl: mock.url,
      timeScale: TIME_SCALE,
      log: (line) => log.push(line),
    });
    await fn(mock, octokit, log);
    assert.deepEqual(mock.violations, []);
  } finally {
    await mock.close();
  }
}

const comment = { owner: "o", repo: "r", issue_number: 1, body: "hello" };

function statuses(mock: GitHubMock, operationId: string): number[] {
  return mock.requests.filter((r) => r.operationId === operationId).map((r) => r.status);
}

Deno.test("server errors and both rate limits are waited out, each as GitHub asks", async () => {
  await withClient(WORKFLOW_TOKEN, async (mock, octokit, log) => {
    mock.failNext(
      "issues/create-comment",
      { status: 502 },
      { status: 503 },
      { status: 403, message: SECONDARY_RATE_LIMIT_MESSAGE, headers: { "retry-after": "60" } },
      { status: 429, message: SECONDARY_RATE_LIMIT_MESSAGE, headers: { "retry-after": "30" } },
    );
    const created = await octokit.rest.issues.createComment(comment);
    assert.equal(created.status, 201);
    assert.deepEqual(statuses(mock, "issues/create-comment"), [502, 503, 403, 429, 201]);
    assert.equal(mock.repository("o/r").comments.length, 1);
    assert.match(log[0], /^GitHub answered POST \/repos\/\{owner\}.* with 502: Bad Gateway$/);
    assert.match(log[1], /with 503: Service Unavailable$/);
    assert.match(
      log[2],
      /^GitHub's secondary rate limit refused POST .*: retrying in 60 s \(retry 1 of 3\)$/,
    );
    assert.match(log[3], /retrying in 30 s \(retry 2 of 3\)$/);
  });
});

Deno.test("a primary rate limit (no requests left) is waited for until its reset", async () => {
  await withClient(WORKFLOW_TOKEN, async (mock, octokit, log) => {
    const reset = String(Math.floor(Date.now() / 1000) + 5);
    mock.failNext("issues/list-comments", {
      status: 429,
      message: "API rate limit exceeded for installation ID 1.",
      headers: { "x-ratelimit-remaining": "0", "x-ratelimit-reset": reset },
    });
    const list = await octokit.rest.issues.listComments({ owner: "o", repo: "r", issue_number: 1 });
    assert.equal(list.status, 200);
    assert.deepEqual(statuses(mock, "issues/list-comments"), [429, 200]);
    assert.match(log[0], /^GitHub's rate limit refused GET .*: retrying in [56] s/);
  });
});

Deno.test("retries are bounded; a long rate limit is not waited for; 403s tell limits from permissions", async () => {
  await withClient(WORKFLOW_TOKEN, async (mock, octokit, log) => {
    mock.failNext("issues/create-comment", ...Array(10).fill({ status: 502 }));
    await assert.rejects(octokit.rest.issues.createComment(comment), { status: 502 });
    assert.equal(statuses(mock, "issues/create-comment").length, SERVER_ERROR_RETRIES + 1);

    const secondary = {
      status: 403,
      message: SECONDARY_RATE_LIMIT_MESSAGE,
      headers: { "retry-after": "1" },
    };
    mock.failNext("issues/update-comment", ...Array(10).fill(secondary));
    await assert.rejects(
      octokit.rest.issues.updateComment({ owner: "o", repo: "r", comment_id: 1, body: "x" }),
      (error) => isRateLimited(error) && !isForbidden(error),
    );
    assert.equal(statuses(mock, "issues/update-comment").length, RATE_LIMIT_RETRIES + 1);
    assert.match(log.at(-1)!, /still refuses PATCH .* after 3 retries: giving up$/);

    const hour = String(Math.floor(Date.now() / 1000) + 3600);
    mock.failNext("git/create-blob", {
      status: 403,
      message: "API rate limit exceeded for installation ID 1.",
      headers: { "x-ratelimit-remaining": "0", "x-ratelimit-reset": hour },
    });
    await assert.rejects(
      octokit.rest.git.createBlob({ owner: "o", repo: "r", content: "x" }),
      (error) => isRateLimited(error) && !isForbidden(error),
    );
    assert.deepEqual(statuses(mock, "git/create-blob"), [403], "an hour is not waited for");
    assert.match(
      log.at(-1)!,
      new RegExp(`longer than the ${MAX_RATE_LIMIT_WAIT_S} s this step waits`),
    );
  });
  await withClient(READ_ONLY_TOKEN, async (mock, octokit) => {
    await assert.rejects(
      octokit.rest.issues.createComment(comment),
      (error) => isForbidden(error) && !isRateLimited(error),
    );
    assert.deepEqual(statuses(mock, "issues/create-comment"), [403], "a permission 403 is final");
  });
});

Deno.test("the time scale comes from the environment, between 0 and 1", () => {
  assert.equal(timeScaleFromEnv(undefined), 1);
  assert.equal(timeScaleFromEnv(""), 1);
  assert.equal(timeScaleFromEnv("0.001"), 0.001);
  for (const bad of ["0", "2", "fast"]) {
    assert.throws(
      () => timeScaleFromEnv(bad),
      /LR_FINDER_API_TIME_SCALE must be a number above 0 and at most 1/,
    );
  }
});
