/**
 * The plan of a sweep: the options validated by the same field schemas as the config (defaults
 * from `DEFAULTS`), the model, data and loss checked against each other (`targets.ts`), the
 * loss, optimizer, schedule and batch layout resolved, and the settings the result will record.
 * Nothing is trained and no tensor is allocated here.
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { z } from "zod";
import { type BatchLayout, planBatchLayout } from "./batches.ts";
import type { Dataset, DataSplits } from "./data/dataset.ts";
import { fixedSample, holdOut } from "./data/split.ts";
import { checkDatasetLengths } from "./data/validate.ts";
import { DEFAULTS } from "./defaults.ts";
import { InputError } from "./errors.ts";
import { type LossFunction, lossFunction } from "./losses.ts";
import type { LossName } from "./loss_names.ts";
import type { OptimizerSpec } from "./optimizer_spec.ts";
import { cpuKernelsInfo } from "./kernels/cpu_kernels.ts";
import { describeOptimizer } from "./optimizers.ts";
import type { Settings } from "./result.ts";
import { learningRateSchedule } from "./schedule.ts";
import { checkTargets } from "./targets.ts";
import {
  batchSizeSchema,
  checkLearningRateRange,
  suggestSchema,
  sweepFields,
  verifySchema,
} from "./settings_schema.ts";
import type { FindLearningRateOptions } from "./sweep_options.ts";
import { firstIssueError } from "./validation.ts";

/** Everything a sweep needs, resolved and validated before any training. */
export interface SweepPlan {
  /** The model being swept (its weights are restored after every phase). */
  model: tf.LayersModel;
  /** The samples the sweep trains on (without those held out for validation). */
  train: Dataset;
  /** The samples the curve is recorded on with `evaluate: "validation"`. */
  validation?: Dataset;
  /** The fixed validation sample evaluated at every step. */
  validationIndices?: Int32Array;
  /** The validation data the caller gave, whatever `evaluate` is (verification scores on it). */
  givenValidation?: Dataset;
  /** How samples feed the model and the loss. */
  layout: BatchLayout;
  /** The loss, by canonical name, and its per-sample function. */
  loss: { name: LossName; fn: LossFunction };
  /** The optimizer the sweep trains with (its learning rate is the schedule's). */
  optimizerSpec: OptimizerSpec;
  /** The compiled model's optimizer whose state the sweep copies, when no spec was given. */
  sourceOptimizer?: tf.Optimizer;
  /** The learning rate of every planned step. */
  lrs: number[];
  /** What the result records as its settings. */
  settings: Settings;
  /** Untimed steps run (and undone) before the first run. */
  warmupSteps: number;
  /** Steps a loss may wait before it is read. */
  readLag: number;
  /** Milliseconds the whole sweep may take, when limited. */
  timeBudgetMs?: number;
}

/**
 * The schema of the sweep's options: the config's `sweep` fields with their defaults, plus the
 * settings and controls only the library takes. Unknown keys (callbacks, signal) pass through.
 */
const sweepOptionsSchema = z.object({
  ...sweepFields,
  batchSize: batchSizeSchema.optional(),
  suggest: suggestSchema.default(DEFAULTS.suggest),
  validationSamples: z.int().min(1).default(DEFAULTS.validationSamples),
  warmupSteps: z.int().min(0).optional(),
  readLag: z.int().min(0).optional(),
  verify: verifySchema.optional(),
}).superRefine(checkLearningRateRange);

/**
 * Validates the options against the model and the data and resolves everything a sweep needs.
 * Throws an {@linkcode InputError} naming the first bad option, the model's problem or the
 * data's (`data.train`, `data.validation`).
 */
export function planSweep(
  model: tf.LayersModel,
  data: Dataset | DataSplits,
  options: FindLearningRateOptions,
): SweepPlan {
  checkModel(model);
  const parsed = sweepOptionsSchema.safeParse(
    { ...options, ...withoutUnlimited(options) },
    { reportInput: true },
  );
  if (!parsed.success) throw firstIssueError(parsed.error.issues, options);
  const { evaluate, seed, validationSamples } = parsed.data;
  const splits: DataSplits = "train" in data ? data : { train: data };
  let train = checkDatasetLengths(splits.train, "data.train");
  let validation = splits.validation
    ? checkDatasetLengths(splits.validation, "data.validation")
    : undefined;
  if (evaluate === "validation" && !validation) {
    const held = holdOut(train, Math.min(validationSamples, Math.floor(train.size / 5)), seed);
    train = held.train;
    validation = held.validation;
  }
  const batchSize = parsed.data.batchSize ?? Math.min(DEFAULTS.batchSize, train.size);
  if (batchSize > train.size) {
    throw new InputError(
      `batchSize must be at most the number of training samples (${train.size}), got ${batchSize}`,
      { field: "batchSize" },
    );
  }

  const loss = lossFunction(modelLoss(model, options.loss));
  const sourceOptimizer = model.optimizer;
  if (!options.optimizer && !sourceOptimizer) {
    throw new InputError(
      `the model is not compiled and no optimizer was given: pass options.optimizer (e.g. { name: "adam" }) or compile the model`,
      { field: "optimizer" },
    );
  }
  const optimizerSpec = options.optimizer ?? describeOptimizer(sourceOptimizer);
  const outputShape = model.outputs[0].shape.slice(1);
  if (outputShape.every((d) => typeof d === "number")) {
    checkTargets(train, outputShape as number[], { loss: loss.name, field: "data.train" });
    if (validation) {
      checkTargets(validation, outputShape as number[], {
        loss: loss.name,
        field: "data.validation",
      });
    }
  }
  const layout = planBatchLayout(train, model, loss.name);
  if (validation) planBatchLayout(validation, model, loss.name);
  const validationIndices = evaluate === "validation" && validation
    ? fixedSample(validation.size, validationSamples, seed)
    : undefined;

  const { startLr, endLr, numIters, mode, smoothing, runs, suggest } = parsed.data;
  const divergeThreshold = options.divergeThreshold === Infinity
    ? Infinity
    : parsed.data.divergeThreshold;
  const backendName = options.backend?.name ?? tf.getBackend();
  const { learningRate: _swept, ...optimizerParams } = optimizerSpec;
  const settings: Settings = {
    seed,
    batchSize,
    backend: backendName,
    ...adapterSettings(backendName, options.backend?.adapter),
    ...(backendName === "wasm" ? { cpuKernels: cpuKernelsInfo() } : {}),
    optimizer: optimizerParams,
    optimizerState: "fresh",
    loss: loss.name,
    startLr,
    endLr,
    numIters,
    mode,
    smoothing,
    divergeThreshold,
    runs,
    evaluate,
    suggest,
    trainSize: train.size,
    ...(validationIndices ? { validationSize: validationIndices.length } : {}),
  };
  const onGpu = backendName === "webgpu";
  return {
    model,
    train,
    validation: evaluate === "validation" ? validation : undefined,
    validationIndices,
    givenValidation: splits.validation ? validation : undefined,
    layout,
    loss,
    optimizerSpec,
    sourceOptimizer: options.optimizer ? undefined : sourceOptimizer,
    lrs: learningRateSchedule({ startLr, endLr, numIters, mode }),
    settings,
    warmupSteps: parsed.data.warmupSteps ?? (onGpu ? 2 : 0),
    readLag: parsed.data.readLag ?? (onGpu ? 3 : 0),
    timeBudgetMs: options.timeBudgetMs === Infinity ? undefined : parsed.data.timeBudgetMs,
  };
}

/**
 * The limits the library may lift with `Infinity` (no divergence stop, no time limit), left out
 * of the schema's check: JSON, and so the schema, knows no infinite numbers.
 */
function withoutUnlimited(options: FindLearningRateOptions): FindLearningRateOptions {
  const lifted: FindLearningRateOptions = {};
  if (options.divergeThreshold === Infinity) lifted.divergeThreshold = undefined;
  if (options.timeBudgetMs === Infinity) lifted.timeBudgetMs = undefined;
  return lifted;
}

function checkModel(model: tf.LayersModel): void {
  if (!(model instanceof tf.LayersModel)) {
    throw new InputError("model must be a TensorFlow.js LayersModel (tf.sequential or tf.model)");
  }
  if (!model.inputs || model.inputs.length !== 1 || !model.outputs || model.outputs.length !== 1) {
    throw new InputError(
      `the model must have exactly one input and one output, got ${
        model.inputs?.length ?? 0
      } inputs and ${model.outputs?.length ?? 0} outputs`,
      { field: "model" },
    );
  }
  if (model.trainableWeights.length === 0) {
    throw new InputError("the model has no trainable weights", { field: "model" });
  }
}

/** The loss named by the options, else the compiled model's loss when it is a name. */
function modelLoss(model: tf.LayersModel, loss: string | undefined): string {
  const name = loss ?? (typeof model.loss === "string" ? model.loss : undefined);
  if (name !== undefined) return name;
  throw new InputError(
    model.loss === undefined
      ? `the model is not compiled and no loss was given: pass options.loss (e.g. "categoricalCrossentropy") or compile the model`
      : "the model's loss is a custom function or a list: pass options.loss by name",
    { field: "loss" },
  );
}

/** The settings' `adapter` (the one the sweep ran on) and `adapterFound`. */
function adapterSettings(
  backendName: string,
  found: NonNullable<FindLearningRateOptions["backend"]>["adapter"],
): Pick<Settings, "adapter" | "adapterFound"> {
  if (!found) return {};
  return {
    ...(backendName === "webgpu" ? { adapter: found.description } : {}),
    adapterFound: {
      description: found.description,
      vendor: found.vendor ?? "",
      architecture: found.architecture ?? "",
      isFallbackAdapter: found.isFallbackAdapter ?? false,
    },
  };
}
