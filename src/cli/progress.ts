/**
 * The progress bar on stderr during a sweep (step, learning rate, smoothed loss, time left),
 * drawn with `cli-progress`. It is only drawn to a terminal: piped or redirected stderr and
 * `--quiet` get no bar at all.
 * @module
 */
// @ts-types="@types/cli-progress"
import cliProgress from "cli-progress";
import process from "node:process";
import { formatLoss, formatLr } from "../report/mod.ts";
import type { SweepProgress } from "../sweep.ts";

/** A progress display fed by the sweep's `onStep`. */
export interface SweepProgressBar {
  /** Shows one recorded step. */
  update(progress: SweepProgress): void;
  /** Removes the bar (call it once the sweep ends, also after an error). */
  stop(): void;
}

/** Where the bar is drawn: a Node-style writable stream that says whether it is a terminal. */
export interface ProgressStream {
  /** True for a terminal; the bar is only drawn there. */
  isTTY?: boolean;
  /** Writes text. */
  write(text: string): unknown;
}

/** Options of {@linkcode createProgressBar}. */
export interface ProgressBarOptions {
  /** Draw nothing (`--quiet`). */
  quiet?: boolean;
  /** Stream to draw on; default `process.stderr` (drawn when `Deno.stderr.isTerminal()`). */
  stream?: ProgressStream;
}

/**
 * A progress bar for a sweep, or one that draws nothing when `quiet` is set or the stream is
 * not a terminal. The bar starts at the first step; with several runs it counts all their steps.
 */
export function createProgressBar(options: ProgressBarOptions = {}): SweepProgressBar {
  const stream = options.stream ?? (process.stderr as unknown as ProgressStream);
  const terminal = options.stream ? options.stream.isTTY === true : Deno.stderr.isTerminal();
  if (options.quiet || !terminal) return { update() {}, stop() {} };
  let bar: cliProgress.SingleBar | undefined;
  return {
    update(progress) {
      const total = progress.numIters * progress.runs;
      const value = progress.run * progress.numIters + progress.step + 1;
      const payload = {
        step: `${progress.step + 1}/${progress.numIters}`,
        run: progress.runs > 1 ? ` run ${progress.run + 1}/${progress.runs}` : "",
        lr: formatLr(progress.lr),
        loss: formatLoss(progress.smoothed),
      };
      if (!bar) {
        bar = new cliProgress.SingleBar({
          format: "{bar} {percentage}% |{run} step {step} | lr {lr} | loss {loss} | " +
            "ETA {eta_formatted}",
          stream: stream as unknown as NodeJS.WritableStream,
          barsize: 24,
          clearOnComplete: true,
          hideCursor: false,
          etaBuffer: 20,
          fps: 10,
        }, cliProgress.Presets.shades_classic);
        bar.start(total, value, payload);
      } else {
        bar.update(value, payload);
      }
    },
    stop() {
      bar?.stop();
      bar = undefined;
    },
  };
}
