/**
 * The learning-rate range test's best-known tutorial, reproduced: Fashion-MNIST, the
 * Flatten / Dense 128 ReLU / Dense 10 softmax model, Adam. It sweeps the learning rate with the
 * settings of `lr-finder.json` (the same config the CLI runs), plots the curve and suggests a
 * rate; then it trains one epoch from the same initial weights at the suggestion, at ten times
 * it and at a tenth of it, and prints the validation accuracy of each, so you can see whether
 * the suggestion was a good choice.
 *
 * @example
 * ```sh
 * deno run --allow-read --allow-write --allow-env --allow-sys examples/fashion-mnist/main.ts
 * deno run --allow-read --allow-write --allow-env --allow-sys examples/fashion-mnist/main.ts \
 *   --data ~/datasets/fashion-mnist --limit 10000
 * ```
 * @module
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import * as tf from "@tensorflow/tfjs";
import { type BackendRequest, isBackendRequest, setupBackend } from "../../src/backend.ts";
import { finishSweep, writeReportFiles } from "../../src/cli/finish.ts";
import { DEBUG_FLAG, EXIT_CODES, reportError, writeErr, writeOut } from "../../src/cli/output.ts";
import { parseFlags } from "../../src/cli/parse_flags.ts";
import { createProgressBar } from "../../src/cli/progress.ts";
import { loadConfig, mergeConfig, type ResolvedConfig } from "../../src/config.ts";
import type { Dataset } from "../../src/data/dataset.ts";
import { loadIdxDataset } from "../../src/data/idx.ts";
import { InputError } from "../../src/errors.ts";
import { formatLr } from "../../src/report/mod.ts";
import type { LrFinderResult } from "../../src/result.ts";
import { runConfig } from "../../src/run.ts";
import type { SweepProgress } from "../../src/sweep.ts";
import type { VerifyProgress } from "../../src/sweep_options.ts";
import { createModel } from "./model.ts";

/** The example's config, beside this file. */
export const CONFIG_PATH: string = fileURLToPath(new URL("lr-finder.json", import.meta.url));

/** Where the Debian package `dataset-fashion-mnist` installs the IDX files. */
export const DEFAULT_DATA_DIR = "/usr/share/datasets/fashion-mnist";

/** The four IDX files of Fashion-MNIST (gzip), as distributed. */
export const FASHION_MNIST_FILES = {
  trainImages: "train-images-idx3-ubyte.gz",
  trainLabels: "train-labels-idx1-ubyte.gz",
  testImages: "t10k-images-idx3-ubyte.gz",
  testLabels: "t10k-labels-idx1-ubyte.gz",
} as const;

/** Options of {@linkcode runExample}. */
export interface ExampleOptions {
  /** Folder with the four IDX files; default {@linkcode DEFAULT_DATA_DIR}. */
  dataDir?: string;
  /** Use only the first `limit` training images (default all 60,000). */
  limit?: number;
  /** Use only the first `testLimit` test images for validation (default all 10,000). */
  testLimit?: number;
  /** Steps of the sweep instead of the config's. */
  numIters?: number;
  /** Backend instead of the config's. */
  backend?: BackendRequest;
  /** Called after every step of the sweep. */
  onStep?: (progress: SweepProgress) => void;
  /** Called after every training step of the range test's verification. */
  onVerify?: (progress: VerifyProgress) => void;
  /** Called before each training epoch, with its learning rate. */
  onTrial?: (label: string, lr: number) => void;
}

/** One epoch of training at one learning rate. */
export interface Trial {
  /** `suggestion / 10`, `suggestion` or `suggestion x 10`. */
  label: string;
  /** The learning rate of the epoch. */
  lr: number;
  /** Share of the validation images classified correctly after the epoch, 0 to 1. */
  accuracy: number;
  /** Mean validation loss after the epoch (sparse categorical cross-entropy). */
  loss: number;
}

/** What the example found. */
export interface ExampleResult {
  /** The range test's result. */
  result: LrFinderResult;
  /** One epoch at a tenth of, at, and at ten times the suggestion, in that order. */
  trials: Trial[];
  /** The trial with the best validation accuracy. */
  best: Trial;
}

/** The example's config with the data folder, subset and overrides applied. */
export async function exampleConfig(options: ExampleOptions = {}): Promise<ResolvedConfig> {
  const base = await loadConfig(CONFIG_PATH);
  const dir = options.dataDir ?? DEFAULT_DATA_DIR;
  const f = FASHION_MNIST_FILES;
  return mergeConfig(base, {
    data: {
      train: {
        idx: { images: join(dir, f.trainImages), labels: join(dir, f.trainLabels) },
        ...(options.limit === undefined ? {} : { limit: options.limit }),
      },
      validation: {
        idx: { images: join(dir, f.testImages), labels: join(dir, f.testLabels) },
        ...(options.testLimit === undefined ? {} : { limit: options.testLimit }),
      },
    },
    ...(options.numIters === undefined ? {} : { sweep: { numIters: options.numIters } }),
    ...(options.backend === undefined ? {} : { backend: options.backend }),
  }, { source: "example options" });
}

/**
 * Runs the range test of the example's config, then trains one epoch from the same initial
 * weights at the suggestion, at ten times it and at a tenth of it, and measures each on the
 * test images. No tensors are left behind.
 */
export async function runExample(options: ExampleOptions = {}): Promise<ExampleResult> {
  const config = await exampleConfig(options);
  const backend = await setupBackend(config.backend);
  const result = await runConfig(config, {
    backend,
    onStep: options.onStep,
    onVerify: options.onVerify,
  });
  if (result.suggestion.lr === null) {
    throw new InputError(
      `the range test suggested no learning rate (${result.suggestion.reason}), so there is ` +
        "nothing to compare: use more training images or steps",
    );
  }
  const train = await loadSplit(config, "train");
  const validation = await loadSplit(config, "validation");
  const suggestion = result.suggestion.lr;
  const rates: [string, number][] = [
    ["suggestion / 10", suggestion / 10],
    ["suggestion", suggestion],
    ["suggestion x 10", suggestion * 10],
  ];
  const trials: Trial[] = [];
  const tensors = {
    trainX: imagesTensor(train),
    trainY: tf.tensor1d(Float32Array.from(train.y)),
    validationX: imagesTensor(validation),
    validationY: tf.tensor1d(Float32Array.from(validation.y)),
  };
  try {
    for (const [label, lr] of rates) {
      options.onTrial?.(label, lr);
      const scores = await trainAndScore(lr, config.batchSize, tensors);
      trials.push({ label, lr, ...scores });
    }
  } finally {
    tf.dispose(Object.values(tensors));
  }
  const best = trials.reduce((a, b) => (b.accuracy > a.accuracy ? b : a));
  return { result, trials, best };
}

async function loadSplit(config: ResolvedConfig, split: "train" | "validation"): Promise<Dataset> {
  const source = config.data[split];
  if (!source || !("idx" in source)) {
    throw new InputError(`${CONFIG_PATH}: data.${split} must be an IDX source for this example`);
  }
  return await loadIdxDataset(source.idx, { limit: source.limit });
}

function imagesTensor(data: Dataset): tf.Tensor {
  const scale = data.xScale ?? 1;
  const x = new Float32Array(data.x.length);
  for (let i = 0; i < x.length; i++) x[i] = data.x[i] * scale;
  return tf.tensor(x, [data.size, ...data.xShape]);
}

interface ExampleTensors {
  trainX: tf.Tensor;
  trainY: tf.Tensor;
  validationX: tf.Tensor;
  validationY: tf.Tensor;
}

/** One epoch from the model's seeded initial weights with Adam at `lr`, then validation. */
async function trainAndScore(
  lr: number,
  batchSize: number,
  t: ExampleTensors,
): Promise<{ accuracy: number; loss: number }> {
  const model = createModel();
  const optimizer = tf.train.adam(lr);
  try {
    model.compile({ optimizer, loss: "sparseCategoricalCrossentropy" });
    await model.fit(t.trainX, t.trainY, { epochs: 1, batchSize, shuffle: false, verbose: 0 });
    const [loss, correct] = tf.tidy(() => {
      const predictions = model.predict(t.validationX, { batchSize: 1000 }) as tf.Tensor;
      const labels = t.validationY.toInt();
      const logLikelihood = tf.sum(
        tf.mul(tf.oneHot(labels, 10), tf.log(tf.clipByValue(predictions, 1e-7, 1))),
        -1,
      );
      const hits = tf.sum(tf.equal(tf.argMax(predictions, -1), labels));
      return [tf.neg(tf.mean(logLikelihood)), hits];
    });
    const [lossValue, hits] = await Promise.all([loss.data(), correct.data()]);
    tf.dispose([loss, correct]);
    return { accuracy: hits[0] / t.validationY.shape[0], loss: lossValue[0] };
  } finally {
    model.dispose();
    optimizer.dispose();
  }
}

/** The comparison as text: one row per epoch and a verdict on the suggestion. */
export function comparisonText(example: ExampleResult, batchSize: number): string {
  const rows = example.trials.map((trial) => {
    const mark = trial === example.best ? "  <- best" : "";
    return `  ${trial.label.padEnd(16)}${formatLr(trial.lr).padEnd(10)}` +
      `${(100 * trial.accuracy).toFixed(1).padStart(5)}%     ${trial.loss.toFixed(4)}${mark}`;
  });
  const suggested = example.trials[1];
  const verdict = example.best === suggested
    ? `The suggested rate gave the best validation accuracy of the three: a good choice.`
    : `${example.best.label} (${formatLr(example.best.lr)}) beat the suggestion by ${
      (100 * (example.best.accuracy - suggested.accuracy)).toFixed(1)
    } points after one epoch.`;
  return [
    `One epoch from the same initial weights (Adam, batch ${batchSize}), then the test images:`,
    `  ${"".padEnd(16)}${"lr".padEnd(10)}accuracy   loss`,
    ...rows,
    verdict,
  ].join("\n") + "\n";
}

const HELP = `Fashion-MNIST: the learning-rate range test tutorial, reproduced

Sweeps the learning rate for Flatten / Dense 128 ReLU / Dense 10 softmax with Adam (settings
in examples/fashion-mnist/lr-finder.json), writes the plot and suggests a rate; then trains
one epoch from the same initial weights at the suggestion, at 10x and at 1/10 of it and
prints the validation accuracy of each.

Usage:
  deno run --allow-read --allow-write --allow-env --allow-sys examples/fashion-mnist/main.ts [flags]

Flags:
  --data DIR         folder with the four .gz IDX files (default ${DEFAULT_DATA_DIR})
  --limit N          use only the first N training images (default all 60,000)
  --test-limit N     use only the first N test images (default all 10,000)
  --steps N          steps of the sweep (default: the config's, 200)
  --backend NAME     auto (default), wasm, cpu or webgpu
  -o, --out DIR      folder for the report files (default lr-finder-out/fashion-mnist)
  --json             print the suggestion and the three trials as JSON
  -q, --quiet        no progress bar or status lines
  --debug            on an unexpected failure, print the stack trace
  -h, --help         show this help
`;

/** Runs the example with command-line arguments; returns the exit code (as `lr-find`). */
export async function main(args: readonly string[]): Promise<number> {
  try {
    const values = parseExampleArgs(args);
    if (values.help) {
      writeOut(HELP);
      return EXIT_CODES.done;
    }
    const quiet = values.quiet === true;
    const status = (line: string) => quiet || writeErr(`${line}\n`);
    const dataDir = values.data ?? DEFAULT_DATA_DIR;
    status(`fashion-mnist: sweeping with ${CONFIG_PATH} on ${dataDir}`);
    const bar = createProgressBar({ quiet });
    let example: ExampleResult;
    try {
      example = await runExample({
        dataDir,
        limit: count(values.limit, "--limit"),
        testLimit: count(values["test-limit"], "--test-limit"),
        numIters: count(values.steps, "--steps"),
        backend: backendFlag(values.backend),
        onStep: (progress) => bar.update(progress),
        onVerify: (progress) => bar.verify(progress),
        onTrial: (label, lr) => {
          bar.stop();
          status(`training one epoch at ${label} (${formatLr(lr)})`);
        },
      });
    } finally {
      bar.stop();
    }
    const outDir = values.out ?? join("lr-finder-out", "fashion-mnist");
    if (values.json) {
      await writeReportFiles(example.result, outDir);
      writeOut(
        JSON.stringify({
          suggestion: example.result.suggestion,
          trials: example.trials,
          best: example.best.label,
          outDir,
        }) + "\n",
      );
      return EXIT_CODES.done;
    }
    const code = await finishSweep(example.result, { outDir, quiet });
    writeOut("\n" + comparisonText(example, example.result.settings.batchSize));
    return code;
  } catch (error) {
    return reportError(error, { debug: args.includes(DEBUG_FLAG) });
  }
}

function parseExampleArgs(args: readonly string[]) {
  return parseFlags(args, {
    data: { type: "string" },
    limit: { type: "string" },
    "test-limit": { type: "string" },
    steps: { type: "string" },
    backend: { type: "string" },
    out: { type: "string", short: "o" },
    json: { type: "boolean" },
    quiet: { type: "boolean", short: "q" },
    debug: { type: "boolean" },
    help: { type: "boolean", short: "h" },
  }, " (see --help)");
}

function count(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) {
    throw new InputError(`${flag} must be a positive integer, got ${JSON.stringify(value)}`);
  }
  return n;
}

function backendFlag(value: string | undefined): BackendRequest | undefined {
  if (value === undefined || isBackendRequest(value)) return value;
  throw new InputError(`--backend must be one of auto, webgpu, wasm, cpu, got ${value}`);
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
