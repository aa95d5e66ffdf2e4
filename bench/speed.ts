/**
 * Speed and memory of the sweep (issues 6, 7 and 15):
 * - the sweep against PyTorch, at one thread on both sides and at each side's default threads,
 *   with the wasm backend's products on the machine's BLAS library and on the wasm kernels;
 * - the sweep against a bare `trainOnBatch` loop on the same model, batches and backend;
 * - matrix-product rates of every path (wasm SIMD, XNNPACK, BLAS on one and on all threads,
 *   PyTorch on one and on its default threads);
 * - time per step of the tutorial MLP on every backend;
 * - peak resident memory of a Fashion-MNIST sweep;
 * - each optimisation switched off in turn.
 * Compared variants run interleaved, round by round; medians are reported. Every table names
 * the CPU, the BLAS library and the threads its figures were measured with.
 *
 * Run: `deno run -A bench/speed.ts [--quick]` (prints the Markdown section).
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { setupBackend } from "../src/backend.ts";
import { createBatchSampler, gatherBatch, planBatchLayout } from "../src/batches.ts";
import type { Dataset } from "../src/data/dataset.ts";
import { memoryAddress } from "../src/kernels/blas_library.ts";
import { activeBlas, availableCores, type CpuKernelsRequest } from "../src/kernels/cpu_kernels.ts";
import { resetKernelFlags, setKernelFlags } from "../src/kernels/flags.ts";
import { registerWasmKernels, unregisterWasmKernels } from "../src/kernels/mod.ts";
import { simdKernels } from "../src/kernels/simd_kernels.ts";
import { allocScratch, freeScratch, type WasmBackend } from "../src/kernels/wasm_heap.ts";
import { lossFunction } from "../src/losses.ts";
import { createSweepOptimizer, disposeOptimizer, trainingStep } from "../src/optimizers.ts";
import { findLearningRate } from "../src/sweep.ts";
import {
  benchImages,
  type BenchOptions,
  cpuModel,
  fashionMnist,
  fixed,
  hasFashionMnist,
  lastJson,
  loadAverage,
  machineLine,
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
const CORES = availableCores();

/** Targets of issue 15, sweep time over PyTorch's at the same threads. */
const TARGETS: Record<ModelName, number> = { mlp: 1.0, cnn: 1.5 };

interface Plan {
  steps: Record<ModelName, number>;
  rounds: number;
}

function plan(options: BenchOptions): Plan {
  return options.quick
    ? { steps: { mlp: 30, cnn: 10 }, rounds: 1 }
    : { steps: { mlp: 200, cnn: 30 }, rounds: 5 };
}

/** Which kernels and threads a sweep of ours runs with. */
interface Setup {
  cpuKernels: CpuKernelsRequest;
  threads: number;
}

async function useSetup(setup: Setup): Promise<void> {
  await setupBackend("wasm", setup);
}

/** On-CPU time of the calling thread in ms (Linux), or NaN. */
function threadCpuMs(): number {
  try {
    return Number(Deno.readTextFileSync("/proc/thread-self/schedstat").split(" ")[0]) / 1e6;
  } catch {
    return NaN;
  }
}

/** Wall and on-CPU milliseconds per step. */
interface Times {
  wall: number;
  cpu: number;
}

/**
 * Wall and on-CPU ms per step of the finder's sweep (Adam, a rate range that does not diverge;
 * on-CPU time is the main thread's and includes the planning, snapshot and restore around the
 * loop, but not the BLAS library's other threads).
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
      verify: false,
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

/** The optimisations the last section switches off one at a time (BLAS on one thread). */
const SWITCHES: { name: string; apply: () => Promise<void> | void }[] = [
  { name: "everything on", apply: () => {} },
  {
    name: "BLAS off (the SIMD wasm kernels)",
    apply: () => useSetup({ cpuKernels: "wasm", threads: 1 }),
  },
  {
    name: "fused cross-entropy off (composed TensorFlow.js ops)",
    apply: () => void setKernelFlags({ fusedLosses: false }),
  },
  {
    name: "fused Adam update off (TensorFlow.js's Adam)",
    apply: () => void setKernelFlags({ fusedUpdates: false }),
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
    name: "BLAS and SIMD module off (XNNPACK and TypeScript fallbacks)",
    apply: async () => {
      await useSetup({ cpuKernels: "wasm", threads: 1 });
      setKernelFlags({ simdKernels: false });
    },
  },
  {
    name: "no overrides and nothing fused (the backend's own kernels)",
    apply: async () => {
      await useSetup({ cpuKernels: "wasm", threads: 1 });
      unregisterWasmKernels();
      setKernelFlags({ fusedUpdates: false, fusedLosses: false });
    },
  },
];

async function resetSwitches(): Promise<void> {
  resetKernelFlags();
  await useSetup({ cpuKernels: "auto", threads: 1 });
  registerWasmKernels();
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
      await resetSwitches();
      // The first steps after switching models run slower for a while (JIT, caches): untimed.
      await sweepTimes(name, data, 10);
      for (const s of order) {
        await resetSwitches();
        await s.apply();
        try {
          const t = await sweepTimes(name, data, steps[name]);
          (wall[`${s.name} ${name}`] ??= []).push(t.wall);
          (cpu[`${s.name} ${name}`] ??= []).push(t.cpu);
        } catch {
          // A missing kernel (the backend has no Conv2DBackpropFilter): reported as n/a.
        } finally {
          await resetSwitches();
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
  blasThreads: number | null;
  blas: string;
  blasInfo: string;
  data?: string;
  msPerStep?: number;
  cpuMsPerStep?: number;
  gflops?: Record<string, number>;
}

/** PyTorch on one thread (PyTorch's and its BLAS's), or as it starts by default. */
type TorchThreads = "1" | "default";

async function torchRun(args: string[], threads: TorchThreads): Promise<TorchRun | string> {
  const env: Record<string, string> = { ...Deno.env.toObject() };
  for (const name of ["OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"]) {
    if (threads === "1") env[name] = "1";
    else delete env[name];
  }
  try {
    const output = await new Deno.Command(PYTHON, {
      args: [TORCH_SCRIPT.pathname, ...args, "--threads", threads],
      env,
      clearEnv: true,
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

function torchThreadsLabel(run: TorchRun | undefined): string {
  if (run === undefined) return "?";
  return `${run.threads} PyTorch, ${run.blasThreads ?? "?"} BLAS`;
}

/** Best milliseconds of `reps` runs after three untimed ones. */
function bestMs(run: () => void, reps: number): number {
  for (let i = 0; i < 3; i++) run();
  let fastest = Infinity;
  for (let i = 0; i < reps; i++) {
    const start = performance.now();
    run();
    fastest = Math.min(fastest, performance.now() - start);
  }
  return fastest;
}

const GEMM_SHAPES: [number, number, number][] = [[64, 784, 128], [7744, 144, 32], [512, 512, 512]];

/**
 * GFLOP/s of our paths on the wasm heap: the SIMD kernel, XNNPACK (weights packed once), and
 * the BLAS library on one thread and on all of them; by path, then shape.
 */
function ourGemmRates(): Record<string, Record<string, number>> {
  const backend = tf.backend() as unknown as WasmBackend;
  const rates: Record<string, Record<string, number>> = {};
  const put = (path: string, shape: string, gflops: number) => (rates[path] ??= {})[shape] = gflops;
  const blas = activeBlas();
  const memory = backend.wasm.asm?.memory;
  for (const [m, k, n] of GEMM_SHAPES) {
    const shape = `${m}x${k}x${n}`;
    const flops = 2 * m * k * n;
    const reps = m * k * n > 1e7 ? 10 : 50;
    const a = allocScratch(backend, m * k);
    const b = allocScratch(backend, k * n);
    const c = allocScratch(backend, m * n);
    const heap = backend.wasm.HEAPF32;
    heap.fill(0.5, a.ptr >>> 2, (a.ptr >>> 2) + m * k);
    heap.fill(0.25, b.ptr >>> 2, (b.ptr >>> 2) + k * n);
    const simd = simdKernels(backend);
    if (simd) {
      const ms = bestMs(() =>
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
      put("wasm SIMD kernel, 1 thread", shape, flops / ms / 1e6);
    }
    if (blas !== undefined && memory instanceof WebAssembly.Memory) {
      const base = memoryAddress(memory);
      const call = {
        m,
        n,
        k,
        a: base + a.ptr,
        lda: k,
        transA: false,
        b: base + b.ptr,
        ldb: n,
        transB: false,
        c: base + c.ptr,
        ldc: n,
      };
      for (const threads of [1, CORES]) {
        blas.library.setThreads(threads);
        const ms = bestMs(() => blas.library.sgemm(call), reps);
        put(
          `BLAS ${blas.library.name}, ${threads} thread${threads > 1 ? "s" : ""}`,
          shape,
          flops / ms / 1e6,
        );
      }
    }
    [a, b, c].forEach((buffer) => freeScratch(backend, buffer));
    const x = tf.randomUniform([m, k]);
    const w = tf.randomUniform([k, n]);
    const previous = setKernelFlags({ productForm: "direct" });
    try {
      const ms = bestMs(() => tf.matMul(x, w).dispose(), reps);
      put("wasm XNNPACK tf.matMul, weights packed once, 1 thread", shape, flops / ms / 1e6);
    } finally {
      setKernelFlags(previous);
      tf.dispose([x, w]);
    }
  }
  return rates;
}

interface BackendChildResult {
  backend: string;
  adapter?: string;
  kernels?: string;
  msPerStep: number;
  steps: number;
  warmupMs?: number;
}

/** Child mode: one backend, the tutorial MLP, a short sweep; prints JSON. */
async function backendChild(
  name: "wasm" | "cpu" | "webgpu",
  steps: number,
  cpuKernels: CpuKernelsRequest,
): Promise<void> {
  const info = await setupBackend(name, { cpuKernels });
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
    verify: false,
  };
  for (let i = 0; i < 2; i++) await findLearningRate(model, data, { ...options, numIters: 10 });
  const result = await findLearningRate(model, data, { ...options, numIters: steps });
  const kernels = info.cpuKernels;
  const out: BackendChildResult = {
    backend: info.name,
    adapter: info.adapter?.description,
    kernels: kernels === undefined
      ? undefined
      : kernels.kernels === "blas"
      ? `BLAS, up to ${kernels.threads} threads`
      : "wasm kernels, 1 thread",
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

/** Our sweep variants against PyTorch, in the order of the table's columns. */
const OURS: { key: string; label: string; setup: Setup }[] = [
  {
    key: "wasm",
    label: "sweep, wasm kernels, 1 thread",
    setup: { cpuKernels: "wasm", threads: 1 },
  },
  { key: "blas1", label: "sweep, BLAS, 1 thread", setup: { cpuKernels: "blas", threads: 1 } },
  {
    key: "blasN",
    label: `sweep, BLAS, default threads (${CORES})`,
    setup: { cpuKernels: "blas", threads: CORES },
  },
];

function verdict(ratio: number, target: number): string {
  if (!Number.isFinite(ratio)) return "n/a";
  return ratio <= target ? `holds (<= ${fixed(target, 1)})` : `misses (> ${fixed(target, 1)})`;
}

/** Runs the speed benchmarks and returns their Markdown section. */
export async function run(options: BenchOptions = {}): Promise<string> {
  const { steps, rounds } = plan(options);
  const lines: string[] = ["## Speed and memory", ""];
  const loadBefore = loadAverage();
  const start = await setupBackend("wasm");
  const blasHere = start.cpuKernels?.kernels === "blas" || activeBlas() !== undefined;
  const { data, source } = await benchImages(8192);
  lines.push(
    `Batch ${BATCH}, Adam, ${source}. Machine: ${machineLine()}. ` +
      `Each figure is the median of ${rounds} round(s); in every round each variant runs once, ` +
      `in turn (${steps.mlp} steps for the MLP, ${steps.cnn} for the CNN).`,
    "",
  );

  // Warm-up: compile kernels and the JIT for every variant once, untimed.
  await useSetup({ cpuKernels: "auto", threads: 1 });
  for (const name of ["mlp", "cnn"] as const) {
    await sweepTimes(name, data, 10);
    await bareMsPerStep(name, data, 5);
    await bareStepMsPerStep(name, data, 5);
  }

  const times: Record<string, number[]> = {};
  const push = (key: string, value: number) => (times[key] ??= []).push(value);
  const m = (key: string) => median(times[key] ?? []);
  const torchInfo: Partial<Record<TorchThreads, TorchRun>> = {};
  const torchErrors: string[] = [];
  const ours = OURS.filter((v) => blasHere || v.setup.cpuKernels === "wasm");
  for (let round = 0; round < rounds; round++) {
    for (const name of ["mlp", "cnn"] as const) {
      const variants = ours.map((_, i) => ours[(i + round) % ours.length]);
      for (const variant of variants) {
        await useSetup(variant.setup);
        // The first steps after switching models or kernels run slower (JIT, caches): untimed.
        await sweepTimes(name, data, 10);
        const t = await sweepTimes(name, data, steps[name]);
        push(`${variant.key} ${name}`, t.wall);
        push(`${variant.key} cpu ${name}`, t.cpu);
      }
      for (const threads of ["1", "default"] as const) {
        const torch = await torchRun(
          ["--model", name, "--steps", String(steps[name]), "--batch", String(BATCH)],
          threads,
        );
        if (typeof torch === "string") {
          torchErrors.push(`${threads} thread(s): ${torch}`);
          continue;
        }
        torchInfo[threads] = torch;
        push(`torch ${threads} ${name}`, torch.msPerStep!);
        push(`torch ${threads} cpu ${name}`, torch.cpuMsPerStep!);
      }
    }
  }

  lines.push("### Against PyTorch, at one thread and at the default threads", "");
  const anyTorch = torchInfo["1"] ?? torchInfo.default;
  if (anyTorch === undefined) {
    lines.push(`PyTorch did not run: ${torchErrors[0] ?? "no result"}.`, "");
  } else {
    lines.push(
      `PyTorch ${anyTorch.torch} (\`${PYTHON}\`, BLAS_INFO=${anyTorch.blasInfo}, loaded ` +
        `\`${anyTorch.blas}\`) trains the same model (same layers, batch size, number of ` +
        "steps, Adam, uint8 images scaled per batch) and reports the mean time per step, as " +
        'the sweep does. "1 thread": `torch.set_num_threads(1)` and OMP, OpenBLAS and MKL ' +
        `threads 1 for PyTorch; \`threads: 1\` for the sweep. "Default threads": PyTorch as it ` +
        `starts (${torchThreadsLabel(torchInfo.default)} threads here), the sweep with its ` +
        `default \`threads\` (the ${CORES} cores available; each product size runs on one or ` +
        "all of them, whichever has been faster). The sweep's own work outside the matrix " +
        "products runs on one thread either way (the wasm backend is single-threaded).",
      "",
    );
    const oneThread = ours.filter((v) => v.setup.threads === 1);
    lines.push(
      "One thread on both sides. On-CPU: the main thread's own time (`/proc/thread-self/" +
        "schedstat` for the sweep, `time.thread_time()` for PyTorch), which holds all the work " +
        "at one thread and is much less disturbed by other processes than wall time.",
      "",
      table(
        [
          "model",
          ...oneThread.map((v) => `${v.label} ms/step`),
          "PyTorch, 1 thread ms/step",
          "ratio (BLAS)",
          "ratio (wasm kernels)",
          "sweep, BLAS, 1 thread on-CPU ms/step",
          "PyTorch, 1 thread on-CPU ms/step",
          "on-CPU ratio (BLAS)",
          "target",
        ],
        (["mlp", "cnn"] as const).map((name) => {
          const torch = m(`torch 1 ${name}`);
          const wall = m(`blas1 ${name}`) / torch;
          const cpu = m(`blas1 cpu ${name}`) / m(`torch 1 cpu ${name}`);
          return [
            MODELS[name].label,
            ...oneThread.map((v) => fixed(m(`${v.key} ${name}`))),
            fixed(torch),
            fixed(wall),
            fixed(m(`wasm ${name}`) / torch),
            fixed(m(`blas1 cpu ${name}`)),
            fixed(m(`torch 1 cpu ${name}`)),
            fixed(cpu),
            blasHere
              ? `wall: ${verdict(wall, TARGETS[name])}; on-CPU: ${verdict(cpu, TARGETS[name])}`
              : "no BLAS library here",
          ];
        }),
      ),
      "",
      `Default threads on both sides (wall time; on-CPU time does not add up across threads).`,
      "",
      table(
        [
          "model",
          `sweep, BLAS, default threads (${CORES}) ms/step`,
          `PyTorch, default threads (${torchThreadsLabel(torchInfo.default)}) ms/step`,
          "ratio",
          "target",
        ],
        (["mlp", "cnn"] as const).map((name) => {
          const ratio = m(`blasN ${name}`) / m(`torch default ${name}`);
          return [
            MODELS[name].label,
            fixed(m(`blasN ${name}`)),
            fixed(m(`torch default ${name}`)),
            fixed(ratio),
            blasHere ? verdict(ratio, TARGETS[name]) : "no BLAS library here",
          ];
        }),
      ),
    );
    lines.push(
      "",
      "Ratio: sweep time over PyTorch time at the same threads. The ratio depends on the " +
        "machine's BLAS library more than on anything in this project: PyTorch and the sweep " +
        "call the same library here, but a machine whose `libblas.so.3` is the reference BLAS " +
        "makes PyTorch several times slower (the sweep then keeps the wasm kernels, which its " +
        "startup check finds faster), and a machine with a fast BLAS and many cores favours " +
        "PyTorch, whose element-wise work also runs on several threads.",
    );
    if (torchErrors.length > 0) lines.push("", `PyTorch errors: ${torchErrors.join("; ")}`);
  }

  lines.push("", "### The sweep against a bare training loop (wasm, BLAS on one thread)", "");
  await useSetup({ cpuKernels: "auto", threads: 1 });
  const measures: [string, (name: ModelName) => Promise<Times>][] = [
    ["sweep", (name) => sweepTimes(name, data, steps[name])],
    ["bare", (name) => bareMsPerStep(name, data, steps[name])],
    ["step", (name) => bareStepMsPerStep(name, data, steps[name])],
  ];
  for (let round = 0; round < rounds; round++) {
    for (const name of ["mlp", "cnn"] as const) {
      await sweepTimes(name, data, 10);
      for (let i = 0; i < measures.length; i++) {
        const [label, measure] = measures[(i + round) % measures.length];
        const t = await measure(name);
        push(`${label} ${name}`, t.wall);
        push(`${label} cpu ${name}`, t.cpu);
      }
    }
  }
  lines.push(
    "Bare loops on the same batches, gathered the same way: `model.trainOnBatch` with " +
      "TensorFlow.js's own Adam and loss (the target: at most 1.03 in issue 7, 1.05 in issue " +
      "6), and the sweep's own training step (`trainingStep`: fused Adam and cross-entropy) " +
      "without the sweep around it, which isolates what the sweep itself adds (schedule, loss " +
      "read-back, smoothing, progress). " + machineLine() + "; `threads: 1`.",
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

  lines.push("", "### Matrix-product rates of every path", "");
  await useSetup({ cpuKernels: "auto", threads: CORES });
  const rates = ourGemmRates();
  for (const threads of ["1", "default"] as const) {
    const gemm = await torchRun(["--gemm"], threads);
    if (typeof gemm === "string" || !gemm.gflops) continue;
    rates[`PyTorch torch.mm, ${threads === "1" ? "1 thread" : torchThreadsLabel(gemm)}`] =
      gemm.gflops;
  }
  const shapes = GEMM_SHAPES.map(([a, b, c]) => `${a}x${b}x${c}`);
  lines.push(
    `float32 GFLOP/s, best of 10 to 50 products after 3 untimed ones (m x k x n: the MLP's ` +
      "first layer, the CNN's second convolution as patches, a square product). CPU " +
      `${cpuModel()}, ${CORES} logical cores. Best-of figures show what each path can do; ` +
      "on a busy machine the threaded ones vary most.",
    "",
    table(
      ["path", ...shapes],
      Object.entries(rates).map(([path, byShape]) => [
        path,
        ...shapes.map((shape) => fixed(byShape[shape], 1)),
      ]),
    ),
  );
  const oneThreadBest = Math.max(
    ...Object.entries(rates).filter(([path]) => /1 thread/.test(path)).map(([, r]) =>
      r["64x784x128"] ?? 0
    ),
  );

  lines.push("", "### Per backend: the tutorial MLP", "");
  const mlpFlops = productFlopsPerStep(MODELS.mlp.make(), BATCH);
  const backendRows: string[][] = [];
  const children: ["wasm" | "cpu" | "webgpu", CpuKernelsRequest][] = [
    ["wasm", "auto"],
    ["wasm", "wasm"],
    ["cpu", "auto"],
    ["webgpu", "auto"],
  ];
  for (const [backend, kernels] of children) {
    const child = await runChild(
      SELF,
      [
        "--backend-child",
        backend,
        String(backend === "wasm" ? steps.mlp : 20),
        kernels,
      ],
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
      result.kernels ? `${backend} (${result.kernels})` : backend,
      fixed(result.msPerStep),
      fixed(gflops),
      `${fixed((100 * gflops) / oneThreadBest, 1)}%`,
      result.adapter ? `adapter: ${result.adapter}` : "",
    ]);
  }
  lines.push(
    `Matrix-product work per step: ${(mlpFlops / 1e6).toFixed(1)} MFLOP (forward, weight and ` +
      "input gradients; element-wise work not counted). Share: achieved GFLOP/s over the " +
      `fastest one-thread rate of the 64x784x128 product above (${fixed(oneThreadBest, 1)} ` +
      `GFLOP/s). ${machineLine()}.`,
    "",
    table(["backend", "ms/step", "GFLOP/s", "share of one-thread rate", "note"], backendRows),
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
          `${mib(mem.datasetBytes)} MiB) and sweeps the tutorial MLP for 100 steps on wasm ` +
          "(default CPU kernels and threads).",
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
  await resetSwitches();
  lines.push(
    "",
    "### Each optimisation switched off in turn (wasm sweep, BLAS on one thread)",
    "",
    "Every variant sweeps the same models and batches; variants alternate within each round. " +
      "All run with `threads: 1`, so that the main thread's on-CPU time " +
      "(`/proc/thread-self/schedstat`, less affected by other processes than wall time) " +
      'counts all the work. "vs all on": on-CPU time over that of the first row. `n/a`: the ' +
      "variant cannot train the model (the backend has no `Conv2DBackpropFilter` of its own). " +
      machineLine() + ".",
    "",
    await optimisationTable(data, steps, rounds),
  );
  await resetSwitches();
  lines.push("", `Load average before: ${loadBefore}; after: ${loadAverage()}.`);
  return lines.join("\n");
}

if (import.meta.main) {
  const childAt = Deno.args.indexOf("--backend-child");
  if (childAt >= 0) {
    const backend = Deno.args[childAt + 1] as "wasm" | "cpu" | "webgpu";
    const kernels = (Deno.args[childAt + 3] ?? "auto") as CpuKernelsRequest;
    await backendChild(backend, Number(Deno.args[childAt + 2]), kernels);
  } else if (Deno.args.includes("--memory-child")) {
    await memoryChild();
  } else {
    console.log(await run({ quick: Deno.args.includes("--quick") }));
  }
}
