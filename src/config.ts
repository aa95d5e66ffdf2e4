/**
 * The `lr-finder.json` config: its zod schema (shared by the CLI, the Action and the HTTP
 * function), parsing with messages that name the field, loading from a file with paths resolved,
 * overrides from command-line flags, and the JSON Schema for editors.
 *
 * @example
 * ```ts
 * const config = await loadConfig("examples/fashion_mnist/lr-finder.json");
 * const tuned = mergeConfig(config, { sweep: { numIters: 200 } });
 * ```
 * @module
 */
import { basename, dirname, extname, isAbsolute, resolve } from "node:path";
import { z } from "zod";
import { InputError } from "./errors.ts";
import { CPU_KERNELS_REQUESTS, type CpuKernelsRequest } from "./kernels/cpu_kernels.ts";
import type { OptimizerName, OptimizerSpec } from "./optimizer_spec.ts";
import { MAX_SYNTHETIC_SAMPLES, SYNTHETIC_KINDS, type SyntheticSpec } from "./data/synthetic.ts";
import { readInputText } from "./data/read_file.ts";
import { canonicalLossName, LOSS_ALIASES, LOSS_NAMES, type LossName } from "./loss_names.ts";

export { LOSS_NAMES, type LossName } from "./loss_names.ts";

/** The canonical name of a loss in any accepted spelling; `undefined` when unknown. */
export const normalizeLossName = canonicalLossName;

/** Spellings offered to editors by the JSON Schema: camelCase, Keras snake_case, short names. */
const LOSS_SPELLINGS: string[] = [
  ...LOSS_NAMES,
  ...LOSS_NAMES.map((name) => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`))
    .filter((name) => !(LOSS_NAMES as readonly string[]).includes(name)),
  "log_cosh",
  "kl_divergence",
  ...Object.keys(LOSS_ALIASES).filter((alias) => alias !== "kldivergence"),
];

/** Suggestion rules a config may ask for; `auto` is the measured default. */
export const SUGGEST_METHODS = [
  "auto",
  "minimum",
  "steepest",
  "valley",
  "slide",
  "combined",
] as const;

/** A suggestion rule, or `auto`. */
export type SuggestMethod = typeof SUGGEST_METHODS[number];

/** Backends a config may ask for (see `setupBackend`). */
export const BACKEND_REQUESTS = ["auto", "webgpu", "wasm", "cpu"] as const;

/** Learning-rate schedules of the sweep. */
export const SWEEP_MODES = ["exp", "linear"] as const;

/** Default values of the `sweep` settings. */
export const SWEEP_DEFAULTS = {
  startLr: 1e-7,
  endLr: 10,
  numIters: 100,
  mode: "exp",
  smoothing: 0.98,
  divergeThreshold: 4,
  runs: 1,
  seed: 0,
  evaluate: "train",
} as const;

/** Default mini-batch size. */
export const DEFAULT_BATCH_SIZE = 64;

/**
 * A strict object whose unknown keys get one message each, with a "did you mean" hint
 * ({@linkcode configIssues} turns them into one issue per key). `owner` names an optimizer.
 */
export function strictObject<T extends z.core.$ZodLooseShape>(shape: T, owner?: string) {
  const known = Object.keys(shape);
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === "unrecognized_keys"
        ? issue.keys.map((key) => `${key}\t${unknownKeyMessage(key, known, owner)}`).join("\n")
        : undefined,
  });
}

function unknownKeyMessage(key: string, known: readonly string[], owner?: string): string {
  const params = owner ? known.filter((k) => k !== "name") : known;
  const close = closestKey(key, params);
  const hint = close ? `did you mean "${close}"?` : undefined;
  if (owner) {
    return `not a parameter of ${owner}; ${hint ?? `${owner} takes ${params.join(", ")}`}`;
  }
  return hint ? `unknown key, ${hint}` : `unknown key; expected one of ${params.join(", ")}`;
}

/**
 * The known name closest to `key`: the same letters ignoring case, `_` and `-`, or a typo or two
 * away (used for "did you mean" hints on config keys and command-line flags).
 */
export function closestKey(key: string, known: readonly string[]): string | undefined {
  const norm = (s: string) => s.replace(/[_\-\s$]/g, "").toLowerCase();
  const exact = known.find((k) => norm(k) === norm(key));
  if (exact) return exact;
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const d = editDistance(norm(key), norm(candidate));
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  const allowed = Math.max(1, Math.min(3, Math.floor(key.length / 4)));
  return bestDistance <= allowed ? best : undefined;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length];
}

const path = z.string().min(1);
const positive = z.number().positive();
const unit = z.number().min(0).lt(1);

const npySourceSchema = strictObject({
  x: path.describe("Path to the features .npy file (first axis: samples)"),
  y: path.describe("Path to the targets .npy file (first axis: samples)"),
}).describe("NumPy .npy files of features and targets");

const csvSourceSchema = strictObject({
  csv: path.describe("Path to a CSV file with a header row"),
  label: z.string().min(1).describe("Name of the label column; every other column is a feature"),
  oneHot: z.boolean().optional().describe("Encode class labels as one-hot rows"),
}).describe("A CSV table with a header row and a label column");

const idxSourceSchema = strictObject({
  idx: strictObject({
    images: path.describe("IDX image file, plain or .gz (e.g. train-images-idx3-ubyte.gz)"),
    labels: path.describe("IDX label file, plain or .gz (e.g. train-labels-idx1-ubyte.gz)"),
  }),
  limit: z.int().min(1).optional().describe("Use only the first `limit` samples"),
}).describe("IDX files as used by MNIST and Fashion-MNIST");

const moduleSourceSchema = strictObject({
  module: path.describe("A .ts or .js module exporting loadData({ split })"),
}).describe("A TypeScript or JavaScript module exporting loadData()");

const syntheticSpecSchema = strictObject({
  kind: z.enum(SYNTHETIC_KINDS).optional().describe("blobs (default), spirals or regression"),
  samples: z.int().min(1).max(MAX_SYNTHETIC_SAMPLES).optional().describe("Default 1000"),
  features: z.int().min(1).optional().describe("Default 2 (8 for regression)"),
  classes: z.int().min(2).optional().describe("Default 3 (blobs and spirals)"),
  noise: z.number().min(0).optional().describe("Standard deviation of the noise"),
  seed: z.int().optional().describe("Default 0"),
  oneHot: z.boolean().optional().describe("One-hot targets instead of class indices"),
}).superRefine((spec, ctx) => {
  if (spec.kind === "spirals" && spec.features !== undefined && spec.features < 2) {
    ctx.addIssue({
      code: "custom",
      path: ["features"],
      message: `must be at least 2 for spirals, got ${spec.features}`,
    });
  }
  if (spec.kind === "regression") {
    for (const key of ["classes", "oneHot"] as const) {
      if (spec[key] !== undefined) {
        ctx.addIssue({ code: "custom", path: [key], message: "is not used by kind regression" });
      }
    }
  }
}) satisfies z.ZodType<SyntheticSpec>;

const syntheticSourceSchema = strictObject({
  synthetic: syntheticSpecSchema,
}).describe("Seeded synthetic data");

const DATA_SOURCE_FORMS =
  "expected one of {x, y} (.npy files), {csv, label}, {idx: {images, labels}}, {module}, " +
  "{synthetic}";

/** Schema of one data source. */
export const dataSourceSchema = z.union([
  npySourceSchema,
  csvSourceSchema,
  idxSourceSchema,
  moduleSourceSchema,
  syntheticSourceSchema,
]);

const dataSchema = strictObject({
  train: dataSourceSchema.describe("The samples the sweep trains on"),
  validation: dataSourceSchema.optional().describe(
    "Held-out samples, used with sweep.evaluate = validation",
  ),
});

/** Schema of a loss name: any accepted spelling in, the canonical TensorFlow.js name out. */
export const lossSchema = z.string().superRefine((name, ctx) => {
  if (normalizeLossName(name) === undefined) {
    ctx.addIssue({
      code: "custom",
      message: `must be one of ${LOSS_NAMES.join(", ")} (Keras snake_case also works), got ${
        JSON.stringify(name)
      }`,
    });
  }
}).transform((name) => normalizeLossName(name) as LossName).meta({
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
) {
  return strictObject({ name: z.literal(name), ...shape }, name);
}

/** Schema of an optimizer: a name and that optimizer's own parameters. */
export const optimizerSchema = z.discriminatedUnion("name", [
  optimizerVariant("sgd", OPTIMIZER_SHAPES.sgd),
  optimizerVariant("momentum", OPTIMIZER_SHAPES.momentum),
  optimizerVariant("adam", OPTIMIZER_SHAPES.adam),
  optimizerVariant("adamax", OPTIMIZER_SHAPES.adamax),
  optimizerVariant("rmsprop", OPTIMIZER_SHAPES.rmsprop),
  optimizerVariant("adagrad", OPTIMIZER_SHAPES.adagrad),
  optimizerVariant("adadelta", OPTIMIZER_SHAPES.adadelta),
]) satisfies z.ZodType<OptimizerSpec>;

/** Schema of the `sweep` section (defaults filled in, `endLr > startLr`). */
export const sweepSchema = strictObject({
  startLr: positive.default(SWEEP_DEFAULTS.startLr).describe("First learning rate (> 0)"),
  endLr: positive.default(SWEEP_DEFAULTS.endLr).describe("Last learning rate (> startLr)"),
  numIters: z.int().min(10).default(SWEEP_DEFAULTS.numIters).describe("Steps of the sweep"),
  mode: z.enum(SWEEP_MODES).default(SWEEP_DEFAULTS.mode).describe("exp or linear schedule"),
  smoothing: unit.default(SWEEP_DEFAULTS.smoothing).describe("Beta of the loss average"),
  divergeThreshold: z.number().gt(1).default(SWEEP_DEFAULTS.divergeThreshold).describe(
    "Stop when the smoothed loss exceeds this times its minimum",
  ),
  runs: z.int().min(1).max(50).default(SWEEP_DEFAULTS.runs).describe(
    "Independent sweeps (different seeds) for an uncertainty range",
  ),
  seed: z.int().default(SWEEP_DEFAULTS.seed).describe("Seed of data order and sampling"),
  evaluate: z.enum(["train", "validation"]).default(SWEEP_DEFAULTS.evaluate).describe(
    "Record the training batch loss, or the loss on a validation batch",
  ),
  timeBudgetMs: positive.optional().describe("Stop the sweep after this many milliseconds"),
}).superRefine((sweep, ctx) => {
  const { startLr, endLr } = sweep;
  if (typeof startLr === "number" && typeof endLr === "number" && startLr > 0 && endLr <= startLr) {
    ctx.addIssue({
      code: "custom",
      path: ["endLr"],
      message: `must be greater than startLr (${startLr}), got ${endLr}`,
    });
  }
}).prefault({});

/** The zod schema of `lr-finder.json`. */
export const configSchema = strictObject({
  $schema: z.string().optional().describe("JSON Schema of this file, for editors"),
  name: z.string().min(1).optional().describe(
    "Id used in reports and comment markers; default: the model file's name",
  ),
  model: path.describe(
    "A tfjs Layers model.json (weights beside it) or a .ts/.js module exporting createModel()",
  ),
  data: dataSchema,
  loss: lossSchema.optional(),
  optimizer: optimizerSchema.optional().describe(
    "Default: the model's training config, else adam",
  ),
  batchSize: z.int().min(1).default(DEFAULT_BATCH_SIZE).describe("Mini-batch size"),
  sweep: sweepSchema,
  suggest: z.enum(SUGGEST_METHODS).default("auto").describe("Rule for the suggested rate"),
  backend: z.enum(BACKEND_REQUESTS).default("auto").describe("TensorFlow.js backend"),
  cpuKernels: z.enum(CPU_KERNELS_REQUESTS).optional().describe(
    "Matrix products and convolutions on the wasm backend: auto (default: the machine's BLAS " +
      "library when Deno may load it, else the wasm kernels), blas (fail without it) or wasm",
  ),
  threads: z.int().min(1).optional().describe(
    "Threads of the BLAS library on the wasm backend; default the cores available",
  ),
}).superRefine((config, ctx) => {
  const evaluate = (config.sweep as { evaluate?: string } | undefined)?.evaluate;
  const data = config.data as { validation?: unknown } | undefined;
  if (evaluate === "validation" && data && data.validation === undefined) {
    ctx.addIssue({
      code: "custom",
      path: ["sweep", "evaluate"],
      message: "validation needs data.validation, which is missing",
    });
  }
});

/** A config as written (before defaults). */
export type LrFinderConfigInput = z.input<typeof configSchema>;

/** A validated config with defaults filled in and a `name`. */
export type LrFinderConfig = z.output<typeof configSchema> & { name: string };

/** One data source of a config. */
export type DataSource = z.output<typeof dataSourceSchema>;

/** A data source of `.npy` files. */
export type NpySource = z.output<typeof npySourceSchema>;
/** A CSV data source. */
export type CsvSource = z.output<typeof csvSourceSchema>;
/** An IDX data source. */
export type IdxSource = z.output<typeof idxSourceSchema>;
/** A data module source. */
export type ModuleSource = z.output<typeof moduleSourceSchema>;
/** A synthetic data source. */
export type SyntheticSource = z.output<typeof syntheticSourceSchema>;

/** The `data` section: a training source and an optional validation source. */
export type DataConfig = z.output<typeof dataSchema>;

/** The `sweep` section with defaults filled in. */
export type SweepConfig = z.output<typeof sweepSchema>;

/** A config with absolute paths and the directory they were resolved against. */
export type ResolvedConfig = LrFinderConfig & {
  /** Directory relative paths were resolved against (the config file's directory). */
  baseDir: string;
  /** Absolute path of the config file, when it was loaded from one. */
  configPath?: string;
};

/**
 * Overrides of a config (from command-line flags or a request): any subset of the fields.
 * `data.train`/`data.validation` replace the base source; `optimizer` merges into the base one
 * when the name is the same (or absent) and replaces it otherwise; `sweep` merges.
 */
export interface ConfigOverrides {
  /** See {@linkcode LrFinderConfig}. */
  name?: string;
  /** Model path. */
  model?: string;
  /** Data sources to replace. */
  data?: {
    train?: z.input<typeof dataSourceSchema>;
    validation?: z.input<typeof dataSourceSchema>;
  };
  /** Loss name in any accepted spelling. */
  loss?: string;
  /** Optimizer fields. */
  optimizer?: Partial<OptimizerSpec>;
  /** Mini-batch size. */
  batchSize?: number;
  /** Sweep settings. */
  sweep?: Partial<z.input<typeof sweepSchema>>;
  /** Suggestion rule. */
  suggest?: SuggestMethod;
  /** Backend request. */
  backend?: typeof BACKEND_REQUESTS[number];
  /** Kernels of the wasm backend's products: auto, blas or wasm. */
  cpuKernels?: CpuKernelsRequest;
  /** BLAS threads. */
  threads?: number;
}

/** One problem in a config: the dotted field path and what is wrong. */
export interface ConfigIssue {
  /** Dotted path such as `sweep.endLr` or `data.train.x`; empty for the whole config. */
  path: string;
  /** What is wrong, e.g. `must be greater than startLr (1e-7), got 1e-8`. */
  message: string;
}

/** An invalid config: the message lists every problem, one per line. */
export class ConfigError extends InputError {
  override name = "ConfigError";
  /** Every problem found. */
  readonly issues: ConfigIssue[];

  /** Creates the error from its issues; `source` (a file name) heads the message. */
  constructor(issues: ConfigIssue[], source?: string) {
    const lines = issues.map((issue) =>
      issue.path ? `${issue.path}: ${issue.message}` : issue.message
    );
    const message = lines.length === 1
      ? (source ? `${source}: ${lines[0]}` : lines[0])
      : `${source ? `${source} has` : "the config has"} ${lines.length} problems:\n  ${
        lines.join("\n  ")
      }`;
    super(message, { field: issues[0]?.path || source });
    this.issues = issues;
  }
}

/**
 * Turns zod issues from parsing `input` with this module's schemas (or schemas built from them)
 * into config issues with dotted paths and plain messages.
 */
export function configIssues(issues: readonly z.core.$ZodIssue[], input: unknown): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  for (const issue of issues) collectIssue(issue, [], input, out);
  return out;
}

function collectIssue(
  issue: z.core.$ZodIssue,
  base: PropertyKey[],
  input: unknown,
  out: ConfigIssue[],
): void {
  const at = [...base, ...issue.path];
  const value = "input" in issue ? issue.input : valueAt(input, at);
  switch (issue.code) {
    case "unrecognized_keys": {
      for (const line of issue.message.split("\n")) {
        const [key, message] = line.includes("\t")
          ? line.split("\t")
          : [issue.keys.join(", "), "unknown key"];
        out.push({ path: dotted([...at, key]), message });
      }
      return;
    }
    case "invalid_union": {
      if (issue.discriminator !== undefined) {
        const options = ("options" in issue ? issue.options ?? [] : [])
          .map((o) => JSON.stringify(o)).join(", ");
        const name = (value as Record<string, unknown> | undefined)?.[issue.discriminator];
        const discriminatorPath = at[at.length - 1] === issue.discriminator
          ? at
          : [...at, issue.discriminator];
        out.push({
          path: dotted(discriminatorPath),
          message: name === undefined
            ? `is missing, expected one of ${options}`
            : `must be one of ${options}, got ${describe(name)}`,
        });
        return;
      }
      const branch = bestBranch(issue.errors, value);
      if (branch) {
        for (const inner of branch) collectIssue(inner, at, input, out);
      } else {
        out.push({
          path: dotted(at),
          message: value === undefined
            ? `is missing, ${DATA_SOURCE_FORMS}`
            : `${DATA_SOURCE_FORMS}, got ${describeShape(value)}`,
        });
      }
      return;
    }
    default:
      out.push({ path: dotted(at), message: issueMessage(issue, value) });
  }
}

/**
 * The union branch the input was meant for: the one that recognises the most of its keys.
 * `undefined` when no branch recognises any key.
 */
function bestBranch(
  branches: readonly (readonly z.core.$ZodIssue[])[],
  value: unknown,
): readonly z.core.$ZodIssue[] | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const keys = Object.keys(value);
  let best: readonly z.core.$ZodIssue[] | undefined;
  let bestScore = -1;
  for (const issues of branches) {
    const unknown = issues
      .filter((i) => i.code === "unrecognized_keys" && i.path.length === 0)
      .reduce((n, i) => n + (i as z.core.$ZodIssueUnrecognizedKeys).keys.length, 0);
    const recognised = keys.length - unknown;
    const score = recognised * 1000 - issues.length;
    if (recognised > 0 && score > bestScore) {
      best = issues;
      bestScore = score;
    }
  }
  return best;
}

function issueMessage(issue: z.core.$ZodIssue, value: unknown): string {
  switch (issue.code) {
    case "invalid_type":
      if (value === undefined) return `is missing, expected ${expectedType(issue.expected)}`;
      return `expected ${expectedType(issue.expected)}, got ${describe(value)}`;
    case "too_small":
      if (issue.origin === "string") return "must not be empty";
      return issue.inclusive
        ? `must be at least ${issue.minimum}, got ${describe(value)}`
        : `must be greater than ${issue.minimum}, got ${describe(value)}`;
    case "too_big":
      return issue.inclusive
        ? `must be at most ${issue.maximum}, got ${describe(value)}`
        : `must be less than ${issue.maximum}, got ${describe(value)}`;
    case "invalid_value":
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}, got ${
        describe(value)
      }`;
    default:
      return issue.code === "custom"
        ? issue.message
        : issue.message.charAt(0).toLowerCase() + issue.message.slice(1);
  }
}

function expectedType(expected: string): string {
  switch (expected) {
    case "int":
      return "an integer";
    case "number":
      return "a number";
    case "string":
      return "a string";
    case "boolean":
      return "true or false";
    case "object":
      return "an object";
    case "array":
      return "an array";
    default:
      return expected;
  }
}

function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  if (typeof value === "number") return String(value);
  if (typeof value === "string") {
    return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  }
  if (value === null || typeof value === "boolean") return String(value);
  if (Array.isArray(value)) return "an array";
  return "an object";
}

function describeShape(value: unknown): string {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return describe(value);
  const keys = Object.keys(value);
  return keys.length ? `an object with keys ${keys.join(", ")}` : "an empty object";
}

function dotted(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let node = root;
  for (const key of path) {
    if (typeof node !== "object" || node === null) return undefined;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node;
}

/** Options of {@linkcode parseConfig}. */
export interface ParseConfigOptions {
  /** Where the value came from (a file name), named at the head of error messages. */
  source?: string;
}

/**
 * Validates a config value (parsed JSON), fills in defaults and the default `name` (the model
 * file's name without extension; for `model.json`, its directory's name). Paths stay as
 * written. Throws a {@linkcode ConfigError} listing every problem, one per line.
 */
export function parseConfig(value: unknown, options: ParseConfigOptions = {}): LrFinderConfig {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ConfigError(
      [{ path: "", message: `expected a JSON object, got ${describe(value)}` }],
      options.source,
    );
  }
  const result = configSchema.safeParse(value, { reportInput: true });
  if (!result.success) {
    throw new ConfigError(configIssues(result.error.issues, value), options.source);
  }
  const config = result.data;
  return { ...config, name: config.name ?? defaultName(config.model) };
}

/** Reads, parses and validates a config file; paths become absolute (relative to its folder). */
export async function loadConfig(path: string): Promise<ResolvedConfig> {
  const configPath = resolve(path);
  const text = await readInputText(configPath, { what: "config file" });
  const value = parseJson(text, path);
  const config = parseConfig(value, { source: path });
  return resolveConfigPaths(config, dirname(configPath), { configPath });
}

/** Options of {@linkcode resolveConfigPaths}. */
export interface ResolveConfigPathsOptions {
  /** The config file the paths came from. */
  configPath?: string;
}

/** Returns a copy of the config whose file paths are absolute, resolved against `baseDir`. */
export function resolveConfigPaths(
  config: LrFinderConfig,
  baseDir: string,
  options: ResolveConfigPathsOptions = {},
): ResolvedConfig {
  const dir = resolve(baseDir);
  const data: DataConfig = { train: resolveSourcePaths(config.data.train, dir) };
  if (config.data.validation) data.validation = resolveSourcePaths(config.data.validation, dir);
  const resolved: ResolvedConfig = {
    ...config,
    model: resolve(dir, config.model),
    data,
    baseDir: dir,
  };
  if (options.configPath) resolved.configPath = resolve(options.configPath);
  return resolved;
}

/** A data source whose file paths are absolute, resolved against `baseDir`. */
export function resolveSourcePaths<T extends z.input<typeof dataSourceSchema>>(
  source: T,
  baseDir: string,
): T {
  const at = (p: string) => (isAbsolute(p) ? p : resolve(baseDir, p));
  if ("x" in source) return { ...source, x: at(source.x), y: at(source.y) };
  if ("csv" in source) return { ...source, csv: at(source.csv) };
  if ("idx" in source) {
    return { ...source, idx: { images: at(source.idx.images), labels: at(source.idx.labels) } };
  }
  if ("module" in source) return { ...source, module: at(source.module) };
  return source;
}

/** Options of {@linkcode mergeConfig}. */
export interface MergeConfigOptions {
  /** Named in error messages, e.g. `"command-line flags"`. */
  source?: string;
  /** Resolve relative paths in the overrides against this directory (e.g. the working dir). */
  baseDir?: string;
}

/**
 * Applies overrides to a validated config and validates the result again. `baseDir` and
 * `configPath` of a {@linkcode ResolvedConfig} are kept.
 */
export function mergeConfig<T extends LrFinderConfig>(
  base: T,
  overrides: ConfigOverrides,
  options: MergeConfigOptions = {},
): T {
  const { baseDir, configPath, ...plain } = base as LrFinderConfig & Partial<ResolvedConfig>;
  const at = (p: string) => options.baseDir ? resolve(options.baseDir, p) : p;
  const merged: Record<string, unknown> = { ...plain };
  const keys = [
    "name",
    "loss",
    "batchSize",
    "suggest",
    "backend",
    "cpuKernels",
    "threads",
  ] as const;
  for (const key of keys) {
    if (overrides[key] !== undefined) merged[key] = overrides[key];
  }
  if (overrides.model !== undefined) merged.model = at(overrides.model);
  if (overrides.sweep) merged.sweep = { ...plain.sweep, ...overrides.sweep };
  if (overrides.data) {
    const data: Record<string, unknown> = { ...plain.data };
    for (const split of ["train", "validation"] as const) {
      const source = overrides.data[split];
      if (source !== undefined) {
        data[split] = options.baseDir ? resolveSourcePaths(source, options.baseDir) : source;
      }
    }
    merged.data = data;
  }
  if (overrides.optimizer) {
    const current = plain.optimizer;
    const name = overrides.optimizer.name;
    merged.optimizer = current && (name === undefined || name === current.name)
      ? { ...current, ...overrides.optimizer }
      : { ...overrides.optimizer };
  }
  const parsed = parseConfig(merged, { source: options.source });
  const result = { ...parsed } as LrFinderConfig & Partial<ResolvedConfig>;
  if (baseDir !== undefined) result.baseDir = baseDir;
  if (configPath !== undefined) result.configPath = configPath;
  return result as T;
}

/**
 * Parses JSON text; a syntax error is an {@linkcode InputError} naming the file, line and
 * column: `lr-finder.json:3:5: invalid JSON: expected double-quoted property name`.
 */
export function parseJson(text: string, source: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const { offset, reason } = jsonErrorAt(error, text);
    const before = text.slice(0, offset).split("\n");
    const line = before.length;
    const column = before[before.length - 1].length + 1;
    throw new InputError(`${source}:${line}:${column}: invalid JSON: ${reason}`, {
      field: source,
      cause: error,
    });
  }
}

/**
 * Where a `JSON.parse` error happened and why, from V8's message: `... at position N`, or for
 * an unexpected token the context snippet V8 quotes (10 characters either side of it).
 */
function jsonErrorAt(error: unknown, text: string): { offset: number; reason: string } {
  const message = error instanceof Error ? error.message : String(error);
  const lower = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);
  const position = /^(.*?) in JSON at position (\d+)/.exec(message);
  if (position) return { offset: Number(position[2]), reason: lower(position[1]) };
  const token = /^Unexpected token '([\s\S])', (\.\.\.)?"([\s\S]*)"(?:\.\.\.)? is not valid JSON$/
    .exec(message);
  if (token) {
    const [, char, cut, snippet] = token;
    const start = text.indexOf(snippet);
    const offset = cut && start >= 0 ? start + 10 : text.indexOf(char, Math.max(start, 0));
    return { offset: Math.max(offset, 0), reason: `unexpected token '${char}'` };
  }
  return { offset: text.length, reason: lower(message) };
}

/** The JSON Schema (draft 2020-12) of `lr-finder.json`, describing the input as written. */
export function configJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(configSchema, { io: "input" }) as Record<string, unknown>;
  return {
    $schema: schema.$schema,
    title: "LR Finder config (lr-finder.json)",
    ...schema,
  };
}

/** The committed text of `schema/lr-finder.schema.json`. */
export function configJsonSchemaText(): string {
  return `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
}

function defaultName(model: string): string {
  const file = basename(model);
  const stem = file.slice(0, file.length - extname(file).length) || file;
  if (stem === "model") {
    const parent = basename(dirname(resolve("/", model)));
    if (parent && parent !== "." && parent !== "/") return parent;
  }
  return stem;
}
