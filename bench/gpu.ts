/**
 * The GPU benchmark that `bench/gpu.sh` runs: sweeps the tutorial MLP, the small CNN and a
 * larger convolutional network on WebGPU, and trains the same models with PyTorch on CUDA when
 * a CUDA PyTorch is installed; prints one Markdown table. Shader compilation (WebGPU) and CUDA
 * start-up happen in untimed warm-up steps, reported in their own columns.
 *
 * Run: `deno run -A bench/gpu.ts [--steps N] [--batch N] [--allow-software]`. Without a real GPU
 * it stops (exit 1) unless `--allow-software` lets it measure the software adapter (a smoke test,
 * best with a small batch: the software adapter takes minutes per step of the larger network).
 * `LR_FINDER_BENCH_PYTHON` names the Python with CUDA PyTorch (default `python3`).
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { setupBackend } from "../src/backend.ts";
import type { Dataset } from "../src/data/dataset.ts";
import { findLearningRate } from "../src/sweep.ts";
import { benchImages, cpuModel, fixed, lastJson, smallCnn, table, tutorialMlp } from "./common.ts";

const TORCH_SCRIPT = new URL("./torch_reference.py", import.meta.url);

/** A larger network: two blocks of two same-padded 3x3 convolutions (64, 128), then dense. */
export function convNet(seed = 1): tf.Sequential {
  const init = (s: number) => tf.initializers.glorotUniform({ seed: s });
  const conv = (filters: number, s: number, first = false) =>
    tf.layers.conv2d({
      ...(first ? { inputShape: [28, 28, 1] } : {}),
      filters,
      kernelSize: 3,
      padding: "same",
      activation: "relu",
      kernelInitializer: init(s),
    });
  return tf.sequential({
    layers: [
      conv(64, seed, true),
      conv(64, seed + 1),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      conv(128, seed + 2),
      conv(128, seed + 3),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 256, activation: "relu", kernelInitializer: init(seed + 4) }),
      tf.layers.dense({ units: 10, activation: "softmax", kernelInitializer: init(seed + 5) }),
    ],
  });
}

/** The models, by the names `torch_reference.py` knows them by. */
const MODELS = [
  { name: "mlp", label: "tutorial MLP 784-128-10", make: tutorialMlp, stepsScale: 1 },
  {
    name: "cnn",
    label: "small CNN conv16-pool-conv32-pool-dense10",
    make: smallCnn,
    stepsScale: 1,
  },
  {
    name: "convnet",
    label: "conv64x2-pool-conv128x2-pool-dense256-10",
    make: convNet,
    stepsScale: 0.5,
  },
] as const;

interface Measured {
  msPerStep: number;
  warmupMs?: number;
}

async function webgpuSweep(
  make: () => tf.Sequential,
  data: Dataset,
  run: { steps: number; batch: number },
): Promise<Measured> {
  const model = make();
  try {
    const result = await findLearningRate(model, data, {
      loss: "categoricalCrossentropy",
      optimizer: { name: "adam" },
      batchSize: run.batch,
      numIters: run.steps,
      startLr: 1e-5,
      endLr: 1e-3,
      verify: false,
    });
    return { msPerStep: result.timing.msPerStep, warmupMs: result.timing.warmupMs };
  } finally {
    model.dispose();
  }
}

interface TorchResult {
  torch: string;
  device: string;
  msPerStep: number;
  warmupMs: number;
}

/** PyTorch on CUDA, or why it did not run. */
async function torchCuda(
  model: string,
  run: { steps: number; batch: number },
): Promise<TorchResult | string> {
  const python = Deno.env.get("LR_FINDER_BENCH_PYTHON") ?? "python3";
  try {
    const output = await new Deno.Command(python, {
      args: [
        TORCH_SCRIPT.pathname,
        "--model",
        model,
        "--steps",
        String(run.steps),
        "--batch",
        String(run.batch),
        "--warmup",
        "5",
        "--device",
        "cuda",
        "--threads",
        "default",
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const result = lastJson<TorchResult>(new TextDecoder().decode(output.stdout));
    if (output.success && result !== undefined) return result;
    const why = new TextDecoder().decode(output.stderr).trim().split("\n").at(-1);
    return why || "failed";
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

function option(name: string, fallback: number, least: number): number {
  const at = Deno.args.indexOf(name);
  const value = at >= 0 ? Number(Deno.args[at + 1]) : fallback;
  if (!Number.isInteger(value) || value < least) {
    console.error(
      `error: ${name} must be a whole number of at least ${least}, got ${Deno.args[at + 1]}`,
    );
    Deno.exit(2);
  }
  return value;
}

/** Runs the GPU benchmark and returns its Markdown. */
export async function run(
  options: { steps: number; batch: number; allowSoftware: boolean },
): Promise<string> {
  const { steps, batch, allowSoftware } = options;
  const info = await setupBackend("webgpu").catch((error: Error) => error);
  if (info instanceof Error) return `WebGPU did not start: ${info.message}`;
  if (info.adapter?.isFallbackAdapter && !allowSoftware) {
    throw new Error(
      `the only adapter is the software fallback "${info.adapter.description}": ` +
        "run `deno task gpu-check` for what to install (or pass --allow-software)",
    );
  }
  const { data, source } = await benchImages(8192);
  const rows: string[][] = [];
  let torchNote = "";
  for (const model of MODELS) {
    const n = Math.max(10, Math.round(steps * model.stepsScale));
    console.error(`gpu: ${model.name} on WebGPU, ${n} steps ...`);
    const gpu = await webgpuSweep(model.make, data, { steps: n, batch });
    console.error(`gpu: ${model.name} on PyTorch CUDA ...`);
    const torch = await torchCuda(model.name, { steps: n, batch });
    if (typeof torch === "string") torchNote ||= `PyTorch CUDA did not run (${torch})`;
    else torchNote ||= `PyTorch ${torch.torch} on ${torch.device}`;
    const t = typeof torch === "string" ? undefined : torch;
    rows.push([
      model.label,
      String(n),
      fixed(gpu.msPerStep),
      fixed(gpu.warmupMs, 0),
      fixed(t?.msPerStep),
      fixed(t?.warmupMs, 0),
      t ? fixed(gpu.msPerStep / t.msPerStep) : "n/a",
    ]);
  }
  return [
    "## GPU: WebGPU against PyTorch CUDA",
    "",
    `Adapter: ${info.adapter?.description ?? "none"}${
      info.adapter?.isFallbackAdapter ? " (software fallback: a smoke test, not a measurement)" : ""
    }; CPU ${cpuModel()}; ${torchNote || "PyTorch did not run"}. ${source}, batch ${batch}, ` +
    "Adam; time " +
    "per step is the mean over the timed steps; warm-up: the untimed first steps (shader " +
    "compilation on WebGPU: 2 steps; CUDA start-up on PyTorch: 5 steps).",
    "",
    table(
      [
        "model",
        "steps",
        "WebGPU ms/step",
        "WebGPU warm-up ms",
        "PyTorch CUDA ms/step",
        "PyTorch CUDA warm-up ms",
        "WebGPU / PyTorch",
      ],
      rows,
    ),
    "",
  ].join("\n");
}

if (import.meta.main) {
  try {
    console.log(
      await run({
        steps: option("--steps", 200, 10),
        batch: option("--batch", 64, 1),
        allowSoftware: Deno.args.includes("--allow-software"),
      }),
    );
  } catch (error) {
    console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
    Deno.exit(1);
  }
}
