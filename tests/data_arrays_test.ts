import assert from "node:assert/strict";
import { datasetFromArrays } from "../src/data/arrays.ts";
import { InputError } from "../src/errors.ts";

function message(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof InputError, `expected an InputError, got ${error}`);
    return error.message;
  }
  throw new assert.AssertionError({ message: "expected an InputError" });
}

Deno.test("arrays: rows of numbers and regression targets", () => {
  const ds = datasetFromArrays([[1, 2], [3, 4], [5, 6]], [0.5, 1.5, -2]);
  assert.equal(ds.size, 3);
  assert.deepEqual(ds.xShape, [2]);
  assert.ok(ds.x instanceof Float32Array);
  assert.deepEqual(Array.from(ds.x), [1, 2, 3, 4, 5, 6]);
  assert.ok(ds.y instanceof Float32Array);
  assert.deepEqual(ds.yShape, []);
  assert.deepEqual(Array.from(ds.y), [0.5, 1.5, -2]);
  assert.equal(ds.classes, undefined);
});

Deno.test("arrays: nested images, class ids, xScale", () => {
  const image = (v: number) => [[v, v + 1], [v + 2, v + 3]];
  const ds = datasetFromArrays([image(0), image(10)], [1, 0], { classes: 2, xScale: 1 / 255 });
  assert.deepEqual(ds.xShape, [2, 2]);
  assert.deepEqual(Array.from(ds.x), [0, 1, 2, 3, 10, 11, 12, 13]);
  assert.ok(ds.y instanceof Int32Array);
  assert.deepEqual(Array.from(ds.y), [1, 0]);
  assert.equal(ds.classes, 2);
  assert.equal(ds.xScale, 1 / 255);
});

Deno.test("arrays: flat x with xShape, typed arrays, one-hot rows", () => {
  const ds = datasetFromArrays(new Float32Array([1, 2, 3, 4, 5, 6]), [[1, 0], [0, 1]], {
    xShape: [3],
    classes: 2,
  });
  assert.equal(ds.size, 2);
  assert.deepEqual(ds.xShape, [3]);
  assert.deepEqual(ds.yShape, [2]);
  assert.deepEqual(Array.from(ds.y), [1, 0, 0, 1]);
  const single = datasetFromArrays([1, 2, 3], [4, 5, 6]);
  assert.deepEqual(single.xShape, [1]);
  assert.equal(single.size, 3);
});

Deno.test("arrays: string labels become sorted class indices with names", () => {
  const ds = datasetFromArrays([[0], [1], [2]], ["dog", "cat", "dog"]);
  assert.deepEqual(ds.classNames, ["cat", "dog"]);
  assert.equal(ds.classes, 2);
  assert.deepEqual(Array.from(ds.y), [1, 0, 1]);
});

Deno.test("arrays: errors give the exact field path and the bad value", () => {
  const rows = Array.from({ length: 13 }, () => [1, 2, 3, 4]);
  (rows[12] as unknown[])[3] = "abc";
  assert.equal(
    message(() => datasetFromArrays(rows, new Array(13).fill(0), { field: "data" })),
    'data.x[12][3] must be a finite number, got "abc"',
  );
  assert.equal(
    message(() => datasetFromArrays([[1, 2], [3]], [0, 1], { field: "data" })),
    "data.x[1] must be an array of 2 numbers, got an array of 1",
  );
  assert.equal(
    message(() => datasetFromArrays([[1, 2], [3, null]], [0, 1])),
    "x[1][1] must be a finite number, got null",
  );
  assert.equal(
    message(() => datasetFromArrays([[1], [2]], [0], { field: "data" })),
    "data.y must have 2 entries (one per sample of data.x), got 1",
  );
  assert.equal(
    message(() => datasetFromArrays([[1], [2]], [0, 3], { field: "data", classes: 3 })),
    "data.y[1] must be a class index from 0 to 2, got 3",
  );
  assert.equal(
    message(() => datasetFromArrays([[1], [2]], [0, 1.5], { classes: 3 })),
    "y[1] must be a class index from 0 to 2, got 1.5",
  );
  assert.equal(
    message(() => datasetFromArrays({ a: 1 }, [0], { field: "data" })),
    "data.x must be an array of samples, got an object",
  );
  assert.equal(
    message(() => datasetFromArrays([], [], { field: "data" })),
    "data.x must hold at least one sample, got an empty array",
  );
  assert.equal(
    message(() => datasetFromArrays([1, 2, 3], [0], { xShape: [2] })),
    "x holds 3 values, which is not a multiple of the 2 values of one sample of shape [2]",
  );
  assert.equal(
    message(() => datasetFromArrays([[1, 2]], [0], { xShape: [3] })),
    "x[0] has shape [2] but xShape is [3]",
  );
  assert.equal(
    message(() => datasetFromArrays([[1, 2]], [[1, 0, 0]], { classes: 2 })),
    "y[0] must be a one-hot row of 2 values (classes), got shape [3]",
  );
  assert.equal(
    message(() => datasetFromArrays([[1], [2]], ["a", 2])),
    "y[1] must be a class name like y[0], got 2",
  );
  assert.equal(
    message(() => datasetFromArrays([[1], [2]], [1, Infinity], { field: "data" })),
    "data.y[1] must be a finite number, got Infinity",
  );
  assert.equal(
    message(() => datasetFromArrays([[[1]], [[2], [3]]], [1, 2])),
    "x[1] must be an array of 1 arrays, got an array of 2",
  );
  assert.equal(
    message(() => datasetFromArrays(["a"], [1])),
    'x[0] must be a number or an array of numbers, got "a"',
  );
});

Deno.test("arrays: a large inline dataset converts every row", () => {
  const rows = Array.from({ length: 20000 }, (_, i) => [i, i + 0.5, -i, 1, 2, 3, 4, 5]);
  const labels = Array.from({ length: 20000 }, (_, i) => i % 10);
  const ds = datasetFromArrays(rows, labels, { classes: 10 });
  assert.equal(ds.x.length, 160000);
  assert.equal(ds.x[8 * 19999 + 1], 19999.5);
});

Deno.test("arrays: a bad value's error field is the element itself, as its message says", () => {
  const cases: { x: unknown; xShape?: number[]; field: string }[] = [
    { x: [[1, 2], [3, "a"]], field: "data.x[1][1]" },
    { x: [1, 2, 3, null], xShape: [2], field: "data.x[3]" },
  ];
  for (const { x, xShape, field } of cases) {
    assert.throws(
      () => datasetFromArrays(x, [0, 1], { field: "data", xShape }),
      (error: InputError) => error.field === field && error.message.startsWith(`${field} must be`),
    );
  }
});
