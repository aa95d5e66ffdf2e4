/**
 * The progress bars on stderr: during the sweep (step, learning rate, smoothed loss, time left),
 * then during verification (which candidate rate trains, its step, the steps of all trials and
 * the time left), drawn with `cli-progress`. They are only drawn to a terminal: piped or
 * redirected stderr and `--quiet` get no bar at all.
 * @module
 */
// @ts-types="@types/cli-progress"
import cliProgress from "cli-progress";
import process from "node:process";
import { formatLoss, formatLr } from "../report/mod.ts";
import type { SweepProgress } from "../sweep.ts";
import type { VerifyProgress } from "../sweep_options.ts";

/** A progress display fed by the sweep's `onStep` and verification's `onVerify`. */
export interface SweepProgressBar {
  /** Shows one recorded step of the sweep. */
  update(progress: SweepProgress): void;
  /** Shows one training step of verification; the first one replaces the sweep's bar. */
  verify(progress: VerifyProgress): void;
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

/** Options every bar shares. */
function barOptions(stream: ProgressStream, format: string): cliProgress.Options {
  return {
    format,
    stream: stream as unknown as NodeJS.WritableStream,
    barsize: 24,
    clearOnComplete: true,
    hideCursor: false,
    etaBuffer: 20,
    fps: 10,
  };
}

const SWEEP_FORMAT = "{bar} {percentage}% |{run} step {step} | lr {lr} | loss {loss} | " +
  "ETA {eta_formatted}";

const VERIFY_FORMAT = "{bar} {percentage}% | verifying {trial}/{trials} candidates, " +
  "step {step} | lr {lr} | ETA {eta_formatted}";

/**
 * A progress bar for a sweep and its verification, or one that draws nothing when `quiet` is
 * set or the stream is not a terminal. The sweep's bar starts at the first step (with several
 * runs it counts all their steps); the first step of verification replaces it with a bar over
 * verification's planned training steps.
 */
export function createProgressBar(options: ProgressBarOptions = {}): SweepProgressBar {
  const stream = options.stream ?? (process.stderr as unknown as ProgressStream);
  const terminal = options.stream ? options.stream.isTTY === true : Deno.stderr.isTerminal();
  if (options.quiet || !terminal) return { update() {}, verify() {}, stop() {} };
  let bar: cliProgress.SingleBar | undefined;
  let phase: "sweep" | "verify" | undefined;
  const show = (next: "sweep" | "verify", total: number, value: number, payload: object) => {
    if (bar && phase !== next) {
      bar.stop();
      bar = undefined;
    }
    phase = next;
    if (!bar) {
      const format = next === "sweep" ? SWEEP_FORMAT : VERIFY_FORMAT;
      bar = new cliProgress.SingleBar(
        barOptions(stream, format),
        cliProgress.Presets.shades_classic,
      );
      bar.start(total, value, payload);
    } else {
      bar.setTotal(total);
      bar.update(value, payload);
    }
  };
  return {
    update(progress) {
      show(
        "sweep",
        progress.numIters * progress.runs,
        progress.run * progress.numIters +
          progress.step + 1,
        {
          step: `${progress.step + 1}/${progress.numIters}`,
          run: progress.runs > 1 ? ` run ${progress.run + 1}/${progress.runs}` : "",
          lr: formatLr(progress.lr),
          loss: formatLoss(progress.smoothed),
        },
      );
    },
    verify(progress) {
      show("verify", Math.max(progress.planned, progress.done), progress.done, {
        trial: progress.trial + 1,
        trials: progress.trials,
        step: `${progress.done}/${progress.planned}`,
        lr: formatLr(progress.lr),
      });
    },
    stop() {
      bar?.stop();
      bar = undefined;
      phase = undefined;
    },
  };
}
