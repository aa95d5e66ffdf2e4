/**
 * The CLI's config: the config file (when given) with the flags applied on top, validated by
 * the same schema, so that a bad flag value is reported with the flag's name and its field.
 * @module
 */
import { resolve } from "node:path";
import {
  type ConfigOverrides,
  loadConfig,
  mergeConfig,
  parseConfig,
  resolveConfigPaths,
  type ResolvedConfig,
} from "../config.ts";
import { parseJson } from "../data/read_file.ts";
import type { DataSource } from "../data/sources.ts";
import { ConfigError, type ConfigIssue } from "../validation.ts";
import { InputError } from "../errors.ts";
import type { OptimizerSpec } from "../optimizer_spec.ts";
import { flagForField, type FlagValues, type ParsedArgs } from "./flags.ts";

/** Options of {@linkcode cliConfig}. */
export interface CliConfigOptions {
  /** Directory that relative paths in flags are resolved against; default the working dir. */
  cwd?: string;
}

const FLAGS_SOURCE = "command-line flags";

/**
 * The config the CLI runs: the config file, if any, with the flags' overrides merged in and
 * everything validated again; without a config file, the flags alone. Paths are absolute.
 * Throws an {@linkcode InputError} (a {@linkcode ConfigError} for schema problems) whose
 * message names the flag (and its config field) to fix.
 */
export async function cliConfig(
  args: ParsedArgs,
  options: CliConfigOptions = {},
): Promise<ResolvedConfig> {
  const cwd = resolve(options.cwd ?? Deno.cwd());
  // Messages name the config file as it was given when it is relative to the process's cwd.
  const configPath = args.configPath === undefined || cwd === resolve(Deno.cwd())
    ? args.configPath
    : resolve(cwd, args.configPath);
  const base = configPath === undefined ? undefined : await loadConfig(configPath);
  const overrides = flagOverrides(args.values, base);
  try {
    if (base) return mergeConfig(base, overrides, { source: FLAGS_SOURCE, baseDir: cwd });
    return configFromFlags(overrides, cwd);
  } catch (error) {
    if (error instanceof ConfigError) throw withFlagNames(error, args.values);
    throw error;
  }
}

function configFromFlags(overrides: ConfigOverrides, cwd: string): ResolvedConfig {
  if (overrides.model === undefined) {
    throw new InputError(
      "no model given: pass a config file (deno task lr-find lr-finder.json) or --model PATH " +
        "(a tfjs model.json or a module exporting createModel()) with the training data " +
        "(--csv FILE --label COLUMN, or --x X.npy --y Y.npy); see --help",
      { field: "--model" },
    );
  }
  if (overrides.data?.train === undefined) {
    throw new InputError(
      "no training data given: pass --csv FILE --label COLUMN, or --x X.npy --y Y.npy, " +
        "or a config file whose data.train names the data; see --help",
      { field: "--csv" },
    );
  }
  const raw: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(overrides)) {
    if (value !== undefined) raw[key] = value;
  }
  const config = parseConfig(raw, { source: FLAGS_SOURCE });
  return resolveConfigPaths(config, cwd);
}

/** The config overrides the flags ask for; data flags are combined with the base's sources. */
export function flagOverrides(values: FlagValues, base?: ResolvedConfig): ConfigOverrides {
  const overrides: ConfigOverrides = {};
  const text = (name: string) => typeof values[name] === "string" ? values[name] : undefined;
  const setText = <K extends "name" | "model" | "loss">(key: K, flag: string) => {
    const value = text(flag);
    if (value !== undefined) overrides[key] = value;
  };
  setText("name", "name");
  setText("model", "model");
  setText("loss", "loss");
  if (text("suggest") !== undefined) {
    overrides.suggest = text("suggest") as ConfigOverrides["suggest"];
  }
  if (text("backend") !== undefined) {
    overrides.backend = text("backend") as ConfigOverrides["backend"];
  }
  if (text("cpu-kernels") !== undefined) {
    overrides.cpuKernels = text("cpu-kernels") as ConfigOverrides["cpuKernels"];
  }
  if (text("threads") !== undefined) overrides.threads = numeric(text("threads")!) as number;
  if (text("batch-size") !== undefined) {
    overrides.batchSize = numeric(text("batch-size")!) as number;
  }
  const optimizer = text("optimizer");
  if (optimizer !== undefined) overrides.optimizer = optimizerFlag(optimizer);

  const sweep: Record<string, unknown> = {};
  const sweepNumbers = {
    "start-lr": "startLr",
    "end-lr": "endLr",
    steps: "numIters",
    runs: "runs",
    seed: "seed",
    smoothing: "smoothing",
    "diverge-threshold": "divergeThreshold",
  } as const;
  for (const [flag, key] of Object.entries(sweepNumbers)) {
    const value = text(flag);
    if (value !== undefined) sweep[key] = numeric(value);
  }
  if (text("mode") !== undefined) sweep.mode = text("mode");
  if (text("evaluate") !== undefined) sweep.evaluate = text("evaluate");
  if (text("time-budget") !== undefined) sweep.timeBudgetMs = durationMs(text("time-budget")!);
  if (Object.keys(sweep).length > 0) overrides.sweep = sweep as ConfigOverrides["sweep"];
  const verify = verifyOverride(values);
  if (verify !== undefined) overrides.verify = verify;

  const label = text("label") ?? csvLabel(base?.data.train);
  const train = dataSourceFlags(values, "", base?.data.train, label);
  const validation = dataSourceFlags(values, "validation-", base?.data.validation, label);
  if (train || validation) {
    overrides.data = {};
    if (train) overrides.data.train = train;
    if (validation) overrides.data.validation = validation;
  }
  return overrides;
}

/**
 * What the verification flags ask for: `false` for `--no-verify`, the options of
 * `--verify-steps`/`--verify-candidates` (which turn verification on), `true` for `--verify`;
 * `--no-verify` with any of the others is an {@linkcode InputError}.
 */
function verifyOverride(values: FlagValues): ConfigOverrides["verify"] {
  const options: Record<string, unknown> = {};
  const given: string[] = values.verify === true ? ["--verify"] : [];
  for (const [flag, key] of Object.entries(VERIFY_OPTION_FLAGS)) {
    const value = values[flag];
    if (typeof value !== "string") continue;
    options[key] = numeric(value);
    given.push(`--${flag}`);
  }
  if (values["no-verify"] === true) {
    if (given.length > 0) {
      throw new InputError(
        `--no-verify cannot be combined with ${given.join(", ")}: drop --no-verify to verify, ` +
          `or the other flags to sweep without verification`,
        { field: "--no-verify" },
      );
    }
    return false;
  }
  if (Object.keys(options).length > 0) return options as ConfigOverrides["verify"];
  return values.verify === true ? true : undefined;
}

/** The flags of verification options and the option each sets. */
const VERIFY_OPTION_FLAGS = {
  "verify-steps": "steps",
  "verify-candidates": "candidates",
} as const;

/** A number when the text is one, else the text itself, so the schema reports its type. */
function numeric(value: string): number | string {
  const trimmed = value.trim();
  const number = Number(trimmed);
  return trimmed !== "" && Number.isFinite(number) ? number : value;
}

function optimizerFlag(value: string): Partial<OptimizerSpec> {
  if (!value.trim().startsWith("{")) return { name: value.trim() } as Partial<OptimizerSpec>;
  const parsed = parseJson(value, "--optimizer");
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new InputError(`--optimizer: expected a name or a JSON object, got ${value}`, {
      field: "--optimizer",
    });
  }
  return parsed as Partial<OptimizerSpec>;
}

/** Milliseconds of `90`, `90s`, `1.5m`, `500ms` (a plain number is seconds). */
function durationMs(value: string): number {
  const match = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*(ms|s|m|min)?\s*$/i.exec(value);
  const amount = match ? Number(match[1]) : NaN;
  if (!match || !(amount > 0)) {
    throw new InputError(
      `--time-budget (sweep.timeBudgetMs): expected a positive duration such as 90, 90s, 1.5m ` +
        `or 500ms, got ${JSON.stringify(value)}`,
      { field: "--time-budget" },
    );
  }
  const unit = (match[2] ?? "s").toLowerCase();
  return amount * (unit === "ms" ? 1 : unit === "s" ? 1000 : 60_000);
}

function csvLabel(source: DataSource | undefined): string | undefined {
  return source && "csv" in source ? source.label : undefined;
}

/**
 * The data source that `--x/--y/--csv/--label` (or their `--validation-` forms) describe.
 * A lone `--x` or `--y` replaces that file of a `.npy` source from the config; a lone `--label`
 * changes the label column of a CSV source from the config.
 */
function dataSourceFlags(
  values: FlagValues,
  prefix: "" | "validation-",
  base: DataSource | undefined,
  label?: string,
): DataSource | undefined {
  const text = (name: string) =>
    typeof values[prefix + name] === "string" ? values[prefix + name] as string : undefined;
  const x = text("x");
  const y = text("y");
  const csv = text("csv");
  const ownLabel = prefix === "" ? text("label") : undefined;
  const flag = (name: string) => `--${prefix}${name}`;
  if ((x !== undefined || y !== undefined) && csv !== undefined) {
    throw new InputError(
      `${flag("csv")} cannot be combined with ${flag(x !== undefined ? "x" : "y")}: give either ` +
        `${flag("x")}/${flag("y")} (.npy files) or ${flag("csv")} with --label`,
      { field: flag("csv") },
    );
  }
  if (x !== undefined || y !== undefined) {
    const npy = base && "x" in base ? base : undefined;
    const missing = x === undefined ? "x" : y === undefined ? "y" : undefined;
    if (missing && !npy) {
      throw new InputError(
        `${flag(missing === "x" ? "y" : "x")} needs ${flag(missing)}: give the ` +
          `${missing === "x" ? "features" : "targets"} .npy file too`,
        { field: flag(missing) },
      );
    }
    return { x: x ?? npy!.x, y: y ?? npy!.y };
  }
  if (csv !== undefined) {
    if (label === undefined) {
      throw new InputError(
        `${flag("csv")} needs --label COLUMN: the name of the CSV column that holds the targets`,
        { field: "--label" },
      );
    }
    return { csv, label };
  }
  if (ownLabel !== undefined) {
    if (base && "csv" in base) return { ...base, label: ownLabel };
    throw new InputError(
      "--label names the target column of CSV data, but no CSV is given: add --csv FILE" +
        (base ? " (the config's data.train is not a CSV source)" : ""),
      { field: "--label" },
    );
  }
  return undefined;
}

/**
 * The config error with each issue's field named by its flag: `--steps (sweep.numIters)` when
 * the flag was given, `sweep.endLr (set it with --end-lr)` when the value came from the config
 * file or a default.
 */
function withFlagNames(error: ConfigError, values: FlagValues): ConfigError {
  const issues: ConfigIssue[] = error.issues.map((issue) => {
    const flag = flagForIssue(issue.path);
    if (!flag) return issue;
    const path = values[flag] !== undefined
      ? `--${flag} (${issue.path})`
      : `${issue.path} (set it with --${flag})`;
    return { path, message: issue.message };
  });
  return new ConfigError(issues, FLAGS_SOURCE);
}

function flagForIssue(path: string): string | undefined {
  for (let end = path.length; end > 0; end = path.lastIndexOf(".", end - 1)) {
    const flag = flagForField(path.slice(0, end));
    if (flag) return flag.name;
  }
  return undefined;
}
