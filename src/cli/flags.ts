/**
 * The command-line flags of `lr-find`: one table that drives argument parsing (`node:util`
 * `parseArgs`), the `--help` text and error messages that name the flag behind a config field.
 * @module
 */
import { parseArgs } from "node:util";
import { closestKey } from "../validation.ts";
import { DEFAULTS } from "../defaults.ts";
import { InputError } from "../errors.ts";

/** Where a flag appears in `--help`. */
export type FlagGroup = "input" | "sweep" | "verify" | "output" | "other";

/** One command-line flag. */
export interface FlagSpec {
  /** Long name without dashes, e.g. `start-lr`. */
  name: string;
  /** `string` flags take a value, `boolean` flags do not. */
  type: "string" | "boolean";
  /** One-letter alias, e.g. `q` for `--quiet`. */
  short?: string;
  /** Placeholder of the value in `--help`, e.g. `LR`. */
  value?: string;
  /** The config field the flag overrides, e.g. `sweep.startLr`. */
  field?: string;
  /** Section of `--help`. */
  group: FlagGroup;
  /** One line for `--help`. */
  help: string;
}

/** Every flag of `lr-find`, in the order `--help` lists them. */
export const FLAGS: readonly FlagSpec[] = [
  {
    name: "model",
    type: "string",
    value: "PATH",
    field: "model",
    group: "input",
    help: "tfjs Layers model.json (weights beside it) or a .ts/.js module exporting createModel()",
  },
  {
    name: "x",
    type: "string",
    value: "PATH",
    field: "data.train.x",
    group: "input",
    help: "training features as .npy (first axis: samples); needs --y",
  },
  {
    name: "y",
    type: "string",
    value: "PATH",
    field: "data.train.y",
    group: "input",
    help: "training targets as .npy (class indices or one-hot rows)",
  },
  {
    name: "csv",
    type: "string",
    value: "PATH",
    field: "data.train.csv",
    group: "input",
    help: "training data as CSV with a header row; needs --label",
  },
  {
    name: "label",
    type: "string",
    value: "COLUMN",
    field: "data.train.label",
    group: "input",
    help: "label column of the CSV; every other column is a feature",
  },
  {
    name: "validation-x",
    type: "string",
    value: "PATH",
    field: "data.validation.x",
    group: "input",
    help: "validation features as .npy (for --evaluate validation); needs --validation-y",
  },
  {
    name: "validation-y",
    type: "string",
    value: "PATH",
    field: "data.validation.y",
    group: "input",
    help: "validation targets as .npy",
  },
  {
    name: "validation-csv",
    type: "string",
    value: "PATH",
    field: "data.validation.csv",
    group: "input",
    help: "validation data as CSV with the same label column",
  },
  {
    name: "name",
    type: "string",
    value: "NAME",
    field: "name",
    group: "input",
    help: "name used in reports and the default --out folder (default: the model's file name)",
  },
  {
    name: "loss",
    type: "string",
    value: "NAME",
    field: "loss",
    group: "input",
    help: "loss, e.g. categoricalCrossentropy or mse (default: the model's training config)",
  },
  {
    name: "optimizer",
    type: "string",
    value: "NAME|JSON",
    field: "optimizer",
    group: "input",
    help: "adam, sgd, momentum, rmsprop, adagrad, adadelta, adamax, or JSON such as " +
      `'{"name":"sgd"}' (default: the model's training config, else adam)`,
  },
  {
    name: "batch-size",
    type: "string",
    value: "N",
    field: "batchSize",
    group: "input",
    help: "samples per step (default 64)",
  },
  {
    name: "start-lr",
    type: "string",
    value: "LR",
    field: "sweep.startLr",
    group: "sweep",
    help: "first learning rate (default 1e-7)",
  },
  {
    name: "end-lr",
    type: "string",
    value: "LR",
    field: "sweep.endLr",
    group: "sweep",
    help: "last learning rate (default 10)",
  },
  {
    name: "steps",
    type: "string",
    value: "N",
    field: "sweep.numIters",
    group: "sweep",
    help: "steps of the sweep, at least 10 (default 100)",
  },
  {
    name: "mode",
    type: "string",
    value: "exp|linear",
    field: "sweep.mode",
    group: "sweep",
    help: "learning-rate schedule (default exp)",
  },
  {
    name: "runs",
    type: "string",
    value: "N",
    field: "sweep.runs",
    group: "sweep",
    help: "repeat the sweep with seeds seed..seed+N-1 for an uncertainty band (default 1)",
  },
  {
    name: "seed",
    type: "string",
    value: "N",
    field: "sweep.seed",
    group: "sweep",
    help: "seed of the data order (default 0)",
  },
  {
    name: "evaluate",
    type: "string",
    value: "train|validation",
    field: "sweep.evaluate",
    group: "sweep",
    help: "record the training batch loss or the validation loss (default train)",
  },
  {
    name: "smoothing",
    type: "string",
    value: "BETA",
    field: "sweep.smoothing",
    group: "sweep",
    help: "beta of the loss's moving average, 0 to <1 (default 0.98)",
  },
  {
    name: "diverge-threshold",
    type: "string",
    value: "K",
    field: "sweep.divergeThreshold",
    group: "sweep",
    help: "stop when the smoothed loss exceeds K times its lowest value (default 4)",
  },
  {
    name: "time-budget",
    type: "string",
    value: "TIME",
    field: "sweep.timeBudgetMs",
    group: "sweep",
    help: "stop the sweep after this long: 90, 90s, 1.5m or 500ms (default none)",
  },
  {
    name: "suggest",
    type: "string",
    value: "RULE",
    field: "suggest",
    group: "sweep",
    help:
      "auto (the measured default, currently combined), combined, valley, steepest, minimum or slide",
  },
  {
    name: "backend",
    type: "string",
    value: "NAME",
    field: "backend",
    group: "sweep",
    help: "auto, webgpu, wasm or cpu (default auto: webgpu on a real GPU, else wasm)",
  },
  {
    name: "cpu-kernels",
    type: "string",
    value: "KIND",
    field: "cpuKernels",
    group: "sweep",
    help: "wasm backend's matrix products: auto (the machine's BLAS library when usable, " +
      "else wasm), blas or wasm (default auto)",
  },
  {
    name: "threads",
    type: "string",
    value: "N",
    field: "threads",
    group: "sweep",
    help: "BLAS threads on the wasm backend (default: the cores available)",
  },
  {
    name: "require-gpu",
    type: "boolean",
    group: "sweep",
    help: "fail (exit 2) unless a real GPU adapter is found",
  },
  {
    name: "verify",
    type: "boolean",
    field: "verify",
    group: "verify",
    help: "verify the suggestion by short training at a few candidate rates from the curve, " +
      "scored on held-out data (the default; turns it on when the config file says false)",
  },
  {
    name: "no-verify",
    type: "boolean",
    group: "verify",
    help: "the sweep alone, without verification: faster, and a curve rule chooses the rate",
  },
  {
    name: "verify-steps",
    type: "string",
    value: "N",
    field: "verify.steps",
    group: "verify",
    help: "training steps of a candidate that survives every pruning round, at least 1 " +
      `(default ${DEFAULTS.verify.steps})`,
  },
  {
    name: "verify-candidates",
    type: "string",
    value: "N",
    field: "verify.candidates",
    group: "verify",
    help: `most candidate rates trained, at least 2 (default ${DEFAULTS.verify.candidates})`,
  },
  {
    name: "out",
    type: "string",
    short: "o",
    value: "DIR",
    group: "output",
    help: "folder for result.json, plot.png, plot.svg, curve.csv, report.md " +
      "(default lr-finder-out/<name>)",
  },
  {
    name: "json",
    type: "boolean",
    group: "output",
    help: "print the result JSON to stdout instead of the chart and summary",
  },
  {
    name: "quiet",
    type: "boolean",
    short: "q",
    group: "output",
    help: "no progress bar and no status lines on stderr (warnings and errors still show)",
  },
  {
    name: "debug",
    type: "boolean",
    group: "other",
    help: "on an unexpected failure, print the stack trace (for a bug report)",
  },
  { name: "help", type: "boolean", short: "h", group: "other", help: "show this help" },
  { name: "version", type: "boolean", short: "V", group: "other", help: "print the version" },
];

/** Flag values as given: strings for flags with a value, `true` for boolean flags. */
export type FlagValues = Record<string, string | boolean | undefined>;

/** Parsed command-line arguments. */
export interface ParsedArgs {
  /** The config file, when one was given. */
  configPath?: string;
  /** The flags given, by long name. */
  values: FlagValues;
}

/** The flag that overrides a config field, e.g. `start-lr` for `sweep.startLr`. */
export function flagForField(field: string): FlagSpec | undefined {
  return FLAGS.find((flag) => flag.field === field);
}

/**
 * Parses `lr-find`'s arguments: at most one positional (the config file) and the flags of
 * {@linkcode FLAGS}. Unknown flags, missing values and extra arguments are an
 * {@linkcode InputError} that names the flag and suggests the closest known one.
 */
export function parseCliArgs(args: readonly string[]): ParsedArgs {
  const options: Record<string, { type: "string" | "boolean"; short?: string }> = {};
  for (const flag of FLAGS) {
    options[flag.name] = flag.short ? { type: flag.type, short: flag.short } : { type: flag.type };
  }
  let parsed: { values: FlagValues; positionals: string[] };
  try {
    parsed = parseArgs({ args: [...args], options, strict: true, allowPositionals: true }) as {
      values: FlagValues;
      positionals: string[];
    };
  } catch (error) {
    throw argumentError(error);
  }
  if (parsed.positionals.length > 1) {
    throw new InputError(
      `expected at most one config file, got ${parsed.positionals.length} arguments: ` +
        `${parsed.positionals.map((p) => JSON.stringify(p)).join(", ")}; ` +
        "every other setting is a flag (see --help)",
      { field: parsed.positionals[1] },
    );
  }
  const result: ParsedArgs = { values: parsed.values };
  if (parsed.positionals.length === 1) result.configPath = parsed.positionals[0];
  return result;
}

/** The flag meant by a mistyped name: a typo or two away, or the same letters swapped. */
function closestFlag(given: string, names: readonly string[]): string | undefined {
  const letters = (s: string) => [...s.replace(/[-_]/g, "").toLowerCase()].sort().join("");
  return closestKey(given, names) ?? names.find((name) => letters(name) === letters(given));
}

/** Turns a `parseArgs` error into a message that names the flag and how to fix it. */
function argumentError(error: unknown): InputError {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: string }).code;
  const quoted = /'(-[^',\s]*)/.exec(message)?.[1] ?? "";
  const longName = /--([\w-]+)/.exec(message)?.[1];
  if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
    const given = quoted.replace(/^-+/, "").replace(/=.*$/, "");
    const names = FLAGS.map((flag) => flag.name);
    const close = given.length > 1 ? closestFlag(given, names) : undefined;
    const hint = close ? `did you mean --${close}?` : "run with --help to see the flags";
    return new InputError(`unknown flag ${quoted || message}; ${hint}`, { field: quoted });
  }
  if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE" && longName) {
    const flag = FLAGS.find((f) => f.name === longName);
    if (flag?.type === "boolean") {
      return new InputError(
        `--${longName} is a switch and takes no value: write just --${longName}`,
        {
          field: `--${longName}`,
        },
      );
    }
    const placeholder = flag?.value ?? "VALUE";
    if (/ambiguous/.test(message)) {
      return new InputError(
        `--${longName} needs a value (${placeholder}) but is followed by another flag; ` +
          `for a value that starts with a dash write --${longName}=VALUE`,
        { field: `--${longName}` },
      );
    }
    return new InputError(`--${longName} needs a value (${placeholder}), found none`, {
      field: `--${longName}`,
    });
  }
  return new InputError(`bad arguments: ${message.split("\n")[0]} (see --help)`);
}

/** Width the `--help` text wraps at. */
const HELP_WIDTH = 96;

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  lines.push(line);
  return lines;
}

/** The `--help` text: usage, an example, every flag by group, config files and exit codes. */
export function helpText(version: string): string {
  const groups: Record<FlagGroup, string> = {
    input: "Model and data (override the config file)",
    sweep: "Sweep (override the config file)",
    verify: "Verification (override the config file)",
    output: "Output",
    other: "Other",
  };
  const label = (flag: FlagSpec) =>
    `${flag.short ? `-${flag.short}, ` : "    "}--${flag.name}${
      flag.value ? ` ${flag.value}` : ""
    }`;
  const width = Math.max(...FLAGS.map((flag) => label(flag).length)) + 2;
  const lines = [
    `lr-find ${version}: the learning-rate range test (Smith 2017) for TensorFlow.js models`,
    "",
    "Usage:",
    "  deno task lr-find [config.json] [flags]",
    "",
    "Trains a copy of the model for a short sweep while the learning rate grows, records the",
    "loss and stops when it diverges; then trains from the same weights at a few candidate",
    "rates read off the curve and suggests the one with the lowest held-out loss (with",
    "--no-verify, a rule reads the rate off the curve alone). Warnings say when the number",
    "cannot be trusted. The model files are never changed. Settings come from the config file",
    "(lr-finder.json); flags override it, and without a config file the flags alone are",
    "enough (--model and --csv/--label or --x/--y).",
    "",
    "Examples:",
    "  deno task lr-find examples/fashion-mnist/lr-finder.json",
    "  deno task lr-find --model model/model.json --csv train.csv --label species \\",
    "    --loss categoricalCrossentropy --steps 200 --runs 3 --out results/iris",
    "  deno task lr-find lr-finder.json --backend wasm --json > result.json",
  ];
  for (const group of Object.keys(groups) as FlagGroup[]) {
    lines.push("", `${groups[group]}:`);
    for (const flag of FLAGS.filter((f) => f.group === group)) {
      const [first, ...rest] = wrap(flag.help, HELP_WIDTH - width - 2);
      lines.push(`  ${label(flag).padEnd(width)}${first}`);
      for (const line of rest) lines.push(`${" ".repeat(width + 2)}${line}`);
    }
  }
  lines.push(
    "",
    "Files written to --out (default lr-finder-out/<name>, relative to the working directory):",
    "  result.json  the result (curve, suggestion, every rule, trials, warnings, settings, timing)",
    "  plot.png     loss against learning rate, with the suggestion marked (also plot.svg)",
    "  curve.csv    lr, loss and smoothed loss per step",
    "  report.md    a Markdown report showing plot.png",
    "",
    "While it runs, a progress bar on stderr shows the step, the learning rate, the smoothed",
    "loss and the time left, then the verification's candidates and steps (only when stderr is",
    "a terminal, never with --quiet). Ctrl-C stops the sweep or the verification and still",
    "writes the partial result.",
    "",
    "Exit codes:",
    "  0  done (also when the sweep stopped early because the loss diverged)",
    "  2  bad input: a config, flag, model or data problem, explained in one message",
    "  1  anything else: a sweep stopped with Ctrl-C (npx then exits 130), or an unexpected",
    "     failure, shown in one line (--debug prints its stack trace)",
    "",
    "Config file reference: docs/cli.md and schema/lr-finder.schema.json.",
  );
  return lines.join("\n") + "\n";
}
