/**
 * What every surface says about verification and trust, as pure functions of a result: the
 * headline (a confident rate only when nothing withdraws the trust in it), the trials table's
 * rows, one line on how verification ran, and the warnings with a short title each. The CLI
 * summary, the Markdown report and the plot use them; the pull-request comment and the HTTP page
 * can too.
 * @module
 */
import type { LrFinderResult, Trial, Warning } from "../result.ts";
import type { WarningCode } from "../vocabulary.ts";
import { isTrusted, UNTRUSTED } from "../warnings.ts";
import { formatDuration, formatLoss, formatLr, formatUncertainty } from "./format.ts";

/**
 * What became of a trial: `chosen` trained best and set the suggestion, `trained` ran every
 * round, `pruned` was dropped after a round, `stopped` was cut short when verification was
 * stopped, `diverged` met a non-finite loss.
 */
export type TrialOutcome = "chosen" | "trained" | "pruned" | "stopped" | "diverged";

/** One row of the trials table: a candidate rate, how long it trained and how it scored. */
export interface TrialRow extends Trial {
  /** What became of the trial. */
  outcome: TrialOutcome;
}

/** The headline in two parts, so that a surface can emphasise the first (`lead` + `detail`). */
export interface HeadlineParts {
  /** `Suggested learning rate: 1.0e-1`, `No trustworthy suggestion` or `No learning rate suggested`. */
  lead: string;
  /** The rest of the sentence, starting with its separator: ` (verified)`, `: <why>`. */
  detail: string;
  /** Whether the rate may be presented as a confident suggestion. */
  trusted: boolean;
}

/** Short titles of the warnings, for the plot's subtitle and other tight places. */
export const WARNING_TITLES: Readonly<Record<WarningCode, string>> = {
  "flat-curve": "flat curve",
  "still-falling": "loss still falling at the end",
  "stopped-early": "stopped before the minimum",
  "runs-disagree": "runs disagree",
  "loss-above-chance": "loss starts far above chance",
  "capped-at-minimum": "rule capped below the minimum",
  "no-held-out": "not verified: too little data to hold out",
  "verification-stopped": "verification stopped",
  "no-candidates": "not verified: no candidate rates",
  "trials-diverged": "every trial diverged",
  "no-improvement": "no trial improved on the untrained model",
  "best-at-lowest-candidate": "best at the lowest rate tried",
  "verification-over-budget": "not verified: over the budget",
  "verification-shortened": "verification shortened to fit the budget",
};

/**
 * Whether the result's suggestion may be presented as a confident rate: it has a rate, the
 * result does not mark it `trusted: false`, and no warning withdraws the trust. Results written
 * before warnings existed count as trusted when they have a rate.
 */
export function suggestionTrusted(result: LrFinderResult): boolean {
  const s = result.suggestion;
  if (s.lr === null || s.trusted === false) return false;
  return isTrusted(s, result.warnings ?? []);
}

/**
 * The headline in parts ({@linkcode headline} joins them): the suggested rate and what chose it
 * (with the range over runs for a curve rule, and `not verified: <reason>` when verification
 * fell back); when the rate cannot be trusted, `No trustworthy suggestion: <why>; <what the rule
 * read>`; or why there is no rate at all.
 */
export function headlineParts(result: LrFinderResult): HeadlineParts {
  const s = result.suggestion;
  if (s.lr === null) {
    return {
      lead: "No learning rate suggested",
      detail: ` (${s.method}): ${s.reason}`,
      trusted: false,
    };
  }
  const reading = s.method === "verified"
    ? `verification chose ${formatLr(s.lr)}`
    : `the ${s.method} rule read ${formatLr(s.lr)}`;
  if (!suggestionTrusted(result)) {
    const why = orderedWarnings(result).find((w) => w.severity === UNTRUSTED)?.message ??
      "the result marks the suggestion as not trusted";
    return { lead: "No trustworthy suggestion", detail: `: ${why}; ${reading}`, trusted: false };
  }
  let detail = ` (${s.method})`;
  const u = result.uncertainty;
  if (u && s.method !== "verified") {
    detail += u.runsWithSuggestion > 0
      ? `, ${formatUncertainty(u)}`
      : `; no single run of ${u.perRun.length} suggested a rate`;
  }
  const v = result.verification;
  if (v?.outcome === "fallback") detail += `; not verified: ${v.reason ?? "no trial chose a rate"}`;
  return { lead: `Suggested learning rate: ${formatLr(s.lr)}`, detail, trusted: true };
}

/**
 * The headline as one plain line: `Suggested learning rate: 1.0e-1 (verified)`, or
 * `No trustworthy suggestion: <the first warning that withdraws the trust>; the combined rule
 * read 3.0e-3`, or why no rate was suggested.
 */
export function headline(result: LrFinderResult): string {
  const parts = headlineParts(result);
  return parts.lead + parts.detail;
}

/**
 * The rows of the trials table, one per candidate in the order of their rates (empty when
 * verification trained none): the rate, steps trained, held-out loss and what became of it.
 */
export function trialsTable(result: LrFinderResult): TrialRow[] {
  const trials = result.trials ?? [];
  const v = result.verification;
  const full = v?.maxSteps ?? Math.max(0, ...trials.map((t) => t.steps));
  const stopped = (result.warnings ?? []).some((w) => w.code === "verification-stopped");
  return trials.map((trial) => {
    let outcome: TrialOutcome;
    if (trial.diverged) outcome = "diverged";
    else if (v?.outcome === "verified" && v.best !== undefined && trial.lr === v.best) {
      outcome = "chosen";
    } else if (trial.steps >= full) outcome = "trained";
    else outcome = stopped ? "stopped" : "pruned";
    return { ...trial, outcome };
  });
}

/**
 * How verification ran, as one sentence: the rates tried, the steps, the held-out samples, the
 * best rate and how far below it the suggestion sits; or why it did not choose the rate. `null`
 * when the result was not verified (`verify: false`).
 */
export function verificationLine(result: LrFinderResult): string | null {
  const v = result.verification;
  if (!v) return null;
  const trials = result.trials ?? [];
  if (v.outcome === "fallback") {
    const ran = trials.length > 0
      ? ` (${trials.length} rates tried, ${v.steps} training steps in ${formatDuration(v.ms)})`
      : "";
    return `Not verified: ${v.reason ?? "no trial chose a rate"}${ran}; the ` +
      `${result.suggestion.method} rule chose the rate.`;
  }
  const samples = v.heldOutSize === undefined ? "held-out" : `${v.heldOutSize} held-out`;
  const split = v.heldOut === "validation" ? "validation" : "training";
  const untrained = v.initialLoss === undefined
    ? ""
    : `, untrained loss ${formatLoss(v.initialLoss)}`;
  const full = v.maxSteps ?? v.settings.steps;
  const finalists = trials.filter((t) => !t.diverged && t.steps >= full).length;
  let line = `Verified: ${trials.length} rates tried, ${finalists} trained all ${full} steps ` +
    `(${v.steps} steps in ${formatDuration(v.ms)}), scored on ${samples} ${split} ` +
    `samples${untrained}`;
  if (v.best !== undefined) {
    line += `; best ${formatLr(v.best)}`;
    const shift = v.settings.horizonShift;
    if (shift > 0 && result.suggestion.lr !== null) {
      line += `, suggested ${decades(shift)} below it for training longer than the trials`;
    }
  }
  return `${line}.`;
}

/** The warnings, those that withdraw the trust first, otherwise in the result's order. */
export function orderedWarnings(result: LrFinderResult): Warning[] {
  const warnings = result.warnings ?? [];
  return [
    ...warnings.filter((w) => w.severity === UNTRUSTED),
    ...warnings.filter((w) => w.severity !== UNTRUSTED),
  ];
}

/** A warning as one line: `not trusted: <message>` or `caution: <message>`. */
export function warningLine(warning: Warning): string {
  return `${warning.severity === UNTRUSTED ? "not trusted" : "caution"}: ${warning.message}`;
}

/** Every warning as one line ({@linkcode warningLine}), those that withdraw the trust first. */
export function warningLines(result: LrFinderResult): string[] {
  return orderedWarnings(result).map(warningLine);
}

/** A warning's short title ({@linkcode WARNING_TITLES}); its code for one this version lacks. */
export function warningTitle(warning: Warning): string {
  return WARNING_TITLES[warning.code] ?? warning.code;
}

function decades(shift: number): string {
  if (shift === 0.5) return "half a decade";
  if (shift === 1) return "a decade";
  return `${Number(shift.toPrecision(3))} decades`;
}
