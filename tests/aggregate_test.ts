import assert from "node:assert/strict";
import { assembleResult } from "../src/aggregate.ts";
import { setupBackend } from "../src/backend.ts";
import { suggestAll } from "../src/suggest.ts";
import type { RunRecord } from "../src/sweep_loop.ts";
import { planSweep } from "../src/sweep_plan.ts";
import { blobs, mlp } from "./helpers.ts";

await setupBackend("cpu");

/** A valley-shaped curve over `steps` steps, shifted by `shift` steps. */
function record(steps: number, shift: number, stopReason: RunRecord["stopReason"]): RunRecord {
  const losses = Array.from({ length: steps }, (_, i) => 1 + ((i - 12 - shift) / 10) ** 2);
  return {
    losses,
    smoothed: losses,
    stopReason,
    steps,
    sweepMs: 2 * steps,
    optimizerState: "fresh",
  };
}

const meta = { name: "m", startedAt: new Date(0), totalMs: 123 };

Deno.test("one run: the curve as recorded, every rule, the timing", () => {
  const model = mlp(4, 3, 8);
  const plan = planSweep(model, blobs(64, 4, 3), {
    loss: "mse",
    numIters: 30,
    optimizer: { name: "sgd" },
  });
  const only = record(25, 0, "diverged");
  const result = assembleResult(plan, { records: [only], warmupMs: 5 }, meta);
  assert.deepEqual(result.lrs, plan.lrs.slice(0, 25));
  assert.deepEqual(result.losses, only.losses);
  assert.equal(result.stopReason, "diverged");
  assert.deepEqual(
    result.suggestions,
    suggestAll({ lrs: result.lrs, smoothed: only.smoothed, losses: only.losses }),
  );
  assert.deepEqual(result.timing, {
    startedAt: "1970-01-01T00:00:00.000Z",
    totalMs: 123,
    sweepMs: 50,
    steps: 25,
    msPerStep: 2,
    warmupMs: 5,
  });
  assert.equal(result.runs, undefined);
  assert.equal(result.model.params, model.countParams());
  model.dispose();
});

Deno.test("several runs: median curve, band, per-run seeds and an interval around the headline", () => {
  const model = mlp(4, 3, 8);
  const plan = planSweep(model, blobs(64, 4, 3), {
    loss: "mse",
    numIters: 30,
    runs: 3,
    seed: 10,
    optimizer: { name: "sgd" },
  });
  const records = [
    record(30, -2, "completed"),
    record(30, 0, "completed"),
    record(28, 2, "aborted"),
  ];
  const result = assembleResult(plan, { records }, meta);
  assert.equal(result.stopReason, "aborted", "an interrupted run names the stop");
  assert.deepEqual(result.runs?.map((r) => r.seed), [10, 11, 12]);
  assert.equal(result.band?.low.length, result.smoothed.length);
  const { low, high } = result.uncertainty!;
  assert.ok(
    result.suggestion.lr !== null && low <= result.suggestion.lr && result.suggestion.lr <= high,
  );
  assert.equal(result.timing.steps, 88);
  model.dispose();
});
