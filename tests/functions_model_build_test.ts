import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { buildModel } from "../functions/model_build.ts";
import { prepareTopology } from "../functions/topology.ts";
import { setupBackend } from "../src/backend.ts";
import { InputError } from "../src/errors.ts";
import { bitwiseEqual, weightValues } from "./helpers.ts";
import { layer, sequential } from "./functions_server.ts";

const backend = await setupBackend("wasm");

async function weightsOf(topology: unknown, seed: number): Promise<Float32Array[]> {
  const model = await buildModel(prepareTopology(topology, { seed }), { maxParams: 1e6 });
  try {
    return weightValues(model);
  } finally {
    model.dispose();
  }
}

/** Small models covering every layer class with weights, built with default initialisers. */
const WEIGHTED_MODELS: Record<string, unknown> = {
  Dense: sequential([3], [layer("Dense", { units: 4 })]),
  Conv1D: sequential([6, 2], [layer("Conv1D", { filters: 3, kernel_size: [2] })]),
  Conv2D: sequential([5, 5, 1], [layer("Conv2D", { filters: 2, kernel_size: [3, 3] })]),
  Conv2DTranspose: sequential([4, 4, 1], [
    layer("Conv2DTranspose", { filters: 2, kernel_size: [2, 2] }),
  ]),
  DepthwiseConv2D: sequential([4, 4, 2], [layer("DepthwiseConv2D", { kernel_size: [2, 2] })]),
  SeparableConv2D: sequential([4, 4, 2], [
    layer("SeparableConv2D", { filters: 3, kernel_size: [2, 2] }),
  ]),
  Embedding: sequential([5], [layer("Embedding", { input_dim: 10, output_dim: 3 })]),
  BatchNormalization: sequential([3], [
    layer("Dense", { units: 4 }),
    layer("BatchNormalization"),
  ]),
  LayerNormalization: sequential([3], [layer("Dense", { units: 4 }), layer("LayerNormalization")]),
  PReLU: sequential([3], [layer("Dense", { units: 4 }), layer("PReLU")]),
  SimpleRNN: sequential([4, 2], [layer("SimpleRNN", { units: 3 })]),
  GRU: sequential([4, 2], [layer("GRU", { units: 3 })]),
  LSTM: sequential([4, 2], [layer("LSTM", { units: 3 })]),
  Bidirectional: sequential([4, 2], [
    layer("Bidirectional", { layer: layer("LSTM", { units: 2 }), merge_mode: "concat" }),
  ]),
  ConvLSTM2D: sequential([2, 4, 4, 1], [
    layer("ConvLSTM2D", { filters: 2, kernel_size: [2, 2] }),
  ]),
};

Deno.test("every layer class with weights is seeded: same seed same weights, other seed not", async () => {
  assert.equal(backend.name, "wasm");
  const before = tf.memory().numTensors;
  for (const [name, topology] of Object.entries(WEIGHTED_MODELS)) {
    const first = await weightsOf(topology, 11);
    const again = await weightsOf(topology, 11);
    const other = await weightsOf(topology, 12);
    assert.ok(bitwiseEqual(first, again), `${name}: the same seed gave other weights`);
    if (name !== "BatchNormalization" && name !== "LayerNormalization" && name !== "PReLU") {
      assert.ok(!bitwiseEqual(first, other), `${name}: another seed gave the same weights`);
    }
  }
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("every weight counts against the parameter budget", async () => {
  const before = tf.memory().numTensors;
  for (const [name, topology] of Object.entries(WEIGHTED_MODELS)) {
    const model = await buildModel(prepareTopology(topology, { seed: 1 }), { maxParams: 1e6 });
    const params = model.countParams();
    model.dispose();
    const fits = await buildModel(prepareTopology(topology, { seed: 1 }), { maxParams: params });
    fits.dispose();
    await assert.rejects(
      buildModel(prepareTopology(topology, { seed: 1 }), { maxParams: params - 1 }),
      (error: unknown) => error instanceof InputError && /parameters/.test(error.message),
      name,
    );
  }
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("a model over the budget fails before its big weight is allocated", async () => {
  const before = tf.memory().numTensors;
  const variables = Object.keys(tf.engine().state.registeredVariables).length;
  const topology = sequential([1000], [
    layer("Dense", { units: 10 }),
    layer("Dense", { units: 100_000_000 }),
  ]);
  await assert.rejects(
    buildModel(prepareTopology(topology, { seed: 1 }), { maxParams: 50_000 }),
    (error: unknown) => {
      assert.ok(error instanceof InputError);
      assert.equal(error.field, "model");
      assert.match(error.message, /^the model has more than 50000 parameters, the limit/);
      return true;
    },
  );
  assert.equal(tf.memory().numTensors, before);
  assert.equal(Object.keys(tf.engine().state.registeredVariables).length, variables);
});

Deno.test("initialisers given by name or in camelCase are seeded too", async () => {
  const byName = sequential([3], [layer("Dense", { units: 4, kernel_initializer: "he_uniform" })]);
  const camel = sequential([3], [
    layer("Dense", { units: 4, kernelInitializer: { className: "HeUniform", config: {} } }),
  ]);
  assert.ok(bitwiseEqual(await weightsOf(byName, 5), await weightsOf(byName, 5)));
  assert.ok(bitwiseEqual(await weightsOf(camel, 5), await weightsOf(camel, 5)));
});

Deno.test("a functional model builds; a topology TensorFlow.js rejects is an InputError", async () => {
  const input = tf.input({ shape: [3] });
  const hidden = tf.layers.dense({ units: 4, activation: "relu" }).apply(
    input,
  ) as tf.SymbolicTensor;
  const output = tf.layers.dense({ units: 2 }).apply(hidden) as tf.SymbolicTensor;
  const source = tf.model({ inputs: input, outputs: output });
  const topology = source.toJSON(undefined, false) as unknown as Record<string, unknown>;
  source.dispose();
  const model = await buildModel(prepareTopology(topology, { seed: 1 }), { maxParams: 1000 });
  assert.equal(model.countParams(), 3 * 4 + 4 + 4 * 2 + 2);
  model.dispose();

  const before = tf.memory().numTensors;
  const broken = sequential([3], [layer("Dense", { units: 4 }), layer("LSTM", { units: 2 })]);
  await assert.rejects(
    buildModel(prepareTopology(broken, { seed: 1 }), { maxParams: 1000, field: "m" }),
    (error: unknown) => {
      assert.ok(error instanceof InputError);
      assert.equal(error.field, "m");
      assert.match(
        error.message,
        /^the model could not be built by TensorFlow.js: input 0 is incompatible with layer .*expected ndim=3, found ndim=2$/,
      );
      return true;
    },
  );
  assert.equal(tf.memory().numTensors, before);
});
