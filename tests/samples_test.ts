import assert from "node:assert/strict";
import type { Dataset } from "../src/data/dataset.ts";
import { fixedSample, splitOff, subset } from "../src/samples.ts";
import { blobs } from "./helpers.ts";

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

Deno.test("subset copies samples and targets in the order given; fixedSample is seeded", () => {
  const data = blobs(6, 2, 3);
  const picked = subset(data, Int32Array.from([4, 1]));
  assert.deepEqual(Array.from(picked.x), [...data.x.slice(8, 10), ...data.x.slice(2, 4)]);
  assert.deepEqual(Array.from(picked.y), [data.y[4], data.y[1]]);
  assert.equal(picked.classes, 3);
  assert.deepEqual(fixedSample(100, 5, 1), fixedSample(100, 5, 1));
  assert.equal(fixedSample(3, 5, 1).length, 3);
});
