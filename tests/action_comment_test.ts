import { getOctokit } from "@actions/github";
import assert from "node:assert/strict";
import { tokenUser, upsertComment, WORKFLOW_TOKEN_LOGIN } from "../action/comment.ts";
import { GitHubMock, type MockComment, PERSONAL_TOKEN, WORKFLOW_TOKEN } from "./github_mock/mod.ts";

const MARKER = "<!-- lr-finder:m -->";

function seed(mock: GitHubMock, comments: Omit<MockComment, "id" | "issue" | "edits">[]): void {
  const repo = mock.repository("o/r");
  for (const [i, c] of comments.entries()) {
    repo.comments.push({ ...c, id: i + 1, issue: 7, edits: 0 });
  }
}

Deno.test("tokenUser asks GET /user, and takes the workflow token for github-actions[bot]", async () => {
  const mock = new GitHubMock({ repositories: ["o/r"] });
  try {
    assert.deepEqual(await tokenUser(getOctokit(PERSONAL_TOKEN, { baseUrl: mock.url })), {
      login: "octocat",
      installation: false,
    });
    assert.deepEqual(await tokenUser(getOctokit(WORKFLOW_TOKEN, { baseUrl: mock.url })), {
      login: WORKFLOW_TOKEN_LOGIN,
      installation: true,
    });
  } finally {
    await mock.close();
  }
});

Deno.test("upsertComment finds its comment on a later page and leaves people's comments alone", async () => {
  const mock = new GitHubMock({ repositories: ["o/r"] });
  try {
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
    });
    assert.equal(comments[130].body, `${MARKER}\nnew`);
    assert.equal(comments[5].body, `quoting ${MARKER}`, "a person's comment is never edited");
    const pages = mock.requests.filter((r) => r.operationId === "issues/list-comments");
    assert.equal(pages.length, 2, "both pages were read");
    assert.deepEqual(mock.violations, []);
  } finally {
    await mock.close();
  }
});

Deno.test("upsertComment creates a comment when its own has a different marker or author", async () => {
  const mock = new GitHubMock({ repositories: ["o/r"] });
  try {
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
  } finally {
    await mock.close();
  }
});

Deno.test("an app installation token other than the workflow token updates its bot's comment", async () => {
  const mock = new GitHubMock({ repositories: ["o/r"] });
  try {
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
  } finally {
    await mock.close();
  }
});
