/**
 * Every report file of a result, rendered in memory and written into a directory:
 * `result.json`, `plot.png`, `plot.svg`, `curve.csv` and `report.md` (which shows `plot.png`
 * beside it).
 * @module
 */
import { join } from "node:path";
import type { LrFinderResult } from "../result.ts";
import { curveCsv } from "./csv.ts";
import { resultJson } from "./json.ts";
import { type MarkdownOptions, markdownReport } from "./markdown.ts";
import { type RenderOptions, renderPlot } from "./render.ts";

/** File names written by {@linkcode writeReport}. */
export const REPORT_FILES = {
  json: "result.json",
  png: "plot.png",
  svg: "plot.svg",
  csv: "curve.csv",
  markdown: "report.md",
} as const;

/** Paths of the files written by {@linkcode writeReport}. */
export interface ReportFiles {
  /** The result JSON. */
  json: string;
  /** The plot as PNG. */
  png: string;
  /** The plot as SVG. */
  svg: string;
  /** The curve as CSV. */
  csv: string;
  /** The Markdown report. */
  markdown: string;
}

/** The content of every report file. */
export interface RenderedReport {
  /** The result JSON (`resultJson`). */
  json: string;
  /** The plot as PNG. */
  png: Uint8Array;
  /** The plot as SVG. */
  svg: string;
  /** The curve as CSV. */
  csv: string;
  /** The Markdown report. */
  markdown: string;
}

/** Options of {@linkcode writeReport} and {@linkcode renderReport}. */
export interface WriteReportOptions extends RenderOptions {
  /** Options of the Markdown report (the image defaults to `plot.png`). */
  markdown?: MarkdownOptions;
}

/** Renders every report file of a result in memory. */
export async function renderReport(
  result: LrFinderResult,
  options: WriteReportOptions = {},
): Promise<RenderedReport> {
  const { markdown, ...render } = options;
  const plot = await renderPlot(result, render);
  return {
    json: resultJson(result),
    png: plot.png,
    svg: plot.svg,
    csv: curveCsv(result),
    markdown: markdownReport(result, { imageUrl: REPORT_FILES.png, ...markdown }),
  };
}

/**
 * Writes rendered report files into `dir` (created if missing; files of the same names are
 * replaced) and returns their paths.
 */
export async function writeRenderedReport(
  report: RenderedReport,
  dir: string,
): Promise<ReportFiles> {
  await Deno.mkdir(dir, { recursive: true });
  const files: ReportFiles = {
    json: join(dir, REPORT_FILES.json),
    png: join(dir, REPORT_FILES.png),
    svg: join(dir, REPORT_FILES.svg),
    csv: join(dir, REPORT_FILES.csv),
    markdown: join(dir, REPORT_FILES.markdown),
  };
  await Promise.all([
    Deno.writeTextFile(files.json, report.json),
    Deno.writeFile(files.png, report.png),
    Deno.writeTextFile(files.svg, report.svg),
    Deno.writeTextFile(files.csv, report.csv),
    Deno.writeTextFile(files.markdown, report.markdown),
  ]);
  return files;
}

/**
 * Renders and writes all report files into `dir` (created if missing; files of the same names
 * are replaced) and returns their paths.
 */
export async function writeReport(
  result: LrFinderResult,
  dir: string,
  options: WriteReportOptions = {},
): Promise<ReportFiles> {
  return await writeRenderedReport(await renderReport(result, options), dir);
}
