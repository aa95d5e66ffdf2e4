import { getOctokit } from "@actions/github";
import assert from "node:assert/strict";
import { blobUrl, branchHead, commitFiles, errorStatus, readFile } from "../action/git_data.ts";
import {
  type GitHubMock,
  READ_ONLY_TOKEN,
  withGitHubMock,
  WORKFLOW_TOKEN,
} from "./github_mock/mod.ts";

const TARGET = { owner: "o", repo: "r" };
const bytes = (text: string) => new TextEncoder().encode(text);

function withMock(fn: (mock: GitHubMock) => Promise<void>): Promise<void> {
  return withGitHubMock({ repositories: ["o/r"] }, fn);
}

Deno.test("commitFiles creates a missing branch as an orphan, then commits on top of it", async () => {
  await withMock(async (mock) => {
    const octokit = getOctokit(WORKFLOW_TOKEN, { baseUrl: mock.url });
    const target = { ...TARGET, branch: "assets" };
    assert.equal(await branchHead(octokit, target), undefined);
    const first = await commitFiles(octokit, target, [
      { path: "a/b.bin", content: new Uint8Array([0, 255, 1]) },
    ], { message: "one" });
    assert.deepEqual(mock.repository("o/r").commits.get(first)?.parents, []);
    const second = await commitFiles(octokit, target, [{ path: "c.txt", content: bytes("c") }], {
      message: "two",
    });
    assert.equal(await branchHead(octokit, target), second);
    assert.deepEqual(mock.repository("o/r").commits.get(second)?.parents, [first]);
    assert.deepEqual(mock.fileAt("o/r", second, "a/b.bin"), new Uint8Array([0, 255, 1]));
    assert.deepEqual(await readFile(octokit, { ...TARGET, ref: "assets" }, "c.txt"), bytes("c"));
    assert.deepEqual(
      await readFile(octokit, { ...TARGET, ref: first }, "a/b.bin"),
      new Uint8Array([0, 255, 1]),
    );
    assert.equal(await readFile(octokit, { ...TARGET, ref: "assets" }, "missing.txt"), undefined);
    assert.equal(await readFile(octokit, { ...TARGET, ref: "no-branch" }, "c.txt"), undefined);
  });
});

Deno.test("commitFiles builds on the new head when another job moved the branch meanwhile", async () => {
  await withMock(async (mock) => {
    const octokit = getOctokit(WORKFLOW_TOKEN, { baseUrl: mock.url });
    const start = mock.commitFiles("o/r", { "old.txt": "old" }, { branch: "assets" });
    let other = "";
    mock.beforeNext("git/update-ref", () => {
      other = mock.commitFiles("o/r", { "other.txt": "other job" }, {
        parent: start,
        branch: "assets",
      });
    });
    const sha = await commitFiles(octokit, { ...TARGET, branch: "assets" }, [
      { path: "mine.txt", content: bytes("mine") },
    ], { message: "mine" });
    const repo = mock.repository("o/r");
    assert.equal(repo.refs.get("refs/heads/assets"), sha);
    assert.deepEqual(repo.commits.get(sha)?.parents, [other], "rebuilt on the other job's commit");
    for (const path of ["old.txt", "other.txt", "mine.txt"]) {
      assert.ok(mock.fileAt("o/r", sha, path));
    }
    const refused = mock.requests.filter((r) => r.operationId === "git/update-ref");
    assert.deepEqual(refused.map((r) => r.status), [422, 200]);
  });
});

Deno.test("commitFiles passes on a refusal, with its status, to the caller", async () => {
  await withMock(async (mock) => {
    const octokit = getOctokit(READ_ONLY_TOKEN, { baseUrl: mock.url });
    await assert.rejects(
      commitFiles(octokit, { ...TARGET, branch: "assets" }, [{ path: "x", content: bytes("x") }], {
        message: "x",
      }),
      (error) => errorStatus(error) === 403,
    );
  });
});

Deno.test("blobUrl links a file at a commit, raw, with each path segment encoded", () => {
  assert.equal(
    blobUrl("https://github.com", TARGET, "abc", "results/x y/plot.png"),
    "https://github.com/o/r/blob/abc/results/x%20y/plot.png?raw=true",
  );
});
