import assert from "node:assert/strict";
import { join } from "node:path";
import { finishSweep } from "../src/cli/finish.ts";
import { EXIT_CODES } from "../src/cli/output.ts";
import {
  divergedResult,
  stoppedVerificationResult,
  verifiedResult,
} from "./fixtures/lr_results.ts";
import { withDir } from "./helpers.ts";

/** Runs `fn` with stdout and stderr captured; returns what each received and `fn`'s value. */
async function captured<T>(fn: () => Promise<T>) {
  const decoder = new TextDecoder();
  const out: string[] = [];
  const err: string[] = [];
  const [write, writeErr] = [Deno.stdout.writeSync, Deno.stderr.writeSync];
  Deno.stdout.writeSync = (data: Uint8Array) => (out.push(decoder.decode(data)), data.length);
  Deno.stderr.writeSync = (data: Uint8Array) => (err.push(decoder.decode(data)), data.length);
  try {
    const value = await fn();
    return { value, stdout: out.join(""), stderr: err.join("") };
  } finally {
    Deno.stdout.writeSync = write;
    Deno.stderr.writeSync = writeErr;
  }
}

Deno.test("finishSweep writes the files, prints the summary and exits 0", async () => {
  await withDir(async (dir) => {
    const { value, stdout, stderr } = await captured(() =>
      finishSweep(verifiedResult(), { outDir: dir })
    );
    assert.equal(value, EXIT_CODES.done);
    assert.match(stdout, /\nSuggested learning rate: 3\.2e-4 \(verified\)\n$/);
    assert.equal(stderr, "");
    const written = JSON.parse(await Deno.readTextFile(join(dir, "result.json")));
    assert.equal(written.trials.length, 6);
  });
});

Deno.test("Ctrl-C during verification: the result is written, it says so, exit 1", async () => {
  await withDir(async (dir) => {
    const { value, stdout, stderr } = await captured(() =>
      finishSweep(stoppedVerificationResult(), { outDir: dir, interrupted: true })
    );
    assert.equal(value, EXIT_CODES.failed);
    assert.equal(
      stderr,
      "stopped by Ctrl-C during verification after 200 training steps; the combined rule " +
        `chose the rate, and the result is in ${join(dir, "result.json")}\n`,
    );
    assert.match(stdout, /caution: not verified: verification was aborted/);
    const written = JSON.parse(await Deno.readTextFile(join(dir, "result.json")));
    assert.equal(written.verification.reason, "verification was aborted");
  });
});

Deno.test("a time budget that stops verification, or Ctrl-C after it, still exits 0", async () => {
  await withDir(async (dir) => {
    const budget = stoppedVerificationResult();
    const { value } = await captured(() => finishSweep(budget, { outDir: dir }));
    assert.equal(value, EXIT_CODES.done, "not interrupted: the time budget stopped it");
    const late = await captured(() =>
      finishSweep(verifiedResult(), { outDir: dir, interrupted: true })
    );
    assert.equal(late.value, EXIT_CODES.done, "verification had finished");
  });
});

Deno.test("Ctrl-C during the sweep exits 1 and names the steps", async () => {
  await withDir(async (dir) => {
    const result = divergedResult();
    result.stopReason = "aborted";
    const { value, stderr } = await captured(() =>
      finishSweep(result, { outDir: dir, interrupted: true })
    );
    assert.equal(value, EXIT_CODES.failed);
    assert.match(stderr, /^stopped by Ctrl-C after 98 of 100 steps; the partial result is in /);
  });
});
