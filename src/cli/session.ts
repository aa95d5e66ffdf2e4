/**
 * A sweep run from the command line, shared by `lr-find` and the demo: Ctrl-C aborts the sweep
 * or its verification (the partial result is kept), a progress bar draws the steps of both on
 * stderr, and at the end the report files are written and the summary printed
 * ({@linkcode finishSweep}).
 * @module
 */
import type { LrFinderResult } from "../result.ts";
import type { SweepProgress } from "../sweep.ts";
import type { VerifyProgress } from "../sweep_options.ts";
import { type FinishOptions, finishSweep } from "./finish.ts";
import { listenForInterrupt } from "./interrupt.ts";
import { createProgressBar, type ProgressStream } from "./progress.ts";

/** What a command-line sweep hands to the core: Ctrl-C's signal and the bar's callbacks. */
export interface CommandLineControls {
  /** Aborts on the first Ctrl-C. */
  signal: AbortSignal;
  /** Draws one recorded step. */
  onStep: (progress: SweepProgress) => void;
  /** Draws one training step of verification. */
  onVerify: (progress: VerifyProgress) => void;
}

/** Options of {@linkcode sweepOnCommandLine}. */
export interface CommandLineSweepOptions extends FinishOptions {
  /** Where the bar is drawn; default stderr (see `createProgressBar`). */
  stream?: ProgressStream;
}

/**
 * Runs `sweep` with Ctrl-C and the progress bar wired in, removes both when it ends (also on an
 * error), then writes the reports and prints the summary; returns the exit code (1 when Ctrl-C
 * stopped the sweep or its verification).
 */
export async function sweepOnCommandLine(
  sweep: (controls: CommandLineControls) => Promise<LrFinderResult>,
  options: CommandLineSweepOptions,
): Promise<number> {
  const interrupt = listenForInterrupt();
  const bar = createProgressBar({ quiet: options.quiet, stream: options.stream });
  let result: LrFinderResult;
  try {
    result = await sweep({
      signal: interrupt.signal,
      onStep: (progress) => bar.update(progress),
      onVerify: (progress) => bar.verify(progress),
    });
  } finally {
    bar.stop();
    interrupt.dispose();
  }
  return await finishSweep(result, { ...options, interrupted: interrupt.signal.aborted });
}
