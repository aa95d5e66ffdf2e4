/**
 * How far the suggestion can be trusted, as the Markdown pieces of the sticky comment: the
 * headline (a confident rate only when nothing withdraws the trust; otherwise an alert that says
 * why), the cautions, what verification did with its trials table, and the verification
 * settings. Every string that comes from a result is escaped.
 * @module
 */
import {
  escapeMarkdown,
  formatCount,
  formatDuration,
  formatLoss,
  formatLr,
  formatUncertainty,
  suggestionTrusted,
  trialsMarkdown,
} from "../src/report/mod.ts";
import type { LrFinderResult, Suggestion, Warning } from "../src/result.ts";
import type { WarningCode } from "../src/vocabulary.ts";

/** The comment's pieces about the suggestion and its trust; absent pieces have nothing to say. */
export interface VerificationParts {
  /** The suggestion: a confident line, or an alert that withdraws the rate and says why. */
  headline: string;
  /** The warnings that qualify a rate that stands (`caution`), as a list. */
  cautions?: string;
  /** What verification did, or why it did not choose the rate. */
  verification?: string;
  /** The trials: rate, steps, held-out loss, diverged. */
  trials?: string;
  /** The verification settings, one line (for the collapsed settings). */
  settings?: string;
}

/**
 * Warnings that restate why verification fell back; the headline says "not verified: <reason>"
 * already, so they are not listed again.
 */
const FALLBACK_CODES: readonly WarningCode[] = [
  "no-held-out",
  "verification-stopped",
  "no-candidates",
  "trials-diverged",
];

/**
 * The Markdown pieces of a result's suggestion and trust. A suggestion is trusted unless it is
 * marked `trusted: false`, has no rate, or carries an `untrusted` warning; results written
 * before verification existed carry none of these and read as trusted.
 */
export function verificationParts(result: LrFinderResult): VerificationParts {
  const warnings = result.warnings ?? [];
  const fellBack = result.verification?.outcome === "fallback";
  const restated = (w: Warning) => fellBack && FALLBACK_CODES.includes(w.code);
  const untrusted = warnings.filter((w) => w.severity === "untrusted");
  const cautions = warnings.filter((w) => w.severity !== "untrusted" && !restated(w));
  const trusted = isTrusted(result);
  const parts: VerificationParts = {
    headline: trusted
      ? trustedHeadline(result)
      : untrustedHeadline(result, untrusted.filter((w) => !restated(w))),
  };
  if (cautions.length > 0) {
    parts.cautions = ["**Cautions:**", ...cautions.map((w) => `- ${warningText(w)}`)].join("\n");
  }
  const verification = verificationLine(result);
  if (verification) parts.verification = verification;
  if (result.trials && result.trials.length > 0) parts.trials = trialsMarkdown(result).trimEnd();
  if (result.verification) parts.settings = settingsLine(result);
  return parts;
}

/** True unless the result withdraws the confidence in its suggestion (the reports' rule). */
export const isTrusted: (result: LrFinderResult) => boolean = suggestionTrusted;

/** How the headline's rate was made: `verified by short training`, `valley rule`. */
export function methodText(suggestion: Suggestion): string {
  return suggestion.method === "verified"
    ? "verified by short training"
    : `${escapeMarkdown(suggestion.method)} rule`;
}

/**
 * Why the rate was not verified (`not verified: <reason>`), or what the headline is when a
 * rule was asked for although verification chose a rate; `undefined` for a verified rate.
 */
export function notVerifiedText(result: LrFinderResult): string | undefined {
  const v = result.verification;
  if (result.suggestion.method === "verified") return undefined;
  if (!v) return "not verified: verification was off for this sweep";
  if (v.outcome === "fallback") {
    return `not verified: ${escapeMarkdown(v.reason ?? "verification could not choose a rate")}`;
  }
  return `as the config's suggest setting asks; verification's best trial was ${formatLr(v.best)}`;
}

function trustedHeadline(result: LrFinderResult): string {
  const s = result.suggestion;
  const how = [methodText(s), notVerifiedText(result)].filter(Boolean).join("; ");
  let line = `**Suggested learning rate: ${formatLr(s.lr)}** (${how})`;
  const u = result.uncertainty;
  if (u && s.method !== "verified") {
    line += u.runsWithSuggestion > 0
      ? `, ${formatUncertainty(u)}`
      : `, no run of ${u.perRun.length} suggested a rate on its own`;
  }
  return line;
}

/**
 * A GitHub alert in place of the rate: what the curve or the trials read (never in bold, never
 * as "the suggested rate"), why it cannot be trusted, and each warning that withdraws the trust.
 */
function untrustedHeadline(result: LrFinderResult, untrusted: Warning[]): string {
  const s = result.suggestion;
  const notVerified = notVerifiedText(result);
  let title: string;
  if (s.lr === null) {
    title = `**No learning rate suggested** (${escapeMarkdown(s.method)}): ${
      escapeMarkdown(s.reason)
    }${notVerified && result.verification ? `; ${notVerified}` : ""}`;
  } else if (s.method === "verified") {
    title = `**No learning rate you can trust.** Verification picked ${
      formatLr(s.lr)
    } by short training, which is not a rate to use as it is`;
  } else {
    title = `**No learning rate you can trust.** The ${escapeMarkdown(s.method)} rule read ${
      formatLr(s.lr)
    } from the curve${notVerified ? ` (${notVerified})` : ""}, which is not a rate to use as it is`;
  }
  const lines = [
    "> [!WARNING]",
    `> ${title}${untrusted.length > 0 ? ":" : "."}`,
    ...untrusted.map((w) => `> - ${warningText(w)}`),
  ];
  return lines.join("\n");
}

function warningText(warning: Warning): string {
  return `${escapeMarkdown(warning.message)} (${escapeMarkdown(warning.code)})`;
}

/** What verification did, as one paragraph; `undefined` when it did not run or train. */
function verificationLine(result: LrFinderResult): string | undefined {
  const v = result.verification;
  const trials = result.trials ?? [];
  if (!v || trials.length === 0) return undefined;
  const rates = trials.map((t) => t.lr);
  const low = Math.min(...rates);
  const high = Math.max(...rates);
  const span = trials.length > 1
    ? `${trials.length} rates from ${formatLr(low)} to ${formatLr(high)}`
    : `1 rate, ${formatLr(low)},`;
  const scored = v.heldOutSize === undefined
    ? "scored on held-out samples"
    : `scored on ${formatCount(v.heldOutSize)} held-out ${
      v.heldOut === "validation" ? "validation" : "training"
    } samples`;
  const initial = v.initialLoss === undefined
    ? ""
    : ` (the untrained model's loss: ${formatLoss(v.initialLoss)})`;
  const notes = [];
  if (v.maxSteps !== undefined) notes.push(`at most ${formatCount(v.maxSteps)} each`);
  if (v.settings.prune && trials.some((t) => !t.diverged && t.steps < (v.maxSteps ?? 0))) {
    notes.push("successive halving stopped the weaker ones early");
  }
  let text = `**Verification:** ${span} trained from the same initial weights at constant ` +
    `rates for ${formatCount(v.steps)} steps in all${
      notes.length ? ` (${notes.join("; ")})` : ""
    }, in ${formatDuration(v.ms)}, and ${scored}${initial}.`;
  if (v.outcome === "verified" && v.best !== undefined) {
    const shift = v.settings.horizonShift;
    text += ` ${formatLr(v.best)} scored best` + (shift > 0
      ? `; the suggestion sits ${shift} decades below it, since with this optimizer a ` +
        `full training run trains best at a lower constant rate than a short trial`
      : "") +
      ".";
    if (result.suggestion.method !== "verified") {
      text += ` The headline is the ${
        escapeMarkdown(result.suggestion.method)
      } rule's, as the config's suggest setting asks.`;
    }
  } else {
    text += ` No trial chose the rate: ${
      escapeMarkdown(v.reason ?? "verification could not choose a rate")
    }.`;
  }
  return text;
}

/** The verification settings as one sentence. */
function settingsLine(result: LrFinderResult): string {
  const s = result.verification!.settings;
  return `Verification: up to ${s.candidates} candidate rates ${s.spacing} decades apart, ` +
    `${formatCount(s.steps)} steps each, up to ${
      formatCount(s.heldOutSamples)
    } held-out samples, successive halving ${s.prune ? "on" : "off"}, tolerance ${
      Number((100 * s.tolerance).toPrecision(3))
    }%, horizon shift ${s.horizonShift} decades.`;
}
