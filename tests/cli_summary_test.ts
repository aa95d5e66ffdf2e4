import assert from "node:assert/strict";
import {
  filesText,
  rulesText,
  suggestionText,
  summaryText,
  trialsText,
  warningsText,
} from "../src/cli/summary.ts";
import type { ReportFiles } from "../src/report/mod.ts";
import {
  fallbackResult,
  multiRunResult,
  noSuggestionResult,
  tinyResult,
  untrustedResult,
  verifiedResult,
} from "./fixtures/lr_results.ts";

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

Deno.test("suggestionText: an untrusted rate is not presented; a fallback says so", () => {
  assert.equal(suggestionText(verifiedResult()), "Suggested learning rate: 3.2e-4 (verified)");
  assert.match(
    suggestionText(untrustedResult()),
    /^No trustworthy suggestion: not verified: every trial diverged, .*; the combined rule read 1\.1e-3$/,
  );
  assert.match(
    suggestionText(fallbackResult()),
    /^Suggested learning rate: 1\.1e-3 \(combined\); not verified: the training data \(100 samples\)/,
  );
});

Deno.test("trialsText: a row per trial with its steps and held-out loss, the best marked", () => {
  assert.equal(
    trialsText(verifiedResult()),
    [
      "Trials (held-out loss after training at a constant rate from the same weights):",
      "  rate    steps  held-out loss",
      "  3.2e-5     68  1.918          pruned",
      "  1.0e-4     68  1.310          pruned",
      "  3.2e-4    270  0.4022",
      "  1.0e-3    270  0.3770         <- best",
      "  3.2e-3    135  0.9532         pruned",
      "  1.0e-2     30  n/a            diverged",
      "Verified: 6 rates tried, 2 trained all 270 steps (841 steps in 2.5 s), scored on 1024 " +
      "held-out training samples, untrained loss 2.310; best 1.0e-3, suggested half a decade " +
      "below it for training longer than the trials.",
    ].join("\n"),
  );
  assert.equal(trialsText(tinyResult()), null, "no verification");
  assert.equal(trialsText(fallbackResult()), null, "no trials: the warning says why");
  assert.match(
    trialsText(untrustedResult())!,
    /\n {2}1\.0e-3 {6}3 {2}n\/a {12}diverged\nNot verified: /,
  );
});

Deno.test("warningsText: every warning, untrusted first; nothing without warnings", () => {
  assert.equal(
    warningsText(untrustedResult()),
    [
      "Warnings:",
      "  not trusted: not verified: every trial diverged, even at rates below the lowest loss; " +
      "the curve rule chose the rate",
      "  caution: the combined rule suggested 0.02, at or above the rate of the lowest loss",
    ].join("\n"),
  );
  assert.equal(warningsText(tinyResult()), null);
});

Deno.test("summaryText: the trials after the stop line, the warnings just above the headline", () => {
  const text = summaryText(untrustedResult(), { files });
  const at = (piece: string) => text.indexOf(piece);
  const order = [
    "\nRules:",
    "\nStop: ",
    "\nTrials (",
    "\nNot verified: ",
    "\nWrote ",
    "\n\nWarnings:\n  not trusted: ",
    "\nNo trustworthy suggestion: ",
  ].map(at);
  assert.ok(order.every((i) => i >= 0), JSON.stringify(order));
  assert.deepEqual([...order].sort((a, b) => a - b), order);
  assert.match(text, /^S not trusted: 1\.1e-3 \(combined\)/m, "the chart's legend too");
  assert.match(text.trimEnd().split("\n").at(-1)!, /^No trustworthy suggestion: /);
  assert.ok(!summaryText(tinyResult()).includes("Warnings:"));
});
