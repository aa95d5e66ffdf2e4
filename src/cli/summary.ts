/**
 * What the CLI (and the demo) print after a sweep: the terminal chart, every rule's suggestion,
 * why the sweep stopped, where the files are, and last the suggested learning rate.
 * @module
 */
import type { LrFinderResult } from "../result.ts";
import { RULE_NAMES } from "../vocabulary.ts";
import {
  formatLr,
  formatUncertainty,
  REPORT_FILES,
  type ReportFiles,
  ruleNote,
  rulesAreMedians,
  stopLine,
  terminalChart,
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
 * The suggestion as one plain line: `Suggested learning rate: 7.6e-4 (valley)`, with the range
 * over runs when there are several, or why there is none.
 */
export function suggestionText(result: LrFinderResult): string {
  const s = result.suggestion;
  if (s.lr === null) return `No learning rate suggested (${s.method}): ${s.reason}`;
  let line = `Suggested learning rate: ${formatLr(s.lr)} (${s.method})`;
  const u = result.uncertainty;
  if (u) {
    line += u.runsWithSuggestion > 0
      ? `, ${formatUncertainty(u)}`
      : `; no single run of ${u.perRun.length} suggested a rate`;
  }
  return line;
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

/** The whole summary: chart, rules, stop line, files, and the suggestion as the last line. */
export function summaryText(result: LrFinderResult, options: SummaryOptions = {}): string {
  const parts = [
    terminalChart(result, { color: options.color, width: options.width }).trimEnd(),
    "",
    rulesText(result),
    stopLine(result),
  ];
  if (options.files) parts.push(filesText(options.files));
  parts.push("", suggestionText(result));
  return parts.join("\n") + "\n";
}
