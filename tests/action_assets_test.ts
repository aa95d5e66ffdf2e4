import { getOctokit } from "@actions/github";
import assert from "node:assert/strict";
import {
  applyRetention,
  findBaseResult,
  INDEX_PATH,
  type IndexEntry,
  latestPointerPath,
  pathSegment,
  resultFolder,
  retentionKey,
  storeResult,
} from "../action/assets.ts";
import { resultJson } from "../src/report/mod.ts";
import { type GitHubMock, withGitHubMock, WORKFLOW_TOKEN } from "./github_mock/mod.ts";
import { tinyResult } from "./fixtures/lr_results.ts";

const TARGET = { owner: "o", repo: "r" };
const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]);

Deno.test("pathSegment keeps plain names and makes others safe and distinct", () => {
  assert.equal(pathSegment("fashion-mnist_v2.1"), "fashion-mnist_v2.1");
  assert.match(pathSegment("my model"), /^my-model-[0-9a-f]{8}$/);
  assert.notEqual(pathSegment("my model"), pathSegment("my/model"));
  assert.match(pathSegment("../.."), /^[0-9a-f]{8}$/);
  assert.equal(resultFolder("abc", "m"), "results/abc/m");
  assert.match(latestPointerPath("feature/x", "m"), /^latest\/feature-x-[0-9a-f]{8}\/m\.json$/);
});

Deno.test("storeResult commits the plot and JSON, and a pointer for branches", async () => {
  await withGitHubMock({ repositories: ["o/r"] }, async (mock) => {
    const octokit = getOctokit(WORKFLOW_TOKEN, { baseUrl: mock.url });
    const result = tinyResult();
    const stored = await storeResult(octokit, TARGET, "tiny", {
      branch: "assets",
      commit: "c1",
      png: PNG,
      json: resultJson(result),
      latestFor: "main",
      serverUrl: "https://ghe.example.com",
    });
    assert.equal(stored.imagePath, "results/c1/tiny/plot.png");
    assert.equal(
      stored.imageUrl,
      `https://ghe.example.com/o/r/blob/${stored.commit}/results/c1/tiny/plot.png?raw=true`,
    );
    assert.deepEqual(mock.fileAt("o/r", stored.commit, stored.imagePath), PNG);
    const pointer = JSON.parse(
      new TextDecoder().decode(mock.fileAt("o/r", stored.commit, "latest/main/tiny.json")),
    );
    assert.deepEqual(pointer, { version: 1, commit: "c1", result: "results/c1/tiny/result.json" });

    const base = { sha: "c1", ref: "main" };
    const direct = await findBaseResult(octokit, { ...TARGET, branch: "assets" }, "tiny", base);
    assert.equal(direct?.source, "base-head");
    assert.deepEqual(direct?.result, JSON.parse(resultJson(result)));
    const latest = await findBaseResult(octokit, { ...TARGET, branch: "assets" }, "tiny", {
      sha: "c0",
      ref: "main",
    });
    assert.equal(latest?.source, "latest");
    assert.equal(latest?.commit, "c1");
    assert.equal(
      await findBaseResult(octokit, { ...TARGET, branch: "assets" }, "other", base),
      undefined,
    );
    assert.equal(
      await findBaseResult(octokit, { ...TARGET, branch: "no-branch" }, "tiny", base),
      undefined,
    );
  });
});

function entry(key: string, commit: string, name = "m"): IndexEntry {
  const folder = resultFolder(commit, name);
  return { key, commit, name, paths: [`${folder}/plot.png`, `${folder}/result.json`] };
}

Deno.test("applyRetention keeps the last commits of each key and the latest pull requests", () => {
  const entries = [
    entry("branch/main", "m1"),
    entry("pull/1", "a1"),
    entry("pull/1", "a2"),
    entry("pull/1", "a2", "other"),
    entry("pull/2", "b1"),
    entry("branch/main", "m2"),
    entry("pull/1", "a3"),
    entry("pull/3", "c1"),
    // The same commit stored for a pull request and for its branch keeps its folder.
    entry("branch/feature", "b1"),
  ];
  const { kept, removed } = applyRetention(entries, { commits: 2, pullRequests: 2 });
  assert.deepEqual(
    kept.map((e) => `${e.key} ${e.commit} ${e.name}`),
    [
      "branch/main m1 m",
      "pull/1 a2 m",
      "pull/1 a2 other",
      "branch/main m2 m",
      "pull/1 a3 m",
      "pull/3 c1 m",
      "branch/feature b1 m",
    ],
  );
  assert.deepEqual(removed, ["results/a1/m/plot.png", "results/a1/m/result.json"]);
  assert.deepEqual(applyRetention(entries, { commits: 0, pullRequests: 1 }).kept, entries);
  assert.equal(retentionKey({ pullRequest: 4, branch: "x" }), "pull/4");
  assert.equal(retentionKey({ branch: "feature/x" }), `branch/${pathSegment("feature/x")}`);
  assert.equal(retentionKey({}), "other");
});

/** Result folders in the tree at the branch's head. */
function folders(mock: GitHubMock, branch = "assets"): string[] {
  const repo = mock.repository("o/r");
  const head = repo.refs.get(`refs/heads/${branch}`)!;
  const tree = repo.trees.get(repo.commits.get(head)!.tree)!;
  return [
    ...new Set(
      [...tree.keys()].filter((p) => p.startsWith("results/"))
        .map((p) => p.split("/").slice(0, 3).join("/")),
    ),
  ].sort();
}

Deno.test("with a retention each commit rebuilds the tree without older results", async () => {
  await withGitHubMock({ repositories: ["o/r"] }, async (mock) => {
    const octokit = getOctokit(WORKFLOW_TOKEN, { baseUrl: mock.url });
    const json = resultJson(tinyResult());
    const store = (commit: string, key: string, latestFor?: string) =>
      storeResult(octokit, TARGET, "tiny", {
        branch: "assets",
        commit,
        png: PNG,
        json,
        key,
        latestFor,
        retention: 2,
      });
    await store("m1", "branch/main", "main");
    const first = await store("p1", "pull/5");
    await store("p2", "pull/5");
    const third = await store("p3", "pull/5");
    assert.equal(third.removed, 1, "p1's result was dropped");
    assert.deepEqual(folders(mock), ["results/m1/tiny", "results/p2/tiny", "results/p3/tiny"]);
    const head = mock.repository("o/r").refs.get("refs/heads/assets")!;
    const index = JSON.parse(new TextDecoder().decode(mock.fileAt("o/r", head, INDEX_PATH)));
    assert.deepEqual(
      index.entries.map((e: IndexEntry) => `${e.key} ${e.commit}`),
      ["branch/main m1", "pull/5 p2", "pull/5 p3"],
    );
    assert.deepEqual(
      mock.fileAt("o/r", first.commit, first.imagePath),
      PNG,
      "history keeps the dropped plot, so older comments still show it",
    );
    // A re-run on the same commit replaces its entry instead of adding one.
    await store("p3", "pull/5");
    assert.deepEqual(folders(mock), ["results/m1/tiny", "results/p2/tiny", "results/p3/tiny"]);
    // Pushes keep their own last commits; the latest pointer's result is always among them.
    await store("m2", "branch/main", "main");
    await store("m3", "branch/main", "main");
    assert.deepEqual(folders(mock), [
      "results/m2/tiny",
      "results/m3/tiny",
      "results/p2/tiny",
      "results/p3/tiny",
    ]);
    const base = await findBaseResult(octokit, { ...TARGET, branch: "assets" }, "tiny", {
      sha: "m1",
      ref: "main",
    });
    assert.equal(base?.commit, "m3", "the pruned base commit falls back to the latest push");
  });
});

Deno.test("a branch written before the index keeps only what its latest pointers name", async () => {
  await withGitHubMock({ repositories: ["o/r"] }, async (mock) => {
    const json = resultJson(tinyResult());
    const pointer = JSON.stringify({
      version: 1,
      commit: "m1",
      result: "results/m1/tiny/result.json",
    });
    mock.commitFiles("o/r", {
      "results/m0/tiny/plot.png": PNG,
      "results/m0/tiny/result.json": json,
      "results/m1/tiny/plot.png": PNG,
      "results/m1/tiny/result.json": json,
      "results/p9/tiny/plot.png": PNG,
      "results/p9/tiny/result.json": json,
      "latest/main/tiny.json": pointer,
    }, { branch: "assets" });
    const octokit = getOctokit(WORKFLOW_TOKEN, { baseUrl: mock.url });
    const stored = await storeResult(octokit, TARGET, "tiny", {
      branch: "assets",
      commit: "p10",
      png: PNG,
      json,
      key: "pull/10",
      retention: 5,
    });
    assert.equal(stored.removed, 2);
    assert.deepEqual(folders(mock), ["results/m1/tiny", "results/p10/tiny"]);
    assert.ok(
      mock.requests.some((r) => r.path.includes("/git/trees/") && r.path.includes("recursive=1")),
    );
  });
});

Deno.test("concurrent stores with a retention all land, each planned again on the newer head", async () => {
  await withGitHubMock({ repositories: ["o/r"] }, async (mock) => {
    const octokit = getOctokit(WORKFLOW_TOKEN, { baseUrl: mock.url });
    const json = resultJson(tinyResult());
    const store = (name: string) =>
      storeResult(octokit, TARGET, name, {
        branch: "assets",
        commit: "p1",
        png: PNG,
        json,
        key: "pull/1",
        retention: 1,
      });
    await store("first");
    // All three read the same head, so two of them must plan again on a newer one.
    mock.barrier("git/get-ref", 3);
    await Promise.all([store("a"), store("b"), store("c")]);
    assert.deepEqual(folders(mock), [
      "results/p1/a",
      "results/p1/b",
      "results/p1/c",
      "results/p1/first",
    ]);
    const refused = mock.requests.filter((r) =>
      r.operationId === "git/update-ref" && r.status === 422
    );
    assert.ok(refused.length >= 2, "the two that lost the race were refused and planned again");
  });
});
