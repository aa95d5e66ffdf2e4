/**
 * Placement of the chart's text labels: each label has a few candidate positions, and the one
 * that covers the fewest curve pixels, stays inside the plot and clears the labels placed
 * before it wins. Works in the plot's pixel space (log x axis, linear y axis).
 * @module
 */
import type { MeasureText, TextStyle } from "./font.ts";

/** The plot area and its scales. */
export interface PlotFrame {
  /** Plot width in CSS pixels. */
  width: number;
  /** Plot height in CSS pixels. */
  height: number;
  /** Learning-rate range of the log x axis. */
  lrDomain: [number, number];
  /** Loss range of the linear y axis. */
  lossDomain: [number, number];
}

/** A point in data space. */
export interface DataPoint {
  /** Learning rate. */
  lr: number;
  /** Loss. */
  loss: number;
}

/** One way to put a label next to its anchor. */
export interface LabelCandidate extends DataPoint {
  /** Horizontal alignment of the text relative to the anchor. */
  align: "left" | "right" | "center";
  /** Vertical alignment of the text block relative to the anchor. */
  baseline: "top" | "bottom" | "middle";
  /** Horizontal offset in pixels. */
  dx: number;
  /** Vertical offset in pixels (down is positive). */
  dy: number;
}

/** A label to place. */
export interface LabelRequest {
  /** Lines of text. */
  lines: string[];
  /** Font style of the text. */
  style: TextStyle;
  /** Line height in pixels. */
  lineHeight: number;
  /** Positions to choose from, most preferred first. */
  candidates: LabelCandidate[];
}

/** Things labels should not cover. */
export interface Obstacles {
  /** Polylines in data space (curves, rules). */
  lines: DataPoint[][];
  /** Markers in data space with their radius in pixels. */
  markers: (DataPoint & { radius: number })[];
}

interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** Margin kept around a label, in pixels. */
const MARGIN = 3;

/** Chooses a candidate for each label, in order; earlier labels have priority. */
export function placeLabels(
  requests: readonly LabelRequest[],
  frame: PlotFrame,
  options: { obstacles: Obstacles; measure: MeasureText },
): LabelCandidate[] {
  const samples = sampleObstacles(options.obstacles, frame);
  const placed: Box[] = [];
  return requests.map((request) => {
    const width = Math.max(...request.lines.map((line) => options.measure(line, request.style)));
    const height = request.lines.length * request.lineHeight;
    let best = request.candidates[0];
    let bestBox: Box | null = null;
    let bestCost = Infinity;
    request.candidates.forEach((candidate, rank) => {
      const box = labelBox(candidate, width, height, frame);
      const cost = outside(box, frame) * 1000 + overlapCount(box, samples) * 10 +
        placed.reduce((sum, other) => sum + overlapArea(box, other), 0) * 100 + rank;
      if (cost < bestCost) {
        bestCost = cost;
        best = candidate;
        bestBox = box;
      }
    });
    if (bestBox) placed.push(bestBox);
    return best;
  });
}

/** Pixel x of a learning rate. */
export function pixelX(lr: number, frame: PlotFrame): number {
  const [lo, hi] = frame.lrDomain;
  return ((Math.log(lr) - Math.log(lo)) / (Math.log(hi) - Math.log(lo))) * frame.width;
}

/** Pixel y of a loss (0 at the top). */
export function pixelY(loss: number, frame: PlotFrame): number {
  const [lo, hi] = frame.lossDomain;
  return ((hi - loss) / (hi - lo)) * frame.height;
}

function labelBox(c: LabelCandidate, width: number, height: number, frame: PlotFrame): Box {
  const ax = pixelX(c.lr, frame) + c.dx;
  const ay = pixelY(c.loss, frame) + c.dy;
  const x0 = c.align === "left" ? ax : c.align === "right" ? ax - width : ax - width / 2;
  const y0 = c.baseline === "top" ? ay : c.baseline === "bottom" ? ay - height : ay - height / 2;
  return { x0: x0 - MARGIN, y0: y0 - MARGIN, x1: x0 + width + MARGIN, y1: y0 + height + MARGIN };
}

/** Pixels of the box outside the plot, horizontally and vertically. */
function outside(box: Box, frame: PlotFrame): number {
  return Math.max(0, -box.x0) + Math.max(0, box.x1 - frame.width) + Math.max(0, -box.y0) +
    Math.max(0, box.y1 - frame.height);
}

function overlapArea(a: Box, b: Box): number {
  const w = Math.min(a.x1, b.x1) - Math.max(a.x0, b.x0);
  const h = Math.min(a.y1, b.y1) - Math.max(a.y0, b.y0);
  return w > 0 && h > 0 ? w * h : 0;
}

function overlapCount(box: Box, samples: Float64Array): number {
  let count = 0;
  for (let i = 0; i < samples.length; i += 2) {
    const x = samples[i];
    const y = samples[i + 1];
    if (x >= box.x0 && x <= box.x1 && y >= box.y0 && y <= box.y1) count++;
  }
  return count;
}

/** Points every 2 pixels along each polyline, and a ring around each marker. */
function sampleObstacles(obstacles: Obstacles, frame: PlotFrame): Float64Array {
  const out: number[] = [];
  const visible = (y: number) => y >= -frame.height && y <= 2 * frame.height;
  for (const line of obstacles.lines) {
    for (let i = 0; i < line.length; i++) {
      const x1 = pixelX(line[i].lr, frame);
      const y1 = pixelY(line[i].loss, frame);
      if (i === 0) {
        if (visible(y1)) out.push(x1, y1);
        continue;
      }
      const x0 = pixelX(line[i - 1].lr, frame);
      const y0 = pixelY(line[i - 1].loss, frame);
      const steps = Math.min(2000, Math.ceil(Math.hypot(x1 - x0, y1 - y0) / 2));
      for (let s = 1; s <= steps; s++) {
        const t = s / steps;
        const y = y0 + t * (y1 - y0);
        if (visible(y)) out.push(x0 + t * (x1 - x0), y);
      }
    }
  }
  for (const marker of obstacles.markers) {
    const cx = pixelX(marker.lr, frame);
    const cy = pixelY(marker.loss, frame);
    for (let a = 0; a < 16; a++) {
      const angle = (a / 16) * 2 * Math.PI;
      out.push(cx + marker.radius * Math.cos(angle), cy + marker.radius * Math.sin(angle));
    }
    out.push(cx, cy);
  }
  return Float64Array.from(out);
}
