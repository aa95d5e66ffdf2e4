/**
 * The command line: `deno task lr-find [config.json] [flags]`. Runs the range test a config
 * (and/or flags) describes, shows a progress bar on stderr, writes `result.json`, `plot.png`,
 * `plot.svg`, `curve.csv` and `report.md`, and prints the chart and the suggested rate (or the
 * result JSON with `--json`). Exit codes: 0 done, 2 bad input, 1 anything else.
 *
 * @example
 * ```sh
 * deno task lr-find examples/fashion-mnist/lr-finder.json --steps 200 --out results
 * ```
 * @module
 */
import { join } from "node:path";
import denoConfig from "../deno.json" with { type: "json" };
import { cliConfig } from "./cli/config.ts";
import { helpText, parseCliArgs } from "./cli/flags.ts";
import { DEBUG_FLAG, EXIT_CODES, reportError, writeErr, writeOut } from "./cli/output.ts";
import { sweepOnCommandLine } from "./cli/session.ts";
import type { ResolvedConfig } from "./config.ts";
import { formatCount, formatLr } from "./report/mod.ts";
import { runConfig, type RunReadyInfo } from "./run.ts";

export { EXIT_CODES } from "./cli/output.ts";

/** The version of LR Finder, from `deno.json`. */
export const VERSION: string = denoConfig.version;

/** The default output folder of a config's reports: `lr-finder-out/<name>`. */
export function defaultOutDir(name: string): string {
  const safe = name.replace(/[^\w.-]+/g, "-").replace(/^[.-]+/, "") || "run";
  return join("lr-finder-out", safe);
}

/**
 * Runs `lr-find` with command-line arguments and returns the exit code: 0 when the sweep ran
 * and the files were written, 2 for bad input (the message, without a stack trace, goes to
 * stderr), 1 for anything else, including an interrupted sweep (its partial result is written).
 */
export async function main(args: readonly string[]): Promise<number> {
  try {
    return await run(args);
  } catch (error) {
    return reportError(error, { task: "deno task lr-find", debug: args.includes(DEBUG_FLAG) });
  }
}

async function run(args: readonly string[]): Promise<number> {
  const parsed = parseCliArgs(args);
  if (parsed.values.help) {
    writeOut(helpText(VERSION));
    return EXIT_CODES.done;
  }
  if (parsed.values.version) {
    writeOut(`lr-find ${VERSION}\n`);
    return EXIT_CODES.done;
  }
  const quiet = parsed.values.quiet === true;
  const config = await cliConfig(parsed);
  const outDir = typeof parsed.values.out === "string"
    ? parsed.values.out
    : defaultOutDir(config.name);
  const status = (line: string) => quiet || writeErr(`${line}\n`);
  status(`${config.name}: loading the model and data`);

  return await sweepOnCommandLine(
    ({ signal, onStep, onVerify }) =>
      runConfig(config, {
        requireGpu: parsed.values["require-gpu"] === true,
        signal,
        onReady: (info) => {
          for (const warning of info.warnings) writeErr(`warning: ${warning}\n`);
          status(readyLine(config, info));
        },
        onStep,
        onVerify,
      }),
    { outDir, json: parsed.values.json === true, quiet },
  );
}

function readyLine(config: ResolvedConfig, info: RunReadyInfo): string {
  const { startLr, endLr, numIters, runs } = config.sweep;
  return `${config.name}: ${formatCount(info.params)} parameters, ` +
    `${formatCount(info.trainSize)} training samples, backend ${info.backend.name} ` +
    `(${info.backend.reason}); sweeping ${formatLr(startLr)} to ${formatLr(endLr)} in ` +
    `${numIters} steps${runs > 1 ? `, ${runs} runs` : ""}`;
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
