/**
 * Speed and memory of the sweep (issue 6 and 7):
 * - the sweep against a bare `trainOnBatch` loop on the same model, batches and backend;
 * - the sweep against PyTorch on one CPU thread (`bench/torch_reference.py`);
 * - time per step of the tutorial MLP on every backend and the share of the machine's
 *   single-core matrix-multiply rate it reaches;
 * - peak resident memory of a Fashion-MNIST sweep.
 * Compared variants run interleaved, round by round; medians are reported.
 *
 * Run: `deno run -A bench/speed.ts [--quick]` (prints the Markdown section).
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { setupBackend } from "../src/backend.ts";
import { createBatchSampler, gatherBatch, planBatchLayout } from "../src/batches.ts";
import type { Dataset } from "../src/data/dataset.ts";
import { registerWasmKernels, unregisterWasmKernels } from "../src/kernels/mod.ts";
import { setSimdKernelsEnabled, simdKernels } from "../src/kernels/simd_kernels.ts";
import { allocScratch, freeScratch, type WasmBackend } from "../src/kernels/wasm_heap.ts";
import { lossFunction } from "../src/losses.ts";
import {
  createSweepOptimizer,
  disposeOptimizer,
  setFusedUpdatesEnabled,
  trainingStep,
} from "../src/optimizers.ts";
import { findLearningRate } from "../src/sweep.ts";
import {
  benchImages,
  type BenchOptions,
  fashionMnist,
  fixed,
  hasFashionMnist,
  lastJson,
  loadAverage,
  median,
  mib,
  type ModelName,
  MODELS,
  peakRss,
  productFlopsPerStep,
  runChild,
  table,
} from "./common.ts";

const PYTHON = "/usr/bin/python3";
const TORCH_SCRIPT = new URL("./torch_reference.py", import.meta.url);
const SELF = new URL(import.meta.url);
const BATCH = 64;
/** Where Debian's `libopenblas0-pthread` installs its BLAS. */
const OPENBLAS_DIR = "/usr/lib/x86_64-linux-gnu/openblas-pthread";

interface Plan {
  steps: Record<ModelName, number>;
  rounds: number;
}

function plan(options: BenchOptions): Plan {
  return options.quick
    ? { steps: { mlp: 30, cnn: 10 }, rounds: 1 }
    : { steps: { mlp: 100, cnn: 30 }, rounds: 5 };
}

/** On-CPU time of the calling thread in ms (Linux), or NaN. */
function threadCpuMs(): number {
  try {
    return Number(Deno.readTextFileSync("/proc/thread-self/schedstat").split(" ")[0]) / 1e6;
  } catch {
    return NaN;
  }
}

/** ms per step of the finder's sweep (Adam, a rate range that does not diverge). */
async function sweepMsPerStep(name: ModelName, data: Dataset, steps: number): Promise<number> {
  return (await sweepTimes(name, data, steps)).wall;
}

/** Wall and on-CPU milliseconds per step. */
interface Times {
  wall: number;
  cpu: number;
}

/**
 * Wall and on-CPU ms per step of the finder's sweep (on-CPU time includes the planning,
 * snapshot and restore around the loop).
 */
async function sweepTimes(name: ModelName, data: Dataset, steps: number): Promise<Times> {
  const model = MODELS[name].make();
  try {
    const cpuStart = threadCpuMs();
    const result = await findLearningRate(model, data, {
      loss: "categoricalCrossentropy",
      optimizer: { name: "adam" },
      batchSize: BATCH,
      numIters: steps,
      startLr: 1e-5,
      endLr: 1e-3,
    });
    if (result.timing.steps !== steps) throw new Error(`sweep stopped: ${result.stopReason}`);
    return { wall: result.timing.msPerStep, cpu: (threadCpuMs() - cpuStart) / steps };
  } finally {
    model.dispose();
  }
}

/** ms per step of a bare loop: the same batches through `model.trainOnBatch` (TF.js Adam). */
async function bareMsPerStep(name: ModelName, data: Dataset, steps: number): Promise<Times> {
  const model = MODELS[name].make();
  const optimizer = tf.train.adam(1e-3);
  model.compile({ optimizer, loss: "categoricalCrossentropy" });
  const layout = planBatchLayout(data, model, lossFunction("categoricalCrossentropy").name);
  const sampler = createBatchSampler(data.size, 0);
  try {
    const start = performance.now();
    const cpuStart = threadCpuMs();
    for (let step = 0; step < steps; step++) {
      const batch = gatherBatch(data, sampler.next(BATCH), layout);
      await model.trainOnBatch(batch.x, batch.y);
      tf.dispose([batch.x, batch.y]);
    }
    return {
      wall: (performance.now() - start) / steps,
      cpu: (threadCpuMs() - cpuStart) / steps,
    };
  } finally {
    optimizer.dispose();
    model.dispose();
  }
}

/**
 * ms per step of a bare loop with the sweep's own training step (`trainingStep`, the same
 * Adam the sweep creates) on the same batches: what the sweep costs beyond its step.
 */
async function bareStepMsPerStep(
  name: ModelName,
  data: Dataset,
  steps: number,
): Promise<Times> {
  const model = MODELS[name].make();
  const loss = lossFunction("categoricalCrossentropy");
  const layout = planBatchLayout(data, model, loss.name);
  const sampler = createBatchSampler(data.size, 0);
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const { optimizer } = await createSweepOptimizer({ name: "adam" }, 1e-4);
  try {
    const start = performance.now();
    const cpuStart = threadCpuMs();
    for (let step = 0; step < steps; step++) {
      const batch = gatherBatch(data, sampler.next(BATCH), layout);
      const value = trainingStep(optimizer, {
        loss: () =>
          tf.tidy(() => {
            const prediction = model.apply(batch.x, { training: true }) as tf.Tensor;
            return tf.mean(loss.fn(batch.y, prediction)) as tf.Scalar;
          }),
        variables,
      });
      await value.data();
      tf.dispose([value, batch.x, batch.y]);
    }
    return {
      wall: (performance.now() - start) / steps,
      cpu: (threadCpuMs() - cpuStart) / steps,
    };
  } finally {
    disposeOptimizer(optimizer);
    model.dispose();
  }
}

/** The optimisations the last section switches off one at a time. */
const SWITCHES: { name: string; apply: () => void }[] = [
  { name: "everything on", apply: () => {} },
  {
    name: "fused Adam update off (TensorFlow.js's Adam)",
    apply: () => setFusedUpdatesEnabled(false),
  },
  {
    name: "Identity and Cast copy again",
    apply: () => registerWasmKernels({ exclude: ["Identity", "Cast"] }),
  },
  {
    name: "Conv2D: backend's own (XNNPACK)",
    apply: () => registerWasmKernels({ exclude: ["Conv2D"] }),
  },
  {
    name: "Sum: backend's own (transpose, then sum)",
    apply: () => registerWasmKernels({ exclude: ["Sum"] }),
  },
  { name: "bias Add: backend's own", apply: () => registerWasmKernels({ exclude: ["Add"] }) },
  {
    name: "SIMD module off (XNNPACK and TypeScript fallbacks)",
    apply: () => setSimdKernelsEnabled(false),
  },
  {
    name: "no overrides and no fused update (the backend's own kernels)",
    apply: () => {
      unregisterWasmKernels();
      setFusedUpdatesEnabled(false);
    },
  },
];

function resetSwitches(): void {
  registerWasmKernels();
  setFusedUpdatesEnabled(true);
  setSimdKernelsEnabled(true);
}

/** Each optimisation off in turn, interleaved; a Markdown table (wall and on-CPU ms/step). */
async function optimisationTable(
  data: Dataset,
  steps: Record<ModelName, number>,
  rounds: number,
): Promise<string> {
  const wall: Record<string, number[]> = {};
  const cpu: Record<string, number[]> = {};
  for (let round = 0; round < rounds; round++) {
    // Each round starts at another variant, so no variant always runs first.
    const order = SWITCHES.map((_, i) => SWITCHES[(i + round) % SWITCHES.length]);
    for (const name of ["mlp", "cnn"] as const) {
      // The first steps after switching models run slower for a while (JIT, caches): untimed.
      await sweepTimes(name, data, 10);
      for (const s of order) {
        resetSwitches();
        s.apply();
        try {
          const t = await sweepTimes(name, data, steps[name]);
          (wall[`${s.name} ${name}`] ??= []).push(t.wall);
          (cpu[`${s.name} ${name}`] ??= []).push(t.cpu);
        } catch {
          // A missing kernel (the backend has no Conv2DBackpropFilter): reported as n/a.
        } finally {
          resetSwitches();
        }
      }
    }
  }
  const m = (bag: Record<string, number[]>, key: string) => median(bag[key] ?? []);
  const base = (name: ModelName) => m(cpu, `everything on ${name}`);
  return table(
    [
      "variant",
      "MLP ms/step",
      "MLP CPU ms/step",
      "MLP CPU vs all on",
      "CNN ms/step",
      "CNN CPU ms/step",
      "CNN CPU vs all on",
    ],
    SWITCHES.map((s) => {
      const cells: string[] = [s.name];
      for (const name of ["mlp", "cnn"] as const) {
        const key = `${s.name} ${name}`;
        const ratio = m(cpu, key) / base(name);
        cells.push(
          fixed(m(wall, key)),
          fixed(m(cpu, key)),
          Number.isFinite(ratio) ? `${fixed(ratio)}x` : "n/a",
        );
      }
      return cells;
    }),
  );
}

interface TorchRun {
  torch: string;
  threads: number;
  blas: string;
  blasInfo: string;
  data?: string;
  msPerStep?: number;
  gflops?: Record<string, number>;
}

/** The BLAS variants PyTorch runs with: as installed, and OpenBLAS when it is on the machine. */
function torchVariants(): { label: string; env: Record<string, string> }[] {
  const variants = [{ label: "as installed", env: {} as Record<string, string> }];
  const dir = Deno.env.get("LR_FINDER_BENCH_OPENBLAS") ?? OPENBLAS_DIR;
  try {
    Deno.statSync(`${dir}/libblas.so.3`);
    variants.push({ label: "OpenBLAS", env: { LD_LIBRARY_PATH: dir } });
  } catch {
    // OpenBLAS not installed: only the default BLAS.
  }
  return variants;
}

async function torchRun(args: string[], env: Record<string, string>): Promise<TorchRun | string> {
  try {
    const output = await new Deno.Command(PYTHON, {
      args: [TORCH_SCRIPT.pathname, ...args],
      env: { OMP_NUM_THREADS: "1", OPENBLAS_NUM_THREADS: "1", MKL_NUM_THREADS: "1", ...env },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const parsed = lastJson<TorchRun>(new TextDecoder().decode(output.stdout));
    if (!output.success || parsed === undefined) {
      return new TextDecoder().decode(output.stderr).trim().split("\n").at(-1) ?? "failed";
    }
    return parsed;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/** GFLOP/s of the wasm backend's products on one thread: our SIMD kernel and XNNPACK. */
function wasmGemmRates(): Record<string, number> {
  const backend = tf.backend() as unknown as WasmBackend;
  const rates: Record<string, number> = {};
  const shapes: [number, number, number][] = [[64, 784, 128], [512, 512, 512]];
  const best = (run: () => void, reps: number) => {
    for (let i = 0; i < 3; i++) run();
    let fastest = Infinity;
    for (let i = 0; i < reps; i++) {
      const start = performance.now();
      run();
      fastest = Math.min(fastest, performance.now() - start);
    }
    return fastest;
  };
  for (const [m, k, n] of shapes) {
    const flops = 2 * m * k * n;
    const reps = m * k * n > 1e7 ? 10 : 100;
    const simd = simdKernels(backend);
    if (simd) {
      const a = allocScratch(backend, m * k);
      const b = allocScratch(backend, k * n);
      const c = allocScratch(backend, m * n);
      const heap = backend.wasm.HEAPF32;
      heap.fill(0.5, a.ptr >>> 2, (a.ptr >>> 2) + m * k);
      heap.fill(0.25, b.ptr >>> 2, (b.ptr >>> 2) + k * n);
      const ms = best(() =>
        simd.gemm({
          m,
          n,
          k,
          a: a.ptr >>> 2,
          aRowStride: k,
          aColStride: 1,
          b: b.ptr >>> 2,
          bRowStride: n,
          c: c.ptr >>> 2,
          cRowStride: n,
        }), reps);
      rates[`wasm SIMD kernel ${m}x${k}x${n}`] = flops / ms / 1e6;
      [a, b, c].forEach((buffer) => freeScratch(backend, buffer));
    }
    const x = tf.randomUniform([m, k]);
    const w = tf.randomUniform([k, n]);
    const ms = best(() => tf.matMul(x, w).dispose(), reps);
    rates[`wasm tf.matMul, weights packed once ${m}x${k}x${n}`] = flops / ms / 1e6;
    tf.dispose([x, w]);
  }
  return rates;
}

interface BackendChildResult {
  backend: string;
  adapter?: string;
  msPerStep: number;
  steps: number;
  warmupMs?: number;
}

/** Child mode: one backend, the tutorial MLP, a short sweep; prints JSON. */
async function backendChild(name: "wasm" | "cpu" | "webgpu", steps: number): Promise<void> {
  const info = await setupBackend(name);
  const { data } = await benchImages(4096);
  const model = MODELS.mlp.make();
  // Two short sweeps first compile kernels (and warm the JIT) for every backend alike.
  const options = {
    loss: "categoricalCrossentropy",
    optimizer: { name: "adam" as const },
    batchSize: BATCH,
    startLr: 1e-5,
    endLr: 1e-3,
    backend: info,
  };
  for (let i = 0; i < 2; i++) await findLearningRate(model, data, { ...options, numIters: 10 });
  const result = await findLearningRate(model, data, { ...options, numIters: steps });
  const out: BackendChildResult = {
    backend: info.name,
    adapter: info.adapter?.description,
    msPerStep: result.timing.msPerStep,
    steps: result.timing.steps,
    warmupMs: result.timing.warmupMs,
  };
  console.log(JSON.stringify(out));
}

interface MemoryChildResult {
  samples: number;
  rssStart: number;
  rssWithData: number;
  rssAfterSweep: number;
  peakRss?: number;
  datasetBytes: number;
  msPerStep: number;
}

/** Child mode: a 100-step Fashion-MNIST sweep of the tutorial MLP on wasm; prints JSON. */
async function memoryChild(): Promise<void> {
  await setupBackend("wasm");
  const rssStart = Deno.memoryUsage().rss;
  const data = await fashionMnist();
  const rssWithData = Deno.memoryUsage().rss;
  const model = MODELS.mlp.make();
  const result = await findLearningRate(model, data, {
    loss: "categoricalCrossentropy",
    optimizer: { name: "adam" },
  });
  const out: MemoryChildResult = {
    samples: data.size,
    rssStart,
    rssWithData,
    rssAfterSweep: Deno.memoryUsage().rss,
    peakRss: peakRss(),
    datasetBytes: data.x.byteLength + data.y.byteLength,
    msPerStep: result.timing.msPerStep,
  };
  console.log(JSON.stringify(out));
}

/** Runs the speed benchmarks and returns their Markdown section. */
export async function run(options: BenchOptions = {}): Promise<string> {
  const { steps, rounds } = plan(options);
  const lines: string[] = ["## Speed and memory", ""];
  const loadBefore = loadAverage();
  await setupBackend("wasm");
  const { data, source } = await benchImages(8192);
  lines.push(
    `Batch ${BATCH}, Adam, ${source}. wasm backend: single-threaded, SIMD on. ` +
      `Each figure is the median of ${rounds} round(s); in every round each variant runs once, ` +
      `in turn (${steps.mlp} steps for the MLP, ${steps.cnn} for the CNN).`,
    "",
  );

  // Warm-up: compile kernels and the JIT for every variant once, untimed.
  for (const name of ["mlp", "cnn"] as const) {
    await sweepMsPerStep(name, data, 10);
    await bareMsPerStep(name, data, 5);
    await bareStepMsPerStep(name, data, 5);
  }
  const variants = torchVariants();
  const times: Record<string, number[]> = {};
  const push = (key: string, value: number) => (times[key] ??= []).push(value);
  const torchInfo: Record<string, TorchRun> = {};
  const torchErrors: string[] = [];
  const measures: [string, (name: ModelName) => Promise<Times>][] = [
    ["sweep", (name) => sweepTimes(name, data, steps[name])],
    ["bare", (name) => bareMsPerStep(name, data, steps[name])],
    ["step", (name) => bareStepMsPerStep(name, data, steps[name])],
  ];
  for (let round = 0; round < rounds; round++) {
    for (const name of ["mlp", "cnn"] as const) {
      // The first steps after switching models run slower for a while (JIT, caches): untimed.
      await sweepMsPerStep(name, data, 10);
      // Each round starts with another variant, so no variant always runs first.
      for (let i = 0; i < measures.length; i++) {
        const [label, measure] = measures[(i + round) % measures.length];
        const t = await measure(name);
        push(`${label} ${name}`, t.wall);
        push(`${label} cpu ${name}`, t.cpu);
      }
      for (const variant of variants) {
        const torch = await torchRun(
          ["--model", name, "--steps", String(steps[name]), "--batch", String(BATCH)],
          variant.env,
        );
        if (typeof torch === "string") {
          torchErrors.push(`${variant.label}: ${torch}`);
          continue;
        }
        torchInfo[variant.label] = torch;
        push(`torch ${variant.label} ${name}`, torch.msPerStep!);
      }
    }
  }
  const m = (key: string) => median(times[key] ?? []);

  lines.push("### The sweep against a bare training loop (wasm)", "");
  lines.push(
    "Bare loops on the same batches, gathered the same way: `model.trainOnBatch` with " +
      "TensorFlow.js's own Adam (the target: at most 1.03 in issue 7, 1.05 in issue 6), and " +
      "the sweep's own training step (`trainingStep`, fused Adam) without the sweep around " +
      "it, which isolates what the sweep itself adds (schedule, loss read-back, smoothing, " +
      "progress).",
    "",
  );
  const ratioRow = (name: ModelName, kind: "" | "cpu ") => [
    fixed(m(`sweep ${kind}${name}`)),
    fixed(m(`bare ${kind}${name}`)),
    fixed(m(`sweep ${kind}${name}`) / m(`bare ${kind}${name}`), 3),
    fixed(m(`step ${kind}${name}`)),
    fixed(m(`sweep ${kind}${name}`) / m(`step ${kind}${name}`), 3),
  ];
  lines.push(table(
    [
      "model, time",
      "sweep ms/step",
      "trainOnBatch ms/step",
      "sweep / trainOnBatch",
      "bare trainingStep ms/step",
      "sweep / bare trainingStep",
    ],
    (["mlp", "cnn"] as const).flatMap((name) => [
      [`${MODELS[name].label}, wall`, ...ratioRow(name, "")],
      [`${MODELS[name].label}, on-CPU`, ...ratioRow(name, "cpu ")],
    ]),
  ));
  lines.push(
    "",
    "On-CPU time is the main thread's own (`/proc/thread-self/schedstat`): less disturbed by " +
      "other processes than wall time; for the sweep it also counts the planning, snapshot " +
      "and restore around the loop.",
  );

  lines.push("", "### Against PyTorch on one CPU thread", "");
  const anyTorch = Object.values(torchInfo)[0];
  if (anyTorch === undefined) {
    lines.push(`PyTorch did not run: ${torchErrors[0] ?? "no result"}.`);
  } else {
    lines.push(
      `PyTorch ${anyTorch.torch} (\`${PYTHON}\`, ` +
        "`torch.set_num_threads(1)`, OMP/OpenBLAS/MKL threads 1) trains the same model " +
        "(same layers, batch size, number of steps, Adam, uint8 images scaled per batch); " +
        "TensorFlow.js runs the sweep on wasm, which is single-threaded here. " +
        `PyTorch's own build reports BLAS_INFO=${anyTorch.blasInfo}; the BLAS each run loaded:`,
      "",
      ...Object.entries(torchInfo).map(([label, info]) => `- ${label}: \`${info.blas}\``),
      "",
    );
    const header = ["model", "sweep (wasm) ms/step"];
    for (const v of variants) header.push(`PyTorch (${v.label}) ms/step`, `ratio (${v.label})`);
    lines.push(table(
      header,
      (["mlp", "cnn"] as const).map((name) => {
        const row: string[] = [MODELS[name].label, fixed(m(`sweep ${name}`))];
        for (const v of variants) {
          const torch = m(`torch ${v.label} ${name}`);
          row.push(fixed(torch), fixed(m(`sweep ${name}`) / torch));
        }
        return row;
      }),
    ));
    lines.push(
      "",
      "Ratio: sweep time over PyTorch time (target at most 3). Debian's `python3-torch` " +
        "uses whatever `libblas.so.3` the alternatives system selects; with the reference " +
        "BLAS its matrix products are slow, so the OpenBLAS column (when " +
        "`libopenblas0-pthread` is installed) is the fair comparison.",
    );
    if (torchErrors.length > 0) lines.push("", `PyTorch errors: ${torchErrors.join("; ")}`);
  }

  lines.push("", "### Per backend: the tutorial MLP", "");
  const rates: Record<string, number> = wasmGemmRates();
  for (const variant of variants) {
    const gemm = await torchRun(["--gemm"], variant.env);
    if (typeof gemm === "string" || !gemm.gflops) continue;
    for (const [shape, rate] of Object.entries(gemm.gflops)) {
      rates[`PyTorch/BLAS ${variant.label} ${shape}`] = rate;
    }
  }
  const [bestName, bestRate] = Object.entries(rates).sort((a, b) => b[1] - a[1])[0];
  const mlpFlops = productFlopsPerStep(MODELS.mlp.make(), BATCH);
  const backendRows: string[][] = [];
  for (const backend of ["wasm", "cpu", "webgpu"] as const) {
    const child = await runChild(
      SELF,
      ["--backend-child", backend, String(backend === "wasm" ? steps.mlp : 20)],
      { timeoutMs: options.quick ? 120_000 : 300_000 },
    );
    const result = lastJson<BackendChildResult>(child.stdout);
    if (!child.ok || result === undefined) {
      const why = child.stderr.trim().split("\n").at(-1) ?? "no output";
      backendRows.push([backend, "n/a", "n/a", "n/a", `did not run: ${why.slice(0, 120)}`]);
      continue;
    }
    const gflops = mlpFlops / result.msPerStep / 1e6;
    backendRows.push([
      backend,
      fixed(result.msPerStep),
      fixed(gflops),
      `${fixed((100 * gflops) / bestRate, 1)}%`,
      result.adapter ? `adapter: ${result.adapter}` : "",
    ]);
  }
  lines.push(
    `Matrix-product work per step: ${(mlpFlops / 1e6).toFixed(1)} MFLOP (forward, weight and ` +
      "input gradients; element-wise work not counted). Share: achieved GFLOP/s over the " +
      "machine's single-core rate.",
    "",
  );
  lines.push(
    table(["backend", "ms/step", "GFLOP/s", "share of machine rate", "note"], backendRows),
  );
  lines.push(
    "",
    `Single-thread float32 matrix-multiply rates measured here (GFLOP/s); the machine's rate ` +
      `is the fastest of them: **${bestName}, ${fixed(bestRate, 1)} GFLOP/s**.`,
    "",
    table(
      ["product", "GFLOP/s"],
      Object.entries(rates).map(([name, rate]) => [name, fixed(rate, 1)]),
    ),
  );

  lines.push("", "### Peak memory of a Fashion-MNIST sweep", "");
  if (!hasFashionMnist()) {
    lines.push("Skipped: Fashion-MNIST is not installed (Debian package `dataset-fashion-mnist`).");
  } else {
    const child = await runChild(SELF, ["--memory-child"], { timeoutMs: 300_000 });
    const mem = lastJson<MemoryChildResult>(child.stdout);
    if (!child.ok || mem === undefined) {
      lines.push(`Did not run: ${child.stderr.trim().split("\n").at(-1)}`);
    } else {
      lines.push(
        `A fresh process loads all ${mem.samples} training images (uint8, ` +
          `${mib(mem.datasetBytes)} MiB) and sweeps the tutorial MLP for 100 steps on wasm.`,
        "",
        table(["resident set (MiB)", "value"], [
          ["after starting the backend", mib(mem.rssStart)],
          ["with the dataset loaded", mib(mem.rssWithData)],
          ["after the sweep", mib(mem.rssAfterSweep)],
          ["peak (VmHWM)", mib(mem.peakRss)],
        ]),
      );
    }
  }
  lines.push(
    "",
    "### Each optimisation switched off in turn (wasm sweep)",
    "",
    "Every variant sweeps the same models and batches; variants alternate within each round. " +
      "On-CPU time is the main thread's own (`/proc/thread-self/schedstat`), less affected " +
      'by other processes than wall time. "vs all on": on-CPU time over that of the first ' +
      "row. `n/a`: the variant cannot train the model (the backend has no " +
      "`Conv2DBackpropFilter` of its own).",
    "",
    await optimisationTable(data, steps, rounds),
  );
  lines.push("", `Load average before: ${loadBefore}; after: ${loadAverage()}.`);
  return lines.join("\n");
}

if (import.meta.main) {
  const childAt = Deno.args.indexOf("--backend-child");
  if (childAt >= 0) {
    const backend = Deno.args[childAt + 1] as "wasm" | "cpu" | "webgpu";
    await backendChild(backend, Number(Deno.args[childAt + 2]));
  } else if (Deno.args.includes("--memory-child")) {
    await memoryChild();
  } else {
    console.log(await run({ quick: Deno.args.includes("--quick") }));
  }
}
