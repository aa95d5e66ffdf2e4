import assert from "node:assert/strict";
import { join } from "node:path";
import { EVENT_FILE, readResultsArtifact } from "../action/artifact.ts";
import { resultJson } from "../src/report/mod.ts";
import { tinyResult } from "./fixtures/lr_results.ts";
import { EXAMPLE_PR, pullRequestPayload } from "./github_mock/runner.ts";

async function artifact(files: Record<string, string | Uint8Array>): Promise<string> {
  const dir = await Deno.makeTempDir();
  for (const [path, content] of Object.entries(files)) {
    await Deno.mkdir(join(dir, path, ".."), { recursive: true });
    if (typeof content === "string") await Deno.writeTextFile(join(dir, path), content);
    else await Deno.writeFile(join(dir, path), content);
  }
  return dir;
}

Deno.test("readResultsArtifact reads the pull request and every result folder", async () => {
  const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47]);
  const dir = await artifact({
    [EVENT_FILE]: JSON.stringify(pullRequestPayload({ fork: true })),
    "b/result.json": resultJson({ ...tinyResult(), name: "b" }),
    "a/result.json": resultJson({ ...tinyResult(), name: "a" }),
    "a/plot.png": png,
    "notes/readme.txt": "not a result",
  });
  const read = await readResultsArtifact(dir);
  assert.equal(read.pullRequest.number, EXAMPLE_PR.number);
  assert.equal(read.pullRequest.headSha, EXAMPLE_PR.headSha);
  assert.equal(read.pullRequest.fork, true);
  assert.deepEqual(read.entries.map((e) => e.result.name), ["a", "b"]);
  assert.deepEqual(read.entries[0].png, png);
  assert.equal(read.entries[1].png, undefined);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("readResultsArtifact names what is missing or malformed", async () => {
  const noEvent = await artifact({ "a/result.json": resultJson(tinyResult()) });
  await assert.rejects(
    readResultsArtifact(noEvent),
    /has no event\.json: the pull_request workflow must upload/,
  );
  const push = await artifact({ [EVENT_FILE]: "{}", "a/result.json": resultJson(tinyResult()) });
  await assert.rejects(readResultsArtifact(push), /event\.json is not a pull_request event/);
  const event = JSON.stringify(pullRequestPayload());
  const empty = await artifact({ [EVENT_FILE]: event });
  await assert.rejects(readResultsArtifact(empty), /holds no <name>\/result\.json/);
  const bad = await artifact({ [EVENT_FILE]: event, "a/result.json": '{"version": 2}' });
  await assert.rejects(readResultsArtifact(bad), /a\/result\.json: not an LR Finder result/);
  for (const dir of [noEvent, push, empty, bad]) await Deno.remove(dir, { recursive: true });
});
