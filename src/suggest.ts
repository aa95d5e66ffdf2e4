/**
 * Suggestion rules over a loss curve. Each rule returns a learning rate with the step it comes
 * from, or an explicit reason why it cannot suggest one; never a silent null.
 *
 * The four rules of the field (`valley`, `steepest`, `minimum`, `slide`) read the causal smoothed
 * loss the sweep recorded, as their authors defined them. `combined`, the default, reads the raw
 * losses through a zero-lag smoothing: the suggestion is computed after the sweep, so it need not
 * trail the loss the way the causal moving average (needed for the divergence check) does.
 * Which rule `auto` stands for, and the constants below, were chosen by `bench/quality.ts`.
 * @module
 */
import type { Suggestion } from "./result.ts";
import {
  RULE_NAMES,
  type RuleName,
  type SuggestionMethod,
  type SuggestMethod,
} from "./vocabulary.ts";

/** The curve a rule reads: learning rates, the smoothed and (optionally) the raw loss per step. */
export interface SuggestCurve {
  /** Learning rate of each step. */
  lrs: readonly number[];
  /** Smoothed loss of each step; `null` or non-finite values end the usable curve. */
  smoothed: readonly (number | null)[];
  /**
   * Raw loss of each step; `null` or non-finite values end the usable curve. `combined` reads
   * these through its zero-lag smoothing; without them it reads `smoothed`.
   */
  losses?: readonly (number | null)[];
}

/** A suggestion rule: one curve in, one suggestion (or the reason there is none) out. */
export type Rule = (curve: SuggestCurve) => Suggestion;

/** Each rule's function, by name: the registry `suggestAll` and `suggestLearningRate` read. */
export const RULES: Readonly<Record<RuleName, Rule>> = {
  valley: suggestValley,
  steepest: suggestSteepest,
  minimum: suggestMinimum,
  slide: (curve) => suggestSlide(curve),
  combined: suggestCombined,
};

/**
 * The rule `auto` stands for: the one with the lowest worst-case regret over the tasks of the
 * quality benchmark (bench/quality.ts, bench/RESULTS.md).
 */
export const AUTO_RULE: RuleName = "combined";

/**
 * Standard deviation, in decades of learning rate, of the Gaussian weights of the zero-lag
 * smoothing `combined` reads (about 1.2 steps of the default 100-step sweep over 8 decades).
 */
export const SUGGEST_BANDWIDTH = 0.1;

/** Share of the first points that `steepest` and `valley` skip (the flat, noisy start). */
export const SKIP_START_FRACTION = 0.1;

/** Number of last points that `steepest` and `valley` skip (the explosion). */
export const SKIP_END_POINTS = 5;

/** Distance in points between the two slopes `slide` compares. */
export const SLIDE_DISTANCE = 15;

/**
 * `slide` stops where two slopes `SLIDE_DISTANCE` points apart differ by less than this share of
 * the loss's descent (first value minus lowest value) per decade of learning rate. Measuring
 * slopes relative to the descent and per decade makes the rule independent of the loss's scale
 * and of the number of steps per decade (fastai's rule uses an absolute 0.005 per step). The
 * value is the one with the lowest worst-case regret in bench/quality.ts, ties broken by the mean.
 */
export const SLIDE_THRESHOLD = 0.05;

/** The rule a method names: `auto` stands for {@linkcode AUTO_RULE}. */
export function ruleFor(method: SuggestMethod): RuleName {
  return method === "auto" ? AUTO_RULE : method;
}

/** Suggests a learning rate with one rule, or `auto` (the measured default). */
export function suggestLearningRate(
  curve: SuggestCurve,
  method: SuggestMethod = "auto",
): Suggestion {
  return RULES[ruleFor(method)](curve);
}

/** Every rule's suggestion on the same curve, keyed in {@linkcode RULE_NAMES} order. */
export function suggestAll(curve: SuggestCurve): Record<RuleName, Suggestion> {
  return Object.fromEntries(RULE_NAMES.map((name) => [name, RULES[name](curve)])) as Record<
    RuleName,
    Suggestion
  >;
}

/**
 * `combined` (the default): the geometric mean of the `valley` rate and the rate at the lowest
 * loss ({@linkcode combinedParts}), both read on a zero-lag smoothing of the raw losses. The
 * valley lies where the loss falls, the minimum where it stops falling; the benchmark found each
 * alone too low on some tasks and too high on others, and their geometric mean the best worst
 * case.
 */
export function suggestCombined(curve: SuggestCurve): Suggestion {
  const parts = combinedParts(curve);
  if (typeof parts === "string") return refuse("combined", parts);
  const lr = Math.sqrt(parts.valley * parts.lowest);
  return { lr, index: nearestIndex(curve.lrs.slice(0, parts.steps), lr), method: "combined" };
}

/** The two rates `combined` takes the geometric mean of, and the curve they are read on. */
export interface CombinedParts {
  /** `valley` (the middle of the longest descent) of the zero-lag smoothing. */
  valley: number;
  /** The learning rate at the zero-lag smoothing's lowest point. */
  lowest: number;
  /** Steps the smoothing covers (the raw losses' finite prefix). */
  steps: number;
}

/**
 * What `combined` reads: the `valley` rate and the rate of the lowest point of a zero-lag
 * smoothing of the raw losses ({@linkcode smoothZeroLag}; the causal smoothed loss when the
 * curve has no raw losses). Charts draw this smoothing, so that the lowest point they mark is
 * this `lowest`. A string says why there are none.
 */
export function combinedParts(curve: SuggestCurve): CombinedParts | string {
  let smoothed: readonly (number | null)[] = curve.smoothed;
  if (curve.losses) {
    const usable = usableCurve({ lrs: curve.lrs, smoothed: curve.losses });
    if (typeof usable === "string") return usable;
    smoothed = smoothZeroLag(usable.lrs, usable.loss);
  }
  const zeroLag = { lrs: curve.lrs, smoothed };
  const valley = suggestValley(zeroLag);
  if (valley.lr === null) return valley.reason;
  const minimum = suggestMinimum(zeroLag);
  if (minimum.lr === null) return minimum.reason;
  return { valley: valley.lr, lowest: minimum.lr * 10, steps: smoothed.length };
}

/**
 * A zero-lag smoothing of a loss curve: at each step, the value at that step of a straight line
 * fitted to the loss against log10(lr) by least squares with Gaussian weights of standard
 * deviation `bandwidth` decades (local linear regression). Unlike a moving average it neither
 * trails the curve nor flattens its ends.
 */
export function smoothZeroLag(
  lrs: readonly number[],
  losses: readonly number[],
  options: { bandwidth?: number } = {},
): number[] {
  const bandwidth = options.bandwidth ?? SUGGEST_BANDWIDTH;
  const x = lrs.slice(0, losses.length).map((lr) => Math.log10(lr));
  const reach = 6 * bandwidth;
  const ascending = x.every((v, i) => i === 0 || v >= x[i - 1]);
  let from = 0;
  return x.map((xi) => {
    // On a rising schedule only the points within `reach` decades need visiting.
    if (ascending) { while (x[from] < xi - reach) from++; }
    let w0 = 0, w1 = 0, w2 = 0, y0 = 0, y1 = 0;
    for (let j = ascending ? from : 0; j < x.length; j++) {
      const d = x[j] - xi;
      if (d > reach && ascending) break;
      if (Math.abs(d) > reach) continue;
      const w = Math.exp(-0.5 * (d / bandwidth) ** 2);
      w0 += w;
      w1 += w * d;
      w2 += w * d * d;
      y0 += w * losses[j];
      y1 += w * d * losses[j];
    }
    const det = w0 * w2 - w1 * w1;
    return det > 1e-9 * w0 * w2 ? (w2 * y0 - w1 * y1) / det : y0 / w0;
  });
}

/**
 * One suggestion from the suggestions of repeated runs: the median of their rates on a log scale
 * (the geometric mean of the two middle ones for an even count), so it always lies within the
 * runs' range. `lrs` is the curve the index refers to. Runs without a suggestion are left out;
 * when none has one, the first run's reason is given.
 */
export function medianSuggestion(
  perRun: readonly Suggestion[],
  lrs: readonly number[],
): Suggestion {
  const method = perRun[0]?.method ?? AUTO_RULE;
  const found = perRun.map((s) => s.lr).filter((lr): lr is number => lr !== null);
  if (found.length === 0) {
    return refuse(method, perRun[0]?.reason ?? "there are no runs");
  }
  found.sort((a, b) => a - b);
  const mid = found.length >> 1;
  const lr = found.length % 2 ? found[mid] : Math.sqrt(found[mid - 1] * found[mid]);
  return { lr, index: nearestIndex(lrs, lr), method };
}

/** `minimum`: the learning rate at the lowest smoothed loss, divided by 10. */
export function suggestMinimum(curve: SuggestCurve): Suggestion {
  const usable = usableCurve(curve);
  if (typeof usable === "string") return refuse("minimum", usable);
  const { lrs, loss } = usable;
  if (loss.length < 2) return refuse("minimum", tooFew(loss.length, 2));
  let best = 0;
  for (let i = 1; i < loss.length; i++) if (loss[i] < loss[best]) best = i;
  if (best === 0) return refuse("minimum", "the loss never falls below its first value");
  const lr = lrs[best] / 10;
  return { lr, index: nearestIndex(lrs, lr), method: "minimum" };
}

/**
 * `steepest`: the learning rate at the most negative slope of the smoothed loss against
 * log10(lr), skipping the first 10% of points and the last 5.
 */
export function suggestSteepest(curve: SuggestCurve): Suggestion {
  const usable = windowedCurve(curve, "steepest");
  if ("method" in usable) return usable;
  const { lrs, loss, window } = usable;
  const slopes = slopesPerDecade(lrs, loss);
  let best = window.start;
  for (let i = window.start + 1; i < window.end; i++) if (slopes[i] < slopes[best]) best = i;
  if (!(slopes[best] < 0)) {
    return refuse("steepest", "the loss never decreases in the search window");
  }
  return { lr: lrs[best], index: best, method: "steepest" };
}

/**
 * `valley` (fastai's default): over the points after the first 10% and before the last 5, the
 * length of the longest strictly decreasing subsequence ending at each point; the first point
 * with the largest length ends the valley, which starts that length earlier; the suggestion is
 * the point at start + floor(L/3) + floor(L/6), the valley's middle.
 */
export function suggestValley(curve: SuggestCurve): Suggestion {
  const usable = windowedCurve(curve, "valley");
  if ("method" in usable) return usable;
  const { lrs, loss, window } = usable;
  const values = loss.slice(window.start, window.end);
  const lengths = decreasingRunLengths(values);
  let end = 0;
  for (let i = 1; i < lengths.length; i++) if (lengths[i] > lengths[end]) end = i;
  const length = lengths[end];
  if (length < 2) return refuse("valley", "the loss never decreases in the search window");
  const start = end - length;
  const index = Math.max(
    0,
    window.start + start + Math.floor(length / 3) + Math.floor(length / 6),
  );
  return { lr: lrs[index], index, method: "valley" };
}

/**
 * `slide` (after fastai): moving left from the end of the curve, compare the slopes of the
 * smoothed loss at two points `SLIDE_DISTANCE` apart; stop where they differ by less than
 * `SLIDE_THRESHOLD` (relative to the loss's descent, per decade) and suggest the left point's
 * rate from the last comparison that still differed.
 */
export function suggestSlide(
  curve: SuggestCurve,
  options: { threshold?: number } = {},
): Suggestion {
  const threshold = options.threshold ?? SLIDE_THRESHOLD;
  const usable = usableCurve(curve);
  if (typeof usable === "string") return refuse("slide", usable);
  const { lrs, loss } = usable;
  if (loss.length <= SLIDE_DISTANCE + 1) {
    return refuse("slide", tooFew(loss.length, SLIDE_DISTANCE + 2));
  }
  let lowest = 0;
  for (let i = 1; i < loss.length; i++) if (loss[i] < loss[lowest]) lowest = i;
  let highestBefore = loss[0];
  for (let i = 1; i <= lowest; i++) highestBefore = Math.max(highestBefore, loss[i]);
  const descent = highestBefore - loss[lowest];
  if (!(descent > 0)) return refuse("slide", "the loss never falls below its first value");
  const slopes = slopesPerDecade(lrs, loss).map((s) => s / descent);
  let right = loss.length - 1;
  let left = right - SLIDE_DISTANCE;
  let index = left;
  while (left >= 0 && Math.abs(slopes[right] - slopes[left]) > threshold) {
    index = left;
    right--;
    left--;
  }
  if (left < 0) {
    return refuse("slide", "no two slopes 15 points apart agree within the threshold");
  }
  return { lr: lrs[index], index, method: "slide" };
}

/** Index of the step whose learning rate is closest to `lr` on a log scale. */
export function nearestIndex(lrs: readonly number[], lr: number): number {
  let best = 0;
  let bestDistance = Infinity;
  const target = Math.log(lr);
  for (let i = 0; i < lrs.length; i++) {
    const distance = Math.abs(Math.log(lrs[i]) - target);
    if (distance < bestDistance) {
      bestDistance = distance;
      best = i;
    }
  }
  return best;
}

interface UsableCurve {
  lrs: number[];
  loss: number[];
}

function usableCurve(curve: SuggestCurve): UsableCurve | string {
  const n = Math.min(curve.lrs.length, curve.smoothed.length);
  const loss: number[] = [];
  for (let i = 0; i < n; i++) {
    const value = curve.smoothed[i];
    if (value === null || !Number.isFinite(value)) break;
    loss.push(value);
  }
  if (loss.length === 0) {
    return n === 0 ? "the curve is empty" : "the loss is not finite from the first step";
  }
  for (let i = 0; i < loss.length; i++) {
    if (!(curve.lrs[i] > 0)) {
      return `learning rate at step ${i} must be positive, got ${curve.lrs[i]}`;
    }
  }
  return { lrs: curve.lrs.slice(0, loss.length), loss };
}

/**
 * The usable curve with the search window of `steepest` and `valley`, or the rule's refusal when
 * the curve is unusable or the window holds fewer than 3 points.
 */
function windowedCurve(
  curve: SuggestCurve,
  rule: RuleName,
): (UsableCurve & { window: { start: number; end: number } }) | Suggestion {
  const usable = usableCurve(curve);
  if (typeof usable === "string") return refuse(rule, usable);
  const window = searchWindow(usable.loss.length);
  if (window.end - window.start < 3) {
    return refuse(rule, tooFew(usable.loss.length, minimumPointsForWindow(3)));
  }
  return { ...usable, window };
}

function searchWindow(points: number): { start: number; end: number } {
  return { start: Math.floor(points * SKIP_START_FRACTION), end: points - SKIP_END_POINTS };
}

function minimumPointsForWindow(pointsInWindow: number): number {
  let n = pointsInWindow;
  while (searchWindow(n).end - searchWindow(n).start < pointsInWindow) n++;
  return n;
}

/** Central differences of the loss against log10(lr), one-sided at the ends. */
function slopesPerDecade(lrs: readonly number[], loss: readonly number[]): number[] {
  const x = lrs.map((lr) => Math.log10(lr));
  const n = loss.length;
  const slopes = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const lo = Math.max(0, i - 1);
    const hi = Math.min(n - 1, i + 1);
    slopes[i] = hi === lo ? 0 : (loss[hi] - loss[lo]) / (x[hi] - x[lo]);
  }
  return slopes;
}

/**
 * For each point, the length of the longest strictly decreasing subsequence ending there,
 * in O(n log n) with a prefix-maximum tree over the values sorted from largest to smallest.
 */
function decreasingRunLengths(values: readonly number[]): number[] {
  const distinct = [...new Set(values)].sort((a, b) => b - a);
  const rank = new Map(distinct.map((v, i) => [v, i]));
  const tree = new Array<number>(distinct.length + 1).fill(0);
  const lengths = new Array<number>(values.length);
  for (let i = 0; i < values.length; i++) {
    const r = rank.get(values[i])!;
    let longestBefore = 0;
    for (let k = r; k > 0; k -= k & -k) longestBefore = Math.max(longestBefore, tree[k]);
    lengths[i] = longestBefore + 1;
    for (let k = r + 1; k < tree.length; k += k & -k) tree[k] = Math.max(tree[k], lengths[i]);
  }
  return lengths;
}

function refuse(method: SuggestionMethod, reason: string): Suggestion {
  return { lr: null, index: null, method, reason };
}

function tooFew(have: number, need: number): string {
  return `too few points: the rule needs at least ${need} finite steps, the curve has ${have}`;
}
