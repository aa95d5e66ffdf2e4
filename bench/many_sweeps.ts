/**
 * Many sweeps in one process (issue 7): the tutorial MLP swept 100 times in a fresh process on
 * wasm; time per step and resident memory after every sweep. The 100th sweep should be as
 * fast as the 2nd (within 10%) and memory should stay flat (within 10%).
 *
 * Run: `deno run -A bench/many_sweeps.ts [--quick]` (prints the Markdown section).
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { SWEEP_WORKER_V8_FLAGS } from "../functions/worker_pool.ts";
import { setupBackend } from "../src/backend.ts";
import { findLearningRate } from "../src/sweep.ts";
import {
  benchImages,
  type BenchOptions,
  fixed,
  lastJson,
  loadAverage,
  median,
  mib,
  runChild,
  table,
  tutorialMlp,
} from "./common.ts";

const SELF = new URL(import.meta.url);

interface SweepRecord {
  msPerStep: number;
  cpuMsPerStep: number;
  rss: number;
  heapUsed: number;
  heapTotal: number;
  wasmHeap: number;
  tensors: number;
}

interface ChildResult {
  sweeps: SweepRecord[];
  steps: number;
  source: string;
  gc: boolean;
}

/** Child mode: `count` sweeps of `steps` steps; prints one JSON line. */
async function child(count: number, steps: number): Promise<void> {
  // One BLAS thread: the main thread's on-CPU time then counts all the work of every sweep.
  await setupBackend("wasm", { threads: 1 });
  const { data, source } = await benchImages(8192);
  const model = tutorialMlp();
  model.compile({ optimizer: tf.train.adam(1e-3), loss: "categoricalCrossentropy" });
  const gc = (globalThis as { gc?: () => void }).gc;
  const wasm = (tf.backend() as unknown as { wasm?: { HEAPF32: Float32Array } }).wasm;
  const sweeps: SweepRecord[] = [];
  const threadCpuMs = () =>
    Number(Deno.readTextFileSync("/proc/thread-self/schedstat").split(" ")[0]) / 1e6;
  for (let i = 0; i < count; i++) {
    const cpuStart = threadCpuMs();
    const result = await findLearningRate(model, data, {
      numIters: steps,
      startLr: 1e-5,
      endLr: 1e-2,
      seed: i,
      verify: false,
    });
    const cpuMsPerStep = (threadCpuMs() - cpuStart) / steps;
    gc?.();
    const memory = Deno.memoryUsage();
    sweeps.push({
      msPerStep: result.timing.msPerStep,
      cpuMsPerStep,
      rss: memory.rss,
      heapUsed: memory.heapUsed,
      heapTotal: memory.heapTotal,
      wasmHeap: wasm?.HEAPF32.buffer.byteLength ?? 0,
      tensors: tf.memory().numTensors,
    });
  }
  const out: ChildResult = { sweeps, steps, source, gc: gc !== undefined };
  console.log(JSON.stringify(out));
}

/** Runs the many-sweeps benchmark in fresh processes and returns its Markdown section. */
export async function run(options: BenchOptions = {}): Promise<string> {
  const count = options.quick ? 20 : 100;
  const steps = options.quick ? 20 : 50;
  const configurations = [
    { label: "V8 defaults", flags: ["--expose-gc"] },
    {
      label: `as \`deno task serve\`'s sweep worker (${SWEEP_WORKER_V8_FLAGS.join(" ")})`,
      flags: ["--expose-gc", ...SWEEP_WORKER_V8_FLAGS],
    },
  ];
  const lines = [
    "## Many sweeps in one process",
    "",
    `A fresh process (wasm, single-threaded) sweeps the tutorial MLP ${count} times, ${steps} ` +
    "steps each, batch 64, the model's own Adam; a garbage collection runs before memory is read " +
    "after each sweep. It runs twice: with V8's defaults (a library user's process) and with the " +
    "V8 settings of the sweep worker of `deno task serve`, the HTTP function, which runs many " +
    "sweeps for its whole life and sizes V8's young generation up front so that its memory " +
    "does not step up once some sweeps in. Targets: time ratio within 0.9-1.1, resident set " +
    "ratio at most 1.1.",
    "",
  ];
  const summary: (string | number)[][] = [];
  const details: string[] = [];
  for (const configuration of configurations) {
    const loadBefore = loadAverage();
    const output = await runChild(SELF, ["--child", String(count), String(steps)], {
      timeoutMs: 20 * 60_000,
      v8Flags: configuration.flags,
    });
    const result = lastJson<ChildResult>(output.stdout);
    if (!output.ok || result === undefined) {
      details.push(
        `### ${configuration.label}`,
        "",
        `Did not run: ${output.stderr.trim().split("\n").at(-1) ?? "no output"}`,
        "",
      );
      continue;
    }
    const s = result.sweeps;
    const cpu = (from: number) => median(s.slice(from, from + 5).map((r) => r.cpuMsPerStep));
    summary.push([
      configuration.label,
      fixed(cpu(count - 5) / cpu(5), 3),
      mib(s[1].rss),
      mib(s[count - 1].rss),
      fixed(s[count - 1].rss / s[1].rss, 3),
      s[count - 1].tensors,
    ]);
    details.push(
      `### ${configuration.label}`,
      "",
      ...configurationDetails(result, count, steps, loadBefore),
      "",
    );
  }
  lines.push(
    table([
      "V8 configuration",
      "on-CPU ms/step, last 5 sweeps / sweeps 6-10",
      "resident set after sweep 2 (MiB)",
      `after sweep ${count} (MiB)`,
      `ratio ${count}/2`,
      "live tensors at the end",
    ], summary),
    "",
    ...details,
  );
  return lines.join("\n").trimEnd();
}

/** The detailed tables of one configuration's run. */
function configurationDetails(
  result: ChildResult,
  count: number,
  steps: number,
  loadBefore: string,
): string[] {
  const lines: string[] = [];
  const s = result.sweeps;
  const window = (from: number) => s.slice(from, from + 5);
  const early = window(1);
  const late = window(count - 5);
  const steady = window(5);
  const at = (i: number) => s[i];
  const ratio = (a: number, b: number) => fixed(b / a, 3);
  const half = Math.floor(count / 2) - 1;
  /** A row: the value after sweep 2 and after the last (or the medians of 5 around them). */
  const metric = (
    label: string,
    get: (r: SweepRecord) => number,
    format: (value: number) => string,
    windowed: boolean | "steady" = false,
  ): string[] => {
    const first = windowed === "steady"
      ? median(steady.map(get))
      : windowed
      ? median(early.map(get))
      : get(at(1));
    const last = windowed ? median(late.map(get)) : get(at(count - 1));
    return [label, format(first), format(last), ratio(first, last)];
  };
  lines.push(
    `${count} sweeps of ${steps} steps on ${result.source}; ` +
      `${result.gc ? "a garbage collection runs" : "no forced garbage collection"} ` +
      "before memory is read after each sweep. Time: the sweep's ms/step, and the main " +
      "thread's on-CPU time per step (less disturbed by other processes).",
    "",
    table(["", `sweep 2`, `sweep ${count}`, `ratio ${count}/2`], [
      metric("ms/step", (r) => r.msPerStep, fixed),
      metric("ms/step, median of 5 sweeps around it", (r) => r.msPerStep, fixed, true),
      metric("on-CPU ms/step, median of 5 sweeps around it", (r) => r.cpuMsPerStep, fixed, true),
      metric(
        "on-CPU ms/step, median of sweeps 6-10 (first column) against the last 5",
        (r) => r.cpuMsPerStep,
        fixed,
        "steady",
      ),
      metric("resident set (MiB)", (r) => r.rss, mib),
      metric("JS heap used (MiB)", (r) => r.heapUsed, mib),
      metric("JS heap committed by V8 (MiB)", (r) => r.heapTotal, mib),
      metric("wasm heap (MiB)", (r) => r.wasmHeap, mib),
      ["live tensors", at(1).tensors, at(count - 1).tensors, ""],
    ]),
    "",
    "The first sweeps " +
      "still run partly in V8's unoptimised tiers (sweep 1 is the slowest), so a ratio below " +
      "0.9 means the later sweeps got faster, not slower; the row for sweeps 6-10 compares " +
      "warm sweeps. Live tensors, the " +
      "JS objects in use and the wasm heap measure what the sweeps keep; the resident set " +
      "also holds what V8 and the allocator have reserved (with V8's defaults it enlarges its " +
      "young generation once, some sweeps in, while the objects in use stay flat). " +
      `From sweep ${half + 1} to ${count} the resident set changes by a factor of ` +
      `${ratio(at(half).rss, at(count - 1).rss)}. Every tenth sweep:`,
    "",
    table(
      ["sweep", "ms/step", "resident set (MiB)", "JS heap used / committed (MiB)", "live tensors"],
      s.map((r, i) => ({ r, i })).filter(({ i }) => i === 0 || (i + 1) % 10 === 0 || i === 1)
        .map(({ r, i }) => [
          i + 1,
          fixed(r.msPerStep),
          mib(r.rss),
          `${mib(r.heapUsed)} / ${mib(r.heapTotal)}`,
          r.tensors,
        ]),
    ),
    "",
    `Load average before: ${loadBefore}; after: ${loadAverage()}.`,
  );
  return lines;
}

if (import.meta.main) {
  const at = Deno.args.indexOf("--child");
  if (at >= 0) {
    await child(Number(Deno.args[at + 1]), Number(Deno.args[at + 2]));
  } else {
    console.log(await run({ quick: Deno.args.includes("--quick") }));
  }
}
