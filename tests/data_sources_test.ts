import assert from "node:assert/strict";
import { dataSchema, dataSourceSchema, resolveSourcePaths } from "../src/data/sources.ts";
import { configIssues } from "../src/validation.ts";

Deno.test("sources: every form is accepted; the synthetic spec's own rules apply", () => {
  for (
    const source of [
      { x: "x.npy", y: "y.npy" },
      { csv: "d.csv", label: "y", oneHot: true },
      { idx: { images: "i.gz", labels: "l.gz" }, limit: 10 },
      { module: "data.ts" },
      { synthetic: { kind: "spirals", samples: 100 } },
    ]
  ) {
    assert.deepEqual(dataSourceSchema.parse(source), source);
  }
  const bad = { synthetic: { kind: "regression", classes: 3 } };
  const parsed = dataSourceSchema.safeParse(bad, { reportInput: true });
  assert.ok(!parsed.success);
  assert.deepEqual(configIssues(parsed.error.issues, bad), [
    { path: "synthetic.classes", message: "is not used by kind regression" },
  ]);
});

Deno.test("sources: a source of no form lists the forms", () => {
  const value = { train: { images: "i.gz" } };
  const parsed = dataSchema.safeParse(value, { reportInput: true });
  assert.ok(!parsed.success);
  assert.deepEqual(configIssues(parsed.error.issues, value), [{
    path: "train",
    message: "expected one of {x, y} (.npy files), {csv, label}, {idx: {images, labels}}, " +
      "{module}, {synthetic}, got an object with keys images",
  }]);
});

Deno.test("sources: relative paths are resolved, absolute ones and synthetic data kept", () => {
  assert.deepEqual(resolveSourcePaths({ x: "a/x.npy", y: "/abs/y.npy" }, "/base"), {
    x: "/base/a/x.npy",
    y: "/abs/y.npy",
  });
  assert.deepEqual(resolveSourcePaths({ idx: { images: "i", labels: "l" } }, "/b"), {
    idx: { images: "/b/i", labels: "/b/l" },
  });
  const synthetic = { synthetic: { kind: "blobs" as const } };
  assert.equal(resolveSourcePaths(synthetic, "/b"), synthetic);
});
