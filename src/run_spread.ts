/**
 * Per-step statistics over the curves of repeated runs: the median curve and the band between
 * the lowest and highest, used by the sweep for its result and by the charts for what they draw.
 * @module
 */
import type { Band } from "./result.ts";

/**
 * Per-step median over the runs that have a finite value at that step; the curve ends at the
 * first step where fewer than half of all runs do.
 */
export function medianCurve(curves: readonly (number | null)[][], runs: number): (number | null)[] {
  const out: (number | null)[] = [];
  const longest = Math.max(0, ...curves.map((c) => c.length));
  for (let k = 0; k < longest; k++) {
    const values = finiteAt(curves, k);
    if (values.length * 2 < runs) break;
    out.push(median(values));
  }
  return out;
}

/** Per-step lowest and highest of the curves over the first `length` steps. */
export function bandOf(curves: readonly (number | null)[][], length: number): Band {
  const low: (number | null)[] = [];
  const high: (number | null)[] = [];
  for (let k = 0; k < length; k++) {
    const values = finiteAt(curves, k);
    low.push(values.length ? Math.min(...values) : null);
    high.push(values.length ? Math.max(...values) : null);
  }
  return { low, high };
}

function finiteAt(curves: readonly (number | null)[][], k: number): number[] {
  return curves.map((c) => c[k]).filter((v): v is number => typeof v === "number");
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
