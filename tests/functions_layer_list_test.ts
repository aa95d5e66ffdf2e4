import assert from "node:assert/strict";
import { layerListSchema, layerListTopology } from "../functions/layer_list.ts";
import { buildModel } from "../functions/model_build.ts";
import { prepareTopology } from "../functions/topology.ts";
import { configIssues } from "../src/validation.ts";
import { setupBackend } from "../src/backend.ts";

await setupBackend("wasm");

const OUTPUT = { units: 3, activation: "softmax" };

Deno.test("layerListTopology: a Keras Sequential topology with the input shape first", () => {
  const list = layerListSchema.parse({
    layers: [{ type: "dense", units: 8, activation: "relu" }, { type: "dropout", rate: 0.1 }, {
      type: "output",
    }],
  });
  assert.deepEqual(layerListTopology(list.layers, { inputShape: [4], output: OUTPUT }), {
    class_name: "Sequential",
    config: {
      name: "model",
      layers: [
        {
          class_name: "Dense",
          config: { units: 8, activation: "relu", batch_input_shape: [null, 4] },
        },
        { class_name: "Dropout", config: { rate: 0.1 } },
        { class_name: "Dense", config: { units: 3, activation: "softmax" } },
      ],
    },
  });
});

Deno.test("layerListTopology: every layer type builds with TensorFlow.js", async () => {
  const build = async (inputShape: number[], layers: unknown[]) => {
    const list = layerListSchema.parse({ layers });
    const topology = layerListTopology(list.layers, { inputShape, output: OUTPUT, name: "t" });
    const model = await buildModel(prepareTopology(topology, { seed: 1 }), { maxParams: 1e6 });
    try {
      return { params: model.countParams(), output: model.outputs[0].shape };
    } finally {
      model.dispose();
    }
  };
  const image = await build([8, 8, 1], [
    { type: "conv2d", filters: 4, kernelSize: 3, padding: "same", activation: "relu" },
    { type: "batchNormalization" },
    { type: "maxPooling2d" },
    { type: "conv2d", filters: 4, kernelSize: [2, 2], strides: 2 },
    { type: "averagePooling2d", poolSize: 1 },
    { type: "flatten" },
    { type: "output" },
  ]);
  assert.deepEqual(image.output, [null, 3]);
  assert.equal(image.params, (9 * 4 + 4) + 4 * 4 + (4 * 4 * 4 + 4) + (2 * 2 * 4 * 3 + 3));
  const sequence = await build([6, 2], [
    { type: "conv1d", filters: 3, kernelSize: 2 },
    { type: "maxPooling1d" },
    { type: "averagePooling1d", poolSize: [1] },
    { type: "lstm", units: 4, returnSequences: true },
    { type: "gru", units: 3, returnSequences: true },
    { type: "simpleRNN", units: 2, returnSequences: true },
    { type: "globalMaxPooling1d" },
    { type: "output" },
  ]);
  assert.deepEqual(sequence.output, [null, 3]);
  const flat = await build([12], [
    { type: "reshape", targetShape: [3, 4] },
    { type: "layerNormalization" },
    { type: "globalAveragePooling1d" },
    { type: "activation", activation: "tanh" },
    { type: "dense", units: 2, useBias: false },
    { type: "output", activation: "sigmoid" },
  ]);
  assert.equal(flat.params, 4 * 2 + 4 * 2 + 2 * 3 + 3);
  const reshaped = await build([4], [
    { type: "reshape", targetShape: [2, 2, 1] },
    { type: "globalMaxPooling2d" },
    { type: "output" },
  ]);
  assert.deepEqual(reshaped.output, [null, 3]);
});

Deno.test("layerListSchema: wrong layers get exact paths and messages", () => {
  const value = {
    layers: [
      { type: "dense" },
      { type: "conv9d" },
      { type: "output" },
      { type: "dropout", rate: 1 },
      { type: "dense", units: 3, activaton: "relu" },
    ],
  };
  const parsed = layerListSchema.safeParse(value, { reportInput: true });
  assert.ok(!parsed.success);
  assert.deepEqual(configIssues(parsed.error.issues, value), [
    { path: "layers[0].units", message: "is missing, expected a number" },
    {
      path: "layers[1].type",
      message: `must be one of ${
        [
          "dense",
          "conv1d",
          "conv2d",
          "maxPooling1d",
          "averagePooling1d",
          "maxPooling2d",
          "averagePooling2d",
          "globalAveragePooling1d",
          "globalMaxPooling1d",
          "globalAveragePooling2d",
          "globalMaxPooling2d",
          "flatten",
          "dropout",
          "batchNormalization",
          "layerNormalization",
          "activation",
          "reshape",
          "simpleRNN",
          "lstm",
          "gru",
          "output",
        ].map((t) => JSON.stringify(t)).join(", ")
      }, got "conv9d"`,
    },
    { path: "layers[3].rate", message: "must be less than 1, got 1" },
    { path: "layers[4].activaton", message: 'unknown key, did you mean "activation"?' },
  ]);
  const misplaced = { layers: [{ type: "output" }, { type: "dense", units: 2 }] };
  const second = layerListSchema.safeParse(misplaced);
  assert.ok(!second.success);
  assert.deepEqual(configIssues(second.error.issues, misplaced), [
    { path: "layers[0].type", message: '"output" must be the last layer (it is layer 0 of 2)' },
  ]);
});
