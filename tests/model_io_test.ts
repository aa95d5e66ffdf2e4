import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import {
  fileSystemHandler,
  loadModel,
  optimizerSpecFromConfig,
  saveModel,
  trainingSettings,
} from "../src/model_io.ts";
import { InputError } from "../src/errors.ts";
import { withDir } from "./helpers.ts";

await tf.setBackend("cpu");

/** A small MLP: 20*64 + 64 + 64*32 + 32 + 32*10 + 10 = 3754 weights (15016 bytes). */
function buildModel(): tf.Sequential {
  return tf.sequential({
    layers: [
      tf.layers.dense({ units: 64, inputShape: [20], activation: "relu" }),
      tf.layers.dense({ units: 32, activation: "relu" }),
      tf.layers.dense({ units: 10, activation: "softmax" }),
    ],
  });
}

/** Saves a fresh model with 3 shards into `dir`, disposes it, and returns its weights' bytes. */
async function savedModel(dir: string, compile = false): Promise<Uint8Array[]> {
  const model = buildModel();
  if (compile) {
    model.compile({ optimizer: tf.train.rmsprop(0.005, 0.8), loss: "categoricalCrossentropy" });
  }
  const weights = model.getWeights().map((w) => new Uint8Array(w.dataSync().buffer.slice(0)));
  const saved = await saveModel(model, dir, { shardBytes: 6000, includeOptimizer: compile });
  assert.equal(saved.shards.length, 3);
  model.dispose();
  return weights;
}

/** Runs `fn` and checks that it leaves no tensor behind. */
async function noLeak(fn: () => Promise<void>): Promise<void> {
  const before = tf.memory().numTensors;
  await fn();
  assert.equal(tf.memory().numTensors, before, "tensors leaked");
}

async function rejectsWith(promise: Promise<unknown>, expected: string | RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof InputError, `expected an InputError, got ${error}`);
    if (typeof expected === "string") assert.equal(error.message, expected);
    else assert.match(error.message, expected);
    return true;
  });
}

Deno.test("model_io: save in 3 shards and load back with bitwise identical weights", async () => {
  await withDir(async (dir) => {
    await noLeak(async () => {
      const original = await savedModel(dir);
      const manifest = JSON.parse(await Deno.readTextFile(`${dir}/model.json`)).weightsManifest;
      assert.deepEqual(manifest[0].paths, [
        "group1-shard1of3.bin",
        "group1-shard2of3.bin",
        "group1-shard3of3.bin",
      ]);
      const sizes = await Promise.all(
        manifest[0].paths.map(async (p: string) => (await Deno.stat(`${dir}/${p}`)).size),
      );
      assert.deepEqual(sizes, [6000, 6000, 3016]);

      const loaded = await loadModel(`${dir}/model.json`);
      assert.equal(loaded.kind, "model.json");
      assert.equal(loaded.source, `${dir}/model.json`);
      assert.equal(loaded.loss, undefined);
      assert.equal(loaded.optimizer, undefined);
      assert.deepEqual(loaded.warnings, []);
      const weights = loaded.model.getWeights().map((w) => new Uint8Array(w.dataSync().buffer));
      assert.equal(weights.length, original.length);
      for (let i = 0; i < weights.length; i++) assert.deepEqual(weights[i], original[i]);
      loaded.model.dispose();
    });
  });
});

Deno.test("model_io: a directory path loads its model.json; relative paths use baseDir", async () => {
  await withDir(async (dir) => {
    await savedModel(dir);
    await noLeak(async () => {
      const fromDir = await loadModel(dir);
      assert.equal(fromDir.source, `${dir}/model.json`);
      fromDir.model.dispose();
      const relative = await loadModel("model.json", { baseDir: dir });
      assert.equal(relative.source, `${dir}/model.json`);
      relative.model.dispose();
    });
  });
});

Deno.test("model_io: loading never writes to the model's files", async () => {
  await withDir(async (dir) => {
    await savedModel(dir, true);
    const names = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
    const before = await Promise.all(names.map(async (n) => ({
      mtime: (await Deno.stat(`${dir}/${n}`)).mtime?.getTime(),
      bytes: await Deno.readFile(`${dir}/${n}`),
    })));
    const loaded = await loadModel(dir);
    loaded.model.dispose();
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name).sort(), names);
    for (let i = 0; i < names.length; i++) {
      assert.equal((await Deno.stat(`${dir}/${names[i]}`)).mtime?.getTime(), before[i].mtime);
      assert.deepEqual(await Deno.readFile(`${dir}/${names[i]}`), before[i].bytes);
    }
  });
});

Deno.test("model_io: a tfjs training config gives the loss and optimizer, not a compiled model", async () => {
  await withDir(async (dir) => {
    await savedModel(dir, true);
    await noLeak(async () => {
      const loaded = await loadModel(`${dir}/model.json`);
      assert.equal(loaded.loss, "categoricalCrossentropy");
      assert.deepEqual(loaded.optimizer, {
        name: "rmsprop",
        learningRate: 0.005,
        decay: 0.8,
        momentum: 0,
        epsilon: 1e-7,
        centered: false,
      });
      assert.equal(loaded.model.optimizer, undefined);
      loaded.model.dispose();
    });
  });
});

Deno.test("model_io: a Keras training config (snake_case, Keras class names) is mapped", async () => {
  await withDir(async (dir) => {
    await savedModel(dir);
    const json = JSON.parse(await Deno.readTextFile(`${dir}/model.json`));
    json.modelTopology = {
      model_config: json.modelTopology,
      training_config: {
        loss: "sparse_categorical_crossentropy",
        metrics: ["accuracy"],
        optimizer_config: {
          class_name: "RMSprop",
          config: {
            name: "RMSprop",
            learning_rate: 0.001,
            rho: 0.9,
            momentum: 0.0,
            epsilon: 1e-7,
            centered: false,
          },
        },
      },
    };
    await Deno.writeTextFile(`${dir}/model.json`, JSON.stringify(json));
    const loaded = await loadModel(dir);
    assert.equal(loaded.loss, "sparseCategoricalCrossentropy");
    assert.deepEqual(loaded.optimizer, {
      name: "rmsprop",
      learningRate: 0.001,
      decay: 0.9,
      momentum: 0,
      epsilon: 1e-7,
      centered: false,
    });
    loaded.model.dispose();
  });
});

Deno.test("model_io: optimizer class names and Python-style keys map to OptimizerSpec", () => {
  const spec = (className: string, config: Record<string, unknown>) => {
    const mapped = optimizerSpecFromConfig(className, config);
    assert.deepEqual(mapped.warnings, []);
    return mapped.optimizer;
  };
  assert.deepEqual(
    spec("Adam", {
      learning_rate: 0.002,
      beta_1: 0.8,
      beta_2: 0.99,
      epsilon: 1e-8,
      amsgrad: false,
    }),
    { name: "adam", learningRate: 0.002, beta1: 0.8, beta2: 0.99, epsilon: 1e-8 },
  );
  assert.deepEqual(spec("SGD", { learning_rate: 0.1, momentum: 0.0, nesterov: false }), {
    name: "sgd",
    learningRate: 0.1,
  });
  assert.deepEqual(spec("SGD", { lr: 0.1, momentum: 0.9, nesterov: true }), {
    name: "momentum",
    learningRate: 0.1,
    momentum: 0.9,
    useNesterov: true,
  });
  assert.deepEqual(spec("keras.optimizers.Adagrad", { initial_accumulator_value: 0.2 }), {
    name: "adagrad",
    initialAccumulatorValue: 0.2,
  });
  assert.deepEqual(spec("Adadelta", { learning_rate: 1.0, rho: 0.95 }), {
    name: "adadelta",
    learningRate: 1,
    rho: 0.95,
  });
  assert.deepEqual(spec("Adamax", { learningRate: 0.1, beta1: 0.9, decay: 0.01 }), {
    name: "adamax",
    learningRate: 0.1,
    beta1: 0.9,
    decay: 0.01,
  });
  const nadam = optimizerSpecFromConfig("Nadam", { learning_rate: 0.001 });
  assert.equal(nadam.optimizer, undefined);
  assert.match(nadam.warnings[0], /^optimizer "Nadam" is not supported by TensorFlow\.js/);
  const schedule = optimizerSpecFromConfig("Adam", {
    learning_rate: { class_name: "ExponentialDecay" },
  });
  assert.deepEqual(schedule.optimizer, { name: "adam" });
  assert.match(schedule.warnings[0], /learning rate is not a number/);
  const amsgrad = optimizerSpecFromConfig("Adam", { amsgrad: true });
  assert.deepEqual(amsgrad.warnings, ["amsgrad is not supported; plain Adam is used"]);
});

Deno.test("model_io: training settings with unusual losses warn instead of failing", () => {
  assert.deepEqual(trainingSettings({ loss: ["mean_squared_error"] }), {
    loss: "meanSquaredError",
    warnings: [],
  });
  const fromLogits = trainingSettings({
    loss: { class_name: "SparseCategoricalCrossentropy", config: { from_logits: true } },
  });
  assert.equal(fromLogits.loss, undefined);
  assert.match(fromLogits.warnings[0], /from_logits is not supported/);
  assert.equal(
    trainingSettings({ loss: "focal" }).warnings[0],
    'loss "focal" is not supported; it was ignored',
  );
  assert.deepEqual(trainingSettings(undefined), { warnings: [] });
});

Deno.test("model_io: broken model files are input errors naming the file, with no tensor left", async () => {
  await withDir(async (dir) => {
    await savedModel(dir);
    const json = await Deno.readTextFile(`${dir}/model.json`);
    const restore = () => Deno.writeTextFile(`${dir}/model.json`, json);
    await noLeak(async () => {
      await rejectsWith(
        loadModel(`${dir}/none/model.json`),
        `${dir}/none/model.json: model file not found`,
      );

      await Deno.writeTextFile(`${dir}/model.json`, '{\n  "modelTopology": }');
      await rejectsWith(
        loadModel(dir),
        `${dir}/model.json:2:20: invalid JSON: unexpected token '}'`,
      );

      await Deno.writeTextFile(
        `${dir}/model.json`,
        json.replace('"class_name":"Dense"', '"class_name":"Dense9"'),
      );
      await rejectsWith(
        loadModel(dir),
        `${dir}/model.json: unknown layer class "Dense9": TensorFlow.js Layers has no such layer; ` +
          "build custom layers in a createModel() module instead",
      );

      // The last layer unknown: the first layers' variables were created before the failure.
      const layers = json.split('"class_name":"Dense"');
      await Deno.writeTextFile(
        `${dir}/model.json`,
        `${layers.slice(0, 3).join('"class_name":"Dense"')}"class_name":"Dense9"${layers[3]}`,
      );
      await rejectsWith(loadModel(dir), /unknown layer class "Dense9"/);

      await restore();
      await Deno.rename(`${dir}/group1-shard2of3.bin`, `${dir}/moved.bin`);
      await rejectsWith(
        loadModel(dir),
        `${dir}/group1-shard2of3.bin: weight shard not found (listed in ${dir}/model.json)`,
      );
      await Deno.rename(`${dir}/moved.bin`, `${dir}/group1-shard2of3.bin`);

      const shard = await Deno.readFile(`${dir}/group1-shard3of3.bin`);
      await Deno.writeFile(`${dir}/group1-shard3of3.bin`, shard.subarray(0, 2000));
      await rejectsWith(
        loadModel(dir),
        `${dir}/model.json: weight group 0 needs 15016 bytes for its 6 weights but its shards ` +
          "(group1-shard1of3.bin, group1-shard2of3.bin, group1-shard3of3.bin) hold 14000: the " +
          "shards do not belong to this model.json or are damaged",
      );
      await Deno.writeFile(`${dir}/group1-shard3of3.bin`, shard);

      const renamed = JSON.parse(json);
      renamed.weightsManifest[0].weights[0].name = "other/kernel";
      await Deno.writeTextFile(`${dir}/model.json`, JSON.stringify(renamed));
      await rejectsWith(
        loadModel(dir),
        new RegExp(`^${dir}/model\\.json: the weights do not match the model: `),
      );

      await Deno.writeTextFile(
        `${dir}/model.json`,
        JSON.stringify({ format: "graph-model", modelTopology: { node: [] } }),
      );
      await rejectsWith(
        loadModel(dir),
        /this is a TensorFlow\.js graph model, which cannot be trained/,
      );

      await Deno.writeTextFile(`${dir}/model.json`, JSON.stringify({ weightsManifest: [] }));
      await rejectsWith(
        loadModel(dir),
        `${dir}/model.json: modelTopology is missing: this is not a TensorFlow.js model.json`,
      );
    });
  });
});

Deno.test("model_io: a module's createModel(), sync or async, compiled or not", async () => {
  await withDir(async (dir) => {
    const tfjs = import.meta.resolve("@tensorflow/tfjs");
    await Deno.writeTextFile(
      `${dir}/sync.ts`,
      `import * as tf from "${tfjs}";
export function createModel() {
  return tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [3] })] });
}`,
    );
    await Deno.writeTextFile(
      `${dir}/compiled.js`,
      `import * as tf from "${tfjs}";
export async function createModel() {
  const model = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [3], activation: "softmax" })] });
  model.compile({ optimizer: tf.train.momentum(0.05, 0.9, true), loss: "categoricalCrossentropy" });
  return model;
}`,
    );
    await noLeak(async () => {
      const plain = await loadModel(`${dir}/sync.ts`);
      assert.equal(plain.kind, "module");
      assert.equal(plain.source, `${dir}/sync.ts`);
      assert.equal(plain.loss, undefined);
      assert.deepEqual(plain.model.outputs[0].shape, [null, 2]);
      plain.model.dispose();
      const compiled = await loadModel("compiled.js", { baseDir: dir });
      assert.equal(compiled.loss, "categoricalCrossentropy");
      assert.deepEqual(compiled.optimizer, {
        name: "momentum",
        learningRate: 0.05,
        momentum: 0.9,
        useNesterov: true,
      });
      compiled.model.optimizer.dispose();
      // Momentum keeps its learning rate as a tensor that its dispose() misses.
      (compiled.model.optimizer as unknown as { c: tf.Tensor }).c.dispose();
      compiled.model.dispose();
    });
  });
});

Deno.test("model_io: module mistakes are input errors naming the module", async () => {
  await withDir(async (dir) => {
    const tfjs = import.meta.resolve("@tensorflow/tfjs");
    await Deno.writeTextFile(`${dir}/none.ts`, "export const model = 1;");
    await Deno.writeTextFile(
      `${dir}/wrong.ts`,
      "export function createModel() { return { layers: [] }; }",
    );
    await Deno.writeTextFile(
      `${dir}/throws.ts`,
      `import * as tf from "${tfjs}";
export function createModel() {
  tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [3] })] });
  throw new Error("half-built");
}`,
    );
    await noLeak(async () => {
      await rejectsWith(
        loadModel(`${dir}/none.ts`),
        `${dir}/none.ts: expected an exported function createModel(), found exports model`,
      );
      await rejectsWith(
        loadModel(`${dir}/wrong.ts`),
        new RegExp(`^${dir}/wrong\\.ts: createModel\\(\\) must return a tf\\.LayersModel`),
      );
      await rejectsWith(
        loadModel(`${dir}/throws.ts`),
        `${dir}/throws.ts: cannot build the model: half-built`,
      );
      await rejectsWith(loadModel(`${dir}/missing.ts`), `${dir}/missing.ts: module not found`);
    });
  });
});

Deno.test("model_io: fileSystemHandler works with tf.loadLayersModel directly", async () => {
  await withDir(async (dir) => {
    const original = await savedModel(dir);
    const model = await tf.loadLayersModel(fileSystemHandler(`${dir}/model.json`));
    const weights = model.getWeights().map((w) => new Uint8Array(w.dataSync().buffer));
    for (let i = 0; i < weights.length; i++) assert.deepEqual(weights[i], original[i]);
    model.dispose();
  });
});
