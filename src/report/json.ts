/**
 * The result JSON of DESIGN.md as text: keys in a fixed order (the contract's order, unknown keys
 * after them sorted by name), non-finite numbers as `null`, two-space indent, newline at the end.
 * @module
 */
import type { LrFinderResult } from "../result.ts";
import { RULE_NAMES } from "../vocabulary.ts";

const RESULT_KEYS = [
  "version",
  "name",
  "lrs",
  "losses",
  "smoothed",
  "stopReason",
  "suggestion",
  "suggestions",
  "uncertainty",
  "runs",
  "band",
  "settings",
  "timing",
  "model",
  "trials",
  "verification",
  "warnings",
];
const SUGGESTION_KEYS = ["lr", "index", "method", "reason", "trusted"];
const UNCERTAINTY_KEYS = ["low", "high", "perRun", "runsWithSuggestion"];
const RUN_KEYS = ["seed", "losses", "smoothed", "stopReason", "suggestion"];
const BAND_KEYS = ["low", "high"];
const SETTINGS_KEYS = [
  "seed",
  "batchSize",
  "backend",
  "adapter",
  "adapterFound",
  "cpuKernels",
  "optimizer",
  "optimizerState",
  "loss",
  "startLr",
  "endLr",
  "numIters",
  "mode",
  "smoothing",
  "divergeThreshold",
  "runs",
  "evaluate",
  "suggest",
  "trainSize",
  "validationSize",
];
const ADAPTER_KEYS = ["description", "vendor", "architecture", "isFallbackAdapter"];
const CPU_KERNELS_KEYS = ["kernels", "requested", "library", "libraryPath", "threads", "fallback"];
const TIMING_KEYS = ["startedAt", "totalMs", "sweepMs", "steps", "msPerStep", "warmupMs"];
const MODEL_KEYS = ["params", "layers"];

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Serialises a result as stable, valid JSON text. */
export function resultJson(result: LrFinderResult): string {
  const r = result as unknown as Record<string, unknown>;
  const value = ordered(r, RESULT_KEYS, {
    suggestion: (v) => ordered(v, SUGGESTION_KEYS),
    suggestions: (v) => ordered(v, RULE_NAMES, {}, (s) => ordered(s, SUGGESTION_KEYS)),
    uncertainty: (v) => ordered(v, UNCERTAINTY_KEYS),
    runs: (v) =>
      Array.isArray(v)
        ? v.map((run) => ordered(run, RUN_KEYS, { suggestion: (s) => ordered(s, SUGGESTION_KEYS) }))
        : plain(v),
    band: (v) => ordered(v, BAND_KEYS),
    settings: (v) =>
      ordered(v, SETTINGS_KEYS, {
        optimizer: (o) => ordered(o, ["name"]),
        adapterFound: (a) => ordered(a, ADAPTER_KEYS),
        cpuKernels: (c) => ordered(c, CPU_KERNELS_KEYS),
      }),
    timing: (v) => ordered(v, TIMING_KEYS),
    model: (v) => ordered(v, MODEL_KEYS),
  });
  return JSON.stringify(value, null, 2) + "\n";
}

/**
 * A copy of an object with `keys` first, in that order, then any other keys sorted by name;
 * `undefined` values are left out. `nested` converts named values, `other` the rest.
 */
function ordered(
  value: unknown,
  keys: readonly string[],
  nested: Record<string, (v: unknown) => Json> = {},
  other: (v: unknown) => Json = plain,
): Json {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return plain(value);
  const source = value as Record<string, unknown>;
  const rest = Object.keys(source).filter((k) => !keys.includes(k)).sort();
  const out: { [key: string]: Json } = {};
  for (const key of [...keys, ...rest]) {
    if (!(key in source) || source[key] === undefined) continue;
    out[key] = (nested[key] ?? other)(source[key]);
  }
  return out;
}

/** Plain JSON of any value: non-finite numbers become `null`, object keys are sorted. */
function plain(value: unknown): Json {
  if (value === null || value === undefined) return null;
  if (typeof value === "number") return Number.isFinite(value) ? value : null;
  if (typeof value === "string" || typeof value === "boolean") return value;
  if (Array.isArray(value)) return value.map(plain);
  if (typeof value === "object") return ordered(value, []);
  return null;
}
