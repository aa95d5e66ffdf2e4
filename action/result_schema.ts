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
  SUGGESTION_METHODS,
  VERIFICATION_OUTCOMES,
  WARNING_CODES,
  WARNING_SEVERITIES,
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
/** Most verification trials (one per candidate rate; the default trains 6). */
export const MAX_TRIALS = 100;
/** Most warnings (each code names one case; a result carries a handful at most). */
export const MAX_WARNINGS = 2 * WARNING_CODES.length;

const text = (max: number) => z.string().max(max);
const identifier = z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/, "expected an identifier");
const count = z.int().min(0).max(Number.MAX_SAFE_INTEGER);
const positive = z.number().positive();
const finite = z.number();
const lossValue = finite.nullable();
const curve = z.array(lossValue).max(MAX_RESULT_STEPS);
const stepIndex = z.int().min(0).max(MAX_RESULT_STEPS);

/**
 * A suggestion made by one of `methods`: a rate at a step, or no rate and the reason; the
 * headline's also says whether it is trusted. One object rather than a union, so that an error
 * names the field at fault.
 */
function suggestionOf(methods: readonly [string, ...string[]], headline: boolean) {
  return z.strictObject({
    lr: positive.nullable(),
    index: stepIndex.nullable(),
    method: z.enum(methods),
    reason: text(MAX_TEXT_LENGTH).optional(),
    ...(headline ? { trusted: z.boolean().optional() } : {}),
  }).superRefine((s, ctx) => {
    if ((s.lr === null) !== (s.index === null)) {
      ctx.addIssue({
        code: "custom",
        path: ["index"],
        message: "expected a step index with a rate, and null without one",
      });
    }
    if ((s.lr === null) !== (s.reason !== undefined)) {
      ctx.addIssue({
        code: "custom",
        path: ["reason"],
        message: "expected a reason exactly when there is no rate",
      });
    }
  });
}

/** A curve rule's suggestion (`suggestions`, each run's). */
const suggestion = suggestionOf(RULE_NAMES, false);
/** The headline: a rule's or the verified rate, and whether it can be trusted. */
const headline = suggestionOf(SUGGESTION_METHODS, true);

const trial = z.strictObject({
  lr: positive,
  steps: count,
  heldOutLoss: lossValue,
  diverged: z.boolean(),
}).refine(
  (t) => !(t.diverged && t.heldOutLoss !== null),
  { message: "expected no held-out loss (null) for a trial that diverged", path: ["heldOutLoss"] },
);

const verification = z.strictObject({
  outcome: z.enum(VERIFICATION_OUTCOMES),
  reason: text(MAX_TEXT_LENGTH).optional(),
  heldOut: z.enum(["validation", "train"]).optional(),
  heldOutSize: count.optional(),
  initialLoss: finite.optional(),
  steps: count,
  maxSteps: count.optional(),
  best: positive.optional(),
  ms: z.number().min(0),
  settings: z.strictObject({
    candidates: z.int().min(2).max(Number.MAX_SAFE_INTEGER),
    steps: z.int().min(1).max(Number.MAX_SAFE_INTEGER),
    spacing: z.number().gt(0).max(2),
    heldOutSamples: z.int().min(1).max(Number.MAX_SAFE_INTEGER),
    prune: z.boolean(),
    tolerance: z.number().min(0).lt(1),
    horizonShift: z.number().min(0).max(2),
  }),
}).superRefine((v, ctx) => {
  if (v.outcome === "fallback" && v.reason === undefined) {
    ctx.addIssue({ code: "custom", path: ["reason"], message: "expected why it fell back" });
  }
  if (v.outcome === "verified" && v.reason !== undefined) {
    ctx.addIssue({ code: "custom", path: ["reason"], message: "expected no reason when verified" });
  }
});

const warning = z.strictObject({
  code: z.enum(WARNING_CODES),
  message: text(MAX_TEXT_LENGTH).min(1),
  severity: z.enum(WARNING_SEVERITIES),
});

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
  suggestion: headline,
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
  trials: z.array(trial).max(MAX_TRIALS).optional(),
  verification: verification.optional(),
  warnings: z.array(warning).max(MAX_WARNINGS).optional(),
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
  const methods = Object.entries(result.suggestions);
  for (const [rule, s] of methods) {
    if (s && s.method !== rule) {
      ctx.addIssue({
        code: "custom",
        path: ["suggestions", rule, "method"],
        message: `expected ${rule}, the rule it is listed under`,
      });
    }
  }
  const trials = result.trials?.length ?? 0;
  if (trials > 0 && result.verification === undefined) {
    ctx.addIssue({
      code: "custom",
      path: ["trials"],
      message: "expected no trials without verification",
    });
  }
  if (result.verification && trials > result.verification.settings.candidates) {
    ctx.addIssue({
      code: "custom",
      path: ["trials"],
      message:
        `expected at most ${result.verification.settings.candidates} trials (the candidates), got ${trials}`,
    });
  }
  if (result.suggestion.method === "verified" && result.verification?.outcome !== "verified") {
    ctx.addIssue({
      code: "custom",
      path: ["suggestion", "method"],
      message: 'expected "verified" only when verification.outcome is "verified"',
    });
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
        260,
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
