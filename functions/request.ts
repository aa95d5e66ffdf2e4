/**
 * The body of `POST /v1/sweep`: its zod schema (built from the config's `sweepSchema`,
 * `optimizerSchema` and `lossSchema`) and {@linkcode parseSweepRequest}, which turns a parsed
 * body into a {@linkcode SweepJob}: the data, a checked topology, and the sweep's options.
 * Nothing here touches a tensor; the model is built later, when the sweep's turn comes.
 * @module
 */
import { z } from "zod";
import { lossSchema, optimizerSchema, sweepSchema, verifySchema } from "../src/settings_schema.ts";
import { ConfigError, type ConfigIssue, configIssues, strictObject } from "../src/validation.ts";
import { type Dataset, sampleLength } from "../src/data/dataset.ts";
import type { LossName } from "../src/loss_names.ts";
import { trainingSettings } from "../src/model_io.ts";
import type { SweepSettings } from "../src/sweep.ts";
import { SUGGEST_METHODS } from "../src/vocabulary.ts";
import { requestDataset } from "./data.ts";
import type { Limits } from "./limits.ts";
import {
  type LayerList,
  layerListSchema,
  layerListTopology,
  type OutputLayer,
} from "./layer_list.ts";
import { type PreparedTopology, prepareTopology } from "./topology.ts";
import { planVerification, type VerifyBudget, verifyIssues } from "./verify_budget.ts";

/** Schema of the `model` field given as a Layers topology (e.g. a model.json's `modelTopology`). */
export const topologyModelSchema = strictObject({
  modelTopology: z.record(z.string(), z.unknown()).describe(
    "The modelTopology of a TensorFlow.js model.json, or a Keras model.to_json()",
  ),
  trainingConfig: z.record(z.string(), z.unknown()).optional().describe(
    "The model.json's trainingConfig (default loss and optimizer)",
  ),
  format: z.string().optional().describe("Ignored (a model.json field)"),
  generatedBy: z.string().optional().describe("Ignored (a model.json field)"),
  convertedBy: z.string().optional().describe("Ignored (a model.json field)"),
});

/** Schema of the request body; `model` and `data` are checked by their own schemas. */
export const sweepRequestSchema = strictObject({
  name: z.string().min(1).max(200).optional().describe("Name in the result; default the model's"),
  model: z.unknown().optional().describe("A layer list, {inputShape, layers}, or {modelTopology}"),
  data: z.unknown().optional().describe("{x, y} arrays or {csv, label} CSV text"),
  loss: lossSchema.optional(),
  optimizer: optimizerSchema.optional().describe(
    "Default: the topology's training config, else adam",
  ),
  batchSize: z.int().min(1).optional().describe("Default 64, or the number of samples if fewer"),
  sweep: sweepSchema,
  suggest: z.enum(SUGGEST_METHODS).optional(),
  seed: z.int().optional().describe(
    "Seed of the weights (and of the data order unless sweep.seed)",
  ),
  verify: verifySchema.optional(),
});

/** A validated request, ready to run. */
export interface SweepJob {
  /** The training data (and nothing else: validation is held out by the sweep if asked). */
  data: Dataset;
  /** The model to build, checked and seeded. */
  topology: PreparedTopology;
  /**
   * Settings of `sweepModel`; without an optimizer in the request or the topology's training
   * config, the core's default applies.
   */
  options: SweepSettings & { loss: LossName; name: string };
  /** What the server changed about verification to fit its budget (see `verify_budget.ts`). */
  verifyBudget?: VerifyBudget;
}

/**
 * Validates a parsed request body against the schema and the server's limits and builds its
 * data. Every problem found in the fields is reported at once in a {@linkcode ConfigError}
 * (paths such as `sweep.endLr` or `model.layers[1].units`); a bad value in the data is an
 * `InputError` naming it.
 */
export function parseSweepRequest(value: unknown, limits: Limits): SweepJob {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ConfigError([{
      path: "",
      message: `expected a JSON object with model and data, got ${
        Array.isArray(value) ? "an array" : JSON.stringify(value)
      }`,
    }]);
  }
  const issues: ConfigIssue[] = [];
  const parsed = sweepRequestSchema.safeParse(value, { reportInput: true });
  if (!parsed.success) issues.push(...configIssues(parsed.error.issues, value));
  const body = value as Record<string, unknown>;
  const model = parseModel(body.model, issues);
  if (body.data === undefined) {
    issues.push({
      path: "data",
      message: "is missing, expected {x, y} (arrays) or {csv, label} (CSV text)",
    });
  }
  if (parsed.success) checkLimits(parsed.data, limits, issues);
  if (!parsed.success || !model || issues.length > 0) throw new ConfigError(issues);
  const request = parsed.data;
  const seed = request.seed ?? request.sweep.seed;
  const sweepSeed = hasSweepSeed(body.sweep) ? request.sweep.seed : seed;

  const training = "modelTopology" in model
    ? trainingSettings(model.trainingConfig ?? model.modelTopology.training_config)
    : { warnings: [] };
  const requestedLoss = request.loss ?? training.loss;
  const data = requestDataset(body.data, { loss: requestedLoss, limits });
  const loss = requestedLoss ?? defaultLoss(data);
  const topology = "modelTopology" in model
    ? prepareTopology(model.modelTopology, { seed, field: "model.modelTopology" })
    : layerListPaths(
      prepareTopology(
        layerListTopology(model.layers, {
          inputShape: model.inputShape ?? data.xShape,
          output: outputLayer(data, loss),
          name: request.name,
        }),
        { seed, field: "model" },
      ),
      Array.isArray(body.model) ? "model" : "model.layers",
    );
  const name = request.name ?? topologyName(model) ?? "model";
  const { timeBudgetMs, seed: _seed, ...sweep } = request.sweep;
  const verification = planVerification(request.verify, request.sweep, limits);
  return {
    data,
    topology,
    ...(verification.budget ? { verifyBudget: verification.budget } : {}),
    options: {
      ...sweep,
      name,
      loss,
      optimizer: request.optimizer ?? training.optimizer,
      batchSize: request.batchSize,
      seed: sweepSeed,
      suggest: request.suggest,
      timeBudgetMs: Math.min(timeBudgetMs ?? limits.timeBudgetMs, limits.timeBudgetMs),
      verify: verification.verify,
    },
  };
}

type ModelInput = LayerList | z.output<typeof topologyModelSchema>;

/** Layers of a compact list named by their place in the request (`model[2]`). */
function layerListPaths(prepared: PreparedTopology, listPath: string): PreparedTopology {
  const layers: PreparedTopology["layers"] = {};
  for (const [name, origin] of Object.entries(prepared.layers)) {
    layers[name] = {
      ...origin,
      path: origin.path.replace(/^model\.config\.layers(?=\[)/, listPath),
    };
  }
  return { ...prepared, layers };
}

/** The model field: a layer list (plain or with inputShape) or a topology. */
function parseModel(value: unknown, issues: ConfigIssue[]): ModelInput | undefined {
  const prefix = (found: ConfigIssue[]) =>
    found.map((issue) => ({
      path: issue.path ? `model.${issue.path}` : "model",
      message: issue.message,
    }));
  if (Array.isArray(value)) {
    const parsed = layerListSchema.safeParse({ layers: value }, { reportInput: true });
    if (parsed.success) return parsed.data;
    const found = configIssues(parsed.error.issues, { layers: value });
    issues.push(
      ...prefix(found).map((issue) => ({
        ...issue,
        path: issue.path.replace(/^model\.layers/, "model"),
      })),
    );
    return undefined;
  }
  if (typeof value !== "object" || value === null) {
    issues.push({
      path: "model",
      message: `${value === undefined ? "is missing, expected" : "expected"} a layer list ` +
        `([{"type": "dense", "units": 32, "activation": "relu"}, {"type": "output"}]), ` +
        `{inputShape, layers} or {modelTopology}${
          value === undefined ? "" : `, got ${JSON.stringify(value)}`
        }`,
    });
    return undefined;
  }
  if ("weightsManifest" in value) {
    issues.push({
      path: "model.weightsManifest",
      message: "weights are not accepted: send only modelTopology; the weights are " +
        "initialised from the request's seed",
    });
    return undefined;
  }
  const schema = "modelTopology" in value ? topologyModelSchema : layerListSchema;
  const parsed = schema.safeParse(value, { reportInput: true });
  if (parsed.success) return parsed.data;
  issues.push(...prefix(configIssues(parsed.error.issues, value)));
  return undefined;
}

function checkLimits(
  request: z.output<typeof sweepRequestSchema>,
  limits: Limits,
  issues: ConfigIssue[],
): void {
  const over = (path: string, value: number, limit: number) => {
    if (value > limit) {
      issues.push({
        path,
        message: `must be at most ${limit} (the limit of this server), got ${value}`,
      });
    }
  };
  over("sweep.numIters", request.sweep.numIters, limits.maxSteps);
  over("sweep.runs", request.sweep.runs, limits.maxRuns);
  if (request.sweep.timeBudgetMs !== undefined) {
    over("sweep.timeBudgetMs", request.sweep.timeBudgetMs, limits.timeBudgetMs);
  }
  if (request.batchSize !== undefined) over("batchSize", request.batchSize, limits.maxSamples);
  issues.push(...verifyIssues(request.verify, request.sweep, limits));
}

function hasSweepSeed(sweep: unknown): boolean {
  return typeof sweep === "object" && sweep !== null && "seed" in sweep &&
    (sweep as { seed?: unknown }).seed !== undefined;
}

/** The loss a request gets when it names none: from the kind of targets. */
function defaultLoss(data: Dataset): LossName {
  if (data.classes !== undefined && data.yShape.length === 0) {
    return "sparseCategoricalCrossentropy";
  }
  return "meanSquaredError";
}

/** What `{"type": "output"}` becomes for this data and loss. */
export function outputLayer(data: Dataset, loss: LossName): OutputLayer {
  const binary = loss === "binaryCrossentropy";
  if (data.classes !== undefined && data.yShape.length === 0) {
    return binary && data.classes === 2
      ? { units: 1, activation: "sigmoid" }
      : { units: data.classes, activation: "softmax" };
  }
  const units = Math.max(1, sampleLength(data.yShape));
  if (binary) return { units, activation: "sigmoid" };
  if (loss === "categoricalCrossentropy" || loss === "kullbackLeiblerDivergence") {
    return { units, activation: "softmax" };
  }
  return { units, activation: "linear" };
}

function topologyName(model: ModelInput): string | undefined {
  if (!("modelTopology" in model)) return undefined;
  const root = (model.modelTopology.model_config ?? model.modelTopology) as {
    config?: { name?: unknown };
  };
  const name = root.config?.name;
  return typeof name === "string" && name !== "" ? name : undefined;
}
