import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import {
  INITIALIZER_CLASSES,
  LAYER_CLASSES,
  MODEL_CLASSES,
  prepareTopology,
  REGULARIZER_AND_CONSTRAINT_CLASSES,
} from "../functions/topology.ts";
import { ConfigError } from "../src/validation.ts";
import { layer, sequential } from "./functions_server.ts";

Deno.test("the allowlists name classes TensorFlow.js has registered", () => {
  const registered = tf.serialization.SerializationMap.getMap().classNameMap;
  for (
    const name of [
      ...LAYER_CLASSES,
      ...MODEL_CLASSES,
      ...INITIALIZER_CLASSES,
      ...REGULARIZER_AND_CONSTRAINT_CLASSES,
    ]
  ) {
    assert.ok(name in registered, `${name} is not a TensorFlow.js class`);
  }
  assert.ok(!LAYER_CLASSES.includes("Lambda"));
});

Deno.test("custom or unknown classes are refused with every path", () => {
  const topology = {
    class_name: "Sequential",
    config: {
      layers: [
        layer("Dense", {
          units: 2,
          batch_input_shape: [null, 2],
          kernel_initializer: layer("MyInit"),
          kernel_regularizer: layer("MyRegularizer"),
        }),
        layer("Bidirectional", { layer: layer("CustomRNN", { units: 2 }) }),
        layer("Lambda", { function: "lambda x: x" }),
        { className: 7, config: {} },
        layer("Dense", { units: 2, bias_initializer: "glorot_normal_ish" }),
      ],
    },
  };
  assert.throws(() => prepareTopology(topology, { seed: 0 }), (error: unknown) => {
    assert.ok(error instanceof ConfigError);
    assert.deepEqual(error.issues.map((issue) => issue.path), [
      "model.modelTopology.config.layers[0].config.kernel_initializer.class_name",
      "model.modelTopology.config.layers[0].config.kernel_regularizer.class_name",
      "model.modelTopology.config.layers[1].config.layer.class_name",
      "model.modelTopology.config.layers[2].class_name",
      "model.modelTopology.config.layers[3].className",
      "model.modelTopology.config.layers[4].config.bias_initializer",
    ]);
    assert.match(error.issues[2].message, /"CustomRNN" is not a built-in TensorFlow.js class/);
    assert.match(error.issues[0].message, /"MyInit" is not a built-in TensorFlow.js initializer/);
    return true;
  });
});

Deno.test("the root must be a model; model_config and training_config are understood", () => {
  assert.throws(
    () => prepareTopology(layer("Dense", { units: 2 }), { seed: 0 }),
    /expected a model class \(Sequential, Model, Functional\), got "Dense"/,
  );
  assert.throws(() => prepareTopology([1], { seed: 0, field: "m" }), (error: unknown) => {
    assert.ok(error instanceof ConfigError);
    assert.equal(error.issues[0].path, "m");
    return true;
  });
  const training = { loss: "categorical_crossentropy", optimizer_config: {} };
  const prepared = prepareTopology(
    { model_config: sequential([2], [layer("Dense", { units: 2 })]), training_config: training },
    { seed: 0 },
  );
  assert.deepEqual(prepared.trainingConfig, training);
  assert.equal(prepared.topology.class_name, "Sequential");
  assert.equal("training_config" in prepared.topology, false);
});

Deno.test("prepareTopology leaves the request's value as it was", () => {
  const topology = sequential([2], [layer("Dense", { units: 2, kernelInitializer: null })]);
  const copy = structuredClone(topology);
  const prepared = prepareTopology(topology, { seed: 3 });
  assert.deepEqual(topology, copy);
  const dense = (prepared.topology.config as { layers: { config: Record<string, unknown> }[] })
    .layers[0].config;
  assert.equal("kernelInitializer" in dense, false);
  assert.deepEqual(Object.keys(dense).filter((k) => k.endsWith("initializer")).sort(), [
    "bias_initializer",
    "kernel_initializer",
  ]);
});

/** The issues of a topology that prepareTopology refuses. */
function issuesOf(topology: unknown): { path: string; message: string }[] {
  try {
    prepareTopology(topology, { seed: 0 });
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error.issues;
  }
  assert.fail("the topology was accepted");
}

Deno.test("class_name and className: one is normalised, both (same or not) are refused", () => {
  const camel = prepareTopology(
    { className: "Sequential", config: { layers: [{ className: "Dense", config: { units: 2 } }] } },
    { seed: 0 },
  );
  const layers = (camel.topology.config as { layers: Record<string, unknown>[] }).layers;
  assert.equal(camel.topology.class_name, "Sequential");
  assert.equal(layers[0].class_name, "Dense");
  assert.equal("className" in layers[0], false);
  for (const second of ["Adam", "Dense"]) {
    const issues = issuesOf(
      sequential([2], [{ class_name: "Dense", className: second, config: { units: 2 } }]),
    );
    assert.deepEqual(issues.map((i) => i.path), ["model.modelTopology.config.layers[0].className"]);
    assert.match(issues[0].message, /has both class_name and className/);
  }
  const nested = issuesOf(sequential([2], [
    layer("Dense", {
      units: 2,
      kernel_initializer: { class_name: "Zeros", className: "Ones", config: {} },
    }),
  ]));
  assert.deepEqual(nested.map((i) => i.path), [
    "model.modelTopology.config.layers[0].config.kernel_initializer.className",
  ]);
});

Deno.test("any option spelt both ways is refused: TensorFlow.js would keep either", () => {
  const issues = issuesOf(sequential([2], [
    layer("Dense", { units: 2, use_bias: true, useBias: false }),
  ]));
  assert.deepEqual(issues.map((i) => i.path), [
    "model.modelTopology.config.layers[0].config.useBias",
  ]);
  assert.match(issues[0].message, /has both use_bias and useBias/);
});

Deno.test("every dtype must be float32, wherever it is", () => {
  const issues = issuesOf(sequential([2], [
    layer("Dense", { units: 2, dtype: "int32" }),
    layer("Dense", {
      units: 2,
      kernel_initializer: { class_name: "RandomNormal", config: { dtype: "string" } },
    }),
    layer("Dense", { units: 2, dtype: "float32" }),
    layer("Dense", { units: 2, dtype: null }),
  ]));
  assert.deepEqual(issues.map((i) => i.path), [
    "model.modelTopology.config.layers[0].config.dtype",
    "model.modelTopology.config.layers[1].config.kernel_initializer.config.dtype",
  ]);
  assert.match(issues[0].message, /must be "float32" .*got "int32"/);
});

Deno.test("nested classes are checked too: wrappers, cells, nested models", () => {
  const issues = issuesOf(sequential([4, 2], [
    layer("Bidirectional", {
      layer: layer("LSTM", { units: 2, recurrent_constraint: layer("Evil") }),
    }),
    layer("TimeDistributed", { layer: layer("Lambda") }),
    layer("RNN", { cell: [layer("LSTMCell", { units: 2 }), layer("MyCell")] }),
    { class_name: "Sequential", config: { layers: [layer("Custom")] } },
  ]));
  assert.deepEqual(issues.map((i) => i.path), [
    "model.modelTopology.config.layers[0].config.layer.config.recurrent_constraint.class_name",
    "model.modelTopology.config.layers[1].config.layer.class_name",
    "model.modelTopology.config.layers[2].config.cell[1].class_name",
    "model.modelTopology.config.layers[3].config.layers[0].class_name",
  ]);
});

Deno.test("every layer is named for messages; unnamed Sequential layers get a name", () => {
  const prepared = prepareTopology(
    sequential([2], [layer("Dense", { units: 2, name: "hidden" }), layer("Dense", { units: 2 })]),
    { seed: 0 },
  );
  assert.deepEqual(prepared.layers, {
    hidden: { path: "model.modelTopology.config.layers[0]", className: "Dense" },
    layer_1: { path: "model.modelTopology.config.layers[1]", className: "Dense" },
  });
});
