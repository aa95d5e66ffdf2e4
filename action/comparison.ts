/**
 * The change of the suggested learning rate against the pull request's base branch, as one
 * Markdown line: `suggested 2.1e-3, was 1.0e-3 on main (x2.1)`.
 * @module
 */
import { escapeMarkdown, formatLr } from "../src/report/mod.ts";
import type { LrFinderResult } from "../src/result.ts";
import type { BaseResult } from "./assets.ts";

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
  const now = current.suggestion.lr;
  const before = base.result.suggestion.lr;
  let line: string;
  if (now !== null && before !== null) {
    line = `suggested ${formatLr(now)}, was ${formatLr(before)} on ${ref} (${
      ratioText(now, before)
    })`;
  } else if (now !== null) {
    line = `suggested ${formatLr(now)}, none was suggested on ${ref}`;
  } else if (before !== null) {
    line = `no rate suggested, was ${formatLr(before)} on ${ref}`;
  } else {
    line = `no rate suggested, nor on ${ref}`;
  }
  const short = base.commit.slice(0, 7);
  const commit = options.commitUrl ? `[${short}](${options.commitUrl})` : `\`${short}\``;
  const source = base.source === "latest"
    ? `the latest result pushed to ${ref}, ${commit} (the base commit has none)`
    : commit;
  const differences = settingDifferences(current, base.result);
  return `**Compared with ${ref}:** ${line}. Base result: ${source}.` +
    (differences.length ? ` Settings differ: ${differences.join("; ")}.` : "");
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
  ];
  return pairs
    .filter(([, now, before]) => now !== before)
    .map(([name, now, before]) =>
      `${name} ${escapeMarkdown(String(now))} (was ${escapeMarkdown(String(before))})`
    );
}
