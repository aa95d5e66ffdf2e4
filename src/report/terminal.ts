/**
 * A small text chart of the loss curve for the command line: a fixed grid of characters with a
 * log learning-rate axis, readable without colour (ANSI colour is optional). The smoothed loss
 * is drawn with `*`, the raw loss with `.`, the suggestion `S` (named "not trusted" when a
 * warning withdraws the trust in it), the lowest smoothed loss `M`,
 * the divergence `X`, and `^` marks columns whose loss is clipped above the top.
 * @module
 */
import type { LrFinderResult } from "../result.ts";
import { describeCurve, smoothedAt } from "./curve.ts";
import { formatLoss, formatLr } from "./format.ts";
import { suggestionTrusted } from "./trials.ts";

/** Options of {@linkcode terminalChart}. */
export interface TerminalChartOptions {
  /** Total width in characters, axis labels included (default 72, at least 30). */
  width?: number;
  /** Height of the plot area in rows (default 12, at least 4). */
  height?: number;
  /** Colour the marks with ANSI escape codes (default false). */
  color?: boolean;
}

const ANSI = {
  smoothed: "\x1b[36m",
  raw: "\x1b[2m",
  suggestion: "\x1b[1;33m",
  minimum: "\x1b[32m",
  divergence: "\x1b[31m",
  clipped: "\x1b[2m",
  reset: "\x1b[0m",
} as const;

type Kind = keyof Omit<typeof ANSI, "reset">;

interface Cell {
  char: string;
  kind: Kind | null;
}

/**
 * Draws the result's loss curve as lines of text: a title, the plot with loss labels on the
 * left, the learning-rate axis, and a legend. Every line is exactly `width` visible characters.
 */
export function terminalChart(result: LrFinderResult, options: TerminalChartOptions = {}): string {
  const width = Math.max(30, Math.floor(options.width ?? 72));
  const height = Math.max(4, Math.floor(options.height ?? 12));
  const view = describeCurve(result);
  const [bottom, top] = view.lossDomain;
  const [lo, hi] = view.lrDomain;

  const labels = axisLabels([top, (top + bottom) / 2, bottom]);
  const labelWidth = Math.max(...labels.map((l) => l.length));
  const plotWidth = width - labelWidth - 2;
  const grid: Cell[][] = Array.from(
    { length: height },
    () => Array.from({ length: plotWidth }, () => ({ char: " ", kind: null })),
  );
  const logLo = Math.log(lo);
  const logSpan = Math.log(hi) - logLo;
  const column = (lr: number) =>
    Math.min(
      plotWidth - 1,
      Math.max(0, Math.round(((Math.log(lr) - logLo) / logSpan) * (plotWidth - 1))),
    );
  const row = (loss: number) => Math.round(((top - loss) / (top - bottom)) * (height - 1));
  const put = (r: number, c: number, char: string, kind: Kind) => {
    if (r >= 0 && r < height && c >= 0 && c < plotWidth) grid[r][c] = { char, kind };
  };
  const clip = (c: number) => put(0, c, "^", "clipped");

  for (const p of view.points) {
    if (p.loss === null) continue;
    const c = column(p.lr);
    if (p.loss > top) clip(c);
    else if (grid[row(p.loss)][c].char === " ") put(row(p.loss), c, ".", "raw");
  }
  let previous: number | null = null;
  for (let c = 0; c < plotWidth; c++) {
    const lr = Math.exp(logLo + (c / (plotWidth - 1)) * logSpan);
    const loss = smoothedAt(view.points, lr);
    if (loss === null) {
      previous = null;
      continue;
    }
    if (loss > top) {
      clip(c);
      previous = null;
      continue;
    }
    const r = row(loss);
    const from = previous === null ? r : previous < r ? previous + 1 : previous - 1;
    for (let k = Math.min(from, r); k <= Math.max(from, r); k++) put(k, c, "*", "smoothed");
    previous = r;
  }

  const legend: [string, string, Kind][] = [];
  if (view.minimum && view.minimum.loss !== null) {
    put(row(view.minimum.loss), column(view.minimum.lr), "M", "minimum");
    legend.push([
      "M",
      `lowest ${formatLoss(view.minimum.loss)} at ${formatLr(view.minimum.lr)}`,
      "minimum",
    ]);
  }
  if (view.divergence) {
    const d = view.divergence;
    const r = d.loss !== null && d.loss <= top ? row(d.loss) : 0;
    put(r, column(d.lr), "X", "divergence");
    const what = d.kind === "diverged" ? "diverged" : "non-finite loss";
    legend.push(["X", `${what} at ${formatLr(d.lr)}`, "divergence"]);
  }
  if (view.suggestion) {
    const s = view.suggestion;
    const r = s.loss !== null && s.loss <= top ? row(s.loss) : 0;
    put(r, column(s.lr), "S", "suggestion");
    const what = suggestionTrusted(result) ? "suggested" : "not trusted:";
    legend.unshift(["S", `${what} ${formatLr(s.lr)} (${s.method})`, "suggestion"]);
  }
  if (view.clip) legend.push(["^", `loss above ${formatLoss(view.clip.above)} clipped`, "clipped"]);

  const paint = (text: string, kind: Kind | null) =>
    options.color && kind ? `${ANSI[kind]}${text}${ANSI.reset}` : text;
  const lines: string[] = [];
  const title = result.suggestion.lr === null
    ? `${result.name}: no suggestion (${result.suggestion.reason})`
    : `${result.name}: loss against learning rate`;
  lines.push(fit(title, width));
  grid.forEach((cells, r) => {
    const label = r === 0
      ? labels[0]
      : r === height - 1
      ? labels[2]
      : r === Math.floor((height - 1) / 2)
      ? labels[1]
      : "";
    const tick = label ? "\u2524" : "\u2502";
    lines.push(
      label.padStart(labelWidth) + " " + tick +
        cells.map((cell) => paint(cell.char, cell.kind)).join(""),
    );
  });

  const axis = Array.from({ length: plotWidth }, () => "\u2500");
  const tickLabels = Array.from({ length: plotWidth + 2 }, () => " ");
  let free = 0;
  for (const tick of view.lrTicks) {
    const c = column(tick);
    axis[c] = "\u252C";
    const text = tick.toExponential(0);
    const start = Math.max(
      0,
      Math.min(plotWidth + 2 - text.length, c + 2 - Math.floor(text.length / 2)),
    );
    if (start < free) continue;
    for (let k = 0; k < text.length; k++) tickLabels[start + k] = text[k];
    free = start + text.length + 1;
  }
  lines.push(" ".repeat(labelWidth + 1) + "\u2514" + axis.join(""));
  lines.push(fit(" ".repeat(labelWidth) + tickLabels.join(""), width));
  lines.push(fit(" ".repeat(labelWidth + 2) + "learning rate (log scale)", width));

  let line = "";
  let visible = 0;
  for (const [mark, text, kind] of legend) {
    const item = `${mark} ${text}`;
    const gap = visible === 0 ? 0 : 3;
    if (visible > 0 && visible + gap + item.length > width) {
      lines.push(line + " ".repeat(width - visible));
      line = "";
      visible = 0;
    }
    const shown = visible === 0 ? fit(item, width).trimEnd() : item;
    line += (visible === 0 ? "" : "   ") + paint(mark, kind) + shown.slice(1);
    visible += (visible === 0 ? 0 : 3) + shown.length;
  }
  if (visible > 0) lines.push(line + " ".repeat(width - visible));
  return lines.join("\n") + "\n";
}

/** Loss labels with the fewest significant digits (at least 3) that tell them apart. */
function axisLabels(values: number[]): string[] {
  for (let digits = 3; digits < 12; digits++) {
    const labels = values.map((v) => String(Number(v.toPrecision(digits))));
    if (new Set(labels).size === labels.length) return labels;
  }
  return values.map((v) => String(v));
}

/** Pads or cuts text to exactly `width` characters (cut text ends with an ellipsis). */
function fit(text: string, width: number): string {
  const chars = [...text];
  if (chars.length <= width) return text + " ".repeat(width - chars.length);
  return chars.slice(0, width - 1).join("") + "\u2026";
}
