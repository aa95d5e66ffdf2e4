/**
 * The loss-against-learning-rate chart as a Vega-Lite spec: raw loss faint, smoothed loss bold,
 * the band between runs, the suggestion (and its spread over runs), the lowest smoothed loss and
 * the divergence point marked and labelled, and the exploded tail clipped with a note.
 * @module
 */
import type { TopLevelSpec } from "vega-lite";
import type { LrFinderResult } from "../result.ts";
import { clipSeries, type CurveView, describeCurve, type SeriesRow } from "./curve.ts";
import { estimateTextWidth, FONT_FAMILY, type MeasureText, type TextStyle } from "./font.ts";
import { formatLoss, formatLr, formatUncertainty } from "./format.ts";
import {
  type DataPoint,
  type LabelCandidate,
  type LabelRequest,
  type Obstacles,
  placeLabels,
  type PlotFrame,
} from "./labels.ts";
import { backendText } from "./markdown.ts";

/** Options of {@linkcode plotSpec}. */
export interface PlotOptions {
  /** Width of the plot area in CSS pixels (default 720). */
  width?: number;
  /** Height of the plot area in CSS pixels (default 400). */
  height?: number;
  /** Chart title (default `Learning-rate range test: <name>`). */
  title?: string;
  /** Text measurement used to place labels (default: an estimate for DejaVu Sans). */
  measureText?: MeasureText;
}

/** Colours of the chart. */
export const PLOT_COLORS = {
  raw: "#9cc3e6",
  smoothed: "#1c4e80",
  band: "#cddff0",
  suggestion: "#d9480f",
  minimum: "#2b8a3e",
  divergence: "#c92a2a",
  text: "#212529",
  muted: "#495057",
  grid: "#e9ecef",
} as const;

const RAW_LABEL = "raw loss";
const SMOOTHED_LABEL = "smoothed loss";
const LABEL_SIZE = 12;
const LINE_HEIGHT = 15;

type Layer = Record<string, unknown>;

/** Builds the Vega-Lite spec of a result's loss curve. */
export function plotSpec(result: LrFinderResult, options: PlotOptions = {}): TopLevelSpec {
  const view = describeCurve(result);
  const width = options.width ?? 720;
  const height = options.height ?? 400;
  const frame: PlotFrame = { width, height, lrDomain: view.lrDomain, lossDomain: view.lossDomain };
  const [bottom, top] = view.lossDomain;
  const measure = options.measureText ?? estimateTextWidth;

  const raw = clipSeries(view.points.map((p) => ({ lr: p.lr, value: p.loss })), top);
  const smoothed = clipSeries(view.points.map((p) => ({ lr: p.lr, value: p.smoothed })), top);
  const band = view.points
    .filter((p) => p.low !== null && p.high !== null && p.low <= top)
    .map((p) => ({ lr: p.lr, low: p.low, high: Math.min(p.high as number, top) }));

  const bandLabel = `range of ${result.runs?.length ?? result.settings.runs} runs`;
  const series = view.hasBand
    ? [RAW_LABEL, SMOOTHED_LABEL, bandLabel]
    : [RAW_LABEL, SMOOTHED_LABEL];
  const colors = view.hasBand
    ? [PLOT_COLORS.raw, PLOT_COLORS.smoothed, PLOT_COLORS.band]
    : [PLOT_COLORS.raw, PLOT_COLORS.smoothed];
  const x = xEncoding(view);
  const y = (field: string) => yEncoding(view, result, field);
  const color = (label: string) => ({
    datum: label,
    type: "nominal",
    scale: { domain: series, range: colors },
    legend: {
      title: null,
      orient: "top",
      direction: "horizontal",
      symbolType: "stroke",
      symbolStrokeWidth: 3,
      symbolOpacity: 1,
      symbolSize: 260,
      labelFontSize: 12,
      labelColor: PLOT_COLORS.muted,
      columnPadding: 18,
      offset: 8,
    },
  });

  const layers: Layer[] = [];
  const obstacles: Obstacles = {
    lines: [...segments(raw), ...segments(smoothed)],
    markers: [],
  };
  const labels: { request: LabelRequest; color: string }[] = [];

  if (view.uncertainty) {
    layers.push({
      data: { values: [view.uncertainty] },
      mark: { type: "rect", color: PLOT_COLORS.suggestion, opacity: 0.1 },
      encoding: { x: { ...x, field: "low" }, x2: { field: "high" } },
    });
  }
  if (band.length > 0) {
    layers.push({
      data: { values: band },
      mark: { type: "area", opacity: 1 },
      encoding: { x, y: y("low"), y2: { field: "high" }, color: color(bandLabel) },
    });
    obstacles.lines.push(
      band.map((p) => ({ lr: p.lr, loss: p.low as number })),
      band.map((p) => ({ lr: p.lr, loss: p.high })),
    );
  }
  layers.push(lineLayer(raw, x, y("value"), color(RAW_LABEL), { strokeWidth: 1.2 }));
  layers.push(lineLayer(smoothed, x, y("value"), color(SMOOTHED_LABEL), { strokeWidth: 2.8 }));

  if (view.suggestion) {
    const s = view.suggestion;
    const lines = [`suggested ${formatLr(s.lr)} (${s.method})`];
    if (view.uncertainty && result.uncertainty) {
      lines.push(formatUncertainty(result.uncertainty));
    }
    const visible = s.loss !== null && s.loss <= top;
    if (visible) {
      const point = { lr: s.lr, loss: s.loss as number };
      layers.push(
        ruleLayer([{ lr: s.lr, loss: point.loss, base: bottom }], x, y("loss"), {
          color: PLOT_COLORS.suggestion,
          strokeDash: [4, 3],
        }),
        markerLayer(point, x, y("loss"), {
          shape: "circle",
          size: 130,
          color: PLOT_COLORS.suggestion,
        }),
      );
      obstacles.lines.push([point, { lr: s.lr, loss: bottom }]);
      obstacles.markers.push({ ...point, radius: 7 });
    } else {
      layers.push(
        ruleLayer([{ lr: s.lr }], x, null, { color: PLOT_COLORS.suggestion, strokeDash: [4, 3] }),
      );
      obstacles.lines.push([{ lr: s.lr, loss: bottom }, { lr: s.lr, loss: top }]);
    }
    const anchor = visible ? { lr: s.lr, loss: s.loss as number } : { lr: s.lr, loss: top };
    labels.push({
      color: PLOT_COLORS.suggestion,
      request: {
        lines,
        style: { fontSize: 13, bold: true },
        lineHeight: LINE_HEIGHT + 1,
        candidates: visible ? pointCandidates(anchor, 10) : [
          { ...anchor, align: "left", baseline: "top", dx: 6, dy: 8 },
          { ...anchor, align: "right", baseline: "top", dx: -6, dy: 8 },
        ],
      },
    });
  } else {
    const reason = result.suggestion.reason ?? "no rule found a learning rate";
    const middle = Math.sqrt(view.lrDomain[0] * view.lrDomain[1]);
    labels.push({
      color: PLOT_COLORS.suggestion,
      request: {
        lines: [`no suggestion (${result.suggestion.method}): ${reason}`],
        style: { fontSize: 13, bold: true },
        lineHeight: LINE_HEIGHT + 1,
        candidates: [
          { lr: middle, loss: bottom, align: "center", baseline: "bottom", dx: 0, dy: -10 },
          { lr: middle, loss: top, align: "center", baseline: "top", dx: 0, dy: 10 },
          { lr: view.lrDomain[0], loss: bottom, align: "left", baseline: "bottom", dx: 8, dy: -10 },
        ],
      },
    });
  }

  if (view.minimum && view.minimum.loss !== null) {
    const point = { lr: view.minimum.lr, loss: view.minimum.loss };
    layers.push(markerLayer(point, x, y("loss"), {
      shape: "diamond",
      size: 120,
      color: PLOT_COLORS.minimum,
    }));
    obstacles.markers.push({ ...point, radius: 7 });
    labels.push({
      color: PLOT_COLORS.minimum,
      request: {
        lines: [`lowest ${formatLoss(point.loss)} at ${formatLr(point.lr)}`],
        style: { fontSize: LABEL_SIZE },
        lineHeight: LINE_HEIGHT,
        candidates: pointCandidates(point, 9),
      },
    });
  }

  if (view.divergence) {
    const d = view.divergence;
    const text = d.kind === "diverged"
      ? `diverged at ${formatLr(d.lr)}`
      : `non-finite loss at ${formatLr(d.lr)}`;
    layers.push(ruleLayer([{ lr: d.lr }], x, null, {
      color: PLOT_COLORS.divergence,
      strokeDash: [5, 4],
    }));
    obstacles.lines.push([{ lr: d.lr, loss: bottom }, { lr: d.lr, loss: top }]);
    if (d.loss !== null && d.loss <= top) {
      const point = { lr: d.lr, loss: d.loss };
      layers.push(markerLayer(point, x, y("loss"), {
        shape: "cross",
        size: 110,
        color: PLOT_COLORS.divergence,
      }));
      obstacles.markers.push({ ...point, radius: 7 });
    }
    const middle = (bottom + top) / 2;
    labels.push({
      color: PLOT_COLORS.divergence,
      request: {
        lines: [text],
        style: { fontSize: LABEL_SIZE },
        lineHeight: LINE_HEIGHT,
        candidates: [bottom, middle, top].flatMap((loss): LabelCandidate[] => [
          {
            lr: d.lr,
            loss,
            align: "right",
            baseline: loss === top ? "top" : "bottom",
            dx: -6,
            dy: loss === top ? 6 : -6,
          },
          {
            lr: d.lr,
            loss,
            align: "left",
            baseline: loss === top ? "top" : "bottom",
            dx: 6,
            dy: loss === top ? 6 : -6,
          },
        ]),
      },
    });
  }

  if (view.clip) {
    const firstClipped = view.points.find((p) =>
      [p.loss, p.smoothed, p.high].some((v) => v !== null && v > top)
    );
    const at = firstClipped?.lr ?? view.lrDomain[1];
    labels.push({
      color: PLOT_COLORS.muted,
      request: {
        lines: [
          `clipped: loss above ${formatLoss(view.clip.above)} (max ${formatLoss(view.clip.max)})`,
        ],
        style: { fontSize: LABEL_SIZE, italic: true },
        lineHeight: LINE_HEIGHT,
        candidates: [
          { lr: at, loss: top, align: "right", baseline: "top", dx: -10, dy: 6 },
          { lr: at, loss: top, align: "right", baseline: "top", dx: -30, dy: 6 },
          { lr: view.lrDomain[1], loss: top, align: "right", baseline: "top", dx: -8, dy: 6 },
          { lr: view.lrDomain[0], loss: top, align: "left", baseline: "top", dx: 8, dy: 6 },
          {
            lr: view.lrDomain[1],
            loss: bottom,
            align: "right",
            baseline: "bottom",
            dx: -8,
            dy: -6,
          },
        ],
      },
    });
  }

  const placements = placeLabels(labels.map((l) => l.request), frame, { obstacles, measure });
  placements.forEach((placement, i) => {
    const { request, color: textColor } = labels[i];
    layers.push(...labelLayers(placement, request, textColor, x, y("loss")));
  });

  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    width,
    height,
    padding: { left: 12, right: 24, top: 12, bottom: 12 },
    background: "white",
    title: {
      text: options.title ?? `Learning-rate range test: ${result.name}`,
      subtitle: subtitle(result),
      anchor: "start",
      fontSize: 17,
      fontWeight: "bold",
      subtitleFontSize: 12,
      subtitleColor: PLOT_COLORS.muted,
      subtitlePadding: 6,
      color: PLOT_COLORS.text,
      offset: 10,
    },
    config: {
      font: FONT_FAMILY,
      view: { stroke: "#ced4da" },
      axis: {
        labelFontSize: 12,
        titleFontSize: 13,
        titleFontWeight: "normal",
        labelColor: PLOT_COLORS.muted,
        titleColor: PLOT_COLORS.text,
        gridColor: PLOT_COLORS.grid,
        domainColor: "#adb5bd",
        tickColor: "#adb5bd",
      },
    },
    layer: layers,
  } as unknown as TopLevelSpec;
}

/** The subtitle: backend, steps, optimizer, batch size and why the sweep stopped. */
function subtitle(result: LrFinderResult): string {
  const s = result.settings;
  // The backend that ran; an adapter only when the sweep ran on it (webgpu).
  const backend = backendText(s);
  const runs = s.runs > 1 ? ` \u00D7 ${s.runs} runs` : "";
  return [
    `backend ${backend}`,
    `${result.lrs.length} of ${s.numIters} steps${runs}`,
    `${s.optimizer.name}, batch ${s.batchSize}`,
    `stopped: ${result.stopReason}`,
  ].join("  \u00B7  ");
}

/** Label positions around a point marker, most preferred first; farther ones after nearer. */
function pointCandidates(point: DataPoint, gap: number): LabelCandidate[] {
  return [gap, 2 * gap].flatMap((g): LabelCandidate[] => [
    { ...point, align: "left", baseline: "bottom", dx: g, dy: -g },
    { ...point, align: "right", baseline: "top", dx: -g, dy: g },
    { ...point, align: "left", baseline: "top", dx: g, dy: g },
    { ...point, align: "right", baseline: "bottom", dx: -g, dy: -g },
    { ...point, align: "center", baseline: "top", dx: 0, dy: g + 4 },
    { ...point, align: "center", baseline: "bottom", dx: 0, dy: -g - 4 },
    { ...point, align: "left", baseline: "middle", dx: g + 4, dy: 0 },
    { ...point, align: "right", baseline: "middle", dx: -g - 4, dy: 0 },
  ]);
}

function segments(rows: readonly SeriesRow[]): DataPoint[][] {
  const out: DataPoint[][] = [];
  let current = -1;
  for (const row of rows) {
    if (row.segment !== current) {
      out.push([]);
      current = row.segment;
    }
    out[out.length - 1].push({ lr: row.lr, loss: row.value });
  }
  return out;
}

function xEncoding(view: CurveView): Layer {
  const exact125 = view.lrTicks.every((v) => {
    const mantissa = Number((v / 10 ** Math.floor(Math.log10(v) + 1e-9)).toPrecision(6));
    return mantissa === 1 || mantissa === 2 || mantissa === 5;
  });
  return {
    field: "lr",
    type: "quantitative",
    title: "learning rate (log scale)",
    scale: { type: "log", domain: view.lrDomain, nice: false },
    axis: {
      values: view.lrTicks,
      format: exact125 ? ".0e" : ".1e",
      labelFlush: false,
      grid: true,
    },
  };
}

function yEncoding(view: CurveView, result: LrFinderResult, field: string): Layer {
  return {
    field,
    type: "quantitative",
    title: result.settings.evaluate === "validation" ? "validation loss" : "training loss",
    scale: { domain: view.lossDomain, nice: false, zero: false },
    axis: { grid: true, tickCount: 6 },
  };
}

function lineLayer(
  rows: readonly SeriesRow[],
  x: Layer,
  y: Layer,
  color: Layer,
  style: { strokeWidth: number },
): Layer {
  return {
    data: { values: rows },
    mark: {
      type: "line",
      strokeWidth: style.strokeWidth,
      strokeJoin: "round",
      strokeCap: "round",
    },
    encoding: { x, y, color, detail: { field: "segment", type: "nominal" } },
  };
}

function ruleLayer(
  values: Record<string, number>[],
  x: Layer,
  y: Layer | null,
  style: { color: string; strokeDash: number[] },
): Layer {
  return {
    data: { values },
    mark: { type: "rule", color: style.color, strokeDash: style.strokeDash, strokeWidth: 1.4 },
    encoding: y ? { x, y, y2: { field: "base" } } : { x },
  };
}

function markerLayer(
  point: DataPoint,
  x: Layer,
  y: Layer,
  style: { shape: string; size: number; color: string },
): Layer {
  return {
    data: { values: [point] },
    mark: {
      type: "point",
      shape: style.shape,
      filled: true,
      size: style.size,
      color: style.color,
      stroke: "white",
      strokeWidth: 1.5,
      opacity: 1,
    },
    encoding: { x, y },
  };
}

/** A text label drawn twice: a white halo first, so it stays legible over lines, then the text. */
function labelLayers(
  at: LabelCandidate,
  request: LabelRequest,
  color: string,
  x: Layer,
  y: Layer,
): Layer[] {
  const style: TextStyle = request.style;
  const base = {
    type: "text",
    align: at.align,
    baseline: at.baseline,
    dx: at.dx,
    dy: at.dy,
    fontSize: style.fontSize,
    fontWeight: style.bold ? "bold" : "normal",
    fontStyle: style.italic ? "italic" : "normal",
    lineHeight: request.lineHeight,
  };
  const values = [{
    lr: at.lr,
    loss: at.loss,
    text: request.lines.length === 1 ? request.lines[0] : request.lines,
  }];
  const encoding = { x, y, text: { field: "text" } };
  return [
    {
      data: { values },
      mark: { ...base, color: "white", stroke: "white", strokeWidth: 4, strokeJoin: "round" },
      encoding,
    },
    { data: { values }, mark: { ...base, color }, encoding },
  ];
}
