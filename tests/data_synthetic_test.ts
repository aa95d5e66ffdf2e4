import assert from "node:assert/strict";
import { syntheticDataset } from "../src/data/synthetic.ts";
import { validateDataset } from "../src/data/validate.ts";
import { InputError } from "../src/errors.ts";

Deno.test("synthetic: the same spec gives identical arrays, another seed different ones", () => {
  for (const kind of ["blobs", "spirals", "regression"] as const) {
    const a = syntheticDataset({ kind, samples: 300, seed: 7 });
    const b = syntheticDataset({ kind, samples: 300, seed: 7 });
    const c = syntheticDataset({ kind, samples: 300, seed: 8 });
    assert.deepEqual(new Uint8Array(a.x.buffer), new Uint8Array(b.x.buffer), `${kind} x`);
    assert.deepEqual(new Uint8Array(a.y.buffer), new Uint8Array(b.y.buffer), `${kind} y`);
    assert.notDeepEqual(Array.from(a.x), Array.from(c.x), `${kind} seed matters`);
    validateDataset(a);
  }
});

Deno.test("synthetic: blobs have balanced classes and the requested shape", () => {
  const ds = syntheticDataset({ kind: "blobs", samples: 600, classes: 4, features: 5, seed: 1 });
  assert.equal(ds.size, 600);
  assert.deepEqual(ds.xShape, [5]);
  assert.equal(ds.classes, 4);
  assert.ok(ds.y instanceof Int32Array);
  const counts = [0, 0, 0, 0];
  for (const c of ds.y) counts[c]++;
  assert.deepEqual(counts, [150, 150, 150, 150]);
});

Deno.test("synthetic: blobs are separable at low noise (class means far apart)", () => {
  const ds = syntheticDataset({ kind: "blobs", samples: 300, classes: 3, noise: 0.01, seed: 3 });
  // With almost no noise every sample sits on its class centre.
  for (let i = 3; i < 300; i++) {
    const same = i % 3;
    assert.ok(Math.abs(ds.x[2 * i] - ds.x[2 * same]) < 0.1);
  }
});

Deno.test("synthetic: spirals stay within radius 2 and keep extra features as noise", () => {
  const ds = syntheticDataset({ kind: "spirals", samples: 90, classes: 3, features: 3, noise: 0 });
  assert.deepEqual(ds.xShape, [3]);
  for (let i = 0; i < 90; i++) {
    assert.ok(Math.hypot(ds.x[3 * i], ds.x[3 * i + 1]) <= 2);
    assert.ok(ds.x[3 * i + 2] === 0);
  }
});

/** Least-squares fit of y on [x, 1] by the normal equations; returns the largest residual. */
function affineResidual(x: Float32Array, y: Float32Array, features: number): number {
  const n = y.length;
  const k = features + 1;
  const a = Array.from({ length: k }, () => new Array(k + 1).fill(0));
  const row = (i: number) => [...x.subarray(i * features, (i + 1) * features), 1];
  for (let i = 0; i < n; i++) {
    const r = row(i);
    for (let p = 0; p < k; p++) {
      for (let q = 0; q < k; q++) a[p][q] += r[p] * r[q];
      a[p][k] += r[p] * y[i];
    }
  }
  for (let p = 0; p < k; p++) {
    for (let q = p + 1; q < k; q++) {
      const f = a[q][p] / a[p][p];
      for (let c = p; c <= k; c++) a[q][c] -= f * a[p][c];
    }
  }
  const w = new Array(k).fill(0);
  for (let p = k - 1; p >= 0; p--) {
    let s = a[p][k];
    for (let q = p + 1; q < k; q++) s -= a[p][q] * w[q];
    w[p] = s / a[p][p];
  }
  let worst = 0;
  for (let i = 0; i < n; i++) {
    const r = row(i);
    const fit = r.reduce((sum, v, j) => sum + v * w[j], 0);
    worst = Math.max(worst, Math.abs(fit - y[i]));
  }
  return worst;
}

Deno.test("synthetic: regression targets are an affine function of the features plus noise", () => {
  const exact = syntheticDataset({ kind: "regression", samples: 500, features: 3, noise: 0 });
  assert.equal(exact.classes, undefined);
  assert.deepEqual(exact.yShape, []);
  assert.ok(exact.y instanceof Float32Array);
  assert.ok(affineResidual(exact.x as Float32Array, exact.y, 3) < 1e-4);
  const noisy = syntheticDataset({ kind: "regression", samples: 500, features: 3, noise: 0.5 });
  assert.ok(affineResidual(noisy.x as Float32Array, noisy.y as Float32Array, 3) > 0.5);
});

Deno.test("synthetic: one-hot targets", () => {
  const ds = syntheticDataset({ samples: 6, classes: 3, oneHot: true });
  assert.deepEqual(ds.yShape, [3]);
  assert.deepEqual(Array.from(ds.y), [1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 0, 0, 0, 1, 0, 0, 0, 1]);
});

Deno.test("synthetic: impossible specs are input errors naming the field", () => {
  const cases: [Parameters<typeof syntheticDataset>[0], string][] = [
    [{ samples: 0 }, "synthetic.samples must be an integer from 1 to 10000000, got 0"],
    [
      { kind: "spirals", features: 1 },
      "synthetic.features must be an integer of at least 2, got 1",
    ],
    [{ classes: 1 }, "synthetic.classes must be an integer of at least 2, got 1"],
    [{ noise: -1 }, "synthetic.noise must be at least 0, got -1"],
    [
      { kind: "moons" as "blobs" },
      'synthetic.kind must be one of blobs, spirals, regression, got "moons"',
    ],
  ];
  for (const [spec, expected] of cases) {
    assert.throws(
      () => syntheticDataset(spec),
      (e: unknown) => e instanceof InputError && e.message === expected,
    );
  }
});
