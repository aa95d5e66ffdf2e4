import assert from "node:assert/strict";
import { join } from "node:path";
import {
  EVENT_FILE,
  MAX_RESULT_BYTES,
  readResultsArtifact,
  type ResultsArtifact,
} from "../action/artifact.ts";
import { pathSegment } from "../action/assets.ts";
import { MAX_PNG_BYTES } from "../action/png.ts";
import { renderPng, resultJson } from "../src/report/mod.ts";
import { tinyResult } from "./fixtures/lr_results.ts";
import { EXAMPLE_PR, pullRequestPayload } from "./github_mock/runner.ts";

const PNG = await renderPng(tinyResult());
const EVENT = JSON.stringify(pullRequestPayload({ fork: true }));

async function artifact(files: Record<string, string | Uint8Array>): Promise<string> {
  const dir = await Deno.makeTempDir();
  for (const [path, content] of Object.entries(files)) {
    await Deno.mkdir(join(dir, path, ".."), { recursive: true });
    if (typeof content === "string") await Deno.writeTextFile(join(dir, path), content);
    else await Deno.writeFile(join(dir, path), content);
  }
  return dir;
}

async function read(
  files: Record<string, string | Uint8Array>,
  expectedNames = ["a", "b"],
): Promise<ResultsArtifact> {
  const dir = await artifact(files);
  try {
    return await readResultsArtifact(dir, { expectedNames });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("readResultsArtifact reads the pull request and the expected configs' folders", async () => {
  const read1 = await read({
    [EVENT_FILE]: EVENT,
    "b/result.json": resultJson({ ...tinyResult(), name: "b" }),
    "a/result.json": resultJson({ ...tinyResult(), name: "a" }),
    "a/plot.png": PNG,
    "a/plot.svg": "<svg/>",
  });
  assert.equal(read1.pullRequest.number, EXAMPLE_PR.number);
  assert.equal(read1.pullRequest.headSha, EXAMPLE_PR.headSha);
  assert.equal(read1.pullRequest.fork, true);
  assert.deepEqual(read1.entries.map((e) => e.result.name), ["a", "b"]);
  assert.deepEqual(read1.entries[0].png, PNG);
  assert.equal(read1.entries[1].png, undefined);
  assert.equal(read1.entries[0].json, resultJson({ ...tinyResult(), name: "a" }));
  assert.deepEqual(read1.ignored, []);
});

Deno.test("only the expected names are read, at most that many; other entries are ignored", async () => {
  const files: Record<string, string | Uint8Array> = {
    [EVENT_FILE]: EVENT,
    "a/result.json": resultJson({ ...tinyResult(), name: "a" }),
    "a/plot.png": PNG,
    "notes.txt": "not a result",
  };
  for (let i = 0; i < 25; i++) {
    files[`extra-${i}/result.json`] = resultJson({ ...tinyResult(), name: `extra-${i}` });
    files[`extra-${i}/plot.png`] = PNG;
  }
  const read1 = await read(files, ["a"]);
  assert.deepEqual(read1.entries.map((e) => e.result.name), ["a"]);
  assert.equal(read1.ignored.length, 26);
  assert.ok(read1.ignored.includes("notes.txt") && read1.ignored.includes("extra-7"));
  // A folder may not claim another config's name.
  await assert.rejects(
    read({ [EVENT_FILE]: EVENT, "a/result.json": resultJson({ ...tinyResult(), name: "b" }) }),
    /a\/result\.json is named "b", expected "a" \(the config name its folder stands for\)/,
  );
  // A config name that is not a plain path segment lives in its hashed folder.
  const spaced = await read({
    [EVENT_FILE]: EVENT,
    [`${pathSegment("my model")}/result.json`]: resultJson({ ...tinyResult(), name: "my model" }),
  }, ["my model"]);
  assert.deepEqual(spaced.entries.map((e) => e.result.name), ["my model"]);
});

Deno.test("readResultsArtifact names what is missing or malformed", async () => {
  const result = resultJson({ ...tinyResult(), name: "a" });
  await assert.rejects(
    read({ "a/result.json": result }),
    /has no event\.json: the pull_request workflow must upload/,
  );
  await assert.rejects(
    read({ [EVENT_FILE]: "{}", "a/result.json": result }),
    /event\.json is not a pull_request event/,
  );
  await assert.rejects(
    read({ [EVENT_FILE]: EVENT }),
    /holds no <name>\/result\.json for the expected config names \("a", "b"\)/,
  );
  await assert.rejects(
    read({ [EVENT_FILE]: EVENT, "a/result.json": '{"version": 2}' }),
    /a\/result\.json is not a valid LR Finder result \(version 1\): version: /,
  );
  await assert.rejects(
    read({ [EVENT_FILE]: EVENT, "a/result.json": new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]) }),
    /a\/result\.json: expected UTF-8 text/,
  );
  await assert.rejects(
    readResultsArtifact("/nonexistent", { expectedNames: [] }),
    /comment-only mode needs the config names to accept, got none/,
  );
});

Deno.test("a forged event payload, oversized files, a fake PNG and links are refused", async () => {
  const result = resultJson({ ...tinyResult(), name: "a" });
  const forged = pullRequestPayload({ fork: true }) as {
    pull_request: { head: { sha: string } };
  };
  forged.pull_request.head.sha = "<img src=x>";
  await assert.rejects(
    read({ [EVENT_FILE]: JSON.stringify(forged), "a/result.json": result }),
    /pull_request has a malformed number, head\.sha, base\.sha or base\.ref/,
  );
  await assert.rejects(
    read({ [EVENT_FILE]: EVENT, "a/result.json": " ".repeat(MAX_RESULT_BYTES + 1) }),
    new RegExp(`a/result\\.json: expected at most ${MAX_RESULT_BYTES} bytes`),
  );
  await assert.rejects(
    read({ [EVENT_FILE]: " ".repeat(1024 * 1024 + 1), "a/result.json": result }),
    /event\.json: expected at most 1048576 bytes/,
  );
  const html = "<html><script>alert(1)</script></html>";
  await assert.rejects(
    read({ [EVENT_FILE]: EVENT, "a/result.json": result, "a/plot.png": html }),
    /a\/plot\.png is not a valid PNG plot: expected the PNG signature at the start/,
  );
  const huge = new Uint8Array(MAX_PNG_BYTES + 1);
  huge.set(PNG);
  await assert.rejects(
    read({ [EVENT_FILE]: EVENT, "a/result.json": result, "a/plot.png": huge }),
    new RegExp(`a/plot\\.png: expected at most ${MAX_PNG_BYTES} bytes`),
  );
  const dir = await artifact({ [EVENT_FILE]: EVENT, "a/plot.png": PNG });
  const outside = await Deno.makeTempFile();
  await Deno.writeTextFile(outside, result);
  try {
    await Deno.symlink(outside, join(dir, "a", "result.json"));
    await assert.rejects(
      readResultsArtifact(dir, { expectedNames: ["a"] }),
      /a\/result\.json: expected a plain file, not a link or a folder/,
    );
    // A linked folder is not read at all.
    await Deno.remove(join(dir, "a"), { recursive: true });
    const elsewhere = await artifact({ "result.json": result });
    await Deno.symlink(elsewhere, join(dir, "a"));
    await assert.rejects(readResultsArtifact(dir, { expectedNames: ["a"] }), /holds no/);
    await Deno.remove(elsewhere, { recursive: true });
  } finally {
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(outside);
  }
});
