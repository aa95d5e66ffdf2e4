/**
 * One sweep job as the worker runs it: build the checked topology within the parameter budget,
 * refuse a step over the memory or work budget before anything is trained (verification that
 * would not fit in memory is skipped instead, and the answer says so), sweep and verify, say in
 * the result what the server's budget changed about verification, render the answer, and
 * dispose the model whatever happens. Runs inside the sweep worker process.
 * @module
 */
import type * as tf from "@tensorflow/tfjs";
import type { BackendInfo } from "../src/backend.ts";
import { DEFAULTS } from "../src/defaults.ts";
import type { Dataset } from "../src/data/dataset.ts";
import { resultJson } from "../src/report/json.ts";
import type { LrFinderResult } from "../src/result.ts";
import type { SweepProgress } from "../src/sweep.ts";
import type { VerifyProgress } from "../src/sweep_options.ts";
import { disposeModel, sweepModel } from "../src/sweep_model.ts";
import { SCORE_CHUNK } from "../src/training.ts";
import { HELD_OUT_SHARE, type ResolvedVerifyOptions } from "../src/verify.ts";
import { LIMIT_ENV } from "./limits.ts";
import { buildModel } from "./model_build.ts";
import type { SweepJob } from "./request.ts";
import {
  checkStep,
  estimateStep,
  estimateVerificationStep,
  formatBytes,
  type LayerCost,
  layerCosts,
} from "./step_budget.ts";
import { applyVerifyBudget, type VerifyBudget } from "./verify_budget.ts";
import type { WireJob } from "./worker_protocol.ts";

/** What the job reports to and takes from its caller. */
export interface SweepJobControls {
  /** Stops the sweep between steps (`stopReason: "aborted"`). */
  signal?: AbortSignal;
  /** Called after every recorded step. */
  onStep?: (progress: SweepProgress) => void;
  /** Called after every training step of verification. */
  onVerify?: (progress: VerifyProgress) => void;
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
  let options = job.options;
  let verifyBudget = job.verifyBudget;
  try {
    const costs = layerCosts(model);
    checkStepBudget(costs, job, data);
    const tooLarge = verificationOverMemory(costs, job, data);
    if (tooLarge) {
      options = { ...options, verify: false };
      verifyBudget = tooLarge;
    }
    controls.signal?.throwIfAborted();
  } catch (error) {
    disposeModel(model);
    throw error;
  }
  const result = applyVerifyBudget(await sweep(model, data, options, controls), verifyBudget);
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
    onVerify: controls.onVerify,
    backend: controls.backend,
  });
}

/** The training step's memory and work (and the validation pass's memory) against the budget. */
function checkStepBudget(costs: LayerCost[], job: WireJob, data: Dataset): void {
  const batchSize = batchSizeOf(job, data);
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

function batchSizeOf(job: WireJob, data: Dataset): number {
  return job.options.batchSize ?? Math.min(DEFAULTS.batchSize, data.size);
}

/**
 * Why verification would not fit in the step memory budget, as the budget's skip (the sweep
 * itself fits): every candidate's weights and optimizer state held at once, or the forward pass
 * that scores a chunk of held-out samples. `undefined` when it fits or does not run.
 */
function verificationOverMemory(
  costs: LayerCost[],
  job: WireJob,
  data: Dataset,
): VerifyBudget | undefined {
  const verify = job.options.verify;
  if (typeof verify !== "object") return undefined;
  const settings = verify as ResolvedVerifyOptions;
  const limit = `this server's limit of ${
    formatBytes(job.budget.maxStepBytes)
  } (${LIMIT_ENV.maxStepBytes})`;
  const skip = (reason: string): VerifyBudget => ({ kind: "skipped", reason, settings });
  const step = estimateVerificationStep(costs, {
    batchSize: batchSizeOf(job, data),
    candidates: settings.candidates,
  });
  if (step.bytes > job.budget.maxStepBytes) {
    return skip(
      `a verification step, with the weights and optimizer state of ${settings.candidates} ` +
        `candidates, needs about ${formatBytes(step.bytes)}, more than ${limit}; fewer ` +
        "verify.candidates or a smaller model fit",
    );
  }
  const samples = Math.min(
    SCORE_CHUNK,
    settings.heldOutSamples,
    Math.max(1, Math.floor(data.size * HELD_OUT_SHARE)),
  );
  const forward = estimateStep(costs, samples);
  if (forward.bytes / 2 > job.budget.maxStepBytes) {
    return skip(
      `scoring ${samples} held-out samples at once needs about ${
        formatBytes(forward.bytes / 2)
      }, more than ${limit}; a smaller model or input fits`,
    );
  }
  return undefined;
}
