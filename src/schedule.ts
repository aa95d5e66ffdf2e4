/**
 * Learning-rate schedules of the range test.
 * @module
 */

import type { ScheduleMode } from "./vocabulary.ts";

export type { ScheduleMode } from "./vocabulary.ts";

/** The learning rates a sweep steps through. */
export interface ScheduleOptions {
  /** Rate of the first step. */
  startLr: number;
  /** Rate of the last step. */
  endLr: number;
  /** Number of steps. */
  numIters: number;
  /** Growth shape; default `exp`. */
  mode?: ScheduleMode;
}

/**
 * Learning rate of step `k` (0-based): `startLr * (endLr / startLr) ** (k / (numIters - 1))`, or
 * `startLr + k / (numIters - 1) * (endLr - startLr)` in linear mode. The first step uses exactly
 * `startLr` and the last exactly `endLr`.
 */
export function learningRateAt(step: number, options: ScheduleOptions): number {
  const { startLr, endLr, numIters, mode = "exp" } = options;
  if (step <= 0) return startLr;
  if (step >= numIters - 1) return endLr;
  const t = step / (numIters - 1);
  return mode === "linear" ? startLr + t * (endLr - startLr) : startLr * (endLr / startLr) ** t;
}

/** All learning rates of a sweep, one per step. */
export function learningRateSchedule(options: ScheduleOptions): number[] {
  const rates = new Array<number>(options.numIters);
  for (let k = 0; k < options.numIters; k++) rates[k] = learningRateAt(k, options);
  return rates;
}
