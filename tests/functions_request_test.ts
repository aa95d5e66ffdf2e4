import assert from "node:assert/strict";
import { DEFAULT_LIMITS } from "../functions/limits.ts";
import { outputLayer, parseSweepRequest } from "../functions/request.ts";
import { ConfigError } from "../src/validation.ts";
import type { Dataset } from "../src/data/dataset.ts";
import { jobFrame, type WireJob } from "../functions/worker_protocol.ts";
import { DEFAULTS } from "../src/defaults.ts";
import { smallRequest } from "./functions_server.ts";

const BUDGET = { maxParams: 1e6, maxStepBytes: 1e9, maxStepFlops: 1e11 };

function issues(value: unknown, limits = DEFAULT_LIMITS) {
  try {
    parseSweepRequest(value, limits);
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error.issues;
  }
  assert.fail("the request was accepted");
}

Deno.test("parseSweepRequest: defaults from the data and the server", () => {
  const job = parseSweepRequest(smallRequest(), DEFAULT_LIMITS);
  assert.equal(job.data.size, 48);
  assert.equal(job.options.name, "model");
  assert.equal(job.options.loss, "sparseCategoricalCrossentropy");
  assert.equal(job.options.optimizer, undefined, "the core's default optimizer applies");
  assert.equal(job.options.batchSize, 16);
  assert.equal(job.options.numIters, 12);
  assert.equal(job.options.startLr, 1e-7);
  assert.equal(job.options.endLr, 10);
  assert.equal(job.options.seed, 1, "the request's seed orders the data too");
  assert.equal(job.options.timeBudgetMs, DEFAULT_LIMITS.timeBudgetMs);
  const layers = (job.topology.topology.config as { layers: { config: { units: number } }[] })
    .layers;
  assert.equal(layers[1].config.units, 3, "the output layer has one unit per class");
});

Deno.test("parseSweepRequest: sweep.seed orders the data, seed makes the weights", () => {
  const a = parseSweepRequest({ ...smallRequest(), seed: 5, sweep: { seed: 9 } }, DEFAULT_LIMITS);
  assert.equal(a.options.seed, 9);
  const b = parseSweepRequest({ ...smallRequest(), seed: 5, sweep: { seed: 0 } }, DEFAULT_LIMITS);
  assert.equal(b.options.seed, 0);
  const weights = (job: typeof a) => JSON.stringify(job.topology.topology);
  assert.equal(weights(a), weights(b));
  const c = parseSweepRequest({ ...smallRequest(), seed: 6 }, DEFAULT_LIMITS);
  assert.notEqual(weights(c), weights(a));
  const d = parseSweepRequest(
    { ...smallRequest(), seed: undefined, sweep: { seed: 6 } },
    DEFAULT_LIMITS,
  );
  assert.equal(weights(d), weights(c), "without seed, sweep.seed seeds the weights");
});

Deno.test("parseSweepRequest: a topology's training config gives loss and optimizer", () => {
  const { data } = smallRequest();
  const job = parseSweepRequest({
    name: "mine",
    data,
    model: {
      modelTopology: {
        class_name: "Sequential",
        config: {
          name: "keras",
          layers: [{
            class_name: "Dense",
            config: { units: 3, activation: "softmax", batch_input_shape: [null, 2] },
          }],
        },
      },
      trainingConfig: {
        loss: "categorical_crossentropy",
        optimizer_config: { class_name: "SGD", config: { learning_rate: 0.1, momentum: 0.5 } },
      },
      format: "layers-model",
    },
    sweep: { timeBudgetMs: 1000 },
  }, DEFAULT_LIMITS);
  assert.equal(job.options.name, "mine");
  assert.equal(job.options.loss, "categoricalCrossentropy");
  assert.deepEqual(job.options.optimizer, { name: "momentum", momentum: 0.5, learningRate: 0.1 });
  assert.equal(job.options.timeBudgetMs, 1000);
});

Deno.test("parseSweepRequest: every problem at once, with paths", () => {
  assert.deepEqual(
    issues({ model: [{ type: "dense", units: 0 }], sweep: { numIters: 900, runs: 9 }, x: 1 }, {
      ...DEFAULT_LIMITS,
      maxRuns: 3,
    }).map((i) => i.path),
    ["x", "model[0].units", "data"],
  );
  assert.deepEqual(
    issues({ ...smallRequest(), sweep: { numIters: 900, runs: 4 }, batchSize: 30_000 }, {
      ...DEFAULT_LIMITS,
      maxRuns: 3,
    }),
    [
      {
        path: "sweep.numIters",
        message: "must be at most 500 (the limit of this server), got 900",
      },
      { path: "sweep.runs", message: "must be at most 3 (the limit of this server), got 4" },
      {
        path: "batchSize",
        message: "must be at most 20000 (the limit of this server), got 30000",
      },
    ],
  );
  assert.deepEqual(issues([1, 2]), [
    { path: "", message: "expected a JSON object with model and data, got an array" },
  ]);
  assert.deepEqual(
    issues({ ...smallRequest(), model: { modelTopology: {}, weightsManifest: [] } }),
    [{
      path: "model.weightsManifest",
      message: "weights are not accepted: send only modelTopology; the weights are " +
        "initialised from the request's seed",
    }],
  );
  assert.deepEqual(issues({ ...smallRequest(), model: { layers: [{ type: "output" }], x: 1 } }), [
    { path: "model.x", message: "unknown key; expected one of inputShape, layers" },
  ]);
});

Deno.test("parseSweepRequest: verify on by default, off, or with options, planned in the budget", () => {
  const plain = parseSweepRequest(smallRequest(), DEFAULT_LIMITS);
  assert.deepEqual(plain.options.verify, { ...DEFAULTS.verify });
  assert.equal(plain.verifyBudget, undefined);
  assert.equal(
    parseSweepRequest({ ...smallRequest(), verify: false }, DEFAULT_LIMITS).options
      .verify,
    false,
  );
  assert.deepEqual(
    parseSweepRequest({ ...smallRequest(), verify: true }, DEFAULT_LIMITS).options.verify,
    { ...DEFAULTS.verify },
  );
  const options = parseSweepRequest(
    { ...smallRequest(), verify: { steps: 12, candidates: 3, horizonShift: 0 } },
    DEFAULT_LIMITS,
  );
  assert.deepEqual(options.options.verify, {
    ...DEFAULTS.verify,
    steps: 12,
    candidates: 3,
    horizonShift: 0,
  });
  const skipped = parseSweepRequest(
    { ...smallRequest(), sweep: { numIters: 100 } },
    { ...DEFAULT_LIMITS, maxTrainingSteps: 300 },
  );
  assert.equal(skipped.options.verify, false);
  assert.equal(skipped.verifyBudget?.kind, "skipped");
  const frame = jobFrame(0, skipped, { format: "json", budget: BUDGET });
  assert.deepEqual(
    (frame.message as { job: WireJob }).job.verifyBudget,
    skipped.verifyBudget,
    "the plan travels to the worker",
  );
});

Deno.test("parseSweepRequest: bad verify values name verify.<field>", () => {
  assert.deepEqual(
    issues({ ...smallRequest(), verify: { candidates: 1, steps: 0, bogus: 1, prune: "yes" } }),
    [
      { path: "verify.candidates", message: "must be at least 2, got 1" },
      { path: "verify.steps", message: "must be at least 1, got 0" },
      { path: "verify.prune", message: 'expected true or false, got "yes"' },
      {
        path: "verify.bogus",
        message: "unknown key; expected one of candidates, steps, spacing, heldOutSamples, " +
          "prune, tolerance, horizonShift",
      },
    ],
  );
  assert.deepEqual(issues({ ...smallRequest(), verify: "fast" }), [{
    path: "verify",
    message: 'expected true, false or an object such as {"candidates": 4, "steps": 200}, ' +
      'got "fast"',
  }]);
  assert.deepEqual(
    issues({ ...smallRequest(), verify: { candidates: 12 } }).map((i) => i.path),
    ["verify.candidates"],
  );
  assert.deepEqual(
    issues({ ...smallRequest(), sweep: { numIters: 500, runs: 3 }, verify: { steps: 300 } })
      .map((i) => i.path),
    ["verify.steps"],
  );
});

Deno.test("outputLayer: classes, binary targets, one-hot rows and regression", () => {
  const data = (fields: Partial<Dataset>): Dataset => ({
    x: new Float32Array(2),
    xShape: [1],
    y: new Float32Array(2),
    yShape: [],
    size: 2,
    ...fields,
  });
  assert.deepEqual(outputLayer(data({ classes: 4 }), "sparseCategoricalCrossentropy"), {
    units: 4,
    activation: "softmax",
  });
  assert.deepEqual(outputLayer(data({ classes: 2 }), "binaryCrossentropy"), {
    units: 1,
    activation: "sigmoid",
  });
  assert.deepEqual(outputLayer(data({ yShape: [3] }), "categoricalCrossentropy"), {
    units: 3,
    activation: "softmax",
  });
  assert.deepEqual(outputLayer(data({ yShape: [2] }), "binaryCrossentropy"), {
    units: 2,
    activation: "sigmoid",
  });
  assert.deepEqual(outputLayer(data({}), "meanSquaredError"), { units: 1, activation: "linear" });
});
