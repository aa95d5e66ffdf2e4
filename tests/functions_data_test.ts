import assert from "node:assert/strict";
import { requestDataset } from "../functions/data.ts";
import { DEFAULT_LIMITS } from "../functions/limits.ts";
import { ConfigError } from "../src/validation.ts";
import { InputError } from "../src/errors.ts";

const limits = DEFAULT_LIMITS;

function inputError(message: string | RegExp, field: string) {
  return (error: unknown) => {
    assert.ok(error instanceof InputError, String(error));
    if (typeof message === "string") assert.equal(error.message, message);
    else assert.match(error.message, message);
    assert.equal(error.field, field);
    return true;
  };
}

function issuePaths(error: unknown): string[] {
  assert.ok(error instanceof ConfigError, String(error));
  return error.issues.map((issue) => issue.path);
}

Deno.test("requestDataset: inline rows with class names or indices", () => {
  const names = requestDataset({ x: [[1, 2], [3, 4], [5, 6]], y: ["b", "a", "b"] }, { limits });
  assert.deepEqual(names.xShape, [2]);
  assert.deepEqual([...names.y], [1, 0, 1]);
  assert.equal(names.classes, 2);
  assert.deepEqual(names.classNames, ["a", "b"]);

  const regression = requestDataset({ x: [1, 2, 3, 4], y: [0, 1], xShape: [2] }, { limits });
  assert.equal(regression.size, 2);
  assert.equal(regression.classes, undefined);
  assert.ok(regression.y instanceof Float32Array);

  const indexed = requestDataset({ x: [[0], [1], [2]], y: [0, 2, 1], classes: 4 }, { limits });
  assert.equal(indexed.classes, 4);
});

Deno.test("requestDataset: numeric labels are classes for a cross-entropy loss", () => {
  const data = { x: [[0], [1], [2]], y: [0, 2, 1] };
  assert.equal(requestDataset(data, { limits }).classes, undefined);
  assert.equal(
    requestDataset(data, { limits, loss: "sparseCategoricalCrossentropy" }).classes,
    3,
  );
  assert.equal(requestDataset(data, { limits, loss: "meanSquaredError" }).classes, undefined);
  const fractional = { x: [[0], [1]], y: [0.5, 1] };
  assert.equal(
    requestDataset(fractional, { limits, loss: "categoricalCrossentropy" }).classes,
    undefined,
  );
});

Deno.test("requestDataset: CSV text with a label column", () => {
  const csv = "a,b,label\n1,2,cat\n3,4,dog\n5,6,cat\n";
  const data = requestDataset({ csv }, { limits });
  assert.equal(data.size, 3);
  assert.deepEqual(data.xShape, [2]);
  assert.equal(data.classes, 2);
  assert.equal(data.source, "data.csv");
  const oneHot = requestDataset({ csv, oneHot: true }, { limits });
  assert.deepEqual(oneHot.yShape, [2]);
  const numeric = "a,target\n1,0\n2,1\n3,2\n";
  assert.equal(requestDataset({ csv: numeric, label: "target" }, { limits }).classes, undefined);
  assert.equal(
    requestDataset({ csv: numeric, label: "target", classification: true }, { limits }).classes,
    3,
  );
  assert.equal(
    requestDataset({ csv: numeric, label: "target" }, {
      limits,
      loss: "sparseCategoricalCrossentropy",
    }).classes,
    3,
  );
});

Deno.test("requestDataset: mistakes name the field", () => {
  assert.throws(() => requestDataset(undefined, { limits }), (e: unknown) => {
    assert.deepEqual(issuePaths(e), ["data"]);
    return /is missing, expected \{x, y\} \(arrays\) or \{csv, label\}/.test(String(e));
  });
  assert.throws(
    () => requestDataset({ x: "1,2", y: [1], classez: 2 }, { limits }),
    (e: unknown) => {
      assert.deepEqual(issuePaths(e), ["data.x", "data.classez"]);
      return true;
    },
  );
  assert.throws(() => requestDataset({ csv: "", label: "" }, { limits }), (e: unknown) => {
    assert.deepEqual(issuePaths(e), ["data.csv", "data.label"]);
    return true;
  });
  assert.throws(
    () => requestDataset({ x: [[1, 2], [3]], y: [0, 1] }, { limits }),
    inputError("data.x[1] must be an array of 2 numbers, got an array of 1", "data.x[1]"),
  );
  assert.throws(
    () => requestDataset({ csv: "a,b\n1,2\n" }, { limits }),
    inputError('data.csv: label column "label" not found; the header has "a", "b"', "data.csv"),
  );
});

Deno.test("requestDataset: the sample and feature limits", () => {
  const small = { ...limits, maxSamples: 3, maxFeatures: 2 };
  assert.throws(
    () => requestDataset({ x: [[1], [2], [3], [4]], y: [1, 2, 3, 4] }, { limits: small }),
    inputError(
      "data.x holds 4 samples, more than the limit of this server (3): send a sample of the data",
      "data.x",
    ),
  );
  assert.throws(
    () => requestDataset({ x: [1, 2, 3, 4, 5, 6, 7, 8], y: [1, 2, 3, 4] }, { limits: small }),
    /data.x holds 8 samples/,
  );
  assert.throws(
    () => requestDataset({ csv: "a,l\n1,x\n2,x\n3,x\n4,y\n", label: "l" }, { limits: small }),
    /data.csv holds 4 samples/,
  );
  assert.throws(
    () => requestDataset({ x: [[1, 2, 3]], y: [1] }, { limits: small }),
    inputError("data.x has 3 values per sample, more than the limit of this server (2)", "data.x"),
  );
});

Deno.test("requestDataset: a single class is refused, as names, indices or CSV labels", () => {
  const limits = { maxSamples: 100, maxFeatures: 10 };
  assert.throws(
    () => requestDataset({ x: [[1], [2]], y: ["a", "a"] }, { limits }),
    (error: unknown) => {
      assert.ok(error instanceof InputError);
      assert.equal(error.field, "data.y");
      assert.equal(
        error.message,
        'data.y holds a single class ("a"): a classifier needs at least two classes; send ' +
          "numbers for a regression target",
      );
      return true;
    },
  );
  assert.throws(
    () => requestDataset({ csv: "f,label\n1,a\n2,a\n" }, { limits }),
    (error: unknown) => error instanceof InputError && error.field === "data.csv",
  );
  const regression = requestDataset({ x: [[1], [2]], y: [3, 3] }, { limits });
  assert.equal(regression.classes, undefined, "equal numbers are a regression target");
});
