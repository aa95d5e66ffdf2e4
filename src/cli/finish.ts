/**
 * The end of a command-line sweep, shared by `lr-find` and the demo: write the report files,
 * print the summary (or the result JSON), and choose the exit code.
 * @module
 */
import { InputError } from "../errors.ts";
import { type ReportFiles, resultJson, writeReport } from "../report/mod.ts";
import type { LrFinderResult } from "../result.ts";
import { EXIT_CODES, writeErr, writeOut } from "./output.ts";
import { summaryText } from "./summary.ts";

/** Options of {@linkcode finishSweep}. */
export interface FinishOptions {
  /** Folder for the report files. */
  outDir: string;
  /** Print the result JSON to stdout instead of the chart and summary. */
  json?: boolean;
  /** No status lines on stderr. */
  quiet?: boolean;
  /**
   * Ctrl-C was pressed during the run: a verification it stopped ends the run with exit code 1,
   * as a sweep it stopped does.
   */
  interrupted?: boolean;
}

/**
 * Writes the report files of a result into `outDir`, prints the summary (or, with `json`, the
 * exact text of `result.json`) to stdout and returns the exit code: 0, or 1 when the sweep or
 * its verification was stopped with Ctrl-C (the partial result is still written) or the sweep
 * stopped before its first step.
 */
export async function finishSweep(result: LrFinderResult, options: FinishOptions): Promise<number> {
  if (result.lrs.length === 0) {
    writeErr("error: the sweep was stopped before its first step; nothing was written\n");
    return EXIT_CODES.failed;
  }
  const files = await writeReportFiles(result, options.outDir);
  if (options.json) {
    writeOut(resultJson(result));
    if (!options.quiet) writeErr(`wrote ${options.outDir}\n`);
  } else {
    const color = Deno.stdout.isTerminal() && !Deno.noColor;
    writeOut(summaryText(result, { files, color }));
  }
  if (result.stopReason === "aborted") {
    writeErr(
      `stopped by Ctrl-C after ${result.lrs.length} of ${result.settings.numIters} steps; ` +
        `the partial result is in ${files.json}\n`,
    );
    return EXIT_CODES.failed;
  }
  if (options.interrupted && verificationStopped(result)) {
    writeErr(
      `stopped by Ctrl-C during verification after ${result.verification?.steps ?? 0} ` +
        `training steps; the ${result.suggestion.method} rule chose the rate, and the result ` +
        `is in ${files.json}\n`,
    );
    return EXIT_CODES.failed;
  }
  return EXIT_CODES.done;
}

/** Whether verification was stopped before it could choose the rate. */
function verificationStopped(result: LrFinderResult): boolean {
  return (result.warnings ?? []).some((w) => w.code === "verification-stopped");
}

/** {@linkcode writeReport}, with a folder that cannot be written to reported as bad input. */
export async function writeReportFiles(result: LrFinderResult, dir: string): Promise<ReportFiles> {
  try {
    return await writeReport(result, dir);
  } catch (error) {
    const fileErrors = [
      Deno.errors.PermissionDenied,
      Deno.errors.NotFound,
      Deno.errors.AlreadyExists,
      Deno.errors.NotADirectory,
      Deno.errors.IsADirectory,
    ];
    if (error instanceof Error && fileErrors.some((type) => error instanceof type)) {
      throw new InputError(
        `--out ${dir}: cannot write the report files there (${error.message}); ` +
          "choose a folder you can write to with --out DIR",
        { field: "--out", cause: error },
      );
    }
    throw error;
  }
}
