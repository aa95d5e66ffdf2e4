/**
 * The names the finder speaks in, each list declared once `as const` with its type derived from
 * it: suggestion rules, the `suggest` values, why a sweep stops, schedule shapes, which loss a
 * sweep records, what made a suggestion, warnings and their severity, and the backends a user
 * may ask for. Loss names live in `loss_names.ts` and
 * optimizer names in `optimizer_spec.ts`. This module imports nothing, so schemas, reports and
 * surfaces can use it without loading TensorFlow.js.
 * @module
 */

/**
 * Every suggestion rule, in the order results and reports list them. Adding a rule means adding
 * its name here and its function to `RULES` in `suggest.ts` (the compiler asks for the entry).
 */
export const RULE_NAMES = ["valley", "steepest", "minimum", "slide", "combined"] as const;

/** Name of a suggestion rule. */
export type RuleName = typeof RULE_NAMES[number];

/** Every accepted value of the `suggest` setting: a rule, or `auto` (the measured default). */
export const SUGGEST_METHODS = ["auto", ...RULE_NAMES] as const;

/** A rule name or `auto`, the measured default. */
export type SuggestMethod = typeof SUGGEST_METHODS[number];

/** What can make a suggestion: a rule reading the curve, or `verified` (short training trials). */
export const SUGGESTION_METHODS = [...RULE_NAMES, "verified"] as const;

/** What made a suggestion. */
export type SuggestionMethod = typeof SUGGESTION_METHODS[number];

/** Codes of the warnings a result can carry, each a case the finder recognises. */
export const WARNING_CODES = [
  "flat-curve",
  "still-falling",
  "stopped-early",
  "runs-disagree",
  "loss-above-chance",
  "capped-at-minimum",
  "no-held-out",
  "verification-stopped",
  "no-candidates",
  "trials-diverged",
  "no-improvement",
  "best-at-lowest-candidate",
  "verification-over-budget",
  "verification-shortened",
] as const;

/** Stable identifier of a warning. */
export type WarningCode = typeof WARNING_CODES[number];

/**
 * How much a warning takes away: `untrusted` withdraws the confidence in the suggestion,
 * `caution` qualifies it.
 */
export const WARNING_SEVERITIES = ["untrusted", "caution"] as const;

/** How much a warning takes away. */
export type WarningSeverity = typeof WARNING_SEVERITIES[number];

/** How verification ended: a trial chose the rate, or the curve rule did. */
export const VERIFICATION_OUTCOMES = ["verified", "fallback"] as const;

/** How verification ended. */
export type VerificationOutcome = typeof VERIFICATION_OUTCOMES[number];

/** Why a sweep ended. */
export const STOP_REASONS = [
  "completed",
  "diverged",
  "non-finite",
  "time-budget",
  "aborted",
] as const;

/** Why a sweep ended. */
export type StopReason = typeof STOP_REASONS[number];

/** Shapes of the learning-rate schedule: exponential or linear growth. */
export const SCHEDULE_MODES = ["exp", "linear"] as const;

/** Shape of the schedule. */
export type ScheduleMode = typeof SCHEDULE_MODES[number];

/** Which loss the curve records: the training batch's, or a fixed validation sample's. */
export const EVALUATE_SPLITS = ["train", "validation"] as const;

/** Which loss the curve records. */
export type EvaluateSplit = typeof EVALUATE_SPLITS[number];

/** Backends a user may ask for (`auto` picks the fastest that starts; see `setupBackend`). */
export const BACKEND_REQUESTS = ["auto", "webgpu", "wasm", "cpu"] as const;

/** A backend a user may ask for. */
export type BackendRequest = typeof BACKEND_REQUESTS[number];

/** The requests a user may make, in the order help texts list them. */
export const CPU_KERNELS_REQUESTS = ["auto", "blas", "wasm"] as const;

/** What a user may ask for. */
export type CpuKernelsRequest = typeof CPU_KERNELS_REQUESTS[number];
