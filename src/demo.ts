/**
 * `deno task demo`: a range test on an embedded, seeded synthetic dataset (three interleaved
 * spirals) with a small multi-layer perceptron, with no files to read and no network. It shows
 * the progress bar, prints the chart and the suggested rate, and writes every report file to
 * `lr-finder-out/demo/` (the README's plot is its `plot.png`).
 *
 * @example
 * ```sh
 * deno task demo                      # writes lr-finder-out/demo/
 * deno task demo --out /tmp/demo --backend cpu
 * ```
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { type BackendRequest, isBackendRequest, setupBackend } from "./backend.ts";
import { DEBUG_FLAG, EXIT_CODES, reportError, writeErr, writeOut } from "./cli/output.ts";
import { parseFlags } from "./cli/parse_flags.ts";
import { sweepOnCommandLine } from "./cli/session.ts";
import type { Dataset } from "./data/dataset.ts";
import { syntheticDataset, type SyntheticSpec } from "./data/synthetic.ts";
import { InputError } from "./errors.ts";
import { formatCount, formatLr } from "./report/mod.ts";
import type { LrFinderResult } from "./result.ts";
import type { SweepProgress, SweepSettings } from "./sweep.ts";
import type { VerifyProgress } from "./sweep_options.ts";
import { sweepModel } from "./sweep_model.ts";
import { BACKEND_REQUESTS } from "./vocabulary.ts";

/** The demo's data: 3,000 points on three interleaved spiral arms, fixed seed. */
export const DEMO_DATA: SyntheticSpec = {
  kind: "spirals",
  samples: 3000,
  classes: 3,
  noise: 0.1,
  seed: 42,
};

/** Units of the demo model's hidden layers (ReLU), before a softmax over the classes. */
export const DEMO_HIDDEN_UNITS: readonly number[] = [64, 64];

/** The demo's sweep: Adam, batch 64, 1e-4 to 10 over 400 steps, three runs for a band. */
export const DEMO_SWEEP = {
  name: "demo",
  loss: "categoricalCrossentropy",
  optimizer: { name: "adam" },
  batchSize: 64,
  startLr: 1e-4,
  endLr: 10,
  numIters: 400,
  runs: 3,
  seed: 0,
} as const satisfies SweepSettings;

/** Default folder of the demo's report files. */
export const DEMO_OUT_DIR = "lr-finder-out/demo";

/** The demo's dataset (see {@linkcode DEMO_DATA}). */
export function demoDataset(): Dataset {
  return syntheticDataset(DEMO_DATA);
}

/** The demo's model with seeded initial weights: 2 inputs, two ReLU layers, softmax over 3. */
export function demoModel(): tf.Sequential {
  const model = tf.sequential({ name: "demo" });
  DEMO_HIDDEN_UNITS.forEach((units, i) => {
    model.add(tf.layers.dense({
      inputShape: i === 0 ? [2] : undefined,
      units,
      activation: "relu",
      kernelInitializer: tf.initializers.heNormal({ seed: 1 + i }),
    }));
  });
  model.add(tf.layers.dense({
    units: DEMO_DATA.classes!,
    activation: "softmax",
    kernelInitializer: tf.initializers.glorotUniform({ seed: 9 }),
  }));
  return model;
}

/** Options of {@linkcode runDemo}. */
export interface RunDemoOptions {
  /** Backend to start (default `wasm`: the fastest on a CPU, and the same curve everywhere). */
  backend?: BackendRequest;
  /** Aborts the sweep; the partial result is returned. */
  signal?: AbortSignal;
  /** Called after every recorded step. */
  onStep?: (progress: SweepProgress) => void;
  /** Called after every training step of verification. */
  onVerify?: (progress: VerifyProgress) => void;
  /** Steps per run instead of {@linkcode DEMO_SWEEP}'s (for quick tests). */
  numIters?: number;
}

/** Runs the demo's sweep and returns its result; the model is disposed afterwards. */
export async function runDemo(options: RunDemoOptions = {}): Promise<LrFinderResult> {
  const backend = await setupBackend(options.backend ?? "wasm");
  const data = demoDataset();
  return await sweepModel({ model: demoModel() }, data, {
    ...DEMO_SWEEP,
    optimizer: { ...DEMO_SWEEP.optimizer },
    numIters: options.numIters ?? DEMO_SWEEP.numIters,
    backend,
    signal: options.signal,
    onStep: options.onStep,
    onVerify: options.onVerify,
  });
}

const HELP = `deno task demo: the learning-rate range test on a built-in example

Sweeps a small network (2 inputs, two ReLU layers of 64, softmax over 3 classes) on 3,000
seeded points of three interleaved spirals: Adam, batch 64, learning rate 1e-4 to 10 over
400 steps, 3 runs. No files are read and nothing is downloaded. Prints the chart and the
suggested rate and writes result.json, plot.png, plot.svg, curve.csv and report.md.

Usage:
  deno task demo [--out DIR] [--backend NAME] [--quiet]

Flags:
  -o, --out DIR       folder for the report files (default ${DEMO_OUT_DIR})
      --backend NAME  wasm (default), cpu, webgpu or auto
  -q, --quiet         no progress bar or status lines on stderr
      --debug         on an unexpected failure, print the stack trace
  -h, --help          show this help

Next: run your own model with deno task lr-find --help.
`;

/** Runs the demo with command-line arguments and returns the exit code (as `lr-find`). */
export async function main(args: readonly string[]): Promise<number> {
  try {
    const values = parseDemoArgs(args);
    if (values.help) {
      writeOut(HELP);
      return EXIT_CODES.done;
    }
    const backend = values.backend ?? "wasm";
    if (!isBackendRequest(backend)) {
      throw new InputError(
        `--backend must be one of ${BACKEND_REQUESTS.join(", ")}, got ${JSON.stringify(backend)}`,
        { field: "--backend" },
      );
    }
    const quiet = values.quiet === true;
    if (!quiet) {
      writeErr(
        `demo: ${formatCount(DEMO_DATA.samples!)} points on 3 spirals, a ` +
          `${DEMO_HIDDEN_UNITS.join("-")} ReLU network; sweeping ${formatLr(DEMO_SWEEP.startLr)} ` +
          `to ${formatLr(DEMO_SWEEP.endLr)} in ${DEMO_SWEEP.numIters} steps, ` +
          `${DEMO_SWEEP.runs} runs, backend ${backend}\n`,
      );
    }
    const code = await sweepOnCommandLine(
      ({ signal, onStep, onVerify }) => runDemo({ backend, signal, onStep, onVerify }),
      { outDir: values.out ?? DEMO_OUT_DIR, quiet },
    );
    if (code === EXIT_CODES.done && !quiet) {
      writeErr("Next: deno task lr-find --help to run the test on your own model\n");
    }
    return code;
  } catch (error) {
    return reportError(error, { task: "deno task demo", debug: args.includes(DEBUG_FLAG) });
  }
}

function parseDemoArgs(args: readonly string[]) {
  return parseFlags(args, {
    out: { type: "string", short: "o" },
    backend: { type: "string" },
    quiet: { type: "boolean", short: "q" },
    debug: { type: "boolean" },
    help: { type: "boolean", short: "h" },
  }, "; the demo takes --out DIR, --backend NAME, --quiet, --debug and --help");
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
