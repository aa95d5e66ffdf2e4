import assert from "node:assert/strict";
import {
  nearestIndex,
  suggestAll,
  suggestLearningRate,
  suggestMinimum,
  suggestSlide,
  suggestSteepest,
  suggestValley,
} from "../src/suggest.ts";

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
  const s = suggestSlide({ lrs: lrs(40, 10), smoothed: loss });
  // Normalised slopes: -0.5 descending, 0 flat, 1.25 rising. The last comparison that still
  // differs is right=20 (slope -0.25, between descent and flat) against left=5 (-0.5); at
  // right=19, left=4 both are -0.5.
  assert.equal(s.index, 5);
  assert.equal(s.lr, 10 ** 0.5);
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

Deno.test("auto uses valley until the benchmark decides otherwise", () => {
  const loss = [10, 9.5, 9, 8, 8.5, 7, 6, 5, 6.5, 4, 3, 2.5, 3, 3.2, 3.1, 4, 6, 9, 15, 30];
  const curve = { lrs: lrs(20), smoothed: loss };
  assert.deepEqual(suggestLearningRate(curve, "auto"), suggestValley(curve));
});

Deno.test("nearestIndex compares on a log scale", () => {
  assert.equal(nearestIndex([1e-3, 1e-2, 1e-1], 3e-3), 0);
  assert.equal(nearestIndex([1e-3, 1e-2, 1e-1], 4e-3), 1);
});
