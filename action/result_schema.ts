/**
 * The result contract (`version: 1`, `src/result.ts`) as a strict zod schema, for result JSON
 * that untrusted code wrote: a fork's results artifact, and what the image branch holds. Every
 * object is closed (an unknown key is an error), every string has a length limit and, where the
 * contract allows, a fixed set of values or a pattern; every number is finite and arrays are
 * bounded, so nothing oversized or unexpected reaches the comment, the job summary or a file.
 * @module
 */
import { z } from "zod";
import { InputError } from "../src/errors.ts";
import type { LrFinderResult } from "../src/result.ts";
import {
  CPU_KERNELS_REQUESTS,
  EVALUATE_SPLITS,
  RULE_NAMES,
  SCHEDULE_MODES,
  STOP_REASONS,
  SUGGEST_METHODS,
} from "../src/vocabulary.ts";

/** Most steps of one curve. */
export const MAX_RESULT_STEPS = 100_000;
/** Most repeated runs (the config allows 50). */
export const MAX_RESULT_RUNS = 50;
/** Longest config name. */
export const MAX_NAME_LENGTH = 200;
/** Longest free text (a rule's reason, a warning). */
export const MAX_TEXT_LENGTH = 500;
/** Longest description of a GPU adapter. */
export const MAX_ADAPTER_LENGTH = 200;

const text = (max: number) => z.string().max(max);
const identifier = z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/, "expected an identifier");
const count = z.int().min(0).max(Number.MAX_SAFE_INTEGER);
const positive = z.number().positive();
const lossValue = z.number().nullable();
const curve = z.array(lossValue).max(MAX_RESULT_STEPS);
const stepIndex = z.int().min(0).max(MAX_RESULT_STEPS);

const suggestion = z.union([
  z.strictObject({ lr: positive, index: stepIndex, method: z.enum(RULE_NAMES) }),
  z.strictObject({
    lr: z.null(),
    index: z.null(),
    method: z.enum(RULE_NAMES),
    reason: text(MAX_TEXT_LENGTH),
  }),
]);

const adapter = z.strictObject({
  description: text(MAX_ADAPTER_LENGTH),
  vendor: text(100),
  architecture: text(100),
  isFallbackAdapter: z.boolean(),
});

const optimizer = z.object({ name: z.string().regex(/^[a-z]{1,32}$/, "expected an optimizer") })
  .catchall(z.union([z.number(), z.boolean()]))
  .refine((value) => Object.keys(value).length <= 16, "expected at most 16 parameters")
  .refine(
    (value) => Object.keys(value).every((key) => /^[A-Za-z][A-Za-z0-9]{0,40}$/.test(key)),
    "expected parameter names made of letters and digits",
  );

const settings = z.strictObject({
  seed: z.int(),
  batchSize: z.int().min(1).max(10_000_000),
  backend: z.enum(["webgpu", "wasm", "cpu"]),
  adapter: text(MAX_ADAPTER_LENGTH).optional(),
  adapterFound: adapter.optional(),
  cpuKernels: z.strictObject({
    kernels: z.enum(["blas", "wasm"]),
    requested: z.enum(CPU_KERNELS_REQUESTS).optional(),
    library: text(200).optional(),
    libraryPath: text(400).optional(),
    threads: z.int().min(1).max(4096),
    fallback: text(MAX_TEXT_LENGTH).optional(),
  }).optional(),
  optimizer,
  optimizerState: z.enum(["fresh", "copied"]),
  loss: identifier,
  startLr: positive,
  endLr: positive,
  numIters: z.int().min(1).max(MAX_RESULT_STEPS),
  mode: z.enum(SCHEDULE_MODES),
  smoothing: z.number().min(0).max(1),
  divergeThreshold: z.number().gt(1),
  runs: z.int().min(1).max(MAX_RESULT_RUNS),
  evaluate: z.enum(EVALUATE_SPLITS),
  suggest: z.enum(SUGGEST_METHODS),
  trainSize: count,
  validationSize: count.optional(),
});

const timing = z.strictObject({
  startedAt: z.iso.datetime(),
  totalMs: z.number().min(0),
  sweepMs: z.number().min(0),
  steps: count,
  // `sweepMs / steps` is NaN without steps, which the JSON holds as null.
  msPerStep: z.number().min(0).nullable().transform((v) => v ?? NaN),
  warmupMs: z.number().min(0).optional(),
});

const runCurve = z.strictObject({
  seed: z.int(),
  losses: curve,
  smoothed: curve,
  stopReason: z.enum(STOP_REASONS),
  suggestion,
});

/** The strict schema of a result JSON. */
export const resultSchema = z.strictObject({
  version: z.literal(1),
  name: text(MAX_NAME_LENGTH).min(1),
  lrs: z.array(positive).max(MAX_RESULT_STEPS),
  losses: curve,
  smoothed: curve,
  stopReason: z.enum(STOP_REASONS),
  suggestion,
  suggestions: z.strictObject(
    Object.fromEntries(RULE_NAMES.map((r) => [r, suggestion.optional()])),
  ),
  uncertainty: z.strictObject({
    low: positive,
    high: positive,
    perRun: z.array(positive.nullable()).max(MAX_RESULT_RUNS),
    runsWithSuggestion: z.int().min(0).max(MAX_RESULT_RUNS),
  }).optional(),
  runs: z.array(runCurve).max(MAX_RESULT_RUNS).optional(),
  band: z.strictObject({ low: curve, high: curve }).optional(),
  settings,
  timing,
  model: z.strictObject({ params: count, layers: count.optional() }),
  trials: z.array(z.strictObject({
    lr: positive,
    steps: count,
    heldOutLoss: lossValue,
    diverged: z.boolean(),
  })).max(20).optional(),
  warnings: z.array(z.strictObject({
    code: z.string().regex(/^[a-z0-9-]{1,64}$/, "expected a warning code"),
    message: text(MAX_TEXT_LENGTH),
  })).max(20).optional(),
}).superRefine((result, ctx) => {
  for (const key of ["losses", "smoothed"] as const) {
    if (result[key].length !== result.lrs.length) {
      ctx.addIssue({
        code: "custom",
        path: [key],
        message: `expected ${result.lrs.length} values (one per learning rate), got ${
          result[key].length
        }`,
      });
    }
  }
});

/**
 * Parses a result JSON value strictly; throws an {@linkcode InputError} that names the source,
 * the first offending fields and what was expected.
 */
export function parseResult(value: unknown, source: string): LrFinderResult {
  const parsed = resultSchema.safeParse(value);
  if (!parsed.success) {
    const issues = parsed.error.issues.slice(0, 3).map((issue) =>
      printable(
        `${issue.path.length ? issue.path.join(".") : "(top level)"}: ${issue.message}`,
        160,
      )
    );
    const more = parsed.error.issues.length > 3
      ? ` (and ${parsed.error.issues.length - 3} more)`
      : "";
    throw new InputError(
      `${source} is not a valid LR Finder result (version 1): ${issues.join("; ")}${more}`,
      { field: "results-dir" },
    );
  }
  return parsed.data as unknown as LrFinderResult;
}

/** Text from untrusted input made safe for a log line: no control characters, bounded length. */
export function printable(text: string, max: number): string {
  // deno-lint-ignore no-control-regex
  const clean = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, "?");
  return clean.length > max ? `${clean.slice(0, max - 3)}...` : clean;
}
