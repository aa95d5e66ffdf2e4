/**
 * What the CLI (and the demo) print after a sweep: the terminal chart, every rule's suggestion,
 * why the sweep stopped, the verification trials, where the files are, the warnings, and last
 * the headline: the suggested learning rate, or why none can be trusted.
 * @module
 */
import type { LrFinderResult } from "../result.ts";
import { RULE_NAMES } from "../vocabulary.ts";
import {
  formatLoss,
  formatLr,
  headline,
  REPORT_FILES,
  type ReportFiles,
  ruleNote,
  rulesAreMedians,
  stopLine,
  terminalChart,
  type TrialOutcome,
  trialsTable,
  verificationLine,
  warningLines,
} from "../report/mod.ts";

/** Options of {@linkcode summaryText}. */
export interface SummaryOptions {
  /** The report files that were written, listed when given. */
  files?: ReportFiles;
  /** Colour the chart with ANSI escape codes (default false). */
  color?: boolean;
  /** Width of the chart in characters (default 72). */
  width?: number;
}

/**
 * The headline as one plain line (`headline` in report/trials.ts): `Suggested learning rate:
 * 7.6e-4 (valley)`, with the range over runs when there are several; `No trustworthy
 * suggestion: <why>; ...` when a warning withdraws the trust; or why there is none.
 */
export function suggestionText(result: LrFinderResult): string {
  return headline(result);
}

const OUTCOME_NOTE: Readonly<Record<TrialOutcome, string>> = {
  chosen: "<- best",
  trained: "",
  pruned: "pruned",
  stopped: "stopped",
  diverged: "diverged",
};

/**
 * The verification trials as an indented table (rate, steps, held-out loss, what became of
 * each, the best marked) above a line on how verification ran; `null` without trials (a
 * verification that trained none says why in its warning and the headline).
 */
export function trialsText(result: LrFinderResult): string | null {
  const line = verificationLine(result);
  const rows = trialsTable(result);
  if (line === null || rows.length === 0) return null;
  const lines = ["Trials (held-out loss after training at a constant rate from the same weights):"];
  lines.push(`  ${"rate".padEnd(8)}${"steps".padStart(5)}  held-out loss`);
  for (const row of rows) {
    const note = OUTCOME_NOTE[row.outcome];
    lines.push(
      `  ${formatLr(row.lr).padEnd(8)}${String(row.steps).padStart(5)}  ` +
        `${formatLoss(row.heldOutLoss).padEnd(13)}${note ? `  ${note}` : ""}`.trimEnd(),
    );
  }
  lines.push(line);
  return lines.join("\n");
}

/** The warnings under a heading, one indented line each, untrusted first; `null` without any. */
export function warningsText(result: LrFinderResult): string | null {
  const lines = warningLines(result);
  if (lines.length === 0) return null;
  return ["Warnings:", ...lines.map((line) => `  ${line}`)].join("\n");
}

/**
 * Every rule's suggestion, one indented line each with the curve it was read on
 * ({@linkcode ruleNote}); the chosen rule is marked.
 */
export function rulesText(result: LrFinderResult): string {
  const lines = [
    rulesAreMedians(result) ? `Rules (each the median of ${result.runs!.length} runs):` : "Rules:",
  ];
  for (const rule of RULE_NAMES) {
    const s = result.suggestions[rule];
    if (!s) continue;
    const chosen = rule === result.suggestion.method ? "  <- chosen" : "";
    const value = s.lr === null
      ? `none (${s.reason})`
      : `${`${formatLr(s.lr)} at step ${s.index}`.padEnd(20)}${ruleNote(result, rule)}`;
    lines.push(`  ${rule.padEnd(9)}${value}${chosen}`);
  }
  return lines.join("\n");
}

/** The report files as one line: the folder and the file names in it. */
export function filesText(files: ReportFiles): string {
  const dir = files.json.slice(0, files.json.length - REPORT_FILES.json.length);
  return `Wrote ${dir}{${Object.values(REPORT_FILES).join(", ")}}`;
}

/**
 * The whole summary: chart, rules, stop line, trials, files, warnings, and the headline as the
 * last line.
 */
export function summaryText(result: LrFinderResult, options: SummaryOptions = {}): string {
  const parts = [
    terminalChart(result, { color: options.color, width: options.width }).trimEnd(),
    "",
    rulesText(result),
    stopLine(result),
  ];
  const trials = trialsText(result);
  if (trials !== null) parts.push(trials);
  if (options.files) parts.push(filesText(options.files));
  parts.push("");
  const warnings = warningsText(result);
  if (warnings !== null) parts.push(warnings);
  parts.push(suggestionText(result));
  return parts.join("\n") + "\n";
}
