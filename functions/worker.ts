/**
 * The sweep worker: a child process the server starts (see `worker_pool.ts`) and can kill at
 * any moment. It starts the TensorFlow.js backend, warms it with a tiny sweep, says `ready`, then
 * runs one job at a time from its stdin and writes progress, the answer or the failure to its
 * stdout, each with its TensorFlow.js memory so the server can see a leak. It exits when its
 * stdin closes.
 *
 * ```sh
 * deno run --allow-read functions/worker.ts wasm   # started by the server, not by hand
 * ```
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { type BackendInfo, type BackendRequest, setupBackend } from "../src/backend.ts";
import { ConfigError } from "../src/validation.ts";
import { isInputError } from "../src/errors.ts";
import type { SweepProgress } from "../src/sweep.ts";
import type { VerifyProgress } from "../src/sweep_options.ts";
import { layerListTopology } from "./layer_list.ts";
import { runSweepJob } from "./sweep_job.ts";
import { prepareTopology } from "./topology.ts";
import {
  datasetOf,
  encodeFrame,
  type FromWorker,
  readFrames,
  type ToWorker,
  type WireJob,
  type WorkerFailure,
  type WorkerStats,
} from "./worker_protocol.ts";

const stdout = Deno.stdout.writable.getWriter();
let writing: Promise<void> = Promise.resolve();

/** Queues one frame on stdout (frames never interleave). */
function send(message: FromWorker, attachments: Uint8Array[] = []): Promise<void> {
  const frame = encodeFrame(message, attachments);
  writing = writing.then(() => stdout.write(frame));
  return writing;
}

function stats(): WorkerStats {
  return {
    tensors: tf.memory().numTensors,
    variables: Object.keys(tf.engine().state.registeredVariables).length,
    rss: Deno.memoryUsage().rss,
  };
}

/** The kind of a failure: the request's fault, memory, a wasm trap, an abort, or the model. */
export function classifyFailure(error: unknown): WorkerFailure {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof ConfigError) {
    return { kind: "input", message, issues: error.issues };
  }
  if (isInputError(error)) {
    return { kind: "input", message, field: (error as { field?: string }).field };
  }
  if (
    /allocation failed|out of memory|\bOOM\b|failed to allocate|invalid (typed )?array length/i
      .test(message)
  ) {
    return { kind: "memory", message };
  }
  if (error instanceof WebAssembly.RuntimeError) return { kind: "trap", message };
  if (error instanceof DOMException && error.name === "AbortError") {
    return { kind: "aborted", message };
  }
  // The job runs the request's model: TensorFlow.js refusing it midway (a cell used as a layer,
  // an op without a gradient) is the model's fault; the worker is replaced all the same.
  return { kind: "model", message };
}

async function runJob(id: number, job: WireJob, attachments: Uint8Array[], backend: BackendInfo) {
  const abort = new AbortController();
  running = { id, abort };
  let answer: FromWorker;
  let body: Uint8Array[] = [];
  try {
    const output = await runSweepJob(job, datasetOf(job, attachments), {
      signal: abort.signal,
      backend,
      onStep(progress: SweepProgress) {
        send({ type: "progress", id, progress });
      },
      onVerify(progress: VerifyProgress) {
        send({ type: "verify-progress", id, progress });
      },
    });
    answer = {
      type: "done",
      id,
      resultJson: output.resultJson,
      stopReason: output.result.stopReason,
      steps: output.result.timing.steps,
      stats: stats(),
    };
    if (output.body) body = [output.body];
  } catch (error) {
    answer = { type: "failed", id, failure: classifyFailure(error), stats: stats() };
  }
  // Free before answering: the server sends the next job as soon as it reads the answer.
  running = undefined;
  await send(answer, body);
}

/** A tiny sweep through the same path as a job: kernels compiled, memory at its baseline. */
async function warmUp(backend: BackendInfo): Promise<void> {
  const size = 16;
  const x = Float32Array.from({ length: size * 2 }, (_, i) => (i % 7) / 7);
  const y = Int32Array.from({ length: size }, (_, i) => i % 2);
  const topology = prepareTopology(
    layerListTopology([{ type: "dense", units: 4, activation: "relu" }, { type: "output" }], {
      inputShape: [2],
      output: { units: 2, activation: "softmax" },
    }),
    { seed: 0, field: "model" },
  );
  await runSweepJob(
    {
      topology,
      options: {
        name: "warm-up",
        loss: "sparseCategoricalCrossentropy",
        optimizer: { name: "adam" },
        numIters: 10,
      },
      data: { xShape: [2], yShape: [], classes: 2, size, xType: "f32", yType: "i32" },
      format: "json",
      budget: { maxParams: 1000, maxStepBytes: 1e9, maxStepFlops: 1e12 },
    },
    { x, xShape: [2], y, yShape: [], classes: 2, size },
    { backend },
  );
}

let running: { id: number; abort: AbortController } | undefined;

if (import.meta.main) {
  const backend = await setupBackend((Deno.args[0] ?? "wasm") as BackendRequest);
  await warmUp(backend);
  await send({
    type: "ready",
    backend: { name: backend.name, reason: backend.reason },
    stats: stats(),
  });
  for await (const frame of readFrames<ToWorker>(Deno.stdin.readable)) {
    const message = frame.message;
    if (message.type === "abort") {
      if (running?.id === message.id) {
        running.abort.abort(new DOMException("the client went away", "AbortError"));
      }
    } else if (running) {
      await send({
        type: "failed",
        id: message.id,
        failure: { kind: "internal", message: "the worker is already running a job" },
        stats: stats(),
      });
    } else {
      runJob(message.id, message.job, frame.attachments, backend);
    }
  }
  await writing;
  Deno.exit(0);
}
