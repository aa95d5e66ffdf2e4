import { getOctokit } from "@actions/github";
import assert from "node:assert/strict";
import {
  findBaseResult,
  isResult,
  latestPointerPath,
  pathSegment,
  resultFolder,
  storeResult,
} from "../action/assets.ts";
import { resultJson } from "../src/report/mod.ts";
import { GitHubMock, WORKFLOW_TOKEN } from "./github_mock/mod.ts";
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
  const mock = new GitHubMock({ repositories: ["o/r"] });
  try {
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
    assert.deepEqual(mock.violations, []);
  } finally {
    await mock.close();
  }
});

Deno.test("isResult accepts the result contract and rejects other JSON", () => {
  assert.ok(isResult(JSON.parse(resultJson(tinyResult()))));
  assert.ok(!isResult({ ...tinyResult(), version: 2 }));
  assert.ok(!isResult({ version: 1, name: "x" }));
  assert.ok(!isResult(null));
});
