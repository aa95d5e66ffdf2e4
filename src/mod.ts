/**
 * LR Finder: the learning-rate range test (Smith 2017) for TensorFlow.js.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { findLearningRate, setupBackend } from "./src/mod.ts";
 *
 * await setupBackend("auto");
 * const model = tf.sequential({
 *   layers: [
 *     tf.layers.dense({ inputShape: [4], units: 16, activation: "relu" }),
 *     tf.layers.dense({ units: 3, activation: "softmax" }),
 *   ],
 * });
 * model.compile({ optimizer: "adam", loss: "categoricalCrossentropy" });
 * const data = {
 *   x: new Float32Array(4 * 256).map(() => Math.random()),
 *   xShape: [4],
 *   y: new Int32Array(256).map((_, i) => i % 3),
 *   yShape: [],
 *   classes: 3,
 *   size: 256,
 * };
 * const result = await findLearningRate(model, data, { numIters: 100 });
 * console.log(result.suggestion.lr, result.stopReason);
 * ```
 * @module
 */
export { findLearningRate } from "./sweep.ts";
export type { FindLearningRateOptions, SweepProgress } from "./sweep.ts";
export { VERIFY_DEFAULTS } from "./verify.ts";
export type { VerifyOptions, VerifyProgress } from "./verify.ts";
export { isTrusted } from "./warnings.ts";
export { setupBackend } from "./backend.ts";
export type {
  BackendInfo,
  BackendName,
  BackendRequest,
  GpuAdapterDescription,
  SetupBackendOptions,
} from "./backend.ts";
export { RULE_NAMES, suggestAll, suggestLearningRate } from "./suggest.ts";
export type { SuggestCurve } from "./suggest.ts";
export { learningRateAt, learningRateSchedule } from "./schedule.ts";
export type { ScheduleMode, ScheduleOptions } from "./schedule.ts";
export { createLossSmoother, smoothLosses } from "./smoothing.ts";
export type { LossSmoother } from "./smoothing.ts";
export { LOSS_NAMES } from "./losses.ts";
export type { LossName } from "./loss_names.ts";
export { OPTIMIZER_NAMES } from "./optimizer_spec.ts";
export type { OptimizerName, OptimizerSpec } from "./optimizer_spec.ts";
export { InputError, isInputError } from "./errors.ts";
export type { Dataset, DataSplits } from "./data/dataset.ts";
export type * from "./result.ts";
export { loadModel, saveModel } from "./model_io.ts";
export type { LoadedModel, LoadModelOptions, SavedModel, SaveModelOptions } from "./model_io.ts";
export { loadConfig, mergeConfig, parseConfig } from "./config.ts";
export type {
  ConfigOverrides,
  DataConfig,
  DataSource,
  LrFinderConfig,
  MergeConfigOptions,
  ParseConfigOptions,
  ResolvedConfig,
} from "./config.ts";
export {
  datasetFromArrays,
  loadDataSource,
  loadDataSplits,
  syntheticDataset,
  validateDataset,
} from "./data/mod.ts";
export type {
  ArraysDataset,
  ArraysOptions,
  LoadDataOptions,
  LoadDataSourceOptions,
  SyntheticSpec,
} from "./data/mod.ts";
export {
  markdownReport,
  renderPng,
  renderSvg,
  resultJson,
  terminalChart,
  writeReport,
} from "./report/mod.ts";
export type {
  MarkdownOptions,
  PlotOptions,
  RenderOptions,
  ReportFiles,
  TerminalChartOptions,
  WriteReportOptions,
} from "./report/mod.ts";
export { runConfig } from "./run.ts";
export type { RunConfigOptions, RunReadyInfo } from "./run.ts";
