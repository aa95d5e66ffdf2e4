/**
 * LR Finder: the learning-rate range test (Smith 2017) for TensorFlow.js.
 *
 * `tf` is the TensorFlow.js this library runs on (core, layers, the cpu backend; the wasm and
 * WebGPU backends through {@linkcode setupBackend}): build models with it so that they and the
 * sweep share one TensorFlow.js. TensorFlow.js calls made before a backend is started run on
 * cpu; the first sweep starts `setupBackend("auto")` unless `setupBackend` was called. Importing
 * this module also registers the `file://` scheme with TensorFlow.js, so that
 * `model.save("file://dir")` and `tf.loadLayersModel("file://dir/model.json")` work under Deno.
 * Permissions: `--allow-read --allow-env --allow-sys` (and `--allow-write` to save files).
 *
 * @example
 * ```ts
 * import { findLearningRate, tf } from "@lr-finder/lr-finder";
 *
 * const model = tf.sequential({
 *   layers: [
 *     tf.layers.dense({ inputShape: [4], units: 16, activation: "relu" }),
 *     tf.layers.dense({ units: 3, activation: "softmax" }),
 *   ],
 * });
 * model.compile({ optimizer: "adam", loss: "sparseCategoricalCrossentropy" });
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
import { registerFileSystemRoutes } from "./model_io.ts";

registerFileSystemRoutes();

export * as tf from "./tfjs.ts";
export { findLearningRate } from "./sweep.ts";
export type {
  FindLearningRateOptions,
  SweepControls,
  SweepProgress,
  SweepSettings,
} from "./sweep.ts";
export { sweepModel } from "./sweep_model.ts";
export type { ModelToSweep, SweepModelOptions } from "./sweep_model.ts";
export { DEFAULTS } from "./defaults.ts";
export { setupBackend, startedBackend } from "./backend.ts";
export { VERIFY_DEFAULTS } from "./verify.ts";
export type { VerifyOptions, VerifyProgress } from "./verify.ts";
export { isTrusted } from "./warnings.ts";
export type {
  BackendInfo,
  BackendName,
  BackendRequest,
  GpuAdapterDescription,
  SetupBackendOptions,
} from "./backend.ts";
export type { CpuKernelsInfo } from "./result.ts";
export type { CpuKernelsRequest } from "./vocabulary.ts";
export { RULES, suggestAll, suggestLearningRate } from "./suggest.ts";
export type { Rule, SuggestCurve } from "./suggest.ts";
export { RULE_NAMES, SUGGEST_METHODS } from "./vocabulary.ts";
export { learningRateAt, learningRateSchedule } from "./schedule.ts";
export type { ScheduleMode, ScheduleOptions } from "./schedule.ts";
export { createLossSmoother, smoothLosses } from "./smoothing.ts";
export type { LossSmoother } from "./smoothing.ts";
export { LOSS_NAMES } from "./loss_names.ts";
export type { LossName } from "./loss_names.ts";
export { OPTIMIZER_NAMES } from "./optimizer_spec.ts";
export type { OptimizerName, OptimizerSpec } from "./optimizer_spec.ts";
export { InputError, isInputError } from "./errors.ts";
export type { Dataset, DataSplits } from "./data/dataset.ts";
export type {
  Band,
  LrFinderResult,
  RuleName,
  RunCurve,
  Settings,
  StopReason,
  Suggestion,
  SuggestMethod,
  Timing,
  Trial,
  Uncertainty,
  Verification,
  Warning,
} from "./result.ts";
export { SUGGESTION_METHODS, WARNING_CODES, WARNING_SEVERITIES } from "./vocabulary.ts";
export type { SuggestionMethod, WarningCode, WarningSeverity } from "./vocabulary.ts";
export { FILE_SCHEME, loadModel, registerFileSystemRoutes, saveModel } from "./model_io.ts";
export type { LoadedModel, LoadModelOptions, SavedModel, SaveModelOptions } from "./model_io.ts";
export { loadConfig, mergeConfig, parseConfig } from "./config.ts";
export type {
  ConfigOverrides,
  LrFinderConfig,
  LrFinderConfigInput,
  MergeConfigOptions,
  ParseConfigOptions,
  ResolvedConfig,
} from "./config.ts";
export type {
  CsvSource,
  DataConfig,
  DataSource,
  IdxSource,
  ModuleSource,
  NpySource,
  SyntheticSource,
} from "./data/sources.ts";
export type { OptimizerInput, SweepConfig } from "./settings_schema.ts";
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
  headline,
  markdownReport,
  renderPng,
  renderSvg,
  resultJson,
  terminalChart,
  trialsTable,
  warningLines,
  writeReport,
} from "./report/mod.ts";
export type {
  MarkdownOptions,
  PlotOptions,
  RenderOptions,
  ReportFiles,
  TerminalChartOptions,
  TrialRow,
  WriteReportOptions,
} from "./report/mod.ts";
export { runConfig } from "./run.ts";
export type { RunConfigOptions, RunReadyInfo } from "./run.ts";
