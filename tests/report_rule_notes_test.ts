/**
 * Every number next to a rule can be traced to a curve (`src/report/rule_notes.ts`): the rules
 * read on the moving average say so, `minimum` names the lowest point it divided, and
 * `combined` names the two rates whose geometric mean it is, the lowest of which is the point
 * the charts mark.
 */
import assert from "node:assert/strict";
import { describeCurve } from "../src/report/curve.ts";
import { formatLr } from "../src/report/format.ts";
import { rulesTable } from "../src/report/markdown.ts";
import { ruleNote } from "../src/report/rule_notes.ts";
import { terminalChart } from "../src/report/terminal.ts";
import { combinedParts, suggestAll } from "../src/suggest.ts";
import { rulesText } from "../src/cli/summary.ts";
import type { LrFinderResult } from "../src/result.ts";
import { divergedResult, multiRunResult } from "./fixtures/lr_results.ts";

/** The fixture with every rule's suggestion as this version computes it. */
function computed(result: LrFinderResult): LrFinderResult {
  const suggestions = suggestAll(result);
  return { ...result, suggestions, suggestion: suggestions.combined };
}

Deno.test("combined names its valley and lowest; its lowest is the lowest point the charts mark", () => {
  const result = computed(divergedResult());
  const parts = combinedParts(result);
  assert.ok(typeof parts !== "string");
  const combined = result.suggestions.combined.lr!;
  assert.ok(Math.abs(Math.sqrt(parts.valley * parts.lowest) / combined - 1) < 1e-12);
  const marked = describeCurve(result).minimum!;
  assert.ok(Math.abs(marked.lr / parts.lowest - 1) < 1e-9, `${marked.lr} vs ${parts.lowest}`);
  const note = ruleNote(result, "combined");
  assert.equal(
    note,
    `drawn curve: √(valley ${formatLr(parts.valley)} × lowest ${formatLr(parts.lowest)})`,
  );
  assert.match(terminalChart(result), new RegExp(`M lowest [\\d.]+ at ${formatLr(parts.lowest)}`));
  const line = rulesText(result).split("\n").find((l) => l.trim().startsWith("combined"))!;
  assert.match(
    line,
    /^ {2}combined \S+ at step \d+ +drawn curve: √\(valley .* × lowest .*\) {2}<- chosen$/,
  );
});

Deno.test("the moving-average rules say so; minimum names the lowest point it divided by 10", () => {
  const result = computed(divergedResult());
  for (const rule of ["valley", "steepest", "slide"] as const) {
    assert.match(ruleNote(result, rule), /^moving average: /, rule);
  }
  const minimum = result.suggestions.minimum.lr!;
  assert.equal(
    ruleNote(result, "minimum"),
    `moving average: its lowest point (${formatLr(minimum * 10)}) / 10`,
  );
  const table = rulesTable(result);
  assert.match(table, /\| minimum \| [\d.e+-]+ \| \d+ \| moving average: its lowest point/);
});

Deno.test("with several runs, the rules are medians and combined says it is the runs' median", () => {
  const result = multiRunResult();
  assert.match(rulesText(result), /^Rules \(each the median of \d+ runs\):/);
  assert.equal(
    ruleNote(result, "combined"),
    "drawn curves: the median of each run's √(valley × lowest)",
  );
});

Deno.test("a rule without a suggestion gives its reason", () => {
  const result = computed(divergedResult());
  result.suggestions.slide = { lr: null, index: null, method: "slide", reason: "too few points" };
  assert.equal(ruleNote(result, "slide"), "too few points");
});
