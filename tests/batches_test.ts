import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { setupBackend } from "../src/backend.ts";
import { createBatchSampler, gatherBatch, planBatchLayout } from "../src/batches.ts";
import type { Dataset } from "../src/data/dataset.ts";

await setupBackend("cpu");

Deno.test("the sampler visits every sample once per pass and cycles with a new order", () => {
  const sampler = createBatchSampler(10, 42);
  const first = [...sampler.next(4), ...sampler.next(4), ...sampler.next(2)];
  const second = [...sampler.next(6), ...sampler.next(4)];
  assert.deepEqual([...first].sort((a, b) => a - b), [...Array(10).keys()]);
  assert.deepEqual([...second].sort((a, b) => a - b), [...Array(10).keys()]);
  assert.notDeepEqual(first, second);
});

Deno.test("a batch may span two passes, and the same seed gives the same order", () => {
  const a = createBatchSampler(5, 1);
  const b = createBatchSampler(5, 1);
  const batches = [a.next(3), a.next(3), a.next(3)];
  assert.deepEqual([b.next(3), b.next(3), b.next(3)], batches);
  const firstPass = [...batches[0], ...batches[1].subarray(0, 2)];
  assert.deepEqual(firstPass.sort(), [0, 1, 2, 3, 4]);
  assert.notDeepEqual(createBatchSampler(5, 2).next(5), createBatchSampler(5, 1).next(5));
});

const images: Dataset = {
  x: Uint8Array.from({ length: 3 * 4 }, (_, i) => i * 20),
  xShape: [2, 2],
  xScale: 1 / 255,
  y: Uint8Array.from([2, 0, 1]),
  yShape: [],
  classes: 3,
  size: 3,
};

function denseModel(inputShape: number[], units: number): tf.Sequential {
  const layers = inputShape.length > 1
    ? [tf.layers.flatten({ inputShape }), tf.layers.dense({ units, activation: "softmax" })]
    : [tf.layers.dense({ inputShape, units, activation: "softmax" })];
  return tf.sequential({ layers });
}

Deno.test("uint8 images are scaled per batch and labels become one-hot rows", () => {
  const model = denseModel([4], 3);
  const layout = planBatchLayout(images, model, "categoricalCrossentropy");
  assert.deepEqual(layout, { xShape: [4], yShape: [3], targetEncoding: "one-hot", classes: 3 });
  const batch = gatherBatch(images, Int32Array.from([2, 0]), layout);
  assert.deepEqual(batch.x.shape, [2, 4]);
  const x = batch.x.dataSync();
  assert.deepEqual(
    Array.from(x),
    [160, 180, 200, 220, 0, 20, 40, 60].map((v) => Math.fround(v * (1 / 255))),
  );
  assert.deepEqual(Array.from(batch.y.dataSync()), [0, 1, 0, 0, 0, 1]);
  tf.dispose([batch.x, batch.y]);
  model.dispose();
});

Deno.test("sparse categorical crossentropy gets class indices", () => {
  const model = denseModel([2, 2], 3);
  const layout = planBatchLayout(images, model, "sparseCategoricalCrossentropy");
  assert.equal(layout.targetEncoding, "class-index");
  const batch = gatherBatch(images, Int32Array.from([0, 1, 2]), layout);
  assert.deepEqual(batch.x.shape, [3, 2, 2]);
  assert.deepEqual(Array.from(batch.y.dataSync()), [2, 0, 1]);
  tf.dispose([batch.x, batch.y]);
  model.dispose();
});

Deno.test("regression targets keep their values and shape", () => {
  const data: Dataset = {
    x: Float32Array.from([1, 2, 3, 4, 5, 6]),
    xShape: [2],
    y: Float32Array.from([0.5, -1, 7, 8, 9, 10]),
    yShape: [2],
    size: 3,
  };
  const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [2], units: 2 })] });
  const layout = planBatchLayout(data, model, "meanSquaredError");
  const batch = gatherBatch(data, Int32Array.from([1, 1]), layout);
  assert.deepEqual(Array.from(batch.x.dataSync()), [3, 4, 3, 4]);
  assert.deepEqual(Array.from(batch.y.dataSync()), [7, 8, 7, 8]);
  tf.dispose([batch.x, batch.y]);
  model.dispose();
});

Deno.test("targets that cannot fit the output are refused with both shapes", () => {
  const model = denseModel([4], 5);
  assert.throws(
    () => planBatchLayout(images, model, "categoricalCrossentropy"),
    /data has 3 classes but the model's output has shape \[5\]: give the last layer 3 units/,
  );
  model.dispose();
});

Deno.test("every byte value and other arrays are scaled exactly as value * xScale", () => {
  const model = denseModel([256], 2);
  const bytes = Uint8Array.from({ length: 256 }, (_, v) => v);
  for (const xScale of [1 / 255, 1, 0.5, undefined]) {
    const dataset = {
      x: bytes,
      xShape: [256],
      xScale,
      y: Int32Array.from([1]),
      yShape: [],
      classes: 2,
      size: 1,
    };
    const layout = planBatchLayout(dataset, model, "categoricalCrossentropy");
    const batch = gatherBatch(dataset, Int32Array.from([0]), layout);
    const want = Array.from(bytes, (v) => Math.fround(v * (xScale ?? 1)));
    assert.deepEqual(Array.from(batch.x.dataSync()), want, `xScale ${xScale}`);
    tf.dispose([batch.x, batch.y]);
  }
  const doubles = {
    x: Float64Array.from([0.1, 0.2]),
    xShape: [2],
    xScale: 3,
    y: Float32Array.from([1]),
    yShape: [],
    size: 1,
  };
  const one = tf.sequential({ layers: [tf.layers.dense({ inputShape: [2], units: 1 })] });
  const batch = gatherBatch(
    doubles,
    Int32Array.from([0]),
    planBatchLayout(doubles, one, "meanSquaredError"),
  );
  assert.deepEqual(Array.from(batch.x.dataSync()), [Math.fround(0.1 * 3), Math.fround(0.2 * 3)]);
  tf.dispose([batch.x, batch.y]);
  one.dispose();
  model.dispose();
});
