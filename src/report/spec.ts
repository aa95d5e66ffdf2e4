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

/** A label to place, with its colour. */
interface PendingLabel {
  request: LabelRequest;
  color: string;
}

/**
 * The chart being built: what it shows and how values map to the axes, and what the parts
 * have drawn so far (layers in drawing order, the obstacles labels avoid, the labels to place).
 */
interface Chart {
  result: LrFinderResult;
  view: CurveView;
  /** The loss axis' lowest and highest value. */
  bottom: number;
  top: number;
  x: Layer;
  y(field: string): Layer;
  /** Colour encoding of a legend entry. */
  color(label: string): Layer;
  /** Raw and smoothed loss, clipped at the top of the loss axis. */
  raw: SeriesRow[];
  smoothed: SeriesRow[];
  layers: Layer[];
  obstacles: Obstacles;
  labels: PendingLabel[];
}

/** One part of the chart: draws its layers and asks for its labels. */
type ChartPart = (chart: Chart) => void;

/** The parts of the chart in drawing order; labels are placed in this order too. */
const CHART_PARTS: readonly ChartPart[] = [
  uncertaintySpan,
  runBand,
  lossLines,
  suggestionMark,
  minimumMark,
  divergenceMark,
  clipNote,
];

/** Builds the Vega-Lite spec of a result's loss curve. */
export function plotSpec(result: LrFinderResult, options: PlotOptions = {}): TopLevelSpec {
  const view = describeCurve(result);
  const width = options.width ?? 720;
  const height = options.height ?? 400;
  const frame: PlotFrame = { width, height, lrDomain: view.lrDomain, lossDomain: view.lossDomain };
  const chart = createChart(result, view);
  for (const draw of CHART_PARTS) draw(chart);

  const measure = options.measureText ?? estimateTextWidth;
  const placements = placeLabels(chart.labels.map((l) => l.request), frame, {
    obstacles: chart.obstacles,
    measure,
  });
  placements.forEach((placement, i) => {
    const { request, color: textColor } = chart.labels[i];
    chart.layers.push(...labelLayers(placement, request, textColor, chart.x, chart.y("loss")));
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
    layer: chart.layers,
  } as unknown as TopLevelSpec;
}

function createChart(result: LrFinderResult, view: CurveView): Chart {
  const [bottom, top] = view.lossDomain;
  const raw = clipSeries(view.points.map((p) => ({ lr: p.lr, value: p.loss })), top);
  const smoothed = clipSeries(view.points.map((p) => ({ lr: p.lr, value: p.smoothed })), top);
  const series = view.hasBand
    ? [RAW_LABEL, SMOOTHED_LABEL, bandLabel(result)]
    : [RAW_LABEL, SMOOTHED_LABEL];
  const colors = view.hasBand
    ? [PLOT_COLORS.raw, PLOT_COLORS.smoothed, PLOT_COLORS.band]
    : [PLOT_COLORS.raw, PLOT_COLORS.smoothed];
  return {
    result,
    view,
    bottom,
    top,
    x: xEncoding(view),
    y: (field) => yEncoding(view, result, field),
    color: (label) => ({
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
    }),
    raw,
    smoothed,
    layers: [],
    obstacles: { lines: [...segments(raw), ...segments(smoothed)], markers: [] },
    labels: [],
  };
}

function bandLabel(result: LrFinderResult): string {
  return `range of ${result.runs?.length ?? result.settings.runs} runs`;
}

/** The runs' spread of the suggestion, a faint span behind everything. */
function uncertaintySpan(chart: Chart): void {
  if (!chart.view.uncertainty) return;
  chart.layers.push({
    data: { values: [chart.view.uncertainty] },
    mark: { type: "rect", color: PLOT_COLORS.suggestion, opacity: 0.1 },
    encoding: { x: { ...chart.x, field: "low" }, x2: { field: "high" } },
  });
}

/** The band between the runs' lowest and highest smoothed loss. */
function runBand(chart: Chart): void {
  const { top } = chart;
  const band = chart.view.points
    .filter((p) => p.low !== null && p.high !== null && p.low <= top)
    .map((p) => ({ lr: p.lr, low: p.low, high: Math.min(p.high as number, top) }));
  if (band.length === 0) return;
  chart.layers.push({
    data: { values: band },
    mark: { type: "area", opacity: 1 },
    encoding: {
      x: chart.x,
      y: chart.y("low"),
      y2: { field: "high" },
      color: chart.color(bandLabel(chart.result)),
    },
  });
  chart.obstacles.lines.push(
    band.map((p) => ({ lr: p.lr, loss: p.low as number })),
    band.map((p) => ({ lr: p.lr, loss: p.high })),
  );
}

/** The raw loss, faint, and the smoothed loss, bold. */
function lossLines(chart: Chart): void {
  const { x } = chart;
  chart.layers.push(
    lineLayer(chart.raw, x, chart.y("value"), chart.color(RAW_LABEL), { strokeWidth: 1.2 }),
    lineLayer(chart.smoothed, x, chart.y("value"), chart.color(SMOOTHED_LABEL), {
      strokeWidth: 2.8,
    }),
  );
}

/** The suggested rate: a dashed rule and a dot with its label, or why there is none. */
function suggestionMark(chart: Chart): void {
  const { view, result, x, bottom, top } = chart;
  if (!view.suggestion) {
    const reason = result.suggestion.reason ?? "no rule found a learning rate";
    const middle = Math.sqrt(view.lrDomain[0] * view.lrDomain[1]);
    chart.labels.push({
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
    return;
  }
  const s = view.suggestion;
  const lines = [`suggested ${formatLr(s.lr)} (${s.method})`];
  if (view.uncertainty && result.uncertainty) {
    lines.push(formatUncertainty(result.uncertainty));
  }
  const visible = s.loss !== null && s.loss <= top;
  if (visible) {
    const point = { lr: s.lr, loss: s.loss as number };
    chart.layers.push(
      ruleLayer([{ lr: s.lr, loss: point.loss, base: bottom }], x, chart.y("loss"), {
        color: PLOT_COLORS.suggestion,
        strokeDash: [4, 3],
      }),
    );
    chart.obstacles.lines.push([point, { lr: s.lr, loss: bottom }]);
    addMarker(chart, point, { shape: "circle", size: 130, color: PLOT_COLORS.suggestion });
  } else {
    addVerticalRule(chart, s.lr, { color: PLOT_COLORS.suggestion, strokeDash: [4, 3] });
  }
  const anchor = visible ? { lr: s.lr, loss: s.loss as number } : { lr: s.lr, loss: top };
  chart.labels.push({
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
}

/** The lowest smoothed loss: a diamond with its value. */
function minimumMark(chart: Chart): void {
  const { minimum } = chart.view;
  if (!minimum || minimum.loss === null) return;
  const point = { lr: minimum.lr, loss: minimum.loss };
  addMarker(chart, point, { shape: "diamond", size: 120, color: PLOT_COLORS.minimum });
  chart.labels.push({
    color: PLOT_COLORS.minimum,
    request: {
      lines: [`lowest ${formatLoss(point.loss)} at ${formatLr(point.lr)}`],
      style: { fontSize: LABEL_SIZE },
      lineHeight: LINE_HEIGHT,
      candidates: pointCandidates(point, 9),
    },
  });
}

/** Where the sweep diverged or the loss stopped being finite: a dashed rule, a cross, a label. */
function divergenceMark(chart: Chart): void {
  const d = chart.view.divergence;
  if (!d) return;
  const { bottom, top } = chart;
  const text = d.kind === "diverged"
    ? `diverged at ${formatLr(d.lr)}`
    : `non-finite loss at ${formatLr(d.lr)}`;
  addVerticalRule(chart, d.lr, { color: PLOT_COLORS.divergence, strokeDash: [5, 4] });
  if (d.loss !== null && d.loss <= top) {
    const point = { lr: d.lr, loss: d.loss };
    addMarker(chart, point, { shape: "cross", size: 110, color: PLOT_COLORS.divergence });
  }
  const middle = (bottom + top) / 2;
  chart.labels.push({
    color: PLOT_COLORS.divergence,
    request: {
      lines: [text],
      style: { fontSize: LABEL_SIZE },
      lineHeight: LINE_HEIGHT,
      candidates: [bottom, middle, top].flatMap((loss): LabelCandidate[] =>
        (["right", "left"] as const).map((align) => ({
          lr: d.lr,
          loss,
          align,
          baseline: loss === top ? "top" : "bottom",
          dx: align === "right" ? -6 : 6,
          dy: loss === top ? 6 : -6,
        }))
      ),
    },
  });
}

/** A note that the exploded tail is clipped, with the highest loss. */
function clipNote(chart: Chart): void {
  const { view, bottom, top } = chart;
  if (!view.clip) return;
  const firstClipped = view.points.find((p) =>
    [p.loss, p.smoothed, p.high].some((v) => v !== null && v > top)
  );
  const at = firstClipped?.lr ?? view.lrDomain[1];
  chart.labels.push({
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
        { lr: view.lrDomain[1], loss: bottom, align: "right", baseline: "bottom", dx: -8, dy: -6 },
      ],
    },
  });
}

/** A point marker, which labels keep clear of. */
function addMarker(
  chart: Chart,
  point: DataPoint,
  style: { shape: string; size: number; color: string },
): void {
  chart.layers.push(markerLayer(point, chart.x, chart.y("loss"), style));
  chart.obstacles.markers.push({ ...point, radius: 7 });
}

/** A dashed rule across the whole plot height at `lr`, which labels keep clear of. */
function addVerticalRule(
  chart: Chart,
  lr: number,
  style: { color: string; strokeDash: number[] },
): void {
  chart.layers.push(ruleLayer([{ lr }], chart.x, null, style));
  chart.obstacles.lines.push([{ lr, loss: chart.bottom }, { lr, loss: chart.top }]);
}

/** The subtitle: backend, steps, optimizer, batch size and why the sweep stopped. */
function subtitle(result: LrFinderResult): string {
  const s = result.settings;
  // The adapter only when the sweep ran on it (a wasm run may record the adapter it passed over).
  const backend = s.adapter && s.backend === "webgpu" ? `${s.backend}, ${s.adapter}` : s.backend;
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
