import assert from "node:assert/strict";
import { join } from "node:path";
import { EXIT_CODES } from "../src/cli/output.ts";
import { sweepOnCommandLine } from "../src/cli/session.ts";
import type { LrFinderResult } from "../src/result.ts";
import { tinyResult } from "./fixtures/lr_results.ts";
import { withDir } from "./helpers.ts";

/** Stdout without a summary on the test's output: the summary goes to a closed stream. */
function quietly<T>(fn: () => Promise<T>): Promise<T> {
  const write = Deno.stdout.writeSync;
  Deno.stdout.writeSync = (data: Uint8Array) => data.length;
  return fn().finally(() => Deno.stdout.writeSync = write);
}

Deno.test("sweepOnCommandLine hands the sweep a live signal and the bar's callbacks, then writes", async () => {
  await withDir(async (dir) => {
    const drawn: string[] = [];
    const stream = { isTTY: true, write: (text: string) => drawn.push(text) };
    let signal: AbortSignal | undefined;
    const code = await quietly(() =>
      sweepOnCommandLine(({ signal: given, onStep, onVerify }) => {
        signal = given;
        onStep({
          run: 0,
          runs: 1,
          step: 0,
          numIters: 10,
          lr: 1e-3,
          loss: 1,
          smoothed: 1,
          elapsedMs: 1,
        });
        onVerify({ lr: 1e-3, trial: 1, trials: 4, step: 3, done: 9, planned: 40 });
        return Promise.resolve(tinyResult());
      }, { outDir: dir, stream, quiet: false })
    );
    assert.equal(code, EXIT_CODES.done);
    assert.equal(signal?.aborted, false);
    assert.ok(drawn.join("").includes("step 1/10"), "the bar drew the step");
    assert.ok(
      drawn.join("").includes("verifying 2/4 candidates, step 9/40"),
      "then verification's bar",
    );
    const written = JSON.parse(await Deno.readTextFile(join(dir, "result.json"))) as LrFinderResult;
    assert.equal(written.name, tinyResult().name);
  });
});

Deno.test("sweepOnCommandLine: a failing sweep writes nothing and the error comes through", async () => {
  await withDir(async (dir) => {
    const out = join(dir, "out");
    await assert.rejects(
      sweepOnCommandLine(() => Promise.reject(new Error("boom")), { outDir: out, quiet: true }),
      /boom/,
    );
    await assert.rejects(Deno.stat(out), Deno.errors.NotFound);
  });
});
