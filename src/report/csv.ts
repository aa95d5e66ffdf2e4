/**
 * The curve as CSV: one row per recorded step with `step,lr,loss,smoothed`. Numbers keep full
 * precision (shortest round-trip form); a non-finite loss is an empty cell.
 * @module
 */
import type { LrFinderResult } from "../result.ts";

/** Header row of {@linkcode curveCsv}. */
export const CSV_HEADER = "step,lr,loss,smoothed";

/** The result's curve as CSV text, `\n` line endings, ending with a newline. */
export function curveCsv(result: LrFinderResult): string {
  const lines = [CSV_HEADER];
  for (let step = 0; step < result.lrs.length; step++) {
    lines.push(
      [step, result.lrs[step], result.losses[step], result.smoothed[step]].map(csvNumber).join(","),
    );
  }
  return lines.join("\n") + "\n";
}

function csvNumber(value: number | null | undefined): string {
  return typeof value === "number" && Number.isFinite(value) ? String(value) : "";
}
