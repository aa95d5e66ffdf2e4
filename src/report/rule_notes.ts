/**
 * What each rule's number was read on, for the lists of rules the CLI prints and the reports
 * show: `valley`, `steepest`, `minimum` and `slide` read the moving average the sweep records
 * (which trails the drawn curve), `combined` reads the drawn curve. `minimum` names the lowest
 * point it divided by 10, and `combined` the two rates whose geometric mean it is, so that every
 * number can be traced to the curve it comes from; the lowest point `combined` names is the one
 * the charts mark.
 * @module
 */
import type { LrFinderResult, RuleName } from "../result.ts";
import { combinedParts } from "../suggest.ts";
import { formatLr } from "./format.ts";

/** What each rule reads on the moving average, as a phrase. */
const MOVING_AVERAGE_READINGS: Readonly<Record<Exclude<RuleName, "combined">, string>> = {
  valley: "the middle of its longest descent",
  steepest: "its steepest descent",
  minimum: "its lowest point",
  slide: "where its slope levels off",
};

/**
 * Where a rule's suggestion comes from, e.g. `moving average: its lowest point (1.0e-1) / 10`
 * or `drawn curve: √(valley 3.1e-3 × lowest 2.6e-2)`; the reason when the rule has none. With
 * several runs each number is the median of the runs'.
 */
export function ruleNote(result: LrFinderResult, rule: RuleName): string {
  const s = result.suggestions[rule];
  if (!s || s.lr === null) return s?.reason ?? "";
  if (rule === "combined") return combinedNote(result, s.lr);
  const reading = MOVING_AVERAGE_READINGS[rule];
  if (rule === "minimum") return `moving average: ${reading} (${formatLr(s.lr * 10)}) / 10`;
  return `moving average: ${reading}`;
}

/** Whether the rules' numbers are medians over runs (then `ruleNote` says so for `combined`). */
export function rulesAreMedians(result: LrFinderResult): boolean {
  return (result.runs?.length ?? 1) > 1;
}

function combinedNote(result: LrFinderResult, lr: number): string {
  if (rulesAreMedians(result)) {
    return "drawn curves: the median of each run's √(valley × lowest)";
  }
  const parts = combinedParts({
    lrs: result.lrs,
    smoothed: result.smoothed,
    losses: result.losses,
  });
  // A result read from a file may come from another version: name the parts only if they
  // reproduce its number.
  if (
    typeof parts === "string" || Math.abs(Math.sqrt(parts.valley * parts.lowest) / lr - 1) > 1e-9
  ) {
    return "drawn curve: √(valley × lowest)";
  }
  return `drawn curve: √(valley ${formatLr(parts.valley)} × lowest ${formatLr(parts.lowest)})`;
}
