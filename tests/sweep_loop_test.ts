import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { setupBackend } from "../src/backend.ts";
import { restoreWeights, runSweeps, snapshotWeights } from "../src/sweep_loop.ts";
import { planSweep } from "../src/sweep_plan.ts";
import { firstDifference, nonTrainableModel, weightsByName } from "./fixtures/restore.ts";
import { bitwiseEqual, blobs, mlp, weightValues } from "./helpers.ts";

await setupBackend("cpu");

const data = blobs(128, 4, 3);
const settings = { loss: "categoricalCrossentropy", optimizer: { name: "adam" as const } };

Deno.test("runSweeps: one record per run, the weights put back after each", async () => {
  const model = mlp(4, 3, 8);
  const before = weightValues(model);
  const start = tf.memory().numTensors;
  const plan = planSweep(model, data, { ...settings, numIters: 15, runs: 2, endLr: 1e-2 });
  const snapshot = snapshotWeights(model);
  let steps = 0;
  const { records, warmupMs } = await runSweeps(plan, snapshot, {
    started: performance.now(),
    onStep: () => steps++,
  });
  assert.equal(records.length, 2);
  assert.equal(steps, 30);
  assert.ok(records.every((r) => r.losses.length === 15 && r.stopReason === "completed"));
  assert.notDeepEqual(records[0].losses, records[1].losses, "each run has its own data order");
  assert.equal(warmupMs, undefined);
  assert.ok(bitwiseEqual(weightValues(model), before));
  tf.dispose(snapshot);
  assert.equal(tf.memory().numTensors, start);
  model.dispose();
});

Deno.test("runSweeps: an abort ends the runs; a non-finite first loss is the data's fault", async () => {
  const model = mlp(4, 3, 8);
  const snapshot = snapshotWeights(model);
  const plan = planSweep(model, data, { ...settings, numIters: 15, runs: 3 });
  const aborted = await runSweeps(plan, snapshot, {
    started: performance.now(),
    signal: AbortSignal.abort(),
  });
  assert.deepEqual(aborted.records.map((r) => r.stopReason), ["aborted"]);
  const broken = { ...data, x: data.x.map((v, i) => (i === 3 ? NaN : v)) };
  const brokenPlan = planSweep(model, broken, { ...settings, numIters: 15, batchSize: 128 });
  await assert.rejects(
    runSweeps(brokenPlan, snapshot, { started: performance.now() }),
    /^InputError: loss is not finite at the first step/,
  );
  tf.dispose(snapshot);
  model.dispose();
});

Deno.test("restoreWeights puts back every weight bit for bit, trainable or not", () => {
  const model = nonTrainableModel(4, 3);
  assert.ok(model.nonTrainableWeights.length > 0 && model.trainableWeights.length > 0);
  const before = weightsByName(model);
  const snapshot = snapshotWeights(model);
  for (const w of model.weights) w.write(tf.fill(w.read().shape, 0.5));
  assert.ok(!bitwiseEqual(weightValues(model), before.map((w) => w.values)));
  restoreWeights(model, snapshot);
  assert.equal(firstDifference(before, weightsByName(model)), undefined);
  tf.dispose(snapshot);
  model.dispose();
});
