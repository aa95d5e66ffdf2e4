/**
 * The last step of a range test: from the curve's result and what verification found, the
 * headline suggestion (verified, or the curve rule as the fallback), the guard that keeps every
 * suggestion below the lowest drawn loss, the warnings, and whether the number can be trusted.
 * Pure: no tensors, no training.
 * @module
 */
import type {
  LrFinderResult,
  RuleName,
  Suggestion,
  Trial,
  Verification,
  Warning,
} from "./result.ts";
import { nearestIndex } from "./suggest.ts";
import {
  capBelowLowest,
  curveWarnings,
  drawnLowest,
  isTrusted,
  NO_IMPROVEMENT_SHARE,
  warning,
  type WarningContext,
} from "./warnings.ts";

/** What verification produced, for {@linkcode concludeResult}. */
export interface VerificationReport {
  /** How it ran (or why it did not choose). */
  verification: Verification;
  /** The trials, one per candidate (empty when none ran). */
  trials: Trial[];
  /** The suggested rate (the best trial's, horizon-corrected), or `null` when none was chosen. */
  chosen: number | null;
  /** The rate of the trial that trained best, or `null`. */
  best: number | null;
  /** The candidate rates, lowest first. */
  candidates: number[];
  /** Why verification did not choose, when that undermines or qualifies the number. */
  warning?: Warning;
}

/**
 * Completes a result: `trials` and `verification` when verification ran; the headline becomes
 * the verified rate when the method is `auto` and verification chose one; every suggestion is
 * kept below the lowest drawn loss; `warnings` lists what undermines the number and
 * `suggestion.trusted` says whether it stands. The result is changed in place and returned.
 */
export function concludeResult(
  result: LrFinderResult,
  report: VerificationReport | undefined,
  context: WarningContext = {},
): LrFinderResult {
  const lowest = drawnLowest(result);
  const warnings: Warning[] = [];
  result.suggestions = Object.fromEntries(
    Object.entries(result.suggestions).map(([rule, s]) => [
      rule,
      capBelowLowest(s, lowest, result.lrs),
    ]),
  ) as Record<RuleName, Suggestion>;
  const ruled = result.suggestion;
  const capped = capBelowLowest(ruled, lowest, result.lrs);
  if (capped !== ruled) {
    warnings.push(warning(
      "capped-at-minimum",
      `the ${ruled.method} rule suggested ${fmt(ruled.lr!)}, at or above the rate of the ` +
        `lowest loss (${fmt(lowest!.lr)}); it was moved half a decade below that rate`,
      "caution",
    ));
  }
  let suggestion = capped;
  let verified = false;
  let chosenIsTop = false;
  let improvement: number | undefined;
  if (report) {
    result.verification = report.verification;
    if (report.trials.length > 0) result.trials = report.trials;
    const { chosen, best } = report;
    if (chosen !== null && best !== null && result.settings.suggest === "auto") {
      suggestion = { lr: chosen, index: nearestIndex(result.lrs, chosen), method: "verified" };
      verified = true;
      chosenIsTop = best === report.candidates[report.candidates.length - 1];
      const initial = report.verification.initialLoss;
      const bestLoss = report.trials.find((t) => t.lr === best)?.heldOutLoss ?? null;
      if (initial !== undefined && initial > 0 && bestLoss !== null) {
        improvement = 1 - bestLoss / initial;
        if (improvement < NO_IMPROVEMENT_SHARE) {
          warnings.push(warning(
            "no-improvement",
            `no rate tried lowered the held-out loss below the untrained model's (${
              fmt(initial)
            }; the best trial reached ${fmt(bestLoss)}): these rates do not train the model; ` +
              `check the data, its scaling and the labels`,
            "untrusted",
          ));
        }
      }
      if (best === report.candidates[0] && report.candidates.length > 1) {
        warnings.push(warning(
          "best-at-lowest-candidate",
          `the lowest rate tried (${fmt(best)}) trained best: a lower rate may train better still`,
          "caution",
        ));
      }
    }
    if (report.warning) warnings.push(report.warning);
  }
  warnings.push(...curveWarnings(result, { ...context, verified, chosenIsTop, improvement }));
  result.suggestion = { ...suggestion, trusted: isTrusted(suggestion, warnings) };
  result.warnings = warnings;
  return result;
}

function fmt(value: number): string {
  return Number(value.toPrecision(2)).toString();
}
