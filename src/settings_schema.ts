/**
 * The zod schemas of the settings that shape a sweep (loss, optimizer, the `sweep` section,
 * batch size, suggestion rule), with their defaults from `DEFAULTS`. The config file, the HTTP
 * request and the sweep's own options are all validated by these.
 * @module
 */
import { z } from "zod";
import { DEFAULTS } from "./defaults.ts";
import { canonicalLossName, LOSS_ALIASES, LOSS_NAMES, type LossName } from "./loss_names.ts";
import { OPTIMIZER_NAMES, type OptimizerName, type OptimizerSpec } from "./optimizer_spec.ts";
import { strictObject, unionForms } from "./validation.ts";
import {
  EVALUATE_SPLITS,
  type EvaluateSplit,
  SCHEDULE_MODES,
  type ScheduleMode,
  SUGGEST_METHODS,
  type SuggestMethod,
} from "./vocabulary.ts";

const positive = z.number().positive();
const unit = z.number().min(0).lt(1);

/** Spellings offered to editors by the JSON Schema: camelCase, Keras snake_case, short names. */
const LOSS_SPELLINGS: string[] = [
  ...LOSS_NAMES,
  ...LOSS_NAMES.map((name) => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`))
    .filter((name) => !(LOSS_NAMES as readonly string[]).includes(name)),
  "log_cosh",
  "kl_divergence",
  ...Object.keys(LOSS_ALIASES).filter((alias) => alias !== "kldivergence"),
];

/** Schema of a loss name: any accepted spelling in, the canonical TensorFlow.js name out. */
export const lossSchema: z.ZodType<LossName, string> = z.string().superRefine((name, ctx) => {
  if (canonicalLossName(name) === undefined) {
    ctx.addIssue({
      code: "custom",
      message: `must be one of ${LOSS_NAMES.join(", ")} (Keras snake_case also works), got ${
        JSON.stringify(name)
      }`,
    });
  }
}).transform((name) => canonicalLossName(name) as LossName).meta({
  description: "Loss function (TensorFlow.js name; Keras snake_case is accepted)",
  enum: LOSS_SPELLINGS,
});

const learningRate = positive.optional().describe(
  "Learning rate outside the sweep (ignored by the sweep)",
);
const epsilon = positive.optional().describe("Numerical stability term");

/** Parameters each optimizer accepts. */
const OPTIMIZER_SHAPES = {
  sgd: { learningRate },
  momentum: {
    learningRate,
    momentum: z.number().min(0).optional().describe("Default 0.9"),
    useNesterov: z.boolean().optional().describe("Default false"),
  },
  adam: {
    learningRate,
    beta1: unit.optional().describe("Default 0.9"),
    beta2: unit.optional().describe("Default 0.999"),
    epsilon,
  },
  adamax: {
    learningRate,
    beta1: unit.optional().describe("Default 0.9"),
    beta2: unit.optional().describe("Default 0.999"),
    epsilon,
    decay: z.number().min(0).optional().describe("Learning-rate decay per step, default 0"),
  },
  rmsprop: {
    learningRate,
    decay: unit.optional().describe("Discounting factor, default 0.9"),
    momentum: z.number().min(0).optional().describe("Default 0"),
    epsilon,
    centered: z.boolean().optional().describe("Default false"),
  },
  adagrad: {
    learningRate,
    initialAccumulatorValue: z.number().min(0).optional().describe("Default 0.1"),
  },
  adadelta: {
    learningRate,
    rho: unit.optional().describe("Decay rate, default 0.95"),
    epsilon,
  },
} as const satisfies Record<OptimizerName, z.core.$ZodLooseShape>;

function optimizerVariant<N extends OptimizerName, S extends z.core.$ZodLooseShape>(
  name: N,
  shape: S,
): z.ZodObject<{ name: z.ZodLiteral<N> } & S, z.core.$strict> {
  return strictObject({ name: z.literal(name), ...shape }, name);
}

/** An optimizer as a config, request or the Action may write it: a name, or a spec object. */
export type OptimizerInput = OptimizerName | OptimizerSpec;

const optimizerObjectSchema = z.discriminatedUnion("name", [
  optimizerVariant("sgd", OPTIMIZER_SHAPES.sgd),
  optimizerVariant("momentum", OPTIMIZER_SHAPES.momentum),
  optimizerVariant("adam", OPTIMIZER_SHAPES.adam),
  optimizerVariant("adamax", OPTIMIZER_SHAPES.adamax),
  optimizerVariant("rmsprop", OPTIMIZER_SHAPES.rmsprop),
  optimizerVariant("adagrad", OPTIMIZER_SHAPES.adagrad),
  optimizerVariant("adadelta", OPTIMIZER_SHAPES.adadelta),
]) satisfies z.ZodType<OptimizerSpec>;

/**
 * Schema of an optimizer: its name (`"adam"`), or an object with its name and its own
 * parameters (`{"name": "sgd", "learningRate": 0.1}`); either way a spec object comes out.
 */
export const optimizerSchema: z.ZodType<OptimizerSpec, OptimizerInput> = z.union(
  [
    optimizerObjectSchema,
    z.enum(OPTIMIZER_NAMES).transform((name): OptimizerSpec => ({ name })),
  ],
  unionForms(
    `expected an optimizer name (${OPTIMIZER_NAMES.join(", ")}) or an object such as ` +
      `{"name": "adam", "beta1": 0.9}`,
  ),
);

const verifyDefaults = DEFAULTS.verify;

/** Schema of the verification options object; unknown keys are refused. */
export const verifyOptionsSchema = strictObject({
  candidates: z.int().min(2).optional().describe(
    `Most candidate rates trained; default ${verifyDefaults.candidates}`,
  ),
  steps: z.int().min(1).optional().describe(
    `Training steps of a candidate that survives every pruning round; default ${verifyDefaults.steps}`,
  ),
  spacing: z.number().gt(0).max(2).optional().describe(
    `Decades between neighbouring candidates; default ${verifyDefaults.spacing}`,
  ),
  heldOutSamples: z.int().min(1).optional().describe(
    `Most held-out samples a candidate is scored on; default ${verifyDefaults.heldOutSamples}`,
  ),
  prune: z.boolean().optional().describe(
    "Successive halving: only the better half of the candidates trains on; default true",
  ),
  tolerance: z.number().min(0).lt(1).optional().describe(
    `A smaller rate wins within this share of the best held-out loss; default ${verifyDefaults.tolerance}`,
  ),
  horizonShift: z.union(
    [z.literal("auto"), z.number().min(0).max(2)],
    unionForms('expected "auto" or a number of decades from 0 to 2'),
  ).optional().describe(
    'Decades the suggestion sits below the best trial; "auto": 0.5 for adam, adamax and rmsprop, 0.25 for momentum, else 0',
  ),
});

/**
 * Schema of the `verify` setting: `true` (the defaults), `false` (no verification) or an object
 * of verification options. Left out, verification runs with the defaults.
 */
export const verifySchema = z.union(
  [z.boolean(), verifyOptionsSchema],
  unionForms('expected true, false or an object such as {"candidates": 4, "steps": 200}'),
).describe(
  "Verify the suggestion by short training at candidate rates and scoring on held-out data",
);

/** The `sweep` section with its defaults filled in. */
export interface SweepConfig {
  /** First learning rate (> 0). */
  startLr: number;
  /** Last learning rate (> startLr). */
  endLr: number;
  /** Steps of the sweep. */
  numIters: number;
  /** exp or linear schedule. */
  mode: ScheduleMode;
  /** Beta of the loss's moving average. */
  smoothing: number;
  /** Stop when the smoothed loss exceeds this times its minimum. */
  divergeThreshold: number;
  /** Independent sweeps (different seeds) for an uncertainty range. */
  runs: number;
  /** Seed of data order and sampling. */
  seed: number;
  /** Record the training batch loss, or the loss on a validation batch. */
  evaluate: EvaluateSplit;
  /** Stop the sweep after this many milliseconds. */
  timeBudgetMs?: number;
}

/**
 * The fields of the `sweep` section, with their defaults. The sweep's options schema (in
 * `sweep_plan.ts`) spreads them too, so a new sweep setting is declared once, here.
 */
export const sweepFields = {
  startLr: positive.default(DEFAULTS.sweep.startLr).describe("First learning rate (> 0)"),
  endLr: positive.default(DEFAULTS.sweep.endLr).describe("Last learning rate (> startLr)"),
  numIters: z.int().min(10).default(DEFAULTS.sweep.numIters).describe("Steps of the sweep"),
  mode: z.enum(SCHEDULE_MODES).default(DEFAULTS.sweep.mode).describe("exp or linear schedule"),
  smoothing: unit.default(DEFAULTS.sweep.smoothing).describe("Beta of the loss average"),
  divergeThreshold: z.number().gt(1).default(DEFAULTS.sweep.divergeThreshold).describe(
    "Stop when the smoothed loss exceeds this times its minimum",
  ),
  runs: z.int().min(1).max(50).default(DEFAULTS.sweep.runs).describe(
    "Independent sweeps (different seeds) for an uncertainty range",
  ),
  seed: z.int().default(DEFAULTS.sweep.seed).describe("Seed of data order and sampling"),
  evaluate: z.enum(EVALUATE_SPLITS).default(DEFAULTS.sweep.evaluate).describe(
    "Record the training batch loss, or the loss on a validation batch",
  ),
  timeBudgetMs: positive.optional().describe("Stop the sweep after this many milliseconds"),
};

/** The rule across the sweep's fields: `endLr` must exceed `startLr`. */
export function checkLearningRateRange(
  sweep: { startLr?: unknown; endLr?: unknown },
  ctx: z.RefinementCtx,
): void {
  const { startLr, endLr } = sweep;
  if (typeof startLr === "number" && typeof endLr === "number" && startLr > 0 && endLr <= startLr) {
    ctx.addIssue({
      code: "custom",
      path: ["endLr"],
      message: `must be greater than startLr (${startLr}), got ${endLr}`,
    });
  }
}

/** Schema of the `sweep` section (defaults filled in, `endLr > startLr`). */
export const sweepSchema: z.ZodType<SweepConfig, Partial<SweepConfig> | undefined> = strictObject(
  sweepFields,
).superRefine(checkLearningRateRange).prefault({});

/** Schema of the mini-batch size. */
export const batchSizeSchema: z.ZodInt = z.int().min(1);

/** Schema of the suggestion rule. */
export const suggestSchema: z.ZodEnum<{ [M in SuggestMethod]: M }> = z.enum(SUGGEST_METHODS);
