import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { setupBackend } from "../src/backend.ts";
import type { Dataset } from "../src/data/dataset.ts";
import { OPTIMIZER_NAMES, type OptimizerName } from "../src/optimizer_spec.ts";
import { createOptimizer } from "../src/optimizers.ts";
import {
  findLearningRate,
  type FindLearningRateOptions,
  type SweepProgress,
} from "../src/sweep.ts";
import { CURVE_CASES, type RecordedCurve, squaresDataset } from "./fixtures/sweep_curves.ts";
import { nonTrainableModel, STOP_PATHS, sweepAndAssertRestored } from "./fixtures/restore.ts";
import { bitwiseEqual, blobs, mlp, stepClock, weightValues } from "./helpers.ts";

await setupBackend("cpu");

/** Blobs with a fifth of the labels shuffled, so no rate drives the loss to zero and large rates diverge. */
const data = withLabelNoise(blobs(512, 8, 3), 0.2);

function withLabelNoise(dataset: Dataset, share: number): Dataset {
  const y = Int32Array.from(dataset.y);
  for (let i = 0; i < y.length; i += Math.round(1 / share)) y[i] = (y[i] + 1 + (i % 2)) % 3;
  return { ...dataset, y };
}

function compiled(optimizer: OptimizerName = "adam", seed = 7): tf.Sequential {
  const model = mlp(8, 3, 16, seed);
  model.compile({
    optimizer: createOptimizer({ name: optimizer }, 0.01),
    loss: "categoricalCrossentropy",
  });
  return model;
}

async function trainSteps(model: tf.LayersModel, steps: number): Promise<number[]> {
  const losses: number[] = [];
  for (let i = 0; i < steps; i++) {
    const x = tf.tensor(data.x.subarray(i * 64 * 8, (i + 1) * 64 * 8), [64, 8]);
    const y = tf.oneHot(tf.tensor1d(Array.from(data.y.subarray(i * 64, (i + 1) * 64)), "int32"), 3);
    losses.push(await model.trainOnBatch(x, y) as number);
    tf.dispose([x, y]);
  }
  return losses;
}

for (const name of OPTIMIZER_NAMES) {
  for (const path of STOP_PATHS) {
    Deno.test(`${name}, ${path.name}: every weight, trainable or not, and the optimizer are restored`, async () => {
      const model = nonTrainableModel(8, 3, name);
      await trainSteps(model, 3);
      const watch = await sweepAndAssertRestored(model, data, path);
      assert.ok(watch.steps > 1, "the sweep trained before it ended");
      model.dispose();
    });
  }
}

Deno.test("training after a sweep gives the same losses as a model that never swept", async () => {
  const swept = compiled("adam", 11);
  const untouched = compiled("adam", 11);
  assert.deepEqual(await trainSteps(swept, 2), await trainSteps(untouched, 2));
  await findLearningRate(swept, data, { numIters: 60, runs: 2 });
  assert.deepEqual(await trainSteps(swept, 5), await trainSteps(untouched, 5));
  swept.dispose();
  untouched.dispose();
});

Deno.test("the same seed gives the same curve bit for bit; another seed another curve", async () => {
  const model = compiled("adam");
  const a = await findLearningRate(model, data, { seed: 3, numIters: 40, verify: false });
  const b = await findLearningRate(model, data, { seed: 3, numIters: 40, verify: false });
  const c = await findLearningRate(model, data, { seed: 4, numIters: 40, verify: false });
  assert.deepEqual(a.losses, b.losses);
  assert.deepEqual(a.smoothed, b.smoothed);
  assert.notDeepEqual(a.losses, c.losses);
  model.dispose();
});

Deno.test("reading losses a few steps late records exactly the same curve", async () => {
  const model = compiled("adam");
  const options = { numIters: 200, startLr: 1e-3, endLr: 1e4, verify: false };
  const direct = await findLearningRate(model, data, { ...options, readLag: 0 });
  const lagged = await findLearningRate(model, data, { ...options, readLag: 3 });
  assert.equal(direct.stopReason, "diverged");
  assert.deepEqual(lagged.losses, direct.losses);
  assert.deepEqual(lagged.smoothed, direct.smoothed);
  assert.equal(lagged.stopReason, direct.stopReason);
  model.dispose();
});

Deno.test("the curve follows DESIGN.md: schedule, smoothing and the divergence rule", async () => {
  const model = compiled("sgd");
  const result = await findLearningRate(model, data, {
    numIters: 300,
    startLr: 1e-3,
    endLr: 1e5,
    verify: false,
  });
  assert.equal(result.stopReason, "diverged");
  const n = result.lrs.length;
  assert.ok(n < 300);
  assert.equal(result.lrs[0], 1e-3);
  let avg = 0;
  let lowest = Infinity;
  result.losses.forEach((loss, k) => {
    avg = 0.98 * avg + (1 - 0.98) * loss!;
    const smoothed = avg / (1 - 0.98 ** (k + 1));
    assert.equal(result.smoothed[k], smoothed);
    lowest = Math.min(lowest, smoothed);
    assert.equal(
      smoothed > 4 * lowest,
      k === n - 1,
      `divergence detected exactly at the last step (${k})`,
    );
  });
});

Deno.test("a loss that becomes infinite stops with non-finite and records null", async () => {
  const size = 256;
  const regression: Dataset = {
    x: Float32Array.from({ length: size * 4 }, (_, i) => ((i * 7919) % 13) - 6),
    xShape: [4],
    y: Float32Array.from({ length: size }, (_, i) => (i % 5) * 100),
    yShape: [],
    size,
  };
  const model = tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [4], units: 1, kernelInitializer: tf.initializers.ones() }),
    ],
  });
  const result = await findLearningRate(model, regression, {
    loss: "meanSquaredError",
    optimizer: { name: "sgd" },
    startLr: 1e-6,
    endLr: 1e8,
    numIters: 200,
    divergeThreshold: Infinity,
  });
  assert.equal(result.stopReason, "non-finite");
  assert.equal(result.losses.at(-1), null);
  assert.equal(result.smoothed.at(-1), null);
  assert.ok(result.losses.slice(0, -1).every((v) => typeof v === "number"));
  model.dispose();
});

Deno.test("a loss that is not finite at the first step is an input error about the data", async () => {
  const bad = { ...data, x: data.x.map((v, i) => (i === 3 ? NaN : v)) };
  const model = compiled("adam");
  const tensors = tf.memory().numTensors;
  await assert.rejects(
    findLearningRate(model, bad, { batchSize: 512 }),
    (error: Error) =>
      error.name === "InputError" &&
      /loss is not finite at the first step \(lr 1e-7\): check your data scaling/.test(
        error.message,
      ),
  );
  assert.equal(tf.memory().numTensors, tensors);
  model.dispose();
});

Deno.test("an abort from onStep stops the sweep after that step and keeps the partial curve", async () => {
  const model = compiled("adam");
  const controller = new AbortController();
  const aborted = await findLearningRate(model, data, {
    numIters: 100,
    signal: controller.signal,
    onStep: (p) => p.step === 9 && controller.abort(),
  });
  assert.equal(aborted.stopReason, "aborted");
  assert.equal(aborted.losses.length, 10);
  model.dispose();
});

Deno.test("the time budget runs on the sweep's clock: exactly the steps that start in time", async () => {
  const model = compiled("adam");
  const steps = stepClock(10, 5_000);
  const elapsed: number[] = [];
  const result = await findLearningRate(model, data, {
    numIters: 100,
    timeBudgetMs: 100,
    clock: steps.clock,
    onStep(p) {
      elapsed.push(p.elapsedMs);
      steps.onStep();
    },
  });
  assert.equal(result.stopReason, "time-budget");
  assert.equal(result.losses.length, 10, "steps starting at 0 to 90 ms; not the one at 100 ms");
  assert.deepEqual(elapsed, [0, 10, 20, 30, 40, 50, 60, 70, 80, 90]);
  assert.equal(result.timing.totalMs, 100);
  assert.equal(result.timing.sweepMs, 100);
  model.dispose();
});

Deno.test("the time budget spans all runs: the run it runs out in is the last", async () => {
  const model = compiled("adam");
  const result = await findLearningRate(model, data, {
    numIters: 20,
    runs: 3,
    timeBudgetMs: 300,
    ...stepClock(10),
  });
  assert.equal(result.stopReason, "time-budget");
  assert.deepEqual(result.runs?.map((r) => r.losses.length), [20, 10]);
  assert.equal(result.timing.steps, 30);
  model.dispose();
});

Deno.test("a timer or signal handler can abort a running sweep: the step loop yields", async () => {
  const model = compiled("adam");
  const controller = new AbortController();
  const steps = stepClock(30);
  const result = await findLearningRate(model, data, {
    numIters: 1_000,
    endLr: 1e-4,
    signal: controller.signal,
    clock: steps.clock,
    onStep(p) {
      steps.onStep();
      // A macrotask, as a Ctrl-C handler or a timer is: it runs only when the loop yields.
      if (p.step === 4) setTimeout(() => controller.abort(), 0);
    },
  });
  assert.equal(result.stopReason, "aborted");
  // The loop yields once 100 ms of its clock have passed, here within 4 steps of 30 ms.
  assert.ok(result.losses.length > 5 && result.losses.length <= 5 + 4, `${result.losses.length}`);
  model.dispose();
});

Deno.test("onStep reports every step with its learning rate, loss and smoothed loss", async () => {
  const model = compiled("adam");
  const seen: SweepProgress[] = [];
  const result = await findLearningRate(model, data, {
    numIters: 20,
    verify: false,
    onStep: (p) => seen.push(p),
  });
  assert.deepEqual(seen.map((p) => p.step), [...Array(20).keys()]);
  assert.deepEqual(seen.map((p) => p.lr), result.lrs);
  assert.deepEqual(seen.map((p) => p.loss), result.losses);
  assert.deepEqual(seen.map((p) => p.smoothed), result.smoothed);
  assert.ok(seen.every((p) => p.numIters === 20 && p.run === 0 && p.runs === 1));
  model.dispose();
});

Deno.test("runs > 1: every run, the median curve, the band and the suggestion interval", async () => {
  const model = compiled("adam");
  const result = await findLearningRate(model, data, {
    runs: 3,
    numIters: 100,
    seed: 5,
    verify: false,
  });
  assert.equal(result.runs?.length, 3);
  assert.deepEqual(result.runs?.map((r) => r.seed), [5, 6, 7]);
  assert.notDeepEqual(result.runs![0].losses, result.runs![1].losses);
  const k = 10;
  const values = result.runs!.map((r) => r.smoothed[k] as number).sort((a, b) => a - b);
  assert.equal(result.smoothed[k], values[1]);
  assert.equal(result.band?.low[k], values[0]);
  assert.equal(result.band?.high[k], values[2]);
  const perRun = result.runs!.map((r) => r.suggestion.lr).filter((lr): lr is number => lr !== null);
  assert.equal(result.uncertainty?.low, Math.min(...perRun));
  assert.equal(result.uncertainty?.high, Math.max(...perRun));
  assert.equal(result.settings.runs, 3);
  model.dispose();
});

Deno.test("runs > 1: the headline is the middle run's suggestion, inside the interval", async () => {
  const model = compiled("adam");
  const result = await findLearningRate(model, data, {
    runs: 3,
    numIters: 100,
    seed: 5,
    verify: false,
  });
  const perRun = result.runs!.map((r) => r.suggestion.lr!).sort((a, b) => a - b);
  assert.equal(perRun.length, 3);
  assert.equal(result.suggestion.lr, perRun[1]);
  assert.equal(result.suggestion.method, "combined");
  assert.equal(result.suggestions.combined.lr, perRun[1]);
  assert.ok(result.uncertainty!.low <= perRun[1] && perRun[1] <= result.uncertainty!.high);
  model.dispose();
});

Deno.test("evaluate validation records the loss on a fixed validation sample", async () => {
  const model = compiled("adam");
  const validation = blobs(200, 8, 3, 2);
  const result = await findLearningRate(model, { train: data, validation }, {
    evaluate: "validation",
    validationSamples: 100,
    numIters: 30,
    verify: false,
  });
  assert.equal(result.settings.evaluate, "validation");
  assert.equal(result.settings.validationSize, 100);
  const heldOut = await findLearningRate(model, data, {
    evaluate: "validation",
    numIters: 30,
    verify: false,
  });
  assert.equal(heldOut.settings.validationSize, Math.floor(512 / 5));
  assert.equal(heldOut.settings.trainSize, 512 - Math.floor(512 / 5));
  model.dispose();
});

Deno.test("settings record everything that shaped the curve", async () => {
  const model = compiled("momentum");
  const result = await findLearningRate(model, data, {
    numIters: 12,
    batchSize: 32,
    seed: 9,
    verify: false,
  });
  assert.deepEqual(result.settings, {
    seed: 9,
    batchSize: 32,
    backend: "cpu",
    optimizer: { name: "momentum", momentum: 0.9, useNesterov: false },
    optimizerState: "fresh",
    loss: "categoricalCrossentropy",
    startLr: 1e-7,
    endLr: 10,
    numIters: 12,
    mode: "exp",
    smoothing: 0.98,
    divergeThreshold: 4,
    runs: 1,
    evaluate: "train",
    suggest: "auto",
    trainSize: 512,
  });
  assert.equal(result.model.params, 8 * 16 + 16 + 16 * 3 + 3);
  assert.equal(result.version, 1);
  assert.equal(result.timing.steps, 12);
  model.dispose();
});

Deno.test("inputs are reshaped to the model's input shape and labels encoded for the loss", async () => {
  const model = tf.sequential({
    layers: [
      tf.layers.flatten({ inputShape: [2, 4] }),
      tf.layers.dense({ units: 3, activation: "softmax" }),
    ],
  });
  const sparse = await findLearningRate(model, data, {
    loss: "sparse_categorical_crossentropy",
    optimizer: { name: "adam" },
    numIters: 10,
    verify: false,
  });
  assert.equal(sparse.settings.loss, "sparseCategoricalCrossentropy");
  assert.equal(sparse.losses.length, 10);
  model.dispose();
});

const badOptions: { options: FindLearningRateOptions; message: RegExp }[] = [
  { options: { startLr: 0 }, message: /^startLr must be greater than 0, got 0$/ },
  {
    options: { startLr: 1e-3, endLr: 1e-4 },
    message: /^endLr must be greater than startLr \(0\.001\), got 0\.0001$/,
  },
  { options: { numIters: 5 }, message: /^numIters must be at least 10, got 5$/ },
  {
    options: { batchSize: 1000 },
    message: /^batchSize must be at most the number of training samples \(512\), got 1000$/,
  },
  { options: { smoothing: 1 }, message: /^smoothing must be less than 1, got 1$/ },
  {
    options: { divergeThreshold: 1 },
    message: /^divergeThreshold must be greater than 1, got 1$/,
  },
  { options: { runs: 0 }, message: /^runs must be at least 1, got 0$/ },
  { options: { runs: 51 }, message: /^runs must be at most 50, got 51$/ },
  { options: { numIters: 10.5 }, message: /^numIters: expected an integer, got 10\.5$/ },
  { options: { timeBudgetMs: 0 }, message: /^timeBudgetMs must be greater than 0, got 0$/ },
  {
    options: { suggest: "best" as "auto" },
    message:
      /^suggest must be one of "auto", "valley", "steepest", "minimum", "slide", "combined", got "best"$/,
  },
  { options: { loss: "nope" }, message: /^loss must be one of/ },
  {
    options: { verify: { candidates: 1 } },
    message: /^verify\.candidates must be at least 2, got 1$/,
  },
  { options: { verify: { steps: 0 } }, message: /^verify\.steps must be at least 1, got 0$/ },
  {
    options: { verify: { spacing: 0 } },
    message: /^verify\.spacing must be greater than 0, got 0$/,
  },
  {
    options: { verify: { tolerance: -0.1 } },
    message: /^verify\.tolerance must be at least 0, got -0\.1$/,
  },
  {
    options: { verify: { horizonShift: 3 } },
    message: /^verify\.horizonShift must be at most 2, got 3$/,
  },
  {
    options: { verify: { horizonShift: "x" as "auto" } },
    message: /^verify\.horizonShift: expected "auto" or a number of decades from 0 to 2, got "x"$/,
  },
  {
    options: { verify: { prune: "yes" as unknown as boolean } },
    message: /^verify\.prune: expected true or false, got "yes"$/,
  },
  {
    options: { verify: { step: 10 } as unknown as FindLearningRateOptions["verify"] },
    message: /^verify\.step: unknown key, did you mean "steps"\?$/,
  },
  {
    options: { verify: "on" as unknown as boolean },
    message:
      /^verify: expected true, false or an object such as \{"candidates": 4, "steps": 200\}, got "on"$/,
  },
];

for (const { options, message } of badOptions) {
  Deno.test(`bad option ${JSON.stringify(options)} fails before any training`, async () => {
    const model = compiled("adam");
    const weights = weightValues(model);
    const tensors = tf.memory().numTensors;
    let steps = 0;
    await assert.rejects(
      findLearningRate(model, data, { ...options, onStep: () => steps++ }),
      (error: Error) => {
        assert.equal(error.name, "InputError");
        assert.match(error.message, message);
        return true;
      },
    );
    assert.equal(steps, 0);
    assert.ok(bitwiseEqual(weightValues(model), weights));
    assert.equal(tf.memory().numTensors, tensors);
    model.dispose();
  });
}

Deno.test("an uncompiled model without optimizer or loss is refused with a fix", async () => {
  const model = mlp(8, 3);
  await assert.rejects(
    findLearningRate(model, data, { optimizer: { name: "adam" } }),
    /the model is not compiled and no loss was given: pass options.loss/,
  );
  await assert.rejects(
    findLearningRate(model, data, { loss: "categoricalCrossentropy" }),
    /the model is not compiled and no optimizer was given: pass options.optimizer/,
  );
  model.dispose();
});

Deno.test("data that does not fit the model is refused with both shapes", async () => {
  const model = compiled("adam");
  await assert.rejects(
    findLearningRate(model, blobs(100, 5, 3)),
    /data has samples of shape \[5\] \(5 values\) but the model expects input of shape \[8\]/,
  );
  await assert.rejects(
    findLearningRate(model, blobs(100, 8, 4)),
    /data has 4 classes but the model's output has shape \[3\]/,
  );
  await assert.rejects(
    findLearningRate(model, { ...data, y: data.y.subarray(0, 10) }),
    /data.train.y must hold one target/,
  );
  model.dispose();
});

/**
 * Losses may differ from the curves recorded before the speed work by 1e-5 relative: the kernels
 * promise 1e-5 per op against cpu, and reordered float32 sums move a loss by about 1e-7 (the cpu
 * backend's curves differ from wasm's by 2.4e-7). A wrong update or a skipped step moves losses
 * by more than 1e-3.
 */
const CURVE_TOLERANCE = 1e-5;

Deno.test("fixed-seed sweeps on wasm give the curves recorded before the optimisations", async () => {
  const recorded: Record<string, RecordedCurve> = JSON.parse(
    await Deno.readTextFile(new URL("./fixtures/sweep_curves.json", import.meta.url)),
  );
  const curves = squaresDataset();
  await setupBackend("wasm");
  try {
    const tensors = tf.memory().numTensors;
    for (const c of CURVE_CASES) {
      const model = c.model();
      const result = await findLearningRate(model, curves, { ...c.options, verify: false });
      const expected = recorded[c.name];
      assert.equal(result.stopReason, expected.stopReason, c.name);
      assert.equal(result.losses.length, expected.losses.length, c.name);
      for (const key of ["losses", "smoothed"] as const) {
        result[key].forEach((value, i) => {
          const want = expected[key][i]!;
          assert.ok(
            Math.abs(value! - want) <= CURVE_TOLERANCE * Math.abs(want),
            `${c.name} ${key}[${i}]: ${value} against ${want}`,
          );
        });
      }
      model.dispose();
    }
    assert.equal(tf.memory().numTensors, tensors);
  } finally {
    await setupBackend("cpu");
  }
});

// ------------------------------------------------------------------------------------------------
// Verification

Deno.test("the default run verifies: trials from the curve, the best held-out loss, within budget", async () => {
  const model = compiled("adam");
  const tensors = tf.memory().numTensors;
  const result = await findLearningRate(model, data, { seed: 2 });
  assert.equal(result.suggestion.method, "verified");
  const trials = result.trials!;
  assert.ok(trials.length >= 2 && trials.length <= 6);
  const bestLr = result.verification!.best!;
  assert.ok(trials.some((t) => t.lr === bestLr));
  const shift = result.verification!.settings.horizonShift;
  assert.equal(result.suggestion.lr, bestLr / 10 ** shift, "the best trial's rate, corrected");
  for (const t of trials) {
    assert.deepEqual(Object.keys(t).sort(), ["diverged", "heldOutLoss", "lr", "steps"]);
  }
  const finalists = trials.filter((t) => t.steps === result.verification!.maxSteps);
  const best = Math.min(...finalists.map((t) => t.heldOutLoss!));
  const chosen = trials.find((t) => t.lr === bestLr)!;
  assert.ok(chosen.heldOutLoss! <= best * 1.01, "the chosen trial is (nearly) the best finalist");
  assert.equal(result.verification?.outcome, "verified");
  assert.equal(result.verification?.heldOut, "train");
  assert.equal(result.verification?.heldOutSize, Math.floor(512 * 0.2));
  assert.ok(
    result.timing.steps + result.verification!.steps <= 10 * result.settings.numIters,
    "sweep plus verification train at most 10 times the sweep's steps",
  );
  assert.ok(Array.isArray(result.warnings));
  assert.equal(typeof result.suggestion.trusted, "boolean");
  assert.ok(result.suggestions.combined.lr !== undefined, "every curve rule is still listed");
  assert.equal(tf.memory().numTensors, tensors);
  model.dispose();
});

Deno.test("verification scores on the validation data when it is given", async () => {
  const model = compiled("adam");
  const validation = blobs(300, 8, 3, 2);
  const result = await findLearningRate(model, { train: data, validation }, {
    verify: { steps: 16, heldOutSamples: 200 },
  });
  assert.equal(result.verification?.heldOut, "validation");
  assert.equal(result.verification?.heldOutSize, 200);
  model.dispose();
});

Deno.test("verify: false keeps the sweep-only result: the curve rule, no trials", async () => {
  const model = compiled("adam");
  const result = await findLearningRate(model, data, { verify: false });
  assert.equal(result.suggestion.method, "combined");
  assert.equal(result.trials, undefined);
  assert.equal(result.verification, undefined);
  assert.ok(Array.isArray(result.warnings));
  model.dispose();
});

Deno.test("an explicit rule stays the headline; verification still reports its trials", async () => {
  const model = compiled("adam");
  const result = await findLearningRate(model, data, { suggest: "valley", verify: { steps: 8 } });
  assert.equal(result.suggestion.method, "valley");
  assert.ok(result.trials!.length >= 2);
  model.dispose();
});

Deno.test("data too small to hold out samples falls back to the curve rule with a warning", async () => {
  const model = compiled("adam");
  const small = blobs(100, 8, 3);
  const result = await findLearningRate(model, small, { batchSize: 16 });
  assert.equal(result.suggestion.method, "combined");
  assert.equal(result.verification?.outcome, "fallback");
  assert.match(result.verification!.reason!, /too small to hold out 32 samples/);
  const warning = result.warnings!.find((w) => w.code === "no-held-out")!;
  assert.equal(warning.severity, "caution");
  assert.match(warning.message, /^not verified: the training data \(100 samples\)/);
  model.dispose();
});

// Restoring the model after verification ends any way is the restore fixture's (STOP_PATHS).
Deno.test("an abort during verification falls back to the curve rule and says so", async () => {
  const model = compiled("adam");
  const controller = new AbortController();
  let seen = 0;
  const result = await findLearningRate(model, data, {
    signal: controller.signal,
    onVerify: (p) => {
      seen = p.done;
      if (p.done === 25) controller.abort();
    },
  });
  assert.equal(seen, 25, "verification stops at the next step");
  assert.equal(result.stopReason, "completed");
  assert.equal(result.verification?.outcome, "fallback");
  assert.equal(result.suggestion.method, "combined");
  assert.ok(result.warnings!.some((w) => w.code === "verification-stopped"));
  model.dispose();
});

Deno.test("verification is shortened to fit the time left, or skipped with the reason", async () => {
  // 10 ms a sweep step by the injected clock; verification steps take no clock time.
  const sweepMs = 100 * 10;
  const shortened = await findLearningRate(compiled("adam"), data, {
    ...stepClock(10),
    timeBudgetMs: sweepMs + 600 * 12.5 + 50,
  });
  assert.equal(shortened.verification?.outcome, "verified");
  const steps = shortened.verification!.settings.steps;
  assert.ok(steps >= 135 && steps < 270, `trials of ${steps} steps`);
  assert.match(
    shortened.warnings!.find((w) => w.code === "verification-shortened")!.message,
    new RegExp(`^verification was shortened to fit the time budget: trials of up to ${steps}`),
  );
  const skipped = await findLearningRate(compiled("adam"), data, {
    ...stepClock(10),
    timeBudgetMs: sweepMs + 500,
  });
  assert.equal(skipped.verification?.outcome, "fallback");
  assert.match(skipped.verification!.reason!, /^the time budget leaves about \d+ ms/);
  assert.equal(skipped.trials, undefined);
  assert.ok(skipped.warnings!.some((w) => w.code === "verification-over-budget"));
});

Deno.test("a curve that never falls gives no candidates: the curve rule stands and says so", async () => {
  const result = await findLearningRate(compiled("adam"), data, {
    startLr: 10,
    endLr: 1e6,
    numIters: 30,
  });
  assert.equal(result.verification?.outcome, "fallback");
  assert.equal(result.trials, undefined);
  const warning = result.warnings!.find((w) => w.code === "no-candidates")!;
  assert.match(warning.message, /^not verified: the loss never falls/);
});
