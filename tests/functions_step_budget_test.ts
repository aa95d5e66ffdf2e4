import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { buildModel } from "../functions/model_build.ts";
import {
  checkStep,
  estimateStep,
  estimateVerificationStep,
  layerCosts,
} from "../functions/step_budget.ts";
import { prepareTopology } from "../functions/topology.ts";
import { setupBackend } from "../src/backend.ts";
import { InputError } from "../src/errors.ts";
import { layer, sequential } from "./functions_server.ts";

await setupBackend("wasm");

async function costsOf(inputShape: number[], layers: Record<string, unknown>[]) {
  const prepared = prepareTopology(sequential(inputShape, layers), { seed: 0, field: "m" });
  const model = await buildModel(prepared, { maxParams: 1e7 });
  try {
    return { costs: layerCosts(model), origins: prepared.layers };
  } finally {
    model.dispose();
  }
}

Deno.test("layerCosts: outputs from TensorFlow.js's shapes, FLOPs from kernels and positions", async () => {
  const before = tf.memory().numTensors;
  const { costs } = await costsOf([8, 8, 3], [
    layer("Conv2D", { filters: 4, kernel_size: [3, 3], padding: "same" }),
    layer("Flatten"),
    layer("Dense", { units: 5 }),
  ]);
  assert.equal(tf.memory().numTensors, before, "the estimate keeps no tensor");
  assert.deepEqual(costs.map((c) => [c.className, c.outputShape, c.outputValues, c.params]), [
    ["InputLayer", [8, 8, 3], 192, 0],
    ["Conv2D", [8, 8, 4], 256, 3 * 3 * 3 * 4 + 4],
    ["Flatten", [256], 256, 0],
    ["Dense", [5], 5, 256 * 5 + 5],
  ]);
  const conv = costs[1];
  assert.equal(
    conv.flops,
    2 * (3 * 3 * 3 * 4) * 64 + 256,
    "kernel at 64 positions, bias per value",
  );
  assert.equal(costs[3].flops, 2 * 256 * 5 + 5);
});

Deno.test("layerCosts: every size-multiplying layer is seen by its output", async () => {
  const cases: [number[], Record<string, unknown>, number][] = [
    [[4, 4, 1], layer("UpSampling2D", { size: [10, 10] }), 40 * 40],
    [[4, 4, 1], layer("ZeroPadding2D", { padding: [[50, 50], [50, 50]] }), 104 * 104],
    [[4, 4, 1], layer("Resizing", { height: 300, width: 200 }), 300 * 200],
    [[3], layer("RepeatVector", { n: 1000 }), 3000],
    [
      [4, 4, 1],
      layer("Conv2DTranspose", { filters: 8, kernel_size: [2, 2], strides: [8, 8] }),
      32 * 32 * 8,
    ],
    [[2, 2, 1], layer("Conv2D", { filters: 20_000, kernel_size: [1, 1] }), 4 * 20_000],
    [[5], layer("Embedding", { input_dim: 10, output_dim: 100 }), 500],
  ];
  for (const [shape, spec, values] of cases) {
    const { costs } = await costsOf(shape, [spec]);
    assert.equal(costs[1].outputValues, values, String(spec.class_name));
  }
});

Deno.test("checkStep: over the memory or FLOPs limit, the error names the layer's path and the figure", async () => {
  const { costs, origins } = await costsOf([4, 4, 1], [
    layer("Conv2D", { filters: 8, kernel_size: [1, 1], name: "small" }),
    layer("UpSampling2D", { size: [100, 100], name: "big" }),
    layer("GlobalAveragePooling2D"),
    layer("Dense", { units: 2 }),
  ]);
  const estimate = estimateStep(costs, 32);
  assert.equal(estimate.batchSize, 32);
  const activations = costs.reduce((sum, c) => sum + c.outputValues, 0);
  const params = costs.reduce((sum, c) => sum + c.params, 0);
  assert.equal(estimate.bytes, 4 * (2 * activations * 32 + 5 * params));
  checkStep(estimate, { maxStepBytes: estimate.bytes, maxStepFlops: estimate.flops }, origins);
  assert.throws(
    () => checkStep(estimate, { maxStepBytes: estimate.bytes - 1, maxStepFlops: 1e15 }, origins),
    (error: unknown) => {
      assert.ok(error instanceof InputError);
      assert.equal(error.field, "m.config.layers[1]");
      assert.match(
        error.message,
        /^m\.config\.layers\[1\] \(UpSampling2D\) outputs 1,280,000 values per sample \[400, 400, 8\]; at batch size 32 one training step needs about [\d.]+ (MiB|GiB), more than the limit/,
      );
      return true;
    },
  );
  assert.throws(
    () => checkStep(estimate, { maxStepBytes: 1e15, maxStepFlops: estimate.flops - 1 }, origins),
    (error: unknown) => {
      assert.ok(error instanceof InputError);
      assert.match(error.message, /floating-point operations per training step at batch size 32/);
      assert.match(error.message, /LR_FINDER_MAX_STEP_FLOPS/);
      return true;
    },
  );
});

Deno.test("estimateStep: memory and work grow with the batch", async () => {
  const { costs } = await costsOf([16], [
    layer("Dense", { units: 32 }),
    layer("Dense", { units: 2 }),
  ]);
  const one = estimateStep(costs, 1);
  const many = estimateStep(costs, 100);
  assert.equal(many.flops, 100 * one.flops);
  assert.ok(many.bytes > 50 * (one.bytes - 4 * 5 * (16 * 32 + 32 + 32 * 2 + 2)));
});

Deno.test("estimateVerificationStep: the step plus every candidate's weights and optimizer state", async () => {
  const { costs } = await costsOf([4], [
    layer("Dense", { units: 10 }),
    layer("Dense", { units: 3 }),
  ]);
  const params = 4 * 10 + 10 + 10 * 3 + 3;
  const step = estimateStep(costs, 16);
  const verifying = estimateVerificationStep(costs, { batchSize: 16, candidates: 6 });
  // The sweep's step counts 5 copies of the weights; verification 3 + 3 per candidate.
  assert.equal(verifying.bytes - step.bytes, 4 * (3 + 3 * 6 - 5) * params);
  assert.equal(verifying.flops, step.flops, "a trial's step does the sweep's work");
  const two = estimateVerificationStep(costs, { batchSize: 16, candidates: 2 });
  assert.ok(two.bytes < verifying.bytes);
});
