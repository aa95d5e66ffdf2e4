/**
 * Running the range test described by a config: model and data from disk, the sweep, the
 * result. Shared by the CLI and the GitHub Action.
 * @module
 */
import { type BackendInfo, setupBackend } from "./backend.ts";
import type { LrFinderConfig, ResolvedConfig } from "./config.ts";
import { loadDataSplits } from "./data/mod.ts";
import { loadModel } from "./model_io.ts";
import type { LrFinderResult } from "./result.ts";
import type { SweepProgress, SweepSettings } from "./sweep.ts";
import type { VerifyProgress } from "./sweep_options.ts";
import { disposeModel, sweepModel } from "./sweep_model.ts";

/** Options of {@linkcode runConfig}. */
export interface RunConfigOptions {
  /** A backend already started; otherwise the config's backend is started. */
  backend?: BackendInfo;
  /** Fail unless a real GPU adapter is found (when the backend is started here). */
  requireGpu?: boolean;
  /** Called after every recorded step. */
  onStep?: (progress: SweepProgress) => void;
  /** Called after every training step of verification. */
  onVerify?: (progress: VerifyProgress) => void;
  /**
   * Aborts the sweep (the partial result is returned with `stopReason: "aborted"`) or, after
   * the sweep, verification (the curve rule's suggestion stands, and the result says so).
   */
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

/**
 * Loads the config's model and data, runs the sweep with its settings ({@linkcode sweepModel})
 * and returns the result. The model is disposed afterwards; tensors are back to their count
 * before the call.
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
  } catch (error) {
    disposeModel(loaded.model);
    throw error;
  }
  return await sweepModel(loaded, splits, {
    ...configSettings(config),
    backend,
    onStep: options.onStep,
    onVerify: options.onVerify,
    signal: options.signal,
  });
}

/** The sweep settings a config names (the model's training config fills in what it leaves out). */
function configSettings(config: LrFinderConfig): SweepSettings {
  return {
    name: config.name,
    loss: config.loss,
    optimizer: config.optimizer,
    batchSize: config.batchSize,
    ...config.sweep,
    suggest: config.suggest,
    verify: config.verify,
  };
}
