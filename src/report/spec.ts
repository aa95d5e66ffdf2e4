/**
 * The loss-against-learning-rate chart as a Vega-Lite spec: raw loss faint, smoothed loss bold,
 * the band between runs, the suggestion (and its spread over runs), the lowest smoothed loss and
 * the divergence point marked and labelled, and the exploded tail clipped with a note. When
 * verification trained candidate rates, a second panel below shares the log learning-rate axis
 * and shows each trial's held-out loss (the best, trained, pruned and diverged ones told apart),
 * the untrained model's loss and the suggestion. The subtitle names the warnings.
 * @module
 */
import type { TopLevelSpec } from "vega-lite";
import type { LrFinderResult } from "../result.ts";
import { clipSeries, type CurveView, describeCurve, logTicks, type SeriesRow } from "./curve.ts";
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
import {
  orderedWarnings,
  suggestionTrusted,
  type TrialOutcome,
  type TrialRow,
  trialsTable,
  warningTitle,
} from "./trials.ts";
import { UNTRUSTED } from "../warnings.ts";

/** Options of {@linkcode plotSpec}. */
export interface PlotOptions {
  /** Width of the plot area in CSS pixels (default 720). */
  width?: number;
  /** Height of the plot area in CSS pixels (default 400). */
  height?: number;
  /** Height of the trials panel in CSS pixels, when there are trials (default 160). */
  trialsHeight?: number;
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
  trained: "#1c4e80",
  pruned: "#868e96",
  untrained: "#868e96",
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
  /** Layers of the trials panel below the curve; none without trials. */
  trialLayers: Layer[];
  /** Height of the trials panel in CSS pixels. */
  trialsHeight: number;
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
  trialsPanel,
];

/**
 * Builds the Vega-Lite spec of a result's loss curve: one layered view, or with verification
 * trials two views stacked (`vconcat`) on the same learning-rate axis.
 */
export function plotSpec(result: LrFinderResult, options: PlotOptions = {}): TopLevelSpec {
  const view = withTrialRates(describeCurve(result), trialsTable(result));
  const width = options.width ?? 720;
  const height = options.height ?? 400;
  const frame: PlotFrame = { width, height, lrDomain: view.lrDomain, lossDomain: view.lossDomain };
  const chart = createChart(result, view, options.trialsHeight ?? 160);
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

  const views = chart.trialLayers.length === 0 ? { width, height, layer: chart.layers } : {
    vconcat: [
      { width, height, layer: chart.layers },
      { width, height: chart.trialsHeight, layer: chart.trialLayers, title: TRIALS_TITLE },
    ],
    spacing: 18,
    resolve: {
      scale: { color: "independent", shape: "independent", y: "independent" },
      legend: { color: "independent", shape: "independent" },
    },
  };
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    ...views,
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
  } as unknown as TopLevelSpec;
}

/** The curve's view with the learning-rate axis widened, where needed, to every trial's rate. */
function withTrialRates(view: CurveView, trials: readonly TrialRow[]): CurveView {
  if (trials.length === 0) return view;
  const lo = Math.min(view.lrDomain[0], ...trials.map((t) => t.lr / 10 ** 0.1));
  const hi = Math.max(view.lrDomain[1], ...trials.map((t) => t.lr * 10 ** 0.1));
  if (lo === view.lrDomain[0] && hi === view.lrDomain[1]) return view;
  return { ...view, lrDomain: [lo, hi], lrTicks: logTicks(lo, hi) };
}

function createChart(result: LrFinderResult, view: CurveView, trialsHeight: number): Chart {
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
    trialLayers: [],
    trialsHeight,
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
  const what = suggestionTrusted(result) ? "suggested" : "not trusted:";
  const lines = [`${what} ${formatLr(s.lr)} (${s.method})`];
  if (view.uncertainty && result.uncertainty) {
    // A verified rate has no spread of its own: the range is the curve rule's, so say whose.
    const u = result.uncertainty;
    lines.push(
      s.method === "verified"
        ? `${result.runs?.[0]?.suggestion.method ?? "curve"} rule: ${formatLr(u.low)} to ${
          formatLr(u.high)
        }`
        : formatUncertainty(u),
    );
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

/** The title of the trials panel. */
const TRIALS_TITLE = {
  text: "Verification: held-out loss after training at each rate from the same weights " +
    "(numbers: steps trained)",
  anchor: "start",
  fontSize: 13,
  fontWeight: "normal",
  color: PLOT_COLORS.text,
  offset: 8,
};

/** How each kind of trial is drawn, in the legend's order. */
const TRIAL_STYLES: Readonly<
  Record<TrialOutcome, { label: string; color: string; shape: string }>
> = {
  chosen: { label: "best", color: PLOT_COLORS.minimum, shape: "circle" },
  trained: { label: "trained", color: PLOT_COLORS.trained, shape: "circle" },
  pruned: { label: "pruned", color: PLOT_COLORS.pruned, shape: "circle" },
  stopped: { label: "stopped", color: PLOT_COLORS.pruned, shape: "triangle-down" },
  diverged: { label: "diverged", color: PLOT_COLORS.divergence, shape: "cross" },
};

/**
 * The trials panel below the curve: each trial's held-out loss at its rate (diverged trials as
 * crosses along the top), labelled with its steps; the untrained model's loss as a dotted line;
 * the suggestion as a dashed rule. Nothing without trials.
 */
function trialsPanel(chart: Chart): void {
  const rows = trialsTable(chart.result);
  if (rows.length === 0) return;
  const v = chart.result.verification;
  const initial = v?.initialLoss;
  const { ceiling, ...scale } = heldOutScale(rows, initial);
  const y: Layer = {
    field: "loss",
    type: "quantitative",
    title: "held-out loss",
    scale,
    axis: scale.type === "log"
      ? { grid: true, values: logTicks(scale.domain[0], scale.domain[1]), format: "~g" }
      : { grid: true, tickCount: 4 },
  };
  const outcomes = (Object.keys(TRIAL_STYLES) as TrialOutcome[]).filter((o) =>
    rows.some((r) => r.outcome === o)
  );
  const legend = {
    field: "kind",
    type: "nominal",
    scale: {
      domain: outcomes.map((o) => TRIAL_STYLES[o].label),
      range: outcomes.map((o) => TRIAL_STYLES[o].color),
    },
    legend: { title: null, orient: "top", direction: "horizontal", labelFontSize: 12 },
  };
  const shape = {
    ...legend,
    scale: { ...legend.scale, range: outcomes.map((o) => TRIAL_STYLES[o].shape) },
  };
  const points = rows.map((r) => ({
    lr: r.lr,
    loss: r.heldOutLoss ?? ceiling,
    kind: TRIAL_STYLES[r.outcome].label,
    steps: `${r.steps}`,
  }));
  const layers = chart.trialLayers;
  if (initial !== undefined && Number.isFinite(initial)) {
    layers.push(
      {
        data: { values: [{ loss: initial }] },
        mark: { type: "rule", color: PLOT_COLORS.untrained, strokeDash: [2, 3], strokeWidth: 1.2 },
        encoding: { y },
      },
      {
        data: { values: [{ lr: chart.view.lrDomain[1], loss: initial }] },
        mark: {
          type: "text",
          align: "right",
          baseline: "bottom",
          dx: -4,
          dy: -3,
          fontSize: 11,
          color: PLOT_COLORS.muted,
          text: `untrained ${formatLoss(initial)}`,
        },
        encoding: { x: chart.x, y },
      },
    );
  }
  const s = chart.result.suggestion;
  if (s.lr !== null && s.lr > 0) {
    // The same colour and dash as the suggestion's rule in the curve above, which labels it.
    layers.push(
      ruleLayer([{ lr: s.lr }], chart.x, null, {
        color: PLOT_COLORS.suggestion,
        strokeDash: [4, 3],
      }),
    );
  }
  layers.push(
    {
      data: { values: points },
      mark: { type: "point", filled: true, size: 110, opacity: 1, stroke: "white", strokeWidth: 1 },
      encoding: { x: chart.x, y, color: legend, shape },
    },
    {
      data: { values: points },
      mark: {
        type: "text",
        align: "center",
        baseline: "bottom",
        dy: -8,
        fontSize: 10,
        color: PLOT_COLORS.muted,
      },
      encoding: { x: chart.x, y, text: { field: "steps" } },
    },
  );
}

/**
 * The held-out loss axis: every finite loss and the untrained one, with room above for the
 * diverged trials (drawn at `ceiling`); logarithmic when the losses are positive and span more
 * than 20 times.
 */
function heldOutScale(rows: readonly TrialRow[], initial: number | undefined): {
  type: "linear" | "log";
  domain: [number, number];
  ceiling: number;
  nice: false;
  zero?: false;
} {
  const values = rows.map((r) => r.heldOutLoss).filter((v): v is number =>
    v !== null && Number.isFinite(v)
  );
  if (initial !== undefined && Number.isFinite(initial)) values.push(initial);
  const lo = values.length > 0 ? Math.min(...values) : 0;
  const hi = values.length > 0 ? Math.max(...values) : 1;
  if (lo > 0 && hi / lo > 20) {
    const decades = Math.log10(hi / lo);
    return {
      type: "log",
      domain: [lo / 10 ** (0.1 * decades), hi * 10 ** (0.3 * decades)],
      ceiling: hi * 10 ** (0.18 * decades),
      nice: false,
    };
  }
  const span = hi - lo || Math.abs(hi) || 1;
  const bottom = hi === lo && lo >= 0 ? 0 : lo - 0.15 * span;
  return {
    type: "linear",
    domain: [lo >= 0 ? Math.max(0, bottom) : bottom, hi + 0.35 * span],
    ceiling: hi + 0.2 * span,
    nice: false,
    zero: false,
  };
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

/**
 * The subtitle: backend, steps, optimizer, batch size, why the sweep stopped and whether it was
 * verified; a second line names the warnings by their short titles, those that withdraw the
 * trust in the rate first.
 */
function subtitle(result: LrFinderResult): string | string[] {
  const s = result.settings;
  // The backend that ran; an adapter only when the sweep ran on it (webgpu).
  const backend = backendText(s);
  const runs = s.runs > 1 ? ` \u00D7 ${s.runs} runs` : "";
  const parts = [
    `backend ${backend}`,
    `${result.lrs.length} of ${s.numIters} steps${runs}`,
    `${s.optimizer.name}, batch ${s.batchSize}`,
    `stopped: ${result.stopReason}`,
  ];
  const v = result.verification;
  if (v) {
    parts.push(
      v.outcome === "verified"
        ? `verified: ${result.trials?.length ?? 0} rates, ${v.steps} steps`
        : "not verified",
    );
  }
  const first = parts.join("  \u00B7  ");
  const warnings = orderedWarnings(result);
  if (warnings.length === 0) return first;
  const untrusted = warnings.filter((w) => w.severity === UNTRUSTED).map(warningTitle);
  const caution = warnings.filter((w) => w.severity !== UNTRUSTED).map(warningTitle);
  const second = [
    ...(untrusted.length > 0 ? [`not trusted: ${untrusted.join(", ")}`] : []),
    ...(caution.length > 0 ? [`caution: ${caution.join(", ")}`] : []),
  ].join("  \u00B7  ");
  return [first, second];
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
