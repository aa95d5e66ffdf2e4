/**
 * Shared pieces of the speed benchmarks: the tutorial models, the data they train on, matrix
 * product counts, medians, Markdown tables and facts about the machine.
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { cpus } from "node:os";
import { availableCores, cpuKernelsInfo } from "../src/kernels/cpu_kernels.ts";
import { loadIdxDataset } from "../src/data/idx.ts";
import type { Dataset } from "../src/data/dataset.ts";
import type { CpuKernelsInfo } from "../src/result.ts";
import { createRng } from "../src/random.ts";

/** Options every bench's `run` takes. */
export interface BenchOptions {
  /** A fast smoke run: fewer steps and repetitions; numbers are only indicative. */
  quick?: boolean;
  /**
   * Recorded sweeps to score instead of sweeping again (`--curves FILE`; the quality benchmark
   * runs only what the file lacks).
   */
  curves?: string;
}

/** Where the Debian package `dataset-fashion-mnist` puts the files. */
export const FASHION_MNIST_DIR = "/usr/share/datasets/fashion-mnist";

/** The TensorFlow.js tutorial MLP: Flatten, Dense 128 relu, Dense 10 softmax (seeded). */
export function tutorialMlp(seed = 1): tf.Sequential {
  return tf.sequential({
    layers: [
      tf.layers.flatten({ inputShape: [28, 28, 1] }),
      tf.layers.dense({
        units: 128,
        activation: "relu",
        kernelInitializer: tf.initializers.glorotUniform({ seed }),
      }),
      tf.layers.dense({
        units: 10,
        activation: "softmax",
        kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }),
      }),
    ],
  });
}

/** The small CNN: Conv 16 3x3 relu, MaxPool 2, Conv 32 3x3 relu, MaxPool 2, Flatten, Dense 10. */
export function smallCnn(seed = 1): tf.Sequential {
  const init = (s: number) => tf.initializers.glorotUniform({ seed: s });
  return tf.sequential({
    layers: [
      tf.layers.conv2d({
        inputShape: [28, 28, 1],
        filters: 16,
        kernelSize: 3,
        activation: "relu",
        kernelInitializer: init(seed),
      }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({
        filters: 32,
        kernelSize: 3,
        activation: "relu",
        kernelInitializer: init(seed + 1),
      }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 10, activation: "softmax", kernelInitializer: init(seed + 2) }),
    ],
  });
}

/** The models the benches compare, by name. */
export const MODELS = {
  mlp: { label: "tutorial MLP 784-128-10", make: tutorialMlp },
  cnn: { label: "small CNN conv16-pool-conv32-pool-dense10", make: smallCnn },
} as const;

/** A model name of {@linkcode MODELS}. */
export type ModelName = keyof typeof MODELS;

/** True when the Fashion-MNIST training files are installed. */
export function hasFashionMnist(): boolean {
  try {
    Deno.statSync(`${FASHION_MNIST_DIR}/train-images-idx3-ubyte.gz`);
    Deno.statSync(`${FASHION_MNIST_DIR}/train-labels-idx1-ubyte.gz`);
    return true;
  } catch {
    return false;
  }
}

/** Fashion-MNIST training images (uint8, scaled per batch), or the first `limit` of them. */
export function fashionMnist(limit?: number): Promise<Dataset> {
  return loadIdxDataset({
    images: `${FASHION_MNIST_DIR}/train-images-idx3-ubyte.gz`,
    labels: `${FASHION_MNIST_DIR}/train-labels-idx1-ubyte.gz`,
  }, limit === undefined ? {} : { limit });
}

/** Seeded uint8 28x28 images with 10 class labels, the shape of Fashion-MNIST. */
export function syntheticImages(size: number, seed = 3): Dataset {
  const rng = createRng(seed);
  const x = new Uint8Array(size * 784);
  for (let i = 0; i < x.length; i++) x[i] = Math.floor(rng() * 256);
  const y = new Int32Array(size).map((_, i) => i % 10);
  return { x, xShape: [28, 28], xScale: 1 / 255, y, yShape: [], classes: 10, size };
}

/** Images to train on: Fashion-MNIST when installed (the first `size`), else synthetic ones. */
export async function benchImages(size: number): Promise<{ data: Dataset; source: string }> {
  if (hasFashionMnist()) {
    return { data: await fashionMnist(size), source: `Fashion-MNIST (first ${size} images)` };
  }
  return {
    data: syntheticImages(size),
    source: `synthetic uint8 28x28 images (${size}; Fashion-MNIST not installed)`,
  };
}

/**
 * Floating-point operations of the matrix products and convolutions of one training step:
 * forward, weight gradient, and input gradient for every layer after the first one with
 * weights (element-wise work is not counted).
 */
export function productFlopsPerStep(model: tf.LayersModel, batch: number): number {
  let flops = 0;
  let seenWeights = false;
  for (const layer of model.layers) {
    const className = layer.getClassName();
    let forward = 0;
    if (className === "Dense") {
      const kernel = layer.getWeights()[0];
      const [inputs, units] = kernel.shape;
      forward = 2 * batch * inputs * units;
    } else if (className === "Conv2D") {
      const [kh, kw, inC, outC] = layer.getWeights()[0].shape;
      const out = layer.outputShape as number[];
      forward = 2 * batch * out[1] * out[2] * outC * kh * kw * inC;
    } else {
      continue;
    }
    flops += forward * (seenWeights ? 3 : 2);
    seenWeights = true;
  }
  return flops;
}

/** The CPU's model name as the operating system reports it. */
export function cpuModel(): string {
  try {
    return cpus()[0]?.model?.trim() || "unknown";
  } catch {
    return "unknown";
  }
}

/**
 * One line naming the machine and the CPU kernels in use, to print beside every figure: CPU
 * model, logical cores, and the BLAS library (or why the wasm kernels run) with its threads;
 * `kernels` are this process's unless another's (a result's `settings.cpuKernels`) are given.
 */
export function machineLine(kernels: CpuKernelsInfo = cpuKernelsInfo()): string {
  const blas = kernels.kernels === "blas"
    ? `BLAS ${kernels.library} (\`${kernels.libraryPath}\`), ${
      kernels.threads === 1 ? "1 thread" : `up to ${kernels.threads} threads`
    }`
    : `wasm kernels (${kernels.fallback ?? "asked for"})`;
  return `CPU ${cpuModel()}, ${availableCores()} logical cores; ${blas}`;
}

/** Median of a list of numbers (NaN for an empty list). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** A Markdown table. */
export function table(headers: string[], rows: (string | number)[][]): string {
  const align = headers.map((_, i) => (i === 0 ? "---" : "---:"));
  return [
    `| ${headers.join(" | ")} |`,
    `| ${align.join(" | ")} |`,
    ...rows.map((row) => `| ${row.join(" | ")} |`),
  ].join("\n");
}

/** A number with `digits` decimals, or "n/a". */
export function fixed(value: number | undefined, digits = 2): string {
  return value === undefined || !Number.isFinite(value) ? "n/a" : value.toFixed(digits);
}

/** The 1, 5 and 15 minute load averages. */
export function loadAverage(): string {
  try {
    return Deno.loadavg().map((x) => x.toFixed(2)).join(" ");
  } catch {
    return "unknown";
  }
}

/** Peak resident set size of this process so far (VmHWM), in bytes; undefined off Linux. */
export function peakRss(): number | undefined {
  try {
    const status = Deno.readTextFileSync("/proc/self/status");
    const match = status.match(/^VmHWM:\s+(\d+) kB/m);
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Mebibytes with one decimal. */
export function mib(bytes: number | undefined): string {
  return bytes === undefined ? "n/a" : (bytes / 2 ** 20).toFixed(1);
}

/** Runs a Deno script in a fresh process (all permissions), killed after `timeoutMs`. */
export async function runChild(
  script: URL,
  args: string[],
  options: { timeoutMs?: number; v8Flags?: string[] } = {},
): Promise<{ ok: boolean; stdout: string; stderr: string }> {
  const flags = options.v8Flags?.length ? [`--v8-flags=${options.v8Flags.join(",")}`] : [];
  const command = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", ...flags, script.pathname, ...args],
    stdout: "piped",
    stderr: "piped",
  });
  const child = command.spawn();
  const timer = options.timeoutMs === undefined
    ? undefined
    : setTimeout(() => child.kill("SIGKILL"), options.timeoutMs);
  const output = await child.output();
  if (timer !== undefined) clearTimeout(timer);
  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return { ok: output.success, stdout: decode(output.stdout), stderr: decode(output.stderr) };
}

/** The last line of a child's output that parses as JSON. */
export function lastJson<T>(stdout: string): T | undefined {
  const lines = stdout.trim().split("\n").reverse();
  for (const line of lines) {
    if (!line.startsWith("{")) continue;
    try {
      return JSON.parse(line) as T;
    } catch {
      continue;
    }
  }
  return undefined;
}
