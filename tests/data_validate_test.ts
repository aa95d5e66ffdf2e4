import assert from "node:assert/strict";
import type { Dataset } from "../src/data/dataset.ts";
import { checkDatasetLengths, validateDataset } from "../src/data/validate.ts";
import { InputError } from "../src/errors.ts";

function dataset(overrides: Partial<Dataset> = {}): Dataset {
  return {
    x: new Float32Array([1, 2, 3, 4, 5, 6]),
    xShape: [2],
    y: new Int32Array([0, 1, 2]),
    yShape: [],
    classes: 3,
    size: 3,
    source: "d.npy",
    ...overrides,
  };
}

function problem(ds: Dataset, source?: string): string {
  try {
    validateDataset(ds, source);
  } catch (error) {
    assert.ok(error instanceof InputError);
    return error.message;
  }
  throw new assert.AssertionError({ message: "expected validateDataset to throw" });
}

Deno.test("validate: a good dataset is returned unchanged", () => {
  const ds = dataset();
  assert.equal(validateDataset(ds), ds);
  assert.equal(
    validateDataset(dataset({ classes: undefined, y: new Float32Array([0.5, 1, 2]) })).size,
    3,
  );
});

Deno.test("validate: length mismatches and empty data", () => {
  assert.equal(
    problem(dataset({ y: new Int32Array([0, 1]) })),
    "d.npy: x has 3 samples but y has 2: every sample needs one target",
  );
  assert.equal(
    problem(dataset({ x: new Float32Array(5) })),
    "d.npy: x holds 5 values, expected 6 (3 samples of shape [2])",
  );
  assert.equal(
    problem(dataset({ x: new Float32Array(0), y: new Int32Array(0), size: 0 }), "e.csv"),
    "e.csv: no samples: expected at least one",
  );
  assert.equal(
    problem(dataset({ y: new Float32Array(7), yShape: [2], classes: undefined })),
    "d.npy: y holds 7 values, expected 6 (3 samples of shape [2])",
  );
});

Deno.test("validate: NaN and Infinity name the first offending sample", () => {
  assert.equal(
    problem(dataset({ x: new Float32Array([1, 2, 3, NaN, 5, Infinity]) })),
    "d.npy: sample 1 has a non-finite feature (NaN) at x[1][1]: remove or impute missing values",
  );
  assert.equal(
    problem(
      dataset({
        x: new Float32Array(12),
        xShape: [2, 2],
        y: new Float32Array([0, -Infinity, 1]),
        classes: undefined,
      }),
    ),
    "d.npy: sample 1 has a non-finite target (-Infinity)",
  );
  const images = new Float64Array(12);
  images[9] = NaN;
  assert.equal(
    problem(dataset({ x: images, xShape: [2, 2] })),
    "d.npy: sample 2 has a non-finite feature (NaN) at x[2][0][1]: remove or impute missing values",
  );
});

Deno.test("validate: class indices out of range", () => {
  assert.equal(
    problem(dataset({ y: new Int32Array([0, 3, 1]) })),
    "d.npy: sample 1 has class index 3, expected an integer from 0 to 2 (3 classes)",
  );
  assert.equal(
    problem(dataset({ y: new Float32Array([0, 1, 0.5]) })),
    "d.npy: sample 2 has class index 0.5, expected an integer from 0 to 2 (3 classes)",
  );
  assert.equal(
    problem(dataset({ classes: 0 })),
    "d.npy: classes must be a positive integer, got 0",
  );
});

Deno.test("validate: the source argument wins over the dataset's own", () => {
  assert.match(problem(dataset({ size: 4 }), "other.csv"), /^other\.csv: /);
  assert.match(problem(dataset({ size: 4, source: undefined })), /^dataset: /);
});

Deno.test("checkDatasetLengths: empty data and lengths that disagree, named by field", () => {
  const ok = dataset();
  assert.equal(checkDatasetLengths(ok, "data.train"), ok);
  assert.throws(() => checkDatasetLengths(dataset({ size: 0 }), "data.train"), {
    name: "InputError",
    message: "data.train is empty (d.npy): it needs at least one sample",
  });
  assert.throws(
    () => checkDatasetLengths(dataset({ x: new Float32Array(5) }), "data.validation"),
    (error: unknown) =>
      error instanceof InputError && error.field === "data.validation.x" &&
      error.message ===
        "data.validation.x must hold 3 samples of shape [2] (6 values), got 5 values (d.npy)",
  );
  assert.throws(() => checkDatasetLengths(dataset({ y: new Int32Array(2) }), "data.train"), {
    message: "data.train.y must hold one target of shape [] per sample (3 values for 3 " +
      "samples), got 2 values (d.npy)",
  });
});
