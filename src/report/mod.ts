/**
 * Reports of a learning-rate range test: the chart as a Vega-Lite spec, rendered headless to SVG
 * and PNG with a bundled font; a Mermaid chart and a terminal chart; the headline, the trials
 * and the warnings as plain pieces; Markdown (in reusable pieces), CSV and the result JSON; and {@linkcode writeReport} to write them all to a folder.
 *
 * @example
 * ```ts
 * import { terminalChart, writeReport } from "./mod.ts";
 * import type { LrFinderResult } from "../result.ts";
 *
 * export async function report(result: LrFinderResult): Promise<void> {
 *   const files = await writeReport(result, "lr-finder-out");
 *   console.log(terminalChart(result));
 *   console.log(`wrote ${files.png}`);
 * }
 * ```
 * @module
 */
export {
  formatCount,
  formatDuration,
  formatLoss,
  formatLr,
  type FormatLrOptions,
  formatUncertainty,
  NOT_AVAILABLE,
} from "./format.ts";
export { PLOT_COLORS, type PlotOptions, plotSpec } from "./spec.ts";
export {
  DEFAULT_SCALE,
  type RenderedPlot,
  type RenderOptions,
  renderPlot,
  renderPng,
  renderSvg,
  svgToPng,
} from "./render.ts";
export { FONT_FAMILY } from "./font.ts";
export { mermaidChart, type MermaidOptions } from "./mermaid.ts";
export { terminalChart, type TerminalChartOptions } from "./terminal.ts";
export { ruleNote, rulesAreMedians } from "./rule_notes.ts";
export {
  headline,
  type HeadlineParts,
  headlineParts,
  orderedWarnings,
  suggestionTrusted,
  type TrialOutcome,
  type TrialRow,
  trialsTable,
  verificationLine,
  WARNING_TITLES,
  warningLine,
  warningLines,
  warningTitle,
} from "./trials.ts";
// Every export of the Markdown module is one of the reusable pieces.
export * from "./markdown.ts";
export { CSV_HEADER, curveCsv } from "./csv.ts";
export { resultJson } from "./json.ts";
export {
  type RenderedReport,
  renderReport,
  REPORT_FILES,
  type ReportFiles,
  writeRenderedReport,
  writeReport,
  type WriteReportOptions,
} from "./write.ts";
