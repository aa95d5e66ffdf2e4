import assert from "node:assert/strict";
import type { Suggestion } from "../src/result.ts";
import {
  AUTO_RULE,
  medianSuggestion,
  nearestIndex,
  ruleFor,
  RULES,
  SLIDE_THRESHOLD,
  smoothZeroLag,
  suggestAll,
  suggestCombined,
  suggestLearningRate,
  suggestMinimum,
  suggestSlide,
  suggestSteepest,
  suggestValley,
} from "../src/suggest.ts";
import { RULE_NAMES } from "../src/vocabulary.ts";

/** Learning rates 10^(i / stepsPerDecade). */
function lrs(n: number, stepsPerDecade = 1): number[] {
  return Array.from({ length: n }, (_, i) => 10 ** (i / stepsPerDecade));
}

Deno.test("minimum: the rate at the lowest loss divided by 10", () => {
  const curve = { lrs: [1e-4, 1e-3, 1e-2, 1e-1, 1, 10, 100], smoothed: [5, 4, 3, 2, 1, 2, 3] };
  const s = suggestMinimum(curve);
  assert.equal(s.lr, 1 / 10);
  assert.equal(s.index, 3);
  assert.equal(s.method, "minimum");
});

Deno.test("minimum: no decrease is an explicit reason", () => {
  const s = suggestMinimum({ lrs: [1, 2, 3], smoothed: [1, 2, 3] });
  assert.equal(s.lr, null);
  assert.match(s.reason!, /never falls/);
});

Deno.test("steepest: most negative slope per decade, skipping the first 10% and the last 5 points", () => {
  // 20 points: the window is indices 2..14. Steeper drops at 0->1 and 16->17 lie outside it.
  const loss = [100, 10, 10, 10, 10, 10, 10, 10, 9, 4, 3.5, 3.4, 3.3, 3.2, 3.1, 3, 3, 0, 5, 9];
  const s = suggestSteepest({ lrs: lrs(20), smoothed: loss });
  // slopes (central, per decade): at 8 (4-10)/2 = -3, at 9 (3.5-9)/2 = -2.75, at 7 -0.5
  assert.equal(s.index, 8);
  assert.equal(s.lr, 1e8);
});

Deno.test("valley: middle of the longest decreasing subsequence inside the window", () => {
  // window = indices 2..14: [9, 8, 8.5, 7, 6, 5, 6.5, 4, 3, 2.5, 3, 3.2, 3.1]
  // longest strictly decreasing length ending at each: 1 2 2 3 4 5 4 6 7 8 7 7 8
  // first maximum (8) at window index 9 -> start 9 - 8 = 1 -> 1 + floor(8/3) + floor(8/6) = 4
  const loss = [10, 9.5, 9, 8, 8.5, 7, 6, 5, 6.5, 4, 3, 2.5, 3, 3.2, 3.1, 4, 6, 9, 15, 30];
  const s = suggestValley({ lrs: lrs(20), smoothed: loss });
  assert.equal(s.index, 2 + 4);
  assert.equal(s.lr, 1e6);
  assert.equal(s.method, "valley");
});

Deno.test("valley: a loss that only rises has no valley", () => {
  const loss = Array.from({ length: 30 }, (_, i) => i);
  const s = suggestValley({ lrs: lrs(30), smoothed: loss });
  assert.equal(s.lr, null);
  assert.match(s.reason!, /never decreases/);
});

Deno.test("slide: walks left from the end until slopes 15 points apart agree", () => {
  // 10 steps per decade; descent 10 -> 2 at -4/decade, flat, then rising at +10/decade.
  const loss = Array.from(
    { length: 40 },
    (_, i) => i <= 20 ? 10 - 0.4 * i : i <= 30 ? 2 : 2 + (i - 30),
  );
  const s = suggestSlide({ lrs: lrs(40, 10), smoothed: loss }, { threshold: 0.03 });
  // Normalised slopes: -0.5 descending, 0 flat, 1.25 rising. The last comparison that still
  // differs by more than 0.03 is right=20 (slope -0.25, between descent and flat) against
  // left=5 (-0.5); at right=19, left=4 both are -0.5.
  assert.equal(s.index, 5);
  assert.equal(s.lr, 10 ** 0.5);
  // With a threshold of 0.3 the walk stops one step earlier: at right=20, left=5 the slopes
  // differ by 0.25 only, so the suggestion is the left point of right=21 (slope 0, index 6).
  const wide = suggestSlide({ lrs: lrs(40, 10), smoothed: loss }, { threshold: 0.3 });
  assert.equal(wide.index, 6);
});

Deno.test("slide: the default threshold is SLIDE_THRESHOLD", () => {
  const loss = Array.from(
    { length: 40 },
    (_, i) => i <= 20 ? 10 - 0.4 * i : i <= 30 ? 2 : 2 + (i - 30),
  );
  const curve = { lrs: lrs(40, 10), smoothed: loss };
  assert.deepEqual(suggestSlide(curve), suggestSlide(curve, { threshold: SLIDE_THRESHOLD }));
});

Deno.test("slide: needs more than 16 points", () => {
  const s = suggestSlide({ lrs: lrs(10), smoothed: [9, 8, 7, 6, 5, 4, 3, 2, 1, 0.5] });
  assert.equal(s.lr, null);
  assert.match(s.reason!, /too few points/);
});

Deno.test("rules read only the finite prefix of the curve", () => {
  const loss: (number | null)[] = [5, 4, 3, 2, 1, null, 0];
  const s = suggestMinimum({ lrs: lrs(7), smoothed: loss });
  assert.equal(s.lr, 1e4 / 10);
  const none = suggestAll({ lrs: lrs(3), smoothed: [null, 1, 2] });
  for (const rule of Object.values(none)) {
    assert.equal(rule.lr, null);
    assert.match(rule.reason!, /not finite from the first step/);
  }
});

Deno.test("too few points is an explicit reason for the window rules", () => {
  const s = suggestSteepest({ lrs: lrs(6), smoothed: [6, 5, 4, 3, 2, 1] });
  assert.equal(s.lr, null);
  assert.match(
    s.reason!,
    /too few points: the rule needs at least \d+ finite steps, the curve has 6/,
  );
});

Deno.test("auto is the rule the benchmark chose: combined", () => {
  assert.equal(AUTO_RULE, "combined");
  assert.equal(ruleFor("auto"), "combined");
  assert.equal(ruleFor("valley"), "valley");
  const loss = [10, 9.5, 9, 8, 8.5, 7, 6, 5, 6.5, 4, 3, 2.5, 3, 3.2, 3.1, 4, 6, 9, 15, 30];
  const curve = { lrs: lrs(20), smoothed: loss, losses: loss };
  assert.deepEqual(suggestLearningRate(curve, "auto"), suggestCombined(curve));
  assert.deepEqual(suggestLearningRate(curve), suggestCombined(curve));
});

Deno.test("suggestAll answers every rule, in RULE_NAMES order", () => {
  const loss = [10, 9.5, 9, 8, 8.5, 7, 6, 5, 6.5, 4, 3, 2.5, 3, 3.2, 3.1, 4, 6, 9, 15, 30];
  const all = suggestAll({ lrs: lrs(20), smoothed: loss });
  assert.deepEqual(Object.keys(all), RULE_NAMES);
  for (const rule of RULE_NAMES) assert.equal(all[rule].method, rule);
});

Deno.test("RULES is the registry: one function per rule, read by suggestLearningRate", () => {
  assert.deepEqual(Object.keys(RULES).sort(), [...RULE_NAMES].sort());
  const loss = [10, 9.5, 9, 8, 8.5, 7, 6, 5, 6.5, 4, 3, 2.5, 3, 3.2, 3.1, 4, 6, 9, 15, 30];
  const curve = { lrs: lrs(20), smoothed: loss, losses: loss };
  assert.equal(RULES.valley, suggestValley);
  assert.equal(RULES.minimum, suggestMinimum);
  for (const rule of RULE_NAMES) {
    assert.deepEqual(suggestLearningRate(curve, rule), RULES[rule](curve));
    assert.deepEqual(suggestAll(curve)[rule], RULES[rule](curve));
  }
});

Deno.test("smoothZeroLag: a straight line in log10(lr) comes back unchanged, ends included", () => {
  const rates = lrs(30, 10);
  const line = rates.map((lr) => 3 - 0.5 * Math.log10(lr));
  const smoothed = smoothZeroLag(rates, line, { bandwidth: 0.3 });
  smoothed.forEach((v, i) => assert.ok(Math.abs(v - line[i]) < 1e-12, `step ${i}: ${v}`));
});

Deno.test("smoothZeroLag: the middle of three points is their weighted mean", () => {
  // x = log10(lr) = 0, 1, 2 with bandwidth 1: weights e^-0.5, 1, e^-0.5 around x = 1. The
  // weights are symmetric, so the fitted line's slope drops out and the value is the weighted
  // mean (e^-0.5 * 1 + 2 + e^-0.5 * 6) / (1 + 2 e^-0.5) = 2.822206...
  const a = Math.exp(-0.5);
  const smoothed = smoothZeroLag([1, 10, 100], [1, 2, 6], { bandwidth: 1 });
  assert.ok(Math.abs(smoothed[1] - (a + 2 + 6 * a) / (1 + 2 * a)) < 1e-12);
  assert.ok(Math.abs(smoothed[1] - 2.822206) < 1e-6);
});

Deno.test("smoothZeroLag: the order of the points does not matter", () => {
  const rates = lrs(25, 5);
  const losses = rates.map((_, i) => Math.sin(i / 3) + 0.01 * i * i);
  const forward = smoothZeroLag(rates, losses, { bandwidth: 0.2 });
  const backward = smoothZeroLag([...rates].reverse(), [...losses].reverse(), { bandwidth: 0.2 });
  backward.reverse().forEach((v, i) => assert.ok(Math.abs(v - forward[i]) < 1e-12));
});

Deno.test("smoothZeroLag: no lag at a minimum, unlike the causal moving average", () => {
  // A V with its bottom at step 20; the noise-free curve is symmetric, so the smoothed minimum
  // stays at step 20, where a causal average's minimum comes later.
  const rates = lrs(41, 10);
  const v = rates.map((lr) => Math.abs(Math.log10(lr) - 2));
  const smoothed = smoothZeroLag(rates, v, { bandwidth: 0.3 });
  assert.equal(smoothed.indexOf(Math.min(...smoothed)), 20);
  let average = 0;
  const causal = v.map((x, k) => (average = 0.9 * average + 0.1 * x) / (1 - 0.9 ** (k + 1)));
  assert.ok(causal.indexOf(Math.min(...causal)) > 20);
});

/** Falls by 1 per step from 20 at step 0 to its lowest, 7, at step 13, then rises by 2. */
const fallThenRise = Array.from({ length: 20 }, (_, i) => (i <= 13 ? 20 - i : 7 + 2 * (i - 13)));

Deno.test("combined: geometric mean of valley and the lowest point on the raw losses", () => {
  // One step per decade, so a bandwidth of 0.1 decade leaves the raw losses as they are (the
  // neighbours' weight is e^-50). Window 2..14: the loss falls through step 13, so the longest
  // decreasing run has 12 points and starts one before the window: valley = 2 - 1 + 4 + 2 = 7
  // (1e7). The lowest loss is at step 13 (1e13). sqrt(1e7 * 1e13) = 1e10, step 10.
  const s = suggestCombined({ lrs: lrs(20), smoothed: fallThenRise, losses: fallThenRise });
  assert.equal(suggestValley({ lrs: lrs(20), smoothed: fallThenRise }).index, 7);
  assert.equal(s.lr, 1e10);
  assert.equal(s.index, 10);
  assert.equal(s.method, "combined");
});

Deno.test("combined reads the raw losses when the curve has them, else the smoothed loss", () => {
  // The smoothed curve here is the raw one shifted 3 steps later, as a lagging average would be.
  const lagged = [20, 20, 20, ...fallThenRise.slice(0, 17)];
  const withRaw = suggestCombined({ lrs: lrs(20), smoothed: lagged, losses: fallThenRise });
  assert.equal(withRaw.lr, 1e10);
  // Without raw losses it reads the lagged curve: in the window 2..14 it falls from 20 at step 3
  // to 9 at step 14, 12 points from window index 0: valley = 2 + 0 + 4 + 2 = 8 (1e8); the
  // lowest value is at step 16 (1e16); sqrt(1e8 * 1e16) = 1e12, step 12.
  const without = suggestCombined({ lrs: lrs(20), smoothed: lagged });
  assert.equal(suggestValley({ lrs: lrs(20), smoothed: lagged }).index, 8);
  assert.ok(Math.abs(without.lr! / 1e12 - 1) < 1e-12);
  assert.equal(without.index, 12);
  assert.ok(without.lr! > withRaw.lr!);
});

Deno.test("combined: no decrease is an explicit reason", () => {
  const rising = Array.from({ length: 30 }, (_, i) => i);
  const s = suggestCombined({ lrs: lrs(30), smoothed: rising, losses: rising });
  assert.equal(s.lr, null);
  assert.equal(s.method, "combined");
  assert.match(s.reason!, /never decreases/);
  const none = suggestCombined({ lrs: lrs(3), smoothed: [1, 2, 3], losses: [null, 1, 2] });
  assert.match(none.reason!, /not finite from the first step/);
});

Deno.test("medianSuggestion: log-median of the runs, inside their range", () => {
  const rates = lrs(9);
  const at = (lr: number | null): Suggestion =>
    lr === null
      ? { lr: null, index: null, method: "combined", reason: "flat" }
      : { lr, index: 0, method: "combined" };
  const odd = medianSuggestion([at(1e2), at(1e6), at(1e3)], rates);
  assert.deepEqual(odd, { lr: 1e3, index: 3, method: "combined" });
  // Two runs: the geometric mean of both, 1e4, between them.
  const even = medianSuggestion([at(1e2), at(1e6), at(null)], rates);
  assert.deepEqual(even, { lr: 1e4, index: 4, method: "combined" });
  const none = medianSuggestion([at(null), at(null)], rates);
  assert.deepEqual(none, { lr: null, index: null, method: "combined", reason: "flat" });
});

Deno.test("nearestIndex compares on a log scale", () => {
  assert.equal(nearestIndex([1e-3, 1e-2, 1e-1], 3e-3), 0);
  assert.equal(nearestIndex([1e-3, 1e-2, 1e-1], 4e-3), 1);
});
