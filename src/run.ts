/**
 * Running the range test described by a config: model and data from disk, the sweep, the
 * result. Shared by the CLI and the GitHub Action.
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { type BackendInfo, setupBackend } from "./backend.ts";
import type { ResolvedConfig } from "./config.ts";
import { loadDataSplits } from "./data/mod.ts";
import { loadModel } from "./model_io.ts";
import type { OptimizerSpec } from "./optimizer_spec.ts";
import { disposeOptimizer } from "./optimizers.ts";
import type { LrFinderResult } from "./result.ts";
import { findLearningRate, type SweepProgress } from "./sweep.ts";

/** Options of {@linkcode runConfig}. */
export interface RunConfigOptions {
  /** A backend already started; otherwise the config's backend is started. */
  backend?: BackendInfo;
  /** Fail unless a real GPU adapter is found (when the backend is started here). */
  requireGpu?: boolean;
  /** Called after every recorded step. */
  onStep?: (progress: SweepProgress) => void;
  /** Aborts the sweep (the partial result is returned with `stopReason: "aborted"`). */
  signal?: AbortSignal;
  /** Called once the model and data are loaded, before the first step. */
  onReady?: (info: RunReadyInfo) => void;
}

/** What was loaded, reported before the sweep starts. */
export interface RunReadyInfo {
  /** The backend that runs the sweep. */
  backend: BackendInfo;
  /** Training samples. */
  trainSize: number;
  /** Trainable and non-trainable parameters of the model. */
  params: number;
  /** Warnings from loading the model (e.g. an unsupported optimizer in its training config). */
  warnings: string[];
}

/** The optimizer used when neither the config nor the model's training config names one. */
export const DEFAULT_OPTIMIZER: OptimizerSpec = { name: "adam" };

/**
 * Loads the config's model and data, runs the sweep with its settings and returns the result.
 * The model is disposed afterwards; tensors are back to their count before the call.
 */
export async function runConfig(
  config: ResolvedConfig,
  options: RunConfigOptions = {},
): Promise<LrFinderResult> {
  const backend = options.backend ?? await setupBackend(config.backend, {
    requireGpu: options.requireGpu,
    cpuKernels: config.cpuKernels,
    threads: config.threads,
  });
  const splits = await loadDataSplits(config.data, { baseDir: config.baseDir });
  const loaded = await loadModel(config.model, { baseDir: config.baseDir });
  try {
    options.onReady?.({
      backend,
      trainSize: splits.train.size,
      params: loaded.model.countParams(),
      warnings: loaded.warnings,
    });
    return await findLearningRate(loaded.model, splits, {
      name: config.name,
      loss: config.loss ?? loaded.loss,
      optimizer: config.optimizer ?? loaded.optimizer ?? DEFAULT_OPTIMIZER,
      batchSize: config.batchSize,
      ...config.sweep,
      suggest: config.suggest,
      backend,
      onStep: options.onStep,
      signal: options.signal,
    });
  } finally {
    const optimizer = loaded.model.optimizer as tf.Optimizer | undefined;
    loaded.model.dispose();
    // A model compiled with an optimizer object does not own it; disposing twice is harmless.
    if (optimizer) disposeOptimizer(optimizer);
  }
}
