import assert from "node:assert/strict";
import { clipSeries, describeCurve, logTicks, smoothedAt } from "../src/report/curve.ts";
import {
  divergedResult,
  multiRunResult,
  nonFiniteResult,
  noSuggestionResult,
  tinyResult,
} from "./fixtures/lr_results.ts";

Deno.test("describeCurve clips an exploded tail but keeps the whole descent visible", () => {
  const result = divergedResult();
  const view = describeCurve(result);
  const [bottom, top] = view.lossDomain;
  const finiteLosses = result.losses.filter((v): v is number => v !== null);
  assert.ok(Math.max(...finiteLosses) > 40, "the fixture's raw loss explodes");
  assert.ok(top < 5, `top ${top} must not follow the explosion`);
  assert.ok(top > 2.3, "the starting plateau stays inside");
  assert.ok(bottom < Math.min(...finiteLosses), "the lowest raw loss stays inside");
  assert.ok(view.clip);
  assert.equal(view.clip.above, top);
  assert.equal(view.clip.max, Math.max(...finiteLosses));
});

Deno.test("describeCurve does not clip a curve without an explosion", () => {
  const view = describeCurve(noSuggestionResult());
  assert.equal(view.clip, null);
  const values = noSuggestionResult().losses as number[];
  assert.ok(view.lossDomain[1] >= Math.max(...values));
  assert.ok(view.lossDomain[0] <= Math.min(...values));
});

Deno.test("describeCurve computes the tiny curve's ranges exactly", () => {
  const view = describeCurve(tinyResult());
  assert.deepEqual(view.lrDomain, [1e-4, 1]);
  // Plateau 2.3 before the minimum, lowest value 0.5, 6% padding of 1.8.
  assert.ok(Math.abs(view.lossDomain[0] - 0.392) < 1e-12);
  assert.ok(Math.abs(view.lossDomain[1] - 2.408) < 1e-12);
  assert.deepEqual(view.lrTicks, [1e-4, 1e-3, 1e-2, 1e-1, 1]);
  assert.deepEqual(view.minimum, { step: 6, lr: 0.1, loss: 1.2 });
  assert.equal(view.divergence, null);
  assert.deepEqual(view.suggestion, { lr: 10 ** -2.5, loss: 1.8, method: "valley" });
});

Deno.test("describeCurve marks the divergence at the last step", () => {
  const result = divergedResult();
  const view = describeCurve(result);
  const last = result.lrs.length - 1;
  assert.deepEqual(view.divergence, {
    step: last,
    lr: result.lrs[last],
    loss: result.smoothed[last],
    kind: "diverged",
  });
});

Deno.test("describeCurve marks a non-finite stop at the first missing loss", () => {
  const result = nonFiniteResult();
  const view = describeCurve(result);
  const last = result.lrs.length - 1;
  assert.equal(result.losses[last], null);
  assert.equal(view.divergence?.kind, "non-finite");
  assert.equal(view.divergence?.step, last);
  assert.equal(view.points[last].loss, null);
});

Deno.test("describeCurve reports the band and uncertainty of several runs", () => {
  const view = describeCurve(multiRunResult());
  assert.equal(view.hasBand, true);
  assert.ok(view.uncertainty);
  assert.ok(view.uncertainty.low < view.uncertainty.high);
  assert.equal(describeCurve(divergedResult()).hasBand, false);
  assert.equal(describeCurve(divergedResult()).uncertainty, null);
});

Deno.test("describeCurve has no suggested point when the rule found none", () => {
  assert.equal(describeCurve(noSuggestionResult()).suggestion, null);
});

Deno.test("logTicks uses powers of ten on long ranges and 1-2-5 steps on short ones", () => {
  assert.deepEqual(logTicks(1e-7, 10), [1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1, 10]);
  assert.deepEqual(logTicks(3e-7, 6.9), [1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1]);
  assert.deepEqual(logTicks(1e-7, 7.7e-7), [1e-7, 2e-7, 5e-7]);
  assert.deepEqual(logTicks(1e-12, 1e8), [
    1e-12,
    1e-10,
    1e-8,
    1e-6,
    1e-4,
    1e-2,
    1,
    100,
    1e4,
    1e6,
    1e8,
  ]);
  assert.deepEqual(logTicks(3e-3, 4e-3), [3e-3, 4e-3]);
  assert.deepEqual(logTicks(0, 1), []);
});

Deno.test("smoothedAt interpolates on the log axis and is null outside the curve", () => {
  const view = describeCurve(tinyResult());
  assert.equal(smoothedAt(view.points, 1e-2), 1.5);
  const between = smoothedAt(view.points, 10 ** -1.75) as number;
  assert.ok(Math.abs(between - 1.4) < 1e-12);
  assert.equal(smoothedAt(view.points, 1e-5), null);
  assert.equal(smoothedAt(view.points, 2), null);
});

Deno.test("clipSeries cuts lines at the top and breaks them at missing values", () => {
  const rows = clipSeries([
    { lr: 1, value: 1 },
    { lr: 10, value: 3 },
    { lr: 100, value: 1 },
    { lr: 1000, value: null },
    { lr: 10000, value: 2 },
  ], 2);
  assert.equal(rows.length, 5);
  assert.deepEqual(rows[0], { lr: 1, value: 1, segment: 0 });
  assert.equal(rows[1].segment, 0);
  assert.equal(rows[1].value, 2);
  assert.ok(Math.abs(rows[1].lr - 10 ** 0.5) < 1e-9, "crossing halfway on the log axis");
  assert.equal(rows[2].value, 2);
  assert.ok(Math.abs(rows[2].lr - 10 ** 1.5) < 1e-9);
  assert.equal(rows[2].segment, 1);
  assert.deepEqual(rows[3], { lr: 100, value: 1, segment: 1 });
  assert.deepEqual(rows[4], { lr: 10000, value: 2, segment: 2 });
});
