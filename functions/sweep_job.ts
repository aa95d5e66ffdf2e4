/**
 * One sweep job as the worker runs it: build the checked topology within the parameter budget,
 * refuse a step over the memory or work budget before anything is trained, sweep, render the
 * answer, and dispose the model whatever happens. Runs inside the sweep worker process.
 * @module
 */
import type * as tf from "@tensorflow/tfjs";
import type { BackendInfo } from "../src/backend.ts";
import { DEFAULTS } from "../src/defaults.ts";
import type { Dataset } from "../src/data/dataset.ts";
import { resultJson } from "../src/report/json.ts";
import type { LrFinderResult } from "../src/result.ts";
import type { SweepProgress } from "../src/sweep.ts";
import { disposeModel, sweepModel } from "../src/sweep_model.ts";
import { buildModel } from "./model_build.ts";
import type { SweepJob } from "./request.ts";
import { checkStep, estimateStep, layerCosts } from "./step_budget.ts";
import type { WireJob } from "./worker_protocol.ts";

/** What the job reports to and takes from its caller. */
export interface SweepJobControls {
  /** Stops the sweep between steps (`stopReason: "aborted"`). */
  signal?: AbortSignal;
  /** Called after every recorded step. */
  onStep?: (progress: SweepProgress) => void;
  /** The worker's backend, recorded in the result. */
  backend: BackendInfo;
}

/** The answer of a job. */
export interface SweepJobOutput {
  /** The result. */
  result: LrFinderResult;
  /** The result JSON's text (the JSON answer, and the event stream's `result` event). */
  resultJson: string;
  /** The rendered plot for the SVG and PNG answers. */
  body?: Uint8Array;
}

/** Builds, checks, sweeps and renders one job; the model is disposed on every path. */
export async function runSweepJob(
  job: WireJob,
  data: Dataset,
  controls: SweepJobControls,
): Promise<SweepJobOutput> {
  const model = await buildModel(job.topology, { maxParams: job.budget.maxParams });
  try {
    checkStepBudget(model, job, data);
    controls.signal?.throwIfAborted();
  } catch (error) {
    disposeModel(model);
    throw error;
  }
  const result = await sweep(model, data, job.options, controls);
  const text = resultJson(result);
  if (job.format === "json" || job.format === "events") return { result, resultJson: text };
  // The renderer (Vega and resvg) loads on the first plot only: the worker starts faster.
  const { renderPng, renderSvg } = await import("../src/report/render.ts");
  const body = job.format === "svg"
    ? new TextEncoder().encode(await renderSvg(result))
    : await renderPng(result);
  return { result, resultJson: text, body };
}

/**
 * The one place the worker calls the core's sweep, with the request's options, the abort
 * signal, the progress callback and the backend; the core entry disposes the model.
 */
function sweep(
  model: tf.LayersModel,
  data: Dataset,
  options: SweepJob["options"],
  controls: SweepJobControls,
): Promise<LrFinderResult> {
  return sweepModel({ model }, data, {
    ...options,
    signal: controls.signal,
    onStep: controls.onStep,
    backend: controls.backend,
  });
}

/** The training step's memory and work (and the validation pass's memory) against the budget. */
function checkStepBudget(model: tf.LayersModel, job: WireJob, data: Dataset): void {
  const costs = layerCosts(model);
  const batchSize = job.options.batchSize ?? Math.min(DEFAULTS.batchSize, data.size);
  const limits = { maxStepBytes: job.budget.maxStepBytes, maxStepFlops: job.budget.maxStepFlops };
  checkStep(estimateStep(costs, batchSize), limits, job.topology.layers);
  if (job.options.evaluate === "validation") {
    const samples = Math.min(DEFAULTS.validationSamples, Math.floor(data.size / 5));
    const forwardOnly = estimateStep(costs, samples);
    checkStep(
      { ...forwardOnly, bytes: forwardOnly.bytes / 2, flops: forwardOnly.flops / 3 },
      limits,
      job.topology.layers,
    );
  }
}
