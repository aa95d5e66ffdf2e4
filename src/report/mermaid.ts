/**
 * The smoothed loss curve as a Mermaid `xychart-beta` chart, which GitHub renders in Markdown.
 * Mermaid's axes are linear, so the curve is resampled at log-spaced learning rates that become
 * the x-axis categories (whole decades included); the exploded tail is clipped as in the plot.
 * @module
 */
import type { LrFinderResult } from "../result.ts";
import { describeCurve, smoothedAt } from "./curve.ts";
import { formatLoss, formatLr } from "./format.ts";
import { suggestionTrusted } from "./trials.ts";

/** Options of {@linkcode mermaidChart}. */
export interface MermaidOptions {
  /** Most x-axis categories (default 25). */
  maxPoints?: number;
}

/** Points per decade the resampling may use; each divides a decade evenly. */
const DENSITIES = [10, 5, 4, 3, 2, 1];

/** The result's smoothed loss curve as Mermaid `xychart-beta` source (without code fences). */
export function mermaidChart(result: LrFinderResult, options: MermaidOptions = {}): string {
  const view = describeCurve(result);
  const grid = logGrid(view.lrDomain[0], view.lrDomain[1], options.maxPoints ?? 25);
  const top = view.lossDomain[1];
  const samples = grid
    .map((lr) => ({ lr, loss: smoothedAt(view.points, lr) }))
    .filter((s): s is { lr: number; loss: number } => s.loss !== null);
  const clipped = samples.some((s) => s.loss > top);
  const title = mermaidTitle(result, clipped ? top : null);
  if (samples.length === 0) {
    return `xychart-beta\n  title "${title}"\n  x-axis "learning rate (log scale)" ["${
      formatLr(view.lrDomain[0])
    }"]\n  y-axis "smoothed loss" 0 --> 1\n  line [0]\n`;
  }
  const values = samples.map((s) => Math.min(s.loss, top));
  const low = roundDown(Math.min(...values));
  const high = roundUp(Math.max(...values));
  const categories = samples.map((s) => `"${formatLr(s.lr)}"`).join(", ");
  return [
    "xychart-beta",
    `  title "${title}"`,
    `  x-axis "learning rate (log scale)" [${categories}]`,
    `  y-axis "smoothed loss" ${low} --> ${high === low ? high + 1 : high}`,
    `  line [${values.map((v) => Number(v.toPrecision(4))).join(", ")}]`,
    "",
  ].join("\n");
}

/**
 * Log-spaced learning rates inside [lo, hi] at the densest of 10, 5, 4, 3, 2 or 1 per decade
 * that gives at most `maxPoints`, aligned so that whole powers of ten are among them.
 */
export function logGrid(lo: number, hi: number, maxPoints: number): number[] {
  if (!(lo > 0) || !(hi > lo)) return lo > 0 ? [lo] : [];
  const tolerance = 1e-9;
  const a = Math.log10(lo);
  const b = Math.log10(hi);
  for (const density of DENSITIES) {
    const first = Math.ceil(a * density - tolerance);
    const last = Math.floor(b * density + tolerance);
    if (last - first + 1 <= maxPoints || density === 1) {
      const grid: number[] = [];
      for (let k = first; k <= last; k++) grid.push(Number((10 ** (k / density)).toPrecision(12)));
      return grid.length >= 2 ? grid : [lo, hi];
    }
  }
  return [lo, hi];
}

function mermaidTitle(result: LrFinderResult, clippedAt: number | null): string {
  const s = result.suggestion;
  const suggestion = s.lr === null
    ? `no suggestion (${s.method})`
    : `${suggestionTrusted(result) ? "suggested" : "not trusted:"} ${formatLr(s.lr)} (${s.method})`;
  const clip = clippedAt === null ? "" : `, loss clipped at ${formatLoss(clippedAt)}`;
  // Quotes would end the title, backticks the code fence around the chart, newlines the line.
  return `${result.name}: ${suggestion}${clip}`.replace(/["`]/g, "'").replace(/\r?\n|\r/g, " ");
}

/** Rounds down to two significant digits. */
function roundDown(value: number): number {
  if (value === 0 || !Number.isFinite(value)) return 0;
  const scale = 10 ** (Math.floor(Math.log10(Math.abs(value))) - 1);
  return Number((Math.floor(value / scale) * scale).toPrecision(2));
}

/** Rounds up to two significant digits. */
function roundUp(value: number): number {
  if (value === 0 || !Number.isFinite(value)) return 0;
  const scale = 10 ** (Math.floor(Math.log10(Math.abs(value))) - 1);
  return Number((Math.ceil(value / scale) * scale).toPrecision(2));
}
