import assert from "node:assert/strict";
import {
  clipSeries,
  describeCurve,
  logTicks,
  plottedSmoothing,
  smoothedAt,
} from "../src/report/curve.ts";
import { createRng, normal } from "../src/random.ts";
import {
  cliffResult,
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
  const result = tinyResult();
  const view = describeCurve(result);
  const drawn = plottedSmoothing(result.lrs, result.losses, result.smoothed) as number[];
  assert.deepEqual(view.points.map((p) => p.smoothed), drawn);
  assert.deepEqual(view.lrDomain, [1e-4, 1]);
  // Lowest value: the raw 0.5 at step 5, where the drawn curve bottoms too. Cap: the plateau
  // before it (its highest drawn or raw value) plus half of itself; the 9.5 at the end is above
  // that, so the top is the cap. Then 6% padding of the span either side.
  assert.deepEqual(view.minimum, { step: 5, lr: 10 ** -1.5, loss: drawn[5] });
  const plateau = Math.max(2.3, ...drawn.slice(0, 6));
  const cap = plateau * 1.5;
  const span = cap - 0.5;
  assert.ok(Math.abs(view.lossDomain[0] - (0.5 - 0.06 * span)) < 1e-12);
  assert.ok(Math.abs(view.lossDomain[1] - (cap + 0.06 * span)) < 1e-12);
  assert.deepEqual(view.lrTicks, [1e-4, 1e-3, 1e-2, 1e-1, 1]);
  assert.equal(view.divergence, null);
  assert.deepEqual(view.suggestion, { lr: 10 ** -2.5, loss: drawn[3], method: "valley" });
});

Deno.test("describeCurve marks the divergence at the last step", () => {
  const result = divergedResult();
  const view = describeCurve(result);
  const last = result.lrs.length - 1;
  assert.deepEqual(view.divergence, {
    step: last,
    lr: result.lrs[last],
    loss: plottedSmoothing(result.lrs, result.losses, result.smoothed)[last],
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
  const points = [1e-3, 1e-2, 1e-1].map((lr, step) => ({
    step,
    lr,
    loss: null,
    smoothed: [2, 1.5, 1.1][step],
    low: null,
    high: null,
  }));
  assert.equal(smoothedAt(points, 1e-2), 1.5);
  const between = smoothedAt(points, 10 ** -1.25) as number;
  assert.ok(Math.abs(between - 1.2) < 1e-12, `${between}`);
  assert.equal(smoothedAt(points, 1e-4), null);
  assert.equal(smoothedAt(points, 2), null);
});

/** A noisy valley: flat, falling from 1e-5, lowest at 1e-2, rising after; seeded noise. */
function valley(steps: number): { lrs: number[]; losses: number[]; recorded: number[] } {
  const rng = createRng(7);
  const lrs = Array.from({ length: steps }, (_, k) => 1e-7 * 1e8 ** (k / (steps - 1)));
  const losses = lrs.map((lr) => {
    const x = Math.log10(lr);
    return (x < -2 ? 1 + 1.5 / (1 + Math.exp(3 * (x + 3.5))) : 1 + (x + 2) ** 2) *
      (1 + 0.03 * normal(rng));
  });
  let average = 0;
  const recorded = losses.map((loss, k) => {
    average = 0.98 * average + 0.02 * loss;
    return average / (1 - 0.98 ** (k + 1));
  });
  return { lrs, losses, recorded };
}

function argmin(values: readonly (number | null)[]): number {
  let best = 0;
  values.forEach((v, i) => {
    if (v !== null && v < (values[best] as number)) best = i;
  });
  return best;
}

Deno.test("plottedSmoothing does not trail the raw loss as the recorded moving average does", () => {
  const { lrs, losses, recorded } = valley(100);
  const drawn = plottedSmoothing(lrs, losses, recorded);
  const decadeOf = (i: number) => Math.log10(lrs[i]);
  // The true lowest point is at 1e-2; the moving average bottoms most of a decade later.
  assert.ok(Math.abs(decadeOf(argmin(drawn)) + 2) < 0.3, `drawn lowest at ${lrs[argmin(drawn)]}`);
  assert.ok(decadeOf(argmin(recorded)) + 2 > 0.6, `recorded lowest at ${lrs[argmin(recorded)]}`);
  // And it averages the noise out: closer to the noiseless curve than the raw loss is.
  const noiseless = valley(100);
  const rms = (values: readonly (number | null)[]) =>
    Math.sqrt(
      values.slice(10, 60).reduce(
        (sum: number, v, i) => sum + ((v as number) / idealAt(noiseless.lrs[i + 10]) - 1) ** 2,
        0,
      ) / 50,
    );
  assert.ok(rms(drawn) < rms(losses) / 1.5, `drawn ${rms(drawn)} raw ${rms(losses)}`);
});

function idealAt(lr: number): number {
  const x = Math.log10(lr);
  return x < -2 ? 1 + 1.5 / (1 + Math.exp(3 * (x + 3.5))) : 1 + (x + 2) ** 2;
}

Deno.test("plottedSmoothing keeps a straight line, skips missing losses and falls back to the record", () => {
  const lrs = [1e-4, 1e-3, 1e-2, 1e-1, 1];
  const line = lrs.map((lr) => 3 - 0.5 * Math.log10(lr));
  plottedSmoothing(lrs, line, line).forEach((v, i) => {
    assert.ok(Math.abs((v as number) - line[i]) < 1e-9, `step ${i}: ${v}`);
  });
  const gaps = plottedSmoothing(lrs, [line[0], null, line[2], line[3], null], line);
  assert.equal(gaps[1], null);
  assert.equal(gaps[4], null);
  assert.ok(Math.abs((gaps[2] as number) - line[2]) < 1e-9);
  assert.deepEqual(plottedSmoothing(lrs, lrs.map(() => null), [2, 1, null, 3, 4]), [
    2,
    1,
    null,
    3,
    4,
  ]);
});

Deno.test("describeCurve draws the median of the runs' curves, always inside their band", () => {
  const view = describeCurve(multiRunResult());
  let inside = 0;
  for (const p of view.points) {
    if (p.smoothed === null) continue;
    assert.ok(p.low !== null && p.high !== null, `step ${p.step} has a band`);
    assert.ok(p.low <= p.smoothed && p.smoothed <= p.high, `step ${p.step}`);
    inside++;
  }
  assert.ok(inside > 50, `${inside} steps`);
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

Deno.test("describeCurve raises the drawn loss to the lowest observed one; the axis starts at 0", () => {
  const result = cliffResult();
  const undershoot = plottedSmoothing(result.lrs, result.losses, result.smoothed);
  assert.ok(undershoot.some((v) => v !== null && v < 0.02), "the fixture's smoothing undershoots");
  const view = describeCurve(result);
  for (const p of view.points) {
    assert.ok(p.smoothed === null || p.smoothed >= 0.02, `${p.smoothed}`);
  }
  assert.equal(view.lossDomain[0], 0);
  assert.ok(view.minimum!.loss! >= 0.02);
  const negative = { ...result, losses: result.losses.map((l) => (l as number) - 1) };
  assert.ok(
    describeCurve(negative).lossDomain[0] < -0.98,
    "a loss that goes negative keeps its axis",
  );
});
