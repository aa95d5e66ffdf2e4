/**
 * Guards and warnings: pure functions of a result that say when its curve cannot support a
 * suggestion, and keep the suggestion below the lowest loss of the drawn curve.
 *
 * Each warning has a severity. `untrusted` means the number must not be presented as a confident
 * rate: the result's headline `suggestion.trusted` is then `false`, and surfaces show the
 * warning in its place. `caution` qualifies a rate that still stands.
 * @module
 */
import { drawnSmoothing, type LowestPoint, lowestPoint } from "./drawn_curve.ts";
import type { LrFinderResult, Suggestion, Warning } from "./result.ts";
import type { WarningCode } from "./vocabulary.ts";
import { nearestIndex } from "./suggest.ts";

/** Warnings with the severity `untrusted` withdraw the confidence in the suggestion. */
export const UNTRUSTED = "untrusted";

/**
 * The curve is flat when its descent is at most this many times the noise of the raw loss: the
 * drawn curve of pure noise spans up to about 3.5 times it (its smoothing averages about four
 * steps).
 */
export const FLAT_NOISE_FACTOR = 4;

/**
 * A classification loss starts far above chance when its first losses exceed this multiple of
 * the loss of a uniform guess (ln of the number of classes; ln 2 for a binary output).
 */
export const CHANCE_FACTOR = 2.5;

/**
 * The verified rate trains when its trial lowered the held-out loss by at least this share below
 * the untrained model's: then a flat-looking (noisy) curve does not withdraw the trust.
 */
export const TRAINS_SHARE = 0.1;

/** Below this share of improvement over the untrained model, no trial counts as training. */
export const NO_IMPROVEMENT_SHARE = 0.01;

/** A capped suggestion sits this many decades below the rate of the lowest loss. */
export const CAP_DECADES = 0.5;

/** Runs disagree when their suggestions span more than this ratio (a decade). */
export const DISAGREE_RATIO = 10;

/** What the warnings read beyond the result. */
export interface WarningContext {
  /**
   * The loss of a uniform guess for classification losses ({@linkcode chanceLoss}); undefined
   * for other losses.
   */
  chanceLoss?: number;
}

/**
 * The loss of a uniform guess: ln(classes) for categorical cross-entropy over `outputUnits`
 * classes, ln 2 for binary cross-entropy; `undefined` for other losses.
 */
export function chanceLoss(loss: string, outputUnits: number): number | undefined {
  if (loss === "binaryCrossentropy") return Math.LN2;
  if (
    (loss === "categoricalCrossentropy" || loss === "sparseCategoricalCrossentropy") &&
    outputUnits >= 2
  ) {
    return Math.log(outputUnits);
  }
  return undefined;
}

/** The lowest point of the curve the plot draws for this result; `null` without a finite one. */
export function drawnLowest(result: LrFinderResult): LowestPoint | null {
  return lowestPoint(result.lrs, drawnSmoothing(result));
}

/**
 * Keeps a suggestion strictly below the rate of the lowest drawn loss: a rate at or above it
 * moves {@linkcode CAP_DECADES} below it. Refusals and rates below pass unchanged.
 */
export function capBelowLowest(
  suggestion: Suggestion,
  lowest: LowestPoint | null,
  lrs: readonly number[],
): Suggestion {
  if (suggestion.lr === null || lowest === null || suggestion.lr < lowest.lr) return suggestion;
  const lr = lowest.lr / 10 ** CAP_DECADES;
  return { ...suggestion, lr, index: nearestIndex(lrs, lr) };
}

/**
 * Robust noise of the raw loss, from one step to the next: 1.4826 x the median absolute
 * deviation of the step-to-step differences, over the square root of 2. It does not depend on
 * how much the drawn curve smooths, and a slow trend barely moves it.
 */
export function lossNoise(losses: readonly (number | null)[], upTo: number): number {
  const differences: number[] = [];
  for (let i = 1; i <= Math.min(upTo, losses.length - 1); i++) {
    const [before, now] = [losses[i - 1], losses[i]];
    if (before === null || now === null || !Number.isFinite(before) || !Number.isFinite(now)) {
      continue;
    }
    differences.push(now - before);
  }
  if (differences.length === 0) return 0;
  const center = median(differences);
  return 1.4826 * median(differences.map((d) => Math.abs(d - center))) / Math.SQRT2;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** The shape of the drawn curve the curve warnings read. */
interface CurveShape {
  drawn: (number | null)[];
  lowest: LowestPoint;
  /** Highest drawn loss up to the lowest point. */
  start: number;
  noise: number;
  /** Index of the last finite drawn point. */
  last: number;
}

function shapeOf(result: LrFinderResult): CurveShape | null {
  const drawn = drawnSmoothing(result);
  const lowest = lowestPoint(result.lrs, drawn);
  if (lowest === null) return null;
  let start = -Infinity;
  let last = 0;
  drawn.forEach((v, i) => {
    if (v === null) return;
    if (i <= lowest.index) start = Math.max(start, v);
    last = i;
  });
  // The noise is read where the curve is smooth: up to the lowest point, at least 10 steps.
  const noise = lossNoise(result.losses, Math.max(lowest.index, 9));
  return { drawn, lowest, start, noise, last };
}

/** True when the lowest point is among the last steps: the loss had not turned up yet. */
function endsAtLowest(shape: CurveShape): boolean {
  const after = shape.drawn.slice(shape.lowest.index + 1).filter((v): v is number => v !== null);
  const rise = after.length ? Math.max(...after) - shape.lowest.loss : 0;
  return rise <= Math.max(shape.noise, 0.02 * Math.abs(shape.lowest.loss));
}

/**
 * Warnings about the curve itself, independent of how the rate was chosen: flat, still falling,
 * stopped before the minimum, runs that disagree, a loss far above chance. `verified` tells
 * whether verification chose the rate, which makes disagreement between runs' rule readings
 * harmless and a curve still falling at its end less so.
 */
export function curveWarnings(
  result: LrFinderResult,
  context: WarningContext & {
    verified: boolean;
    chosenIsTop: boolean;
    /** Share by which the best trial lowered the held-out loss below the untrained model's. */
    improvement?: number;
  },
): Warning[] {
  const warnings: Warning[] = [];
  const shape = shapeOf(result);
  if (shape === null) return warnings;
  const descent = shape.start - shape.lowest.loss;
  if (!(descent > FLAT_NOISE_FACTOR * shape.noise)) {
    const trains = context.verified && (context.improvement ?? 0) >= TRAINS_SHARE;
    warnings.push(warning(
      "flat-curve",
      `the loss never falls by more than its noise (it falls by ${fmt(descent)}, the noise ` +
        `is ${fmt(shape.noise)}): ` +
        (trains
          ? `the curve alone cannot support a rate, but the verified rate trains (its held-out ` +
            `loss is ${Math.round(100 * context.improvement!)}% below the untrained model's)`
          : `the curve cannot support a rate; check the data, its scaling and the labels, or ` +
            `sweep a wider range`),
      trains ? "caution" : UNTRUSTED,
    ));
  }
  const interrupted = result.stopReason === "aborted" || result.stopReason === "time-budget";
  if (interrupted && endsAtLowest(shape)) {
    warnings.push(warning(
      "stopped-early",
      `the sweep stopped (${result.stopReason}) at lr ${
        fmt(result.lrs[shape.last])
      } before the loss reached its minimum: the best rates may lie beyond the curve; let the ` +
        `sweep finish`,
      UNTRUSTED,
    ));
  } else if (result.stopReason === "completed" && endsAtLowest(shape)) {
    const trustedAnyway = context.verified && !context.chosenIsTop;
    warnings.push(warning(
      "still-falling",
      `the loss is still falling at the last step (lr ${
        fmt(result.lrs[shape.last])
      }): raise endLr or numIters so that the sweep reaches the minimum`,
      trustedAnyway ? "caution" : UNTRUSTED,
    ));
  }
  const spread = result.uncertainty;
  const runs = result.runs?.length ?? 1;
  if (runs > 1) {
    const suggesting = spread?.runsWithSuggestion ?? 0;
    const ratio = spread ? spread.high / spread.low : Infinity;
    if (2 * suggesting < runs || ratio > DISAGREE_RATIO) {
      warnings.push(warning(
        "runs-disagree",
        2 * suggesting < runs
          ? `only ${suggesting} of ${runs} runs suggest a rate: the curve rules cannot read ` +
            `these curves reliably`
          : `the runs' suggestions span ${fmt(spread!.low)} to ${fmt(spread!.high)}, more ` +
            `than a decade: the curves differ from run to run`,
        context.verified ? "caution" : UNTRUSTED,
      ));
    }
  }
  const chance = context.chanceLoss;
  const first = firstLosses(result.losses, 5);
  if (chance !== undefined && first !== null && first > CHANCE_FACTOR * chance) {
    warnings.push(warning(
      "loss-above-chance",
      `the loss starts at ${fmt(first)}, far above ${
        fmt(chance)
      } for a uniform guess: scale the inputs (e.g. to [0, 1] or to mean 0 and deviation 1) ` +
        `or check the output layer's initialisation`,
      "caution",
    ));
  }
  return warnings;
}

/** True unless a warning withdraws the confidence in the suggestion. */
export function isTrusted(suggestion: Suggestion, warnings: readonly Warning[]): boolean {
  return suggestion.lr !== null && !warnings.some((w) => w.severity === UNTRUSTED);
}

/** Creates a warning. */
export function warning(
  code: WarningCode,
  message: string,
  severity: Warning["severity"],
): Warning {
  return { code, message, severity };
}

/** Median of the first `count` finite raw losses; `null` without any. */
function firstLosses(losses: readonly (number | null)[], count: number): number | null {
  const values: number[] = [];
  for (const v of losses) {
    if (values.length === count) break;
    if (v !== null && Number.isFinite(v)) values.push(v);
  }
  if (values.length === 0) return null;
  values.sort((a, b) => a - b);
  return values[values.length >> 1];
}

function fmt(value: number): string {
  return Number(value.toPrecision(2)).toString();
}
