/**
 * The `lr-finder.json` config: its zod schema (built from the settings' and data sources'
 * schemas), parsing with messages that name the field, loading from a file with paths resolved,
 * and overrides from command-line flags. The JSON Schema for editors is generated from it by
 * `schema/generate.ts`.
 *
 * @example
 * ```ts
 * const config = await loadConfig("examples/fashion_mnist/lr-finder.json");
 * const tuned = mergeConfig(config, { sweep: { numIters: 200 } });
 * ```
 * @module
 */
import { basename, dirname, extname, resolve } from "node:path";
import { z } from "zod";
import { parseJson, readInputText } from "./data/read_file.ts";
import {
  type DataConfig,
  dataSchema,
  type DataSourceInput,
  resolveSourcePaths,
} from "./data/sources.ts";
import { DEFAULTS } from "./defaults.ts";
import type { OptimizerSpec } from "./optimizer_spec.ts";
import type { LossName } from "./loss_names.ts";
import {
  batchSizeSchema,
  lossSchema,
  type OptimizerInput,
  optimizerSchema,
  suggestSchema,
  type SweepConfig,
  sweepSchema,
  verifySchema,
} from "./settings_schema.ts";
import type { VerifyOptions } from "./sweep_options.ts";
import { ConfigError, configIssues, describe, strictObject } from "./validation.ts";
import {
  BACKEND_REQUESTS,
  type BackendRequest,
  CPU_KERNELS_REQUESTS,
  type CpuKernelsRequest,
  type SuggestMethod,
} from "./vocabulary.ts";

/** A validated config with defaults filled in and a `name`. */
export interface LrFinderConfig {
  /** JSON Schema of the file, for editors. */
  $schema?: string;
  /** Id used in reports and comment markers. */
  name: string;
  /** A tfjs Layers model.json or a module exporting createModel(). */
  model: string;
  /** Where the training (and validation) samples come from. */
  data: DataConfig;
  /** Loss function; default: the model's training config. */
  loss?: LossName;
  /** Optimizer; default: the model's training config, else adam. */
  optimizer?: OptimizerSpec;
  /** Mini-batch size. */
  batchSize: number;
  /** The sweep's settings. */
  sweep: SweepConfig;
  /** Rule for the suggested rate. */
  suggest: SuggestMethod;
  /**
   * Verification of the suggestion by short training (default `true`: on with the defaults);
   * `false` keeps the sweep-only behaviour.
   */
  verify: boolean | VerifyOptions;
  /** TensorFlow.js backend. */
  backend: BackendRequest;
  /** Kernels of the wasm backend's products and convolutions; default auto. */
  cpuKernels?: CpuKernelsRequest;
  /** Threads of the BLAS library on the wasm backend; default the cores available. */
  threads?: number;
}

/** A config as written: every field but `model` and `data` optional, an optimizer by name too. */
export interface LrFinderConfigInput {
  /** See {@linkcode LrFinderConfig}. */
  $schema?: string;
  /** See {@linkcode LrFinderConfig}. */
  name?: string;
  /** See {@linkcode LrFinderConfig}. */
  model: string;
  /** See {@linkcode LrFinderConfig}. */
  data: DataConfig;
  /** Loss name in any accepted spelling. */
  loss?: string;
  /** An optimizer name or spec. */
  optimizer?: OptimizerInput;
  /** See {@linkcode LrFinderConfig}. */
  batchSize?: number;
  /** See {@linkcode LrFinderConfig}. */
  sweep?: Partial<SweepConfig>;
  /** See {@linkcode LrFinderConfig}. */
  suggest?: SuggestMethod;
  /** See {@linkcode LrFinderConfig}. */
  verify?: boolean | VerifyOptions;
  /** See {@linkcode LrFinderConfig}. */
  backend?: BackendRequest;
  /** See {@linkcode LrFinderConfig}. */
  cpuKernels?: CpuKernelsRequest;
  /** See {@linkcode LrFinderConfig}. */
  threads?: number;
}

/** The zod schema of `lr-finder.json` (its output's `name` may still be missing). */
export const configSchema = strictObject({
  $schema: z.string().optional().describe("JSON Schema of this file, for editors"),
  name: z.string().min(1).optional().describe(
    "Id used in reports and comment markers; default: the model file's name without its " +
      "extension, or the name of its folder for model.json",
  ),
  model: z.string().min(1).describe(
    "A tfjs Layers model.json (weights beside it) or a .ts/.js module exporting createModel()",
  ),
  data: dataSchema,
  loss: lossSchema.optional(),
  optimizer: optimizerSchema.optional().describe(
    "Default: the model's training config, else adam",
  ),
  batchSize: batchSizeSchema.default(DEFAULTS.batchSize).describe("Mini-batch size"),
  sweep: sweepSchema,
  suggest: suggestSchema.default(DEFAULTS.suggest).describe(
    "Rule for the suggested rate",
  ),
  verify: verifySchema.default(true).describe(
    "Verify the suggestion by short training at candidate rates from the curve, scored on " +
      "held-out data: true (default), false (the sweep alone) or options such as " +
      '{"steps": 200, "candidates": 4}',
  ),
  backend: z.enum(BACKEND_REQUESTS).default(DEFAULTS.backend).describe("TensorFlow.js backend"),
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
}) satisfies z.ZodType<Omit<LrFinderConfig, "name"> & { name?: string }>;

export type { SweepConfig } from "./settings_schema.ts";

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
export interface ConfigOverrides
  extends Partial<Omit<LrFinderConfigInput, "$schema" | "data" | "optimizer">> {
  /** Data sources to replace. */
  data?: {
    train?: DataSourceInput;
    validation?: DataSourceInput;
  };
  /** Optimizer fields. */
  optimizer?: Partial<OptimizerSpec>;
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
  if (overrides.verify !== undefined) merged.verify = mergeVerify(plain.verify, overrides.verify);
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
 * The `verify` setting after an override: `false` turns verification off, `true` on (keeping
 * the base's options), and options merge into the base's (turning it on).
 */
function mergeVerify(
  base: boolean | VerifyOptions | undefined,
  override: boolean | VerifyOptions,
): boolean | VerifyOptions {
  const baseOptions = typeof base === "object" ? base : undefined;
  if (override === false) return false;
  if (override === true) return baseOptions ?? true;
  return { ...baseOptions, ...override };
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

// Names that lived here before the split, kept so that code written against them still runs.
export {
  /** @deprecated Import from `./validation.ts`. */
  closestKey,
  /** @deprecated Import from `./validation.ts`. */
  ConfigError,
  /** @deprecated Import from `./validation.ts`. */
  configIssues,
  /** @deprecated Import from `./validation.ts`. */
  strictObject,
} from "./validation.ts";
/** @deprecated Import from `./validation.ts`. */
export type { ConfigIssue } from "./validation.ts";
export {
  /** @deprecated Import from `./settings_schema.ts`. */
  lossSchema,
  /** @deprecated Import from `./settings_schema.ts`. */
  optimizerSchema,
  /** @deprecated Import from `./settings_schema.ts`. */
  sweepSchema,
} from "./settings_schema.ts";
export {
  /** @deprecated Import from `./data/sources.ts`. */
  dataSourceSchema,
  /** @deprecated Import from `./data/sources.ts`. */
  resolveSourcePaths,
} from "./data/sources.ts";
export type {
  /** @deprecated Import from `./data/sources.ts`. */
  CsvSource,
  /** @deprecated Import from `./data/sources.ts`. */
  DataConfig,
  /** @deprecated Import from `./data/sources.ts`. */
  DataSource,
  /** @deprecated Import from `./data/sources.ts`. */
  IdxSource,
  /** @deprecated Import from `./data/sources.ts`. */
  ModuleSource,
  /** @deprecated Import from `./data/sources.ts`. */
  NpySource,
  /** @deprecated Import from `./data/sources.ts`. */
  SyntheticSource,
} from "./data/sources.ts";
/** @deprecated Import from `./data/read_file.ts`. */
export { parseJson } from "./data/read_file.ts";
