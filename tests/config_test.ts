import assert from "node:assert/strict";
import { loadConfig, mergeConfig, parseConfig } from "../src/config.ts";
import { ConfigError } from "../src/validation.ts";
import { InputError } from "../src/errors.ts";

const MINIMAL = { model: "models/mnist/model.json", data: { train: { x: "x.npy", y: "y.npy" } } };

function configError(value: unknown, source?: string): ConfigError {
  try {
    parseConfig(value, { source });
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${error}`);
    assert.ok(error instanceof InputError);
    return error;
  }
  throw new assert.AssertionError({ message: "expected parseConfig to throw" });
}

Deno.test("config: defaults are filled in and the name comes from the model path", () => {
  const config = parseConfig(MINIMAL);
  assert.deepEqual(config, {
    name: "mnist",
    model: "models/mnist/model.json",
    data: { train: { x: "x.npy", y: "y.npy" } },
    batchSize: 64,
    sweep: {
      startLr: 1e-7,
      endLr: 10,
      numIters: 100,
      mode: "exp",
      smoothing: 0.98,
      divergeThreshold: 4,
      runs: 1,
      seed: 0,
      evaluate: "train",
    },
    suggest: "auto",
    verify: true,
    backend: "auto",
  });
  assert.equal(parseConfig({ ...MINIMAL, model: "nets/cnn.ts" }).name, "cnn");
  assert.equal(parseConfig({ ...MINIMAL, model: "model.json" }).name, "model");
  assert.equal(parseConfig({ ...MINIMAL, name: "mine" }).name, "mine");
});

Deno.test("config: every data source form and optimizer is accepted", () => {
  const sources = [
    { x: "x.npy", y: "y.npy" },
    { csv: "d.csv", label: "y", oneHot: true },
    { idx: { images: "i.gz", labels: "l.gz" }, limit: 1000 },
    { module: "data.ts" },
    { synthetic: { kind: "spirals", classes: 3, features: 2, samples: 600, noise: 0.2, seed: 4 } },
  ];
  for (const train of sources) {
    assert.deepEqual(
      parseConfig({ ...MINIMAL, data: { train, validation: train } }).data.train,
      train,
    );
  }
  const optimizers = [
    { name: "sgd", learningRate: 0.1 },
    { name: "momentum", momentum: 0.9, useNesterov: true },
    { name: "adam", beta1: 0.9, beta2: 0.999, epsilon: 1e-7 },
    { name: "adamax", decay: 0.01 },
    { name: "rmsprop", decay: 0.9, momentum: 0.1, centered: true },
    { name: "adagrad", initialAccumulatorValue: 0.1 },
    { name: "adadelta", rho: 0.95 },
  ];
  for (const optimizer of optimizers) {
    assert.deepEqual(parseConfig({ ...MINIMAL, optimizer }).optimizer, optimizer);
  }
});

Deno.test("config: losses are normalised from Keras snake_case and short names", () => {
  assert.equal(
    parseConfig({ ...MINIMAL, loss: "sparse_categorical_crossentropy" }).loss,
    "sparseCategoricalCrossentropy",
  );
  assert.equal(
    parseConfig({ ...MINIMAL, loss: "categoricalCrossentropy" }).loss,
    "categoricalCrossentropy",
  );
  assert.equal(parseConfig({ ...MINIMAL, loss: "mse" }).loss, "meanSquaredError");
  assert.equal(parseConfig({ ...MINIMAL, loss: "log_cosh" }).loss, "logcosh");
});

Deno.test("config: the endLr rule names the field and both values", () => {
  const error = configError({ ...MINIMAL, sweep: { endLr: 1e-8 } });
  assert.equal(error.message, "sweep.endLr: must be greater than startLr (1e-7), got 1e-8");
  assert.deepEqual(error.issues, [
    { path: "sweep.endLr", message: "must be greater than startLr (1e-7), got 1e-8" },
  ]);
  assert.equal(
    configError({ ...MINIMAL, sweep: { endLr: 1e-8 } }, "lr-finder.json").message,
    "lr-finder.json: sweep.endLr: must be greater than startLr (1e-7), got 1e-8",
  );
});

Deno.test("config: several problems in one error, one line each", () => {
  const error = configError(
    {
      ...MINIMAL,
      batchSize: 0.5,
      sweep: { startLr: 0, numIters: 5, mode: "log", smoothing: 1, divergeThreshold: 1, runs: 51 },
      suggest: "best",
      backend: "gpu",
    },
    "cfg/lr-finder.json",
  );
  assert.equal(
    error.message,
    [
      "cfg/lr-finder.json has 9 problems:",
      "  batchSize: expected an integer, got 0.5",
      "  sweep.startLr: must be greater than 0, got 0",
      "  sweep.numIters: must be at least 10, got 5",
      '  sweep.mode: must be one of "exp", "linear", got "log"',
      "  sweep.smoothing: must be less than 1, got 1",
      "  sweep.divergeThreshold: must be greater than 1, got 1",
      "  sweep.runs: must be at most 50, got 51",
      '  suggest: must be one of "auto", "valley", "steepest", "minimum", "slide", "combined", got "best"',
      '  backend: must be one of "auto", "webgpu", "wasm", "cpu", got "gpu"',
    ].join("\n"),
  );
  assert.equal(error.issues.length, 9);
});

Deno.test("config: unknown keys are rejected with a did-you-mean hint", () => {
  const error = configError({ ...MINIMAL, sweeep: {}, batchsize: 3, colour: "red" });
  assert.deepEqual(error.issues, [
    { path: "sweeep", message: 'unknown key, did you mean "sweep"?' },
    { path: "batchsize", message: 'unknown key, did you mean "batchSize"?' },
    {
      path: "colour",
      message: "unknown key; expected one of $schema, name, model, data, loss, optimizer, " +
        "batchSize, sweep, suggest, verify, backend, cpuKernels, threads",
    },
  ]);
  assert.deepEqual(configError({ ...MINIMAL, sweep: { start_lr: 1e-6 } }).issues, [
    { path: "sweep.start_lr", message: 'unknown key, did you mean "startLr"?' },
  ]);
});

Deno.test("config: optimizers take only their own parameters", () => {
  assert.deepEqual(configError({ ...MINIMAL, optimizer: { name: "sgd", beta1: 0.9 } }).issues, [
    { path: "optimizer.beta1", message: "not a parameter of sgd; sgd takes learningRate" },
  ]);
  assert.deepEqual(
    configError({ ...MINIMAL, optimizer: { name: "adam", learning_rate: 0.01 } }).issues,
    [{
      path: "optimizer.learning_rate",
      message: 'not a parameter of adam; did you mean "learningRate"?',
    }],
  );
  assert.deepEqual(configError({ ...MINIMAL, optimizer: { name: "adamw" } }).issues, [
    {
      path: "optimizer.name",
      message: 'must be one of "sgd", "momentum", "adam", "adamax", "rmsprop", "adagrad", ' +
        '"adadelta", got "adamw"',
    },
  ]);
  assert.deepEqual(configError({ ...MINIMAL, optimizer: { beta1: 0.9 } }).issues, [
    {
      path: "optimizer.name",
      message: 'is missing, expected one of "sgd", "momentum", "adam", "adamax", "rmsprop", ' +
        '"adagrad", "adadelta"',
    },
  ]);
  assert.deepEqual(configError({ ...MINIMAL, optimizer: { name: "adam", beta1: 1 } }).issues, [
    { path: "optimizer.beta1", message: "must be less than 1, got 1" },
  ]);
});

Deno.test("config: data source errors come from the form that was meant", () => {
  assert.deepEqual(
    configError({ ...MINIMAL, data: { train: { csv: "d.csv", label: 3 } } }).issues,
    [
      { path: "data.train.label", message: "expected a string, got 3" },
    ],
  );
  assert.deepEqual(configError({ ...MINIMAL, data: { train: { x: "x.npy" } } }).issues, [
    { path: "data.train.y", message: "is missing, expected a string" },
  ]);
  assert.deepEqual(
    configError({ ...MINIMAL, data: { train: { idx: { images: "i" }, limit: 0 } } }).issues,
    [
      { path: "data.train.idx.labels", message: "is missing, expected a string" },
      { path: "data.train.limit", message: "must be at least 1, got 0" },
    ],
  );
  assert.deepEqual(configError({ ...MINIMAL, data: { train: { npy: "x" } } }).issues, [
    {
      path: "data.train",
      message: "expected one of {x, y} (.npy files), {csv, label}, {idx: {images, labels}}, " +
        "{module}, {synthetic}, got an object with keys npy",
    },
  ]);
  assert.deepEqual(configError({ ...MINIMAL, data: {} }).issues, [
    {
      path: "data.train",
      message: "is missing, expected one of {x, y} (.npy files), {csv, label}, " +
        "{idx: {images, labels}}, {module}, {synthetic}",
    },
  ]);
  assert.deepEqual(
    configError({ ...MINIMAL, data: { train: { synthetic: { kind: "regression", classes: 3 } } } })
      .issues,
    [{ path: "data.train.synthetic.classes", message: "is not used by kind regression" }],
  );
});

Deno.test("config: cross-field rules and other types", () => {
  assert.deepEqual(configError({ ...MINIMAL, sweep: { evaluate: "validation" } }).issues, [
    { path: "sweep.evaluate", message: "validation needs data.validation, which is missing" },
  ]);
  assert.deepEqual(configError({ ...MINIMAL, loss: "crossentropy" }).issues, [
    {
      path: "loss",
      message: "must be one of categoricalCrossentropy, sparseCategoricalCrossentropy, " +
        "binaryCrossentropy, meanSquaredError, meanAbsoluteError, meanAbsolutePercentageError, " +
        "meanSquaredLogarithmicError, huberLoss, hinge, squaredHinge, categoricalHinge, logcosh, " +
        'kullbackLeiblerDivergence, poisson, cosineProximity (Keras snake_case also works), got "crossentropy"',
    },
  ]);
  assert.deepEqual(configError({ data: MINIMAL.data, optimizer: "adamw" }).issues, [
    { path: "model", message: "is missing, expected a string" },
    {
      path: "optimizer",
      message: "expected an optimizer name (sgd, momentum, adam, adamax, rmsprop, adagrad, " +
        'adadelta) or an object such as {"name": "adam", "beta1": 0.9}, got "adamw"',
    },
  ]);
  assert.deepEqual(parseConfig({ ...MINIMAL, optimizer: "rmsprop" }).optimizer, {
    name: "rmsprop",
  });
  assert.equal(configError([1, 2]).message, "expected a JSON object, got an array");
  assert.deepEqual(configError({ ...MINIMAL, sweep: { runs: 2.5, timeBudgetMs: -1 } }).issues, [
    { path: "sweep.runs", message: "expected an integer, got 2.5" },
    { path: "sweep.timeBudgetMs", message: "must be greater than 0, got -1" },
  ]);
});

Deno.test("config: loadConfig resolves paths against the config's folder", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${dir}/cfg`);
    const text = JSON.stringify({
      $schema: "../schema/lr-finder.schema.json",
      model: "../models/net/model.json",
      data: {
        train: { idx: { images: "/abs/i.gz", labels: "l.gz" } },
        validation: { csv: "v.csv", label: "y" },
      },
    });
    await Deno.writeTextFile(`${dir}/cfg/lr-finder.json`, text);
    const config = await loadConfig(`${dir}/cfg/lr-finder.json`);
    assert.equal(config.baseDir, `${dir}/cfg`);
    assert.equal(config.configPath, `${dir}/cfg/lr-finder.json`);
    assert.equal(config.model, `${dir}/models/net/model.json`);
    assert.equal(config.name, "net");
    assert.deepEqual(config.data.train, {
      idx: { images: "/abs/i.gz", labels: `${dir}/cfg/l.gz` },
    });
    assert.deepEqual(config.data.validation, { csv: `${dir}/cfg/v.csv`, label: "y" });
    assert.equal(
      await Deno.readTextFile(`${dir}/cfg/lr-finder.json`),
      text,
      "the file is unchanged",
    );

    await Deno.writeTextFile(
      `${dir}/bad.json`,
      '{"model": "m", "data": {"train": {"module": "d.ts"}}, "sweep": {"endLr": 0.5, "startLr": 1}}',
    );
    await assert.rejects(
      loadConfig(`${dir}/bad.json`),
      (e: unknown) =>
        e instanceof ConfigError &&
        e.message === `${dir}/bad.json: sweep.endLr: must be greater than startLr (1), got 0.5`,
    );
    await assert.rejects(
      loadConfig(`${dir}/none.json`),
      (e: unknown) =>
        e instanceof InputError && e.message === `${dir}/none.json: config file not found`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("config: mergeConfig applies overrides and validates again", () => {
  const base = parseConfig({
    ...MINIMAL,
    optimizer: { name: "adam", beta1: 0.8 },
    sweep: { numIters: 50 },
  });
  const merged = mergeConfig(base, {
    sweep: { endLr: 1 },
    optimizer: { learningRate: 0.01 },
    batchSize: 32,
  });
  assert.equal(merged.sweep.numIters, 50);
  assert.equal(merged.sweep.endLr, 1);
  assert.equal(merged.batchSize, 32);
  assert.deepEqual(merged.optimizer, { name: "adam", beta1: 0.8, learningRate: 0.01 });
  assert.deepEqual(mergeConfig(base, { optimizer: { name: "sgd" } }).optimizer, { name: "sgd" });
  assert.deepEqual(
    mergeConfig(base, { data: { train: { csv: "d.csv", label: "y" } } }).data.train,
    {
      csv: "d.csv",
      label: "y",
    },
  );
  assert.deepEqual(
    mergeConfig(base, { model: "m.ts", data: { train: { module: "d.ts" } } }, { baseDir: "/work" })
      .data
      .train,
    { module: "/work/d.ts" },
  );
  assert.equal(mergeConfig(base, { model: "m.ts" }, { baseDir: "/work" }).model, "/work/m.ts");
  assert.throws(
    () => mergeConfig(base, { sweep: { startLr: 20 } }, { source: "command-line flags" }),
    (e: unknown) =>
      e instanceof ConfigError &&
      e.message === "command-line flags: sweep.endLr: must be greater than startLr (20), got 10",
  );
  const resolved = { ...base, baseDir: "/cfg", configPath: "/cfg/lr-finder.json" };
  const kept = mergeConfig(resolved, { suggest: "valley" });
  assert.equal(kept.baseDir, "/cfg");
  assert.equal(kept.configPath, "/cfg/lr-finder.json");
  assert.equal(kept.suggest, "valley");
  assert.equal(base.batchSize, 64, "the base config is not changed");
});

Deno.test("config: cpuKernels and threads are optional, checked, and merge from overrides", () => {
  const parsed = parseConfig({ ...MINIMAL, cpuKernels: "blas", threads: 4 });
  assert.equal(parsed.cpuKernels, "blas");
  assert.equal(parsed.threads, 4);
  assert.equal(parseConfig(MINIMAL).cpuKernels, undefined, "auto when absent");
  assert.deepEqual(
    configError({ ...MINIMAL, cpuKernels: "mkl", threads: 0 }).issues.map((i) => i.path),
    [
      "cpuKernels",
      "threads",
    ],
  );
  const merged = mergeConfig(parsed, { cpuKernels: "wasm", threads: 1 });
  assert.equal(merged.cpuKernels, "wasm");
  assert.equal(merged.threads, 1);
});

Deno.test("config: verify is true, false or options, on by default, and names a bad field", () => {
  assert.equal(parseConfig(MINIMAL).verify, true);
  assert.equal(parseConfig({ ...MINIMAL, verify: false }).verify, false);
  assert.deepEqual(parseConfig({ ...MINIMAL, verify: { steps: 40, candidates: 3 } }).verify, {
    steps: 40,
    candidates: 3,
  });
  const message = (verify: unknown) => configError({ ...MINIMAL, verify }, "lr.json").message;
  assert.equal(
    message({ candidates: 1 }),
    "lr.json: verify.candidates: must be at least 2, got 1",
  );
  assert.equal(message({ steps: 0 }), "lr.json: verify.steps: must be at least 1, got 0");
  assert.equal(message({ steps: 2.5 }), "lr.json: verify.steps: expected an integer, got 2.5");
  assert.match(
    message({ step: 10 }),
    /^lr\.json: verify\.step: unknown key, did you mean "steps"\?/,
  );
  assert.match(message("yes"), /^lr\.json: verify: expected true, false or an object such as/);
  assert.match(
    message({ horizonShift: "long" }),
    /^lr\.json: verify\.horizonShift: expected "auto"/,
  );
  for (const verify of [{ candidates: 1 }, "yes", { step: 10 }]) {
    assert.equal(message(verify).split("\n").length, 1, JSON.stringify(verify));
  }
});

Deno.test("config: mergeConfig turns verify off, on, or merges its options", () => {
  const on = parseConfig(MINIMAL);
  const tuned = parseConfig({ ...MINIMAL, verify: { steps: 40 } });
  const off = parseConfig({ ...MINIMAL, verify: false });
  assert.equal(mergeConfig(on, { verify: false }).verify, false);
  assert.equal(mergeConfig(tuned, { verify: false }).verify, false);
  assert.deepEqual(mergeConfig(tuned, { verify: true }).verify, { steps: 40 });
  assert.equal(mergeConfig(off, { verify: true }).verify, true);
  assert.deepEqual(mergeConfig(tuned, { verify: { candidates: 3 } }).verify, {
    steps: 40,
    candidates: 3,
  });
  assert.deepEqual(mergeConfig(off, { verify: { steps: 12 } }).verify, { steps: 12 });
  assert.deepEqual(mergeConfig(tuned, {}).verify, { steps: 40 });
  assert.throws(
    () => mergeConfig(on, { verify: { steps: 0 } }, { source: "command-line flags" }),
    (e: unknown) =>
      e instanceof ConfigError &&
      e.message === "command-line flags: verify.steps: must be at least 1, got 0",
  );
});
