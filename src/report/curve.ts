/**
 * What a chart of a result shows, decided once for every renderer (Vega-Lite, Mermaid,
 * terminal): the plotted points, the axis ranges, where the exploded tail is clipped, and the
 * marked points (suggestion, lowest smoothed loss, divergence).
 *
 * The smoothed loss drawn is a zero-lag smoothing of the raw loss ({@linkcode plottedSmoothing}),
 * not the recorded moving average: with beta 0.98 that average trails the raw loss by 50 steps,
 * up to four decades of learning rate on a 100-step sweep, and would put the drawn minimum far
 * right of where the loss really bottoms and where the suggestion rules look.
 * @module
 */
import type { LrFinderResult } from "../result.ts";
import type { SuggestionMethod } from "../vocabulary.ts";
import { drawnSmoothing, plottedSmoothing } from "../drawn_curve.ts";
import { bandOf } from "../run_spread.ts";

export { plottedSmoothing } from "../drawn_curve.ts";

/** One recorded step with a positive, finite learning rate. */
export interface CurvePoint {
  /** Step index in the result arrays. */
  step: number;
  /** Learning rate of the step. */
  lr: number;
  /** Raw loss, `null` where not finite. */
  loss: number | null;
  /** Smoothed loss as drawn ({@linkcode plottedSmoothing}), `null` where not finite. */
  smoothed: number | null;
  /** Lowest smoothed loss of the runs (`runs > 1`, each smoothed as drawn), else `null`. */
  low: number | null;
  /** Highest smoothed loss of the runs (`runs > 1`, each smoothed as drawn), else `null`. */
  high: number | null;
}

/** A marked point of the curve. */
export interface MarkedPoint {
  /** Step index in the result arrays. */
  step: number;
  /** Learning rate. */
  lr: number;
  /** Smoothed loss there, `null` where not finite. */
  loss: number | null;
}

/** The suggestion as drawn: its rate and the smoothed loss interpolated at that rate. */
export interface SuggestedPoint {
  /** Suggested learning rate. */
  lr: number;
  /** Smoothed loss at `lr` (interpolated on the log axis), `null` when outside the curve. */
  loss: number | null;
  /** Rule that made the suggestion, or `verified`. */
  method: SuggestionMethod;
}

/** Where the sweep stopped because the loss ran away. */
export interface DivergencePoint extends MarkedPoint {
  /** `diverged` (smoothed loss over the threshold) or `non-finite` (NaN or Infinity). */
  kind: "diverged" | "non-finite";
}

/** The clipped part of the loss axis. */
export interface Clipping {
  /** Top of the loss axis; larger values are cut off. */
  above: number;
  /** Largest finite value that was cut off. */
  max: number;
}

/** Everything a renderer needs to draw a result. */
export interface CurveView {
  /** Steps with a positive, finite learning rate, in order. */
  points: CurvePoint[];
  /** Range of the (log) learning-rate axis. */
  lrDomain: [number, number];
  /** Range of the loss axis, chosen so that an exploded tail does not squash the curve. */
  lossDomain: [number, number];
  /** Set when some plotted value lies above the loss axis. */
  clip: Clipping | null;
  /** Tick values of the learning-rate axis (powers of ten, or 1-2-5 steps on short ranges). */
  lrTicks: number[];
  /** Lowest smoothed loss. */
  minimum: MarkedPoint | null;
  /** Where the sweep diverged or met a non-finite loss. */
  divergence: DivergencePoint | null;
  /** The chosen suggestion, `null` when the rule found none. */
  suggestion: SuggestedPoint | null;
  /** Range of the suggestion over runs (`runs > 1`). */
  uncertainty: { low: number; high: number } | null;
  /** Whether the band between runs is drawn. */
  hasBand: boolean;
}

/** Share of the loss range added above and below the curve. */
const PADDING = 0.06;

/** How far above the curve before its minimum the loss axis may reach, as a share of it. */
const HEADROOM = 0.5;

/** Decides ranges, clipping and marked points for a result. */
export function describeCurve(result: LrFinderResult): CurveView {
  const fitted = collectPoints(result);
  // The lowest point is read before the floor, so that it is the one `combined` reads.
  const minimum = lowestSmoothed(fitted);
  const floor = lossFloor(result);
  const points = floor === null ? fitted : fitted.map((p) => raiseTo(p, floor));
  if (minimum && minimum.loss !== null && floor !== null) {
    minimum.loss = Math.max(minimum.loss, floor);
  }
  const lrDomain = lrRange(points, result);
  const lossDomain = lossRange(points, minimum, floor !== null);
  const clip = clipping(points, lossDomain[1]);
  const suggestionLr = result.suggestion.lr;
  const suggestion = suggestionLr !== null && suggestionLr > 0 && Number.isFinite(suggestionLr)
    ? { lr: suggestionLr, loss: smoothedAt(points, suggestionLr), method: result.suggestion.method }
    : null;
  const uncertainty = result.uncertainty && Number.isFinite(result.uncertainty.low) &&
      Number.isFinite(result.uncertainty.high) && result.uncertainty.low > 0
    ? { low: result.uncertainty.low, high: result.uncertainty.high }
    : null;
  return {
    points,
    lrDomain,
    lossDomain,
    clip,
    lrTicks: logTicks(lrDomain[0], lrDomain[1]),
    minimum,
    divergence: divergencePoint(result, points),
    suggestion,
    uncertainty,
    hasBand: points.some((p) => p.low !== null && p.high !== null),
  };
}

/**
 * Tick values for a log axis from `lo` to `hi`: powers of ten (every second or more beyond 12
 * decades), or 1-2-5 steps when the range spans less than about three decades.
 */
export function logTicks(lo: number, hi: number): number[] {
  if (!(lo > 0) || !(hi >= lo)) return [];
  const tolerance = 1e-9;
  const first = Math.floor(Math.log10(lo) + tolerance);
  const last = Math.ceil(Math.log10(hi) - tolerance);
  const inside = (v: number) => v >= lo * (1 - tolerance) && v <= hi * (1 + tolerance);
  const decades = Math.log10(hi / lo);
  if (decades >= 2.5) {
    const every = Math.max(1, Math.ceil((last - first + 1) / 12));
    const ticks: number[] = [];
    for (let e = first; e <= last; e++) {
      if (e % every === 0 && inside(10 ** e)) ticks.push(decimalPower(e));
    }
    return ticks;
  }
  const ticks: number[] = [];
  for (let e = first; e <= last; e++) {
    for (const m of [1, 2, 5]) {
      const v = m * decimalPower(e);
      if (inside(v)) ticks.push(Number(v.toPrecision(12)));
    }
  }
  return ticks.length >= 2 ? ticks : [lo, hi];
}

/** `10 ** e` written so that negative powers are exact decimal literals (`1e-3`, not 0.0010…01). */
function decimalPower(e: number): number {
  return Number(`1e${e}`);
}

/**
 * Smoothed loss at `lr`, interpolated linearly in log(lr) between finite neighbours; `null`
 * outside the curve (a relative tolerance of 1e-9 counts as on it).
 */
export function smoothedAt(points: readonly CurvePoint[], lr: number): number | null {
  const finite = points.filter((p) => p.smoothed !== null);
  if (finite.length === 0 || !(lr > 0)) return null;
  const target = Math.log(lr);
  const tolerance = 1e-9;
  for (let i = 0; i < finite.length; i++) {
    const p = finite[i];
    const distance = Math.log(p.lr) - target;
    if (Math.abs(distance) <= tolerance) return p.smoothed;
    if (distance > 0) {
      if (i === 0) return null;
      const q = finite[i - 1];
      const t = (target - Math.log(q.lr)) / (Math.log(p.lr) - Math.log(q.lr));
      return (q.smoothed as number) + t * ((p.smoothed as number) - (q.smoothed as number));
    }
  }
  return null;
}

function finiteOrNull(value: number | null | undefined): number | null {
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

function collectPoints(result: LrFinderResult): CurvePoint[] {
  // With several runs, the median and band of the runs' own drawn curves: a median of raw
  // losses, smoothed, can leave the band.
  const runs = result.runs ?? [];
  const drawnRuns = runs.length > 1
    ? runs.map((run) => plottedSmoothing(result.lrs, run.losses, run.smoothed))
    : null;
  const smoothed = drawnSmoothing(result);
  const band = drawnRuns ? bandOf(drawnRuns, result.lrs.length) : result.band;
  const points: CurvePoint[] = [];
  for (let step = 0; step < result.lrs.length; step++) {
    const lr = result.lrs[step];
    if (!(lr > 0) || !Number.isFinite(lr)) continue;
    points.push({
      step,
      lr,
      loss: finiteOrNull(result.losses[step]),
      smoothed: smoothed[step] ?? null,
      low: finiteOrNull(band?.low[step]),
      high: finiteOrNull(band?.high[step]),
    });
  }
  return points;
}

function lrRange(points: readonly CurvePoint[], result: LrFinderResult): [number, number] {
  let lo = points.length > 0 ? points[0].lr : result.settings.startLr;
  let hi = points.length > 0 ? points[points.length - 1].lr : result.settings.endLr;
  if (!(lo > 0) || !Number.isFinite(lo)) lo = 1e-7;
  if (!(hi > lo) || !Number.isFinite(hi)) hi = lo * 10;
  return [lo, hi];
}

/**
 * The lowest loss any run observed, when no observed loss is negative (cross-entropy, squared
 * errors): a smoothing may dip below it, but a chart then draws a loss nobody saw. `null` for
 * losses that go negative.
 */
function lossFloor(result: LrFinderResult): number | null {
  let floor = Infinity;
  for (const losses of [result.losses, ...(result.runs ?? []).map((run) => run.losses)]) {
    for (const loss of losses) {
      if (loss === null || !Number.isFinite(loss)) continue;
      if (loss < 0) return null;
      floor = Math.min(floor, loss);
    }
  }
  return Number.isFinite(floor) ? floor : null;
}

/** A point with its smoothed values (and band) raised to at least `floor`. */
function raiseTo(p: CurvePoint, floor: number): CurvePoint {
  const raise = (v: number | null) => v === null ? null : Math.max(v, floor);
  return { ...p, smoothed: raise(p.smoothed), low: raise(p.low), high: raise(p.high) };
}

function lowestSmoothed(points: readonly CurvePoint[]): MarkedPoint | null {
  let best: CurvePoint | null = null;
  for (const p of points) {
    if (p.smoothed !== null && (best === null || p.smoothed < (best.smoothed as number))) best = p;
  }
  return best === null ? null : { step: best.step, lr: best.lr, loss: best.smoothed };
}

function valuesOf(p: CurvePoint): number[] {
  return [p.loss, p.smoothed, p.low, p.high].filter((v): v is number => v !== null);
}

/**
 * The loss range, never below zero for a loss that is never negative. It covers every plotted
 * value unless some exceed the cap (the curve before its minimum, plus half its drop or half its
 * level, whichever is more): then the top is the higher of that curve and the smoothed loss after
 * the minimum (itself capped), and the exploded tail above it is clipped. The curve before the
 * minimum counts the starting plateau, raw noise included up to its 98th percentile.
 */
function lossRange(
  points: readonly CurvePoint[],
  minimum: MarkedPoint | null,
  nonNegative: boolean,
): [number, number] {
  const all = points.flatMap(valuesOf);
  if (all.length === 0) return [0, 1];
  const lower = minOf(all);
  const highest = maxOf(all);
  const minStep = minimum?.step ?? points[points.length - 1].step;
  const before = points.filter((p) => p.step <= minStep);
  const raw = before.map((p) => p.loss).filter((v): v is number => v !== null);
  const steady = before.flatMap((p) => [p.smoothed, p.high].filter((v): v is number => v !== null));
  const reference = Math.max(quantile(raw, 0.98), maxOf(steady));
  const cap = reference + HEADROOM * Math.max(reference - lower, Math.abs(reference));
  let upper = highest;
  if (Number.isFinite(reference) && highest > cap) {
    const after = points.filter((p) => p.step > minStep).flatMap((p) =>
      [p.smoothed, p.high].filter((v): v is number => v !== null)
    );
    upper = Math.max(reference, Math.min(cap, maxOf(after)));
  }
  let span = upper - lower;
  if (!(span > 0)) span = Math.abs(upper) > 0 ? Math.abs(upper) * 0.2 : 1;
  const bottom = lower - PADDING * span;
  return [nonNegative ? Math.max(0, bottom) : bottom, upper + PADDING * span];
}

function maxOf(values: readonly number[]): number {
  let max = -Infinity;
  for (const v of values) if (v > max) max = v;
  return max;
}

function minOf(values: readonly number[]): number {
  let min = Infinity;
  for (const v of values) if (v < min) min = v;
  return min;
}

function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return -Infinity;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

function clipping(points: readonly CurvePoint[], top: number): Clipping | null {
  let max = -Infinity;
  for (const p of points) for (const v of valuesOf(p)) if (v > top) max = Math.max(max, v);
  return max > -Infinity ? { above: top, max } : null;
}

function divergencePoint(
  result: LrFinderResult,
  points: readonly CurvePoint[],
): DivergencePoint | null {
  if (points.length === 0) return null;
  if (result.stopReason === "diverged") {
    const last = points[points.length - 1];
    return { step: last.step, lr: last.lr, loss: last.smoothed, kind: "diverged" };
  }
  if (result.stopReason === "non-finite") {
    const bad = points.find((p) => p.loss === null) ?? points[points.length - 1];
    return { step: bad.step, lr: bad.lr, loss: null, kind: "non-finite" };
  }
  return null;
}

/** A row of a clipped series: consecutive rows with the same `segment` form one line. */
export interface SeriesRow {
  /** Learning rate. */
  lr: number;
  /** Value, at most the clipping limit. */
  value: number;
  /** Index of the unbroken piece this row belongs to. */
  segment: number;
}

/**
 * Cuts a series at `top`: where it crosses the limit a point on the limit is inserted (linear in
 * log(lr), as the line is drawn), points above it are dropped, and a missing value breaks the
 * line. Renderers then need no clip paths.
 */
export function clipSeries(
  series: readonly { lr: number; value: number | null }[],
  top: number,
): SeriesRow[] {
  const rows: SeriesRow[] = [];
  let segment = 0;
  let previous: { lr: number; value: number } | null = null;
  const crossing = (a: { lr: number; value: number }, b: { lr: number; value: number }) => {
    const t = (top - a.value) / (b.value - a.value);
    return Math.exp(Math.log(a.lr) + t * (Math.log(b.lr) - Math.log(a.lr)));
  };
  for (const point of series) {
    if (point.value === null || !Number.isFinite(point.value)) {
      if (previous && previous.value <= top) segment++;
      previous = null;
      continue;
    }
    const current = { lr: point.lr, value: point.value };
    const inside = current.value <= top;
    if (previous) {
      const wasInside = previous.value <= top;
      if (wasInside && !inside) {
        rows.push({ lr: crossing(previous, current), value: top, segment });
        segment++;
      } else if (!wasInside && inside) {
        rows.push({ lr: crossing(previous, current), value: top, segment });
      }
    }
    if (inside) rows.push({ lr: current.lr, value: current.value, segment });
    previous = current;
  }
  return rows;
}
