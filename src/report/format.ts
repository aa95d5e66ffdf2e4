/**
 * Number formats shared by every report: learning rates as `2.1e-3`, losses with four
 * significant digits, durations in ms, s or min, the range of several runs. Non-finite values
 * print as `n/a`.
 * @module
 */
import type { Uncertainty } from "../result.ts";

/** Text shown for a missing or non-finite value. */
export const NOT_AVAILABLE = "n/a";

/** Options of {@linkcode formatLr}. */
export interface FormatLrOptions {
  /** Digits after the decimal point of the mantissa (default 1: `2.1e-3`). */
  digits?: number;
}

/** Formats a learning rate in short scientific notation: `2.1e-3`, `1.0e+0`. */
export function formatLr(lr: number | null | undefined, options: FormatLrOptions = {}): string {
  if (lr === null || lr === undefined || !Number.isFinite(lr)) return NOT_AVAILABLE;
  return lr.toExponential(options.digits ?? 1);
}

/** Formats a loss with four significant digits: `2.303`, `0.2205`, `51.84`, `1.235e+4`. */
export function formatLoss(loss: number | null | undefined): string {
  if (loss === null || loss === undefined || !Number.isFinite(loss)) return NOT_AVAILABLE;
  return loss.toPrecision(4);
}

/** Formats a duration in milliseconds: `850 ms`, `12.3 s`, `2 min 05 s`. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return NOT_AVAILABLE;
  if (ms < 1000) return `${Number(ms.toPrecision(3))} ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const whole = Math.round(seconds);
  const minutes = Math.floor(whole / 60);
  return `${minutes} min ${String(whole % 60).padStart(2, "0")} s`;
}

/** Formats an integer with thousands separators: `101,770`. */
export function formatCount(value: number): string {
  if (!Number.isFinite(value)) return NOT_AVAILABLE;
  const sign = value < 0 ? "-" : "";
  return sign + String(Math.round(Math.abs(value))).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/** The range of the runs' suggestions: `8.0e-3 to 1.0e-2 over 3 of 3 runs`. */
export function formatUncertainty(u: Uncertainty): string {
  return `${formatLr(u.low)} to ${
    formatLr(u.high)
  } over ${u.runsWithSuggestion} of ${u.perRun.length} runs`;
}
