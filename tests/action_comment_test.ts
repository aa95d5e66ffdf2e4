import { getOctokit } from "@actions/github";
import assert from "node:assert/strict";
import { tokenUser, upsertComment, WORKFLOW_TOKEN_LOGIN } from "../action/comment.ts";
import { createOctokit } from "../action/octokit.ts";
import {
  type GitHubMock,
  type MockComment,
  PERSONAL_TOKEN,
  SECONDARY_RATE_LIMIT_MESSAGE,
  withGitHubMock,
  WORKFLOW_TOKEN,
} from "./github_mock/mod.ts";

const MARKER = "<!-- lr-finder:m -->";

function seed(mock: GitHubMock, comments: Omit<MockComment, "id" | "issue" | "edits">[]): void {
  const repo = mock.repository("o/r");
  for (const [i, c] of comments.entries()) {
    repo.comments.push({ ...c, id: i + 1, issue: 7, edits: 0 });
  }
}

Deno.test("tokenUser asks GET /user, and takes the workflow token for github-actions[bot]", async () => {
  await withGitHubMock({ repositories: ["o/r"] }, async (mock) => {
    assert.deepEqual(await tokenUser(getOctokit(PERSONAL_TOKEN, { baseUrl: mock.url })), {
      login: "octocat",
      installation: false,
    });
    assert.deepEqual(await tokenUser(getOctokit(WORKFLOW_TOKEN, { baseUrl: mock.url })), {
      login: WORKFLOW_TOKEN_LOGIN,
      installation: true,
    });
  });
});

Deno.test("upsertComment finds its comment on a later page and leaves people's comments alone", async () => {
  await withGitHubMock({ repositories: ["o/r"] }, async (mock) => {
    const others = Array.from({ length: 130 }, (_, i) => ({
      body: i === 5 ? `quoting ${MARKER}` : `comment ${i}`,
      login: "someone",
      type: "User" as const,
    }));
    seed(mock, [...others, { body: `${MARKER}\nold`, login: "github-actions[bot]", type: "Bot" }]);
    const octokit = getOctokit(WORKFLOW_TOKEN, { baseUrl: mock.url });
    const user = await tokenUser(octokit);
    const result = await upsertComment(octokit, { owner: "o", repo: "r", issue: 7, user }, {
      marker: MARKER,
      body: `${MARKER}\nnew`,
    });
    const comments = mock.repository("o/r").comments;
    assert.equal(comments.length, 131, "no comment was added");
    assert.deepEqual(result, {
      id: 131,
      url: "https://github.com/o/r/pull/7#issuecomment-131",
      created: false,
      removed: 0,
    });
    assert.equal(comments[130].body, `${MARKER}\nnew`);
    assert.equal(comments[5].body, `quoting ${MARKER}`, "a person's comment is never edited");
    const pages = mock.requests.filter((r) => r.operationId === "issues/list-comments");
    assert.equal(pages.length, 2, "both pages were read");
  });
});

Deno.test("upsertComment creates a comment when its own has a different marker or author", async () => {
  await withGitHubMock({ repositories: ["o/r"] }, async (mock) => {
    seed(mock, [
      { body: "<!-- lr-finder:other -->", login: "github-actions[bot]", type: "Bot" },
      { body: MARKER, login: "octocat", type: "User" },
    ]);
    const octokit = getOctokit(WORKFLOW_TOKEN, { baseUrl: mock.url });
    const user = await tokenUser(octokit);
    const result = await upsertComment(octokit, { owner: "o", repo: "r", issue: 7, user }, {
      marker: MARKER,
      body: `${MARKER}\nmine`,
    });
    assert.equal(result.created, true);
    const comments = mock.repository("o/r").comments;
    assert.equal(comments.length, 3);
    assert.deepEqual(comments.map((c) => c.edits), [0, 0, 0]);
  });
});

Deno.test("an app installation token other than the workflow token updates its bot's comment", async () => {
  await withGitHubMock({ repositories: ["o/r"] }, async (mock) => {
    seed(mock, [{ body: MARKER, login: "my-app[bot]", type: "Bot" }]);
    const octokit = getOctokit(WORKFLOW_TOKEN, { baseUrl: mock.url });
    const result = await upsertComment(octokit, {
      owner: "o",
      repo: "r",
      issue: 7,
      user: { login: WORKFLOW_TOKEN_LOGIN, installation: true },
    }, { marker: MARKER, body: `${MARKER}\nupdated` });
    assert.equal(result.created, false);
    assert.equal(mock.repository("o/r").comments[0].body, `${MARKER}\nupdated`);
  });
});

const BOT = { login: WORKFLOW_TOKEN_LOGIN, installation: true };
const TARGET = { owner: "o", repo: "r", issue: 7, user: BOT };

Deno.test("two runs that start at once end with exactly one comment, holding the newest text", async () => {
  await withGitHubMock({ repositories: ["o/r"] }, async (mock) => {
    // Both list before either creates: the race of two quick pushes.
    mock.barrier("issues/list-comments", 2);
    const octokit = createOctokit(WORKFLOW_TOKEN, { baseUrl: mock.url, timeScale: 0.001 });
    const [first, second] = await Promise.all([
      upsertComment(octokit, TARGET, { marker: MARKER, body: `${MARKER}\nfirst` }),
      upsertComment(octokit, TARGET, { marker: MARKER, body: `${MARKER}\nsecond` }),
    ]);
    const { comments, deleted } = mock.repository("o/r");
    assert.equal(comments.length, 1, "exactly one comment is left");
    const created = mock.requests.filter((r) => r.operationId === "issues/create-comment");
    assert.equal(created.length, 2, "both runs did create one");
    assert.equal(deleted.length, 1);
    const [kept, newest] = [comments[0], deleted[0]];
    assert.ok(kept.id < newest.id, "the oldest is kept");
    assert.equal(newest.edits, 0);
    assert.equal(kept.body, newest.body, "the newest text is carried into it");
    assert.equal(first.id, kept.id);
    assert.equal(second.id, kept.id, "both runs point to the comment that is kept");
  });
});

Deno.test("after creating, duplicates fold into the oldest with the newest text", async () => {
  await withGitHubMock({ repositories: ["o/r"] }, async (mock) => {
    const octokit = createOctokit(WORKFLOW_TOKEN, { baseUrl: mock.url, timeScale: 0.001 });
    // Another run creates its comment between this run's list and its create.
    mock.beforeNext("issues/create-comment", () => {
      mock.repository("o/r").comments.push({
        id: 1,
        issue: 7,
        body: `${MARKER}\nother run`,
        login: WORKFLOW_TOKEN_LOGIN,
        type: "Bot",
        edits: 0,
      });
    });
    const result = await upsertComment(octokit, TARGET, {
      marker: MARKER,
      body: `${MARKER}\nthis run`,
    });
    const comments = mock.repository("o/r").comments;
    assert.equal(comments.length, 1);
    assert.deepEqual(result, {
      id: 1,
      url: "https://github.com/o/r/pull/7#issuecomment-1",
      created: false,
      removed: 1,
    });
    assert.equal(comments[0].body, `${MARKER}\nthis run`, "the newest text is carried over");
  });
});

Deno.test("a create whose answer was lost is retried, and the duplicate it made is deleted", async () => {
  await withGitHubMock({ repositories: ["o/r"] }, async (mock) => {
    const octokit = createOctokit(WORKFLOW_TOKEN, { baseUrl: mock.url, timeScale: 0.001 });
    mock.failNext("issues/create-comment", { status: 502, afterHandling: true });
    mock.failNext("issues/delete-comment", {
      status: 403,
      message: SECONDARY_RATE_LIMIT_MESSAGE,
      headers: { "retry-after": "5" },
    });
    const result = await upsertComment(octokit, TARGET, { marker: MARKER, body: `${MARKER}\nx` });
    const comments = mock.repository("o/r").comments;
    assert.equal(comments.length, 1);
    assert.equal(result.id, comments[0].id);
    assert.equal(result.removed, 1);
    assert.deepEqual(
      mock.requests.map((r) => `${r.operationId} ${r.status}`),
      [
        "issues/list-comments 200",
        "issues/create-comment 502",
        "issues/create-comment 201",
        "issues/list-comments 200",
        "issues/delete-comment 403",
        "issues/delete-comment 204",
      ],
    );
  });
});

Deno.test("duplicates left by earlier versions fold into the oldest on the next update", async () => {
  await withGitHubMock({ repositories: ["o/r"] }, async (mock) => {
    seed(mock, [
      { body: `${MARKER}\nold 1`, login: "github-actions[bot]", type: "Bot" },
      { body: "a person's comment", login: "someone", type: "User" },
      { body: `${MARKER}\nquoted by a person`, login: "someone", type: "User" },
      { body: `${MARKER}\nold 2`, login: "github-actions[bot]", type: "Bot" },
    ]);
    const octokit = createOctokit(WORKFLOW_TOKEN, { baseUrl: mock.url, timeScale: 0.001 });
    const result = await upsertComment(octokit, TARGET, { marker: MARKER, body: `${MARKER}\nnew` });
    assert.equal(result.id, 1);
    assert.equal(result.removed, 1);
    assert.deepEqual(
      mock.repository("o/r").comments.map((c) => [c.id, c.body]),
      [
        [1, `${MARKER}\nnew`],
        [2, "a person's comment"],
        [3, `${MARKER}\nquoted by a person`],
      ],
    );
  });
});
