/**
 * The loss curve as the plot draws it: a zero-lag smoothing of the raw loss (with several runs,
 * the per-step median of each run's smoothing), and its lowest point. The charts draw it, and the
 * guards and warnings read it, so that "the lowest loss" means the same point everywhere;
 * verification reads its candidates from a wider smoothing of the same losses.
 * @module
 */
import { medianCurve } from "./run_spread.ts";
import { smoothZeroLag, SUGGEST_BANDWIDTH } from "./suggest.ts";

/** The curves of a result that the drawn curve is made of. */
export interface DrawnCurveSource {
  /** Learning rate of each step. */
  lrs: readonly number[];
  /** Raw loss of each step (`null` where not finite); the median over runs with several runs. */
  losses: readonly (number | null)[];
  /** Recorded smoothed loss of each step (the fallback when no raw loss is finite). */
  smoothed: readonly (number | null)[];
  /** Each run's curves, when there were several. */
  runs?: readonly { losses: readonly (number | null)[]; smoothed: readonly (number | null)[] }[];
}

/**
 * The smoothed loss a chart draws: the zero-lag smoothing the `combined` rule reads (a local
 * linear fit against log10(lr) with Gaussian weights of {@linkcode SUGGEST_BANDWIDTH} decades),
 * over the finite raw losses, so that the lowest point a chart marks is the one `combined`
 * reads. `null` where the raw loss or rate is not finite. Without any finite raw loss, the
 * recorded smoothed loss. `bandwidth` (decades) is for verification's candidates only
 * ({@linkcode candidateBandwidth}).
 */
export function plottedSmoothing(
  lrs: readonly number[],
  losses: readonly (number | null)[],
  recorded: readonly (number | null)[],
  bandwidth: number = SUGGEST_BANDWIDTH,
): (number | null)[] {
  const steps: number[] = [];
  for (let i = 0; i < lrs.length; i++) {
    if (lrs[i] > 0 && Number.isFinite(lrs[i]) && finiteOrNull(losses[i]) !== null) steps.push(i);
  }
  if (steps.length === 0) return lrs.map((_, i) => finiteOrNull(recorded[i]));
  const fitted = smoothZeroLag(
    steps.map((i) => lrs[i]),
    steps.map((i) => losses[i] as number),
    { bandwidth },
  );
  const out: (number | null)[] = lrs.map(() => null);
  steps.forEach((step, k) => out[step] = finiteOrNull(fitted[k]));
  return out;
}

/**
 * The smoothed loss as drawn, per step of `curve.lrs`: {@linkcode plottedSmoothing} of the raw
 * loss, or with several runs the per-step median of each run's (a median of raw losses,
 * smoothed, could leave the band between the runs).
 */
export function drawnSmoothing(
  curve: DrawnCurveSource,
  bandwidth: number = SUGGEST_BANDWIDTH,
): (number | null)[] {
  const runs = curve.runs ?? [];
  if (runs.length > 1) {
    const drawn = runs.map((run) =>
      plottedSmoothing(curve.lrs, run.losses, run.smoothed, bandwidth)
    );
    return medianCurve(drawn, runs.length).slice(0, curve.lrs.length);
  }
  return plottedSmoothing(curve.lrs, curve.losses, curve.smoothed, bandwidth);
}

/** Steps the candidates' smoothing spans, so that noise averages out... */
const CANDIDATE_SMOOTHING_STEPS = 2.5;

/** ...but at most this many decades, so that a short sweep's few points keep their shape. */
const CANDIDATE_SMOOTHING_MAX_DECADES = 0.25;

/**
 * The bandwidth (decades) of the smoothing verification reads its candidates from: wider than
 * the drawn curve's ({@linkcode CANDIDATE_SMOOTHING_STEPS} steps, within `SUGGEST_BANDWIDTH`
 * and {@linkcode CANDIDATE_SMOOTHING_MAX_DECADES} decades), as the candidates' defaults were
 * tuned on it (`bench/verify_tuning.ts`).
 */
export function candidateBandwidth(lrs: readonly number[]): number {
  const positive = lrs.filter((lr) => lr > 0 && Number.isFinite(lr));
  const decadesPerStep = positive.length > 1
    ? Math.abs(Math.log10(positive[positive.length - 1] / positive[0])) / (positive.length - 1)
    : 0;
  return Math.min(
    CANDIDATE_SMOOTHING_MAX_DECADES,
    Math.max(SUGGEST_BANDWIDTH, CANDIDATE_SMOOTHING_STEPS * decadesPerStep),
  );
}

/** The lowest point of a drawn curve. */
export interface LowestPoint {
  /** Step index. */
  index: number;
  /** Learning rate there. */
  lr: number;
  /** Smoothed loss there. */
  loss: number;
}

/** The step with the lowest finite value of `drawn`; `null` when none is finite. */
export function lowestPoint(
  lrs: readonly number[],
  drawn: readonly (number | null)[],
): LowestPoint | null {
  let best: LowestPoint | null = null;
  for (let i = 0; i < Math.min(lrs.length, drawn.length); i++) {
    const loss = drawn[i];
    if (loss === null || !Number.isFinite(loss) || !(lrs[i] > 0)) continue;
    if (best === null || loss < best.loss) best = { index: i, lr: lrs[i], loss };
  }
  return best;
}

function finiteOrNull(value: number | null | undefined): number | null {
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}
