import assert from "node:assert/strict";
import { createBatchSampler } from "../src/batches.ts";
import type { Dataset } from "../src/data/dataset.ts";
import { fixedSample, holdOut, splitOff, subset } from "../src/data/split.ts";
import { blobs } from "./helpers.ts";

function numbered(size: number): Dataset {
  return {
    x: Float32Array.from({ length: size * 2 }, (_, i) => i),
    xShape: [2],
    y: Int32Array.from({ length: size }, (_, i) => i),
    yShape: [],
    classes: size,
    size,
    source: "numbered",
  };
}

Deno.test("fixedSample is the first batch of the seeded sampler, capped at the size", () => {
  assert.deepEqual(fixedSample(50, 7, 3), createBatchSampler(50, 3).next(7));
  assert.equal(fixedSample(5, 9, 1).length, 5);
  assert.deepEqual([...fixedSample(5, 9, 1)].sort(), [0, 1, 2, 3, 4]);
});

Deno.test("subset copies the chosen samples in order, keeping the array types", () => {
  const part = subset(numbered(10), Int32Array.from([7, 2]));
  assert.deepEqual([...part.x], [14, 15, 4, 5]);
  assert.deepEqual([...part.y], [7, 2]);
  assert.ok(part.y instanceof Int32Array);
  assert.equal(part.size, 2);
  assert.equal(part.source, "numbered");
});

Deno.test("holdOut splits disjoint sets that cover the data, the same for the same seed", () => {
  const { train, validation } = holdOut(numbered(20), 4, 5);
  assert.equal(validation.size, 4);
  assert.equal(train.size, 16);
  const all = [...train.y, ...validation.y].sort((a, b) => a - b);
  assert.deepEqual(all, Array.from({ length: 20 }, (_, i) => i));
  assert.deepEqual(holdOut(numbered(20), 4, 5).validation.y, validation.y);
  assert.notDeepEqual(holdOut(numbered(20), 4, 6).validation.y, validation.y);
});

Deno.test("holdOut with nothing to hold out asks for validation data", () => {
  assert.throws(() => holdOut(numbered(3), 0, 0), {
    name: "InputError",
    message: 'evaluate "validation" needs validation data: give data.validation, or at ' +
      "least 5 training samples to hold out, got 3",
  });
});

Deno.test("splitOff: disjoint parts covering every sample, the same for the same seed", () => {
  const data: Dataset = { ...blobs(50, 2, 2), x: Float32Array.from({ length: 100 }, (_, i) => i) };
  const { held, rest } = splitOff(data, 10, 4);
  assert.equal(held.size, 10);
  assert.equal(rest.size, 40);
  const firsts = (d: Dataset) => Array.from({ length: d.size }, (_, i) => d.x[2 * i]);
  const all = [...firsts(held), ...firsts(rest)].sort((a, b) => a - b);
  assert.deepEqual(all, Array.from({ length: 50 }, (_, i) => 2 * i));
  assert.deepEqual(splitOff(data, 10, 4).held.x, held.x);
  assert.notDeepEqual(splitOff(data, 10, 5).held.x, held.x);
});
