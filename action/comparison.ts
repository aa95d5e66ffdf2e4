/**
 * The change of the suggested learning rate against the pull request's base branch, as one
 * Markdown line that compares like with like: `suggested 2.1e-3, was 1.0e-3 on main (x2.1),
 * both verified`; when one side was verified and the other was not, the headlines are not
 * compared and the rule both sides read is.
 * @module
 */
import { escapeMarkdown, formatLr } from "../src/report/mod.ts";
import type { LrFinderResult, RuleName } from "../src/result.ts";
import type { BaseResult } from "./assets.ts";
import { isTrusted, methodText } from "./verification_report.ts";

/** Options of {@linkcode comparisonLine}. */
export interface ComparisonOptions {
  /** Name of the base branch. */
  baseRef: string;
  /** Link to the base commit, when known. */
  commitUrl?: string;
}

/** The ratio `now / before` as text: `x2.1`, `x0.48`; `unchanged` when equal. */
export function ratioText(now: number, before: number): string {
  const ratio = Number((now / before).toPrecision(2));
  return ratio === 1 ? "unchanged" : `x${ratio}`;
}

/**
 * The comparison line. Without a base result it says that none is stored yet (results are
 * stored when the Action runs on a push to the base branch).
 */
export function comparisonLine(
  current: LrFinderResult,
  base: BaseResult | undefined,
  options: ComparisonOptions,
): string {
  const ref = escapeMarkdown(options.baseRef);
  if (!base) {
    return `Compared with ${ref}: no result stored for ${ref} yet (one is stored when this ` +
      `workflow runs on a push to ${ref}).`;
  }
  const line = suggestionChange(current, base.result, ref);
  const short = base.commit.slice(0, 7);
  const commit = options.commitUrl ? `[${short}](${options.commitUrl})` : `\`${short}\``;
  const source = base.source === "latest"
    ? `the latest result pushed to ${ref}, ${commit} (the base commit has none)`
    : commit;
  const differences = settingDifferences(current, base.result);
  return `**Compared with ${ref}:** ${line}. Base result: ${source}.` +
    (differences.length ? ` Settings differ: ${differences.join("; ")}.` : "");
}

/**
 * How the suggestion moved. The same method on both sides (both verified, or both the same
 * rule) compares the headlines; different methods name each side's and compare the rule both
 * sides read instead. A rate that is not trusted says so.
 */
function suggestionChange(current: LrFinderResult, base: LrFinderResult, ref: string): string {
  const now = current.suggestion;
  const was = base.suggestion;
  const same = now.method === was.method;
  const label = (result: LrFinderResult) => {
    const s = result.suggestion;
    const notes = same ? [] : [methodText(s)];
    if (!same && s.method !== "verified") notes.push("not verified");
    if (s.lr !== null && !isTrusted(result)) notes.push("not trusted");
    return notes.length ? ` (${notes.join(", ")})` : "";
  };
  if (now.lr === null && was.lr === null) return `no rate suggested, nor on ${ref}`;
  if (was.lr === null) {
    return `suggested ${formatLr(now.lr)}${label(current)}, none was suggested on ${ref}`;
  }
  if (now.lr === null) return `no rate suggested, was ${formatLr(was.lr)}${label(base)} on ${ref}`;
  const change = `suggested ${formatLr(now.lr)}${label(current)}, was ${formatLr(was.lr)}${
    label(base)
  } on ${ref}`;
  if (same) {
    const both = now.method === "verified"
      ? "both verified"
      : `both by the ${escapeMarkdown(now.method)} rule`;
    return `${change} (${ratioText(now.lr, was.lr)}), ${both}`;
  }
  const verified = now.method === "verified"
    ? "only this branch's rate was verified, so the two are not compared"
    : was.method === "verified"
    ? `only ${ref}'s rate was verified, so the two are not compared`
    : "different rules chose them, so the two are not compared";
  const rule: RuleName = now.method !== "verified" ? now.method : was.method as RuleName;
  const a = current.suggestions[rule]?.lr ?? null;
  const b = base.suggestions[rule]?.lr ?? null;
  const like = a !== null && b !== null
    ? `; like for like, the ${escapeMarkdown(rule)} rule reads ${formatLr(a)} here and read ${
      formatLr(b)
    } on ${ref} (${ratioText(a, b)})`
    : "";
  return `${change}: ${verified}${like}`;
}

/** Settings that shape the curve and differ between two results, as `name now (was before)`. */
export function settingDifferences(current: LrFinderResult, base: LrFinderResult): string[] {
  const a = current.settings;
  const b = base.settings;
  const pairs: [string, unknown, unknown][] = [
    ["backend", a.backend, b.backend],
    ["optimizer", a.optimizer?.name, b.optimizer?.name],
    ["loss", a.loss, b.loss],
    ["batch size", a.batchSize, b.batchSize],
    ["steps", a.numIters, b.numIters],
    ["start lr", a.startLr, b.startLr],
    ["end lr", a.endLr, b.endLr],
    ["parameters", current.model?.params, base.model?.params],
    ...verificationPairs(current, base),
  ];
  return pairs
    .filter(([, now, before]) => now !== before)
    .map(([name, now, before]) =>
      `${name} ${escapeMarkdown(String(now))} (was ${escapeMarkdown(String(before))})`
    );
}

/** The verification settings of two results as `[name, now, before]`: on or off, then each. */
function verificationPairs(current: LrFinderResult, base: LrFinderResult) {
  const a = current.verification?.settings;
  const b = base.verification?.settings;
  if (!a || !b) {
    return [["verification", a ? "on" : "off", b ? "on" : "off"]] as [string, unknown, unknown][];
  }
  return [
    ["verification candidates", a.candidates, b.candidates],
    ["verification steps", a.steps, b.steps],
    ["candidate spacing", a.spacing, b.spacing],
    ["held-out samples", a.heldOutSamples, b.heldOutSamples],
    ["successive halving", a.prune, b.prune],
    ["tolerance", a.tolerance, b.tolerance],
    ["horizon shift", a.horizonShift, b.horizonShift],
  ] as [string, unknown, unknown][];
}
