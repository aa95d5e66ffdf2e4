import assert from "node:assert/strict";
import { filesText, rulesText, suggestionText, summaryText } from "../src/cli/summary.ts";
import type { ReportFiles } from "../src/report/mod.ts";
import { multiRunResult, noSuggestionResult, tinyResult } from "./fixtures/lr_results.ts";

const files: ReportFiles = {
  json: "out/x/result.json",
  png: "out/x/plot.png",
  svg: "out/x/plot.svg",
  csv: "out/x/curve.csv",
  markdown: "out/x/report.md",
};

Deno.test("suggestionText: the rate and rule, the range over runs, or why there is none", () => {
  assert.equal(suggestionText(tinyResult()), "Suggested learning rate: 3.2e-3 (valley)");
  const multi = multiRunResult();
  assert.match(
    suggestionText(multi),
    /^Suggested learning rate: \d\.\de-\d \(valley\), \d\.\de-\d to \d\.\de-\d over 3 of 3 runs$/,
  );
  assert.equal(
    suggestionText(noSuggestionResult()),
    "No learning rate suggested (valley): the loss never decreases in the search window",
  );
});

Deno.test("rulesText lists every rule with its rate and step and marks the chosen one", () => {
  assert.equal(
    rulesText(tinyResult()),
    [
      "Rules:",
      "  valley   3.2e-3 at step 3    moving average: the middle of its longest descent  <- chosen",
      "  steepest 1.0e-3 at step 2    moving average: its steepest descent",
      "  minimum  1.0e-2 at step 4    moving average: its lowest point (1.0e-1) / 10",
      `  slide    none (${(tinyResult().suggestions.slide as { reason: string }).reason})`,
      "  combined 1.8e-3 at step 3    drawn curve: √(valley 1.0e-4 × lowest 3.2e-2)",
    ].join("\n"),
  );
});

Deno.test("filesText names the folder and the files in it", () => {
  assert.equal(
    filesText(files),
    "Wrote out/x/{result.json, plot.png, plot.svg, curve.csv, report.md}",
  );
});

Deno.test("summaryText: chart, rules, stop line, files, and the suggestion as the last line", () => {
  const text = summaryText(tinyResult(), { files });
  const lines = text.trimEnd().split("\n");
  assert.match(lines[0], /^tiny: loss against learning rate/);
  assert.ok(text.includes("learning rate (log scale)"));
  assert.ok(text.includes("\nRules:\n"));
  assert.ok(text.includes("\nStop: completed all"));
  assert.ok(text.includes("\nWrote out/x/{"));
  assert.equal(lines.at(-1), "Suggested learning rate: 3.2e-3 (valley)");
  assert.ok(!text.includes("\x1b["), "no colour unless asked");
  assert.ok(summaryText(tinyResult(), { color: true }).includes("\x1b["));
  assert.ok(!summaryText(tinyResult()).includes("Wrote"));
});
