import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { setupBackend } from "../src/backend.ts";
import { planBatchLayout } from "../src/batches.ts";
import { syntheticDataset } from "../src/data/synthetic.ts";
import { lossFunction } from "../src/losses.ts";
import { createOptimizer } from "../src/optimizers.ts";
import type { Trial } from "../src/result.ts";
import {
  ADAPTIVE_HORIZON_SHIFT,
  candidateRates,
  chooseRate,
  fitToTime,
  horizonShiftFor,
  longestFittingSteps,
  MIN_SHORTENED_STEPS,
  MOMENTUM_HORIZON_SHIFT,
  planHeldOut,
  plannedSteps,
  resolveVerifyOptions,
  roundSteps,
  survivorIndices,
  trainTrial,
  VERIFY_DEFAULTS,
  verifyCandidates,
  type VerifyContext,
} from "../src/verify.ts";
import { blobs, mlp, weightValues } from "./helpers.ts";

await setupBackend("cpu");

/** A curve over 1e-6..1 (10 steps per decade): flat at 2, falling from 1e-4 to 1e-2, rising. */
function curve(): { lrs: number[]; drawn: number[] } {
  const lrs = Array.from({ length: 61 }, (_, i) => 10 ** (-6 + i / 10));
  const drawn = lrs.map((lr) => {
    const x = Math.log10(lr);
    if (x < -4) return 2;
    if (x <= -2) return 2 - 0.75 * (x + 4);
    return 0.5 + 2 * (x + 2);
  });
  return { lrs, drawn };
}

Deno.test("defaults fit the cost budget: sweep plus verification at most 10 x 100 steps", () => {
  assert.ok(plannedSteps(VERIFY_DEFAULTS.candidates, VERIFY_DEFAULTS) <= 900);
  assert.deepEqual(roundSteps({ steps: 270, prune: true }), [68, 135, 270]);
  assert.deepEqual(roundSteps({ steps: 270, prune: false }), [270]);
  assert.deepEqual(roundSteps({ steps: 2, prune: true }), [1, 2]);
  assert.equal(plannedSteps(6, { steps: 100, prune: false }), 600);
  assert.equal(plannedSteps(6, { steps: 100, prune: true }), 6 * 25 + 3 * 25 + 2 * 50);
});

Deno.test("the horizon correction: auto shifts adam, adamax and rmsprop, not sgd or momentum", () => {
  assert.equal(horizonShiftFor("auto", "adam"), ADAPTIVE_HORIZON_SHIFT);
  assert.equal(horizonShiftFor("auto", "rmsprop"), ADAPTIVE_HORIZON_SHIFT);
  assert.equal(horizonShiftFor("auto", "sgd"), 0);
  assert.equal(horizonShiftFor("auto", "momentum"), MOMENTUM_HORIZON_SHIFT);
  assert.equal(horizonShiftFor("auto", "adagrad"), 0);
  assert.equal(horizonShiftFor(0.25, "sgd"), 0.25);
});

Deno.test("resolveVerifyOptions fills defaults, accepts false and names a bad field", () => {
  assert.equal(resolveVerifyOptions(false), false);
  assert.deepEqual(resolveVerifyOptions(undefined), VERIFY_DEFAULTS);
  assert.deepEqual(resolveVerifyOptions({ steps: 50 }), { ...VERIFY_DEFAULTS, steps: 50 });
  assert.throws(
    () => resolveVerifyOptions({ candidates: 2.5 }),
    (e: Error & { field?: string }) =>
      e.name === "InputError" && e.field === "verify.candidates" &&
      e.message === "verify.candidates: expected an integer, got 2.5",
  );
});

Deno.test("candidates span from where the loss starts to fall to below the lowest point, plus one", () => {
  const { lrs, drawn } = curve();
  const plan = candidateRates(lrs, drawn, { candidates: 8, spacing: 1 / 3 });
  assert.ok(plan.lrs);
  const lowestLr = 1e-2;
  // The fall starts where the loss is 10% of its descent below 2 (x = -3.8); one below that.
  assert.deepEqual(plan.lrs.map((lr) => Number(Math.log10(lr).toFixed(3))), [
    -4.333,
    -4,
    -3.667,
    -3.333,
    -3,
    -2.667,
    -2.333,
  ]);
  assert.ok(plan.lrs.every((lr) => lr < lowestLr), "strictly below the lowest loss");
});

Deno.test("too many candidates: the spacing widens so that they still span the fall", () => {
  const { lrs, drawn } = curve();
  const plan = candidateRates(lrs, drawn, { candidates: 4, spacing: 1 / 3 });
  assert.deepEqual(plan.lrs!.map((lr) => Number(Math.log10(lr).toFixed(3))), [
    -4.333,
    -3.667,
    -3,
    -2.333,
  ]);
});

Deno.test("candidates: at least two, and a reason when the loss never falls", () => {
  const lrs = [1e-3, 1e-2, 1e-1, 1];
  const steep = candidateRates(lrs, [2, 2, 0.5, 9], { candidates: 6, spacing: 1 / 3 });
  assert.equal(steep.lrs!.length >= 2, true);
  assert.ok(steep.lrs!.every((lr) => lr < 1e-1));
  const rising = candidateRates(lrs, [1, 2, 3, 4], { candidates: 6, spacing: 1 / 3 });
  assert.equal(rising.reason, "the loss never falls below its first value");
  const empty = candidateRates(lrs, [null, null, null, null], { candidates: 6, spacing: 1 / 3 });
  assert.equal(empty.reason, "the curve has no finite loss");
});

Deno.test("chooseRate: the lowest held-out loss; within the tolerance, the smaller rate", () => {
  const trials: Trial[] = [
    { lr: 1e-3, steps: 10, heldOutLoss: 0.505, diverged: false },
    { lr: 1e-2, steps: 10, heldOutLoss: 0.5, diverged: false },
    { lr: 1e-1, steps: 10, heldOutLoss: null, diverged: true },
  ];
  assert.equal(chooseRate(trials, 0), 1e-2);
  assert.equal(chooseRate(trials, 0.01), 1e-3);
  assert.equal(chooseRate([trials[2]], 0.01), null);
});

Deno.test("survivorIndices: the better half by held-out loss, at least two, never a diverged one", () => {
  const t = (heldOutLoss: number | null): Trial => ({
    lr: 1,
    steps: 1,
    heldOutLoss,
    diverged: heldOutLoss === null,
  });
  assert.deepEqual(survivorIndices([t(3), t(1), t(2), t(5), t(4)]), [0, 1, 2]);
  assert.deepEqual(survivorIndices([t(3), t(1), t(2)]), [1, 2]);
  assert.deepEqual(survivorIndices([t(null), t(1), t(null)]), [1]);
});

Deno.test("planHeldOut: validation when given, else a seeded share of training; refuses tiny data", () => {
  const train = blobs(1000, 4, 2);
  const validation = blobs(3000, 4, 2, 5);
  const given = planHeldOut(train, validation, { heldOutSamples: 512, batchSize: 32, seed: 1 });
  assert.equal(given.train, train);
  assert.equal(given.heldOut!.size, 512);
  const split = planHeldOut(train, undefined, { heldOutSamples: 512, batchSize: 32, seed: 1 });
  assert.equal(split.heldOut!.size, 200, "at most a fifth of the training data");
  assert.equal(split.train, train, "the training data is not copied");
  assert.equal(split.trainIndices!.length, 800);
  const again = planHeldOut(train, undefined, { heldOutSamples: 512, batchSize: 32, seed: 1 });
  assert.deepEqual(again.heldOut!.x, split.heldOut!.x);
  const tiny = planHeldOut(blobs(150, 4, 2), undefined, {
    heldOutSamples: 512,
    batchSize: 32,
    seed: 1,
  });
  assert.match(tiny.reason!, /^the training data \(150 samples\) is too small to hold out 32/);
});

function context(model: tf.LayersModel, extra: Partial<VerifyContext> = {}): VerifyContext {
  const data = blobs(400, 8, 3);
  const held = planHeldOut(data, undefined, { heldOutSamples: 100, batchSize: 32, seed: 3 });
  const loss = lossFunction("categoricalCrossentropy");
  return {
    target: { model, lossFn: loss.fn, layout: planBatchLayout(data, model, loss.name) },
    initial: model.weights.map((w) => tf.clone(w.read())),
    train: held.train!,
    trainIndices: held.trainIndices,
    heldOut: held.heldOut!,
    optimizer: { name: "adam" },
    batchSize: 32,
    seed: 3,
    ...extra,
  };
}

Deno.test("verifyCandidates prunes the worse half each round and chooses the best finalist", async () => {
  const model = mlp(8, 3, 16, 9);
  const tensors = tf.memory().numTensors;
  const ctx = context(model);
  const lrs = [1e-4, 1e-3, 1e-2, 1e-1];
  const outcome = await verifyCandidates(ctx, lrs, { steps: 40, prune: true, tolerance: 0 });
  assert.deepEqual(outcome.trials.map((t) => t.lr), lrs);
  const finalists = outcome.trials.filter((t) => t.steps === 40);
  assert.equal(finalists.length, 2);
  assert.equal(outcome.trials.filter((t) => t.steps === 10).length, 2, "half pruned at 10");
  const best = finalists.reduce((a, b) => (a.heldOutLoss! <= b.heldOutLoss! ? a : b));
  assert.equal(outcome.chosen, best.lr);
  assert.equal(outcome.steps, plannedSteps(4, { steps: 40, prune: true }));
  // Pruning keeps each trial's own weights: a finalist's score equals a trial run straight through.
  const straight = await trainTrial(ctx, best.lr, [40]);
  assert.ok(Math.abs(straight[0]! - best.heldOutLoss!) < 1e-6);
  tf.dispose(ctx.initial as tf.Tensor[]);
  assert.equal(tf.memory().numTensors, tensors);
  model.dispose();
});

Deno.test("verifyCandidates stops at the deadline and on abort, freeing every tensor", async () => {
  const model = mlp(8, 3, 16, 9);
  const tensors = tf.memory().numTensors;
  const late = context(model, { deadline: performance.now() - 1 });
  const timed = await verifyCandidates(late, [1e-3, 1e-2], {
    steps: 20,
    prune: true,
    tolerance: 0,
  });
  assert.equal(timed.stopped, "time-budget");
  assert.equal(timed.chosen, null);
  assert.equal(timed.steps, 0);
  tf.dispose(late.initial as tf.Tensor[]);
  const controller = new AbortController();
  const aborting = context(model, {
    signal: controller.signal,
    onProgress: (p) => p.done === 7 && controller.abort(),
  });
  const aborted = await verifyCandidates(aborting, [1e-3, 1e-2], {
    steps: 20,
    prune: false,
    tolerance: 0,
  });
  assert.equal(aborted.stopped, "aborted");
  assert.equal(aborted.steps, 7);
  tf.dispose(aborting.initial as tf.Tensor[]);
  assert.equal(tf.memory().numTensors, tensors);
  model.dispose();
});

Deno.test("a trial that diverges is marked and never chosen; the model's own optimizer is only read", async () => {
  const model = tf.sequential({
    layers: [tf.layers.dense({ inputShape: [8], units: 1, kernelInitializer: "ones" })],
  });
  const data = syntheticDataset({ kind: "regression", samples: 400, seed: 4 });
  const held = planHeldOut(data, undefined, { heldOutSamples: 100, batchSize: 32, seed: 3 });
  const loss = lossFunction("meanSquaredError");
  const source = createOptimizer({ name: "sgd" }, 0.1);
  const ctx: VerifyContext = {
    target: { model, lossFn: loss.fn, layout: planBatchLayout(data, model, loss.name) },
    initial: model.weights.map((w) => tf.clone(w.read())),
    train: held.train!,
    trainIndices: held.trainIndices,
    heldOut: held.heldOut!,
    optimizer: { name: "sgd" },
    sourceOptimizer: source,
    batchSize: 32,
    seed: 3,
  };
  const outcome = await verifyCandidates(ctx, [1e-2, 1e6], {
    steps: 30,
    prune: false,
    tolerance: 0,
  });
  const [good, bad] = outcome.trials;
  assert.equal(bad.diverged, true);
  assert.equal(bad.heldOutLoss, null);
  assert.ok(bad.steps < 30, "a diverged trial stops training");
  assert.equal(good.diverged, false);
  assert.equal(outcome.chosen, 1e-2);
  assert.equal(source.iterations, 0);
  const initial = (ctx.initial as tf.Tensor[]).map((t) => t.dataSync().slice());
  assert.notDeepEqual(weightValues(model), initial, "the caller restores the weights");
  tf.dispose(ctx.initial as tf.Tensor[]);
  source.dispose();
  model.dispose();
});

Deno.test("fitToTime: as planned without a deadline or when it fits, shortened, else why not", () => {
  const options = { steps: 270, prune: true };
  const planned = plannedSteps(6, options);
  assert.deepEqual(fitToTime(6, options, { now: 0, msPerStep: 10 }), {
    steps: 270,
    shortened: false,
  });
  const roomy = fitToTime(6, options, { now: 0, deadline: planned * 12.5 + 1, msPerStep: 10 });
  assert.deepEqual(roomy, { steps: 270, shortened: false });
  const tight = fitToTime(6, options, { now: 1000, deadline: 1000 + 600 * 12.5, msPerStep: 10 });
  assert.equal(tight.shortened, true);
  assert.ok(tight.steps! >= MIN_SHORTENED_STEPS && tight.steps! < 270);
  assert.ok(plannedSteps(6, { steps: tight.steps!, prune: true }) <= 600);
  const none = fitToTime(6, options, { now: 0, deadline: 1000, msPerStep: 10 });
  assert.match(none.reason!, /^the time budget leaves about 1000 ms, and verification needs about/);
  assert.match(none.reason!, /raise timeBudgetMs$/);
});

Deno.test("longestFittingSteps: the most steps whose plan fits, 0 when none does", () => {
  for (const prune of [true, false]) {
    for (const budget of [0, 10, 300, 879, 2000]) {
      const steps = longestFittingSteps(6, prune, budget, 270);
      assert.ok(plannedSteps(6, { steps, prune }) <= budget || steps === 0);
      if (steps < 270 && steps > 0) {
        assert.ok(plannedSteps(6, { steps: steps + 1, prune }) > budget);
      }
    }
  }
});
