import assert from "node:assert/strict";
import {
  escapeMarkdown,
  markdownReport,
  mermaidBlock,
  rulesTable,
  settingsTable,
  stopLine,
  suggestionLine,
  timingLine,
  trialsMarkdown,
  warningsList,
} from "../src/report/markdown.ts";
import { mermaidChart } from "../src/report/mermaid.ts";
import {
  divergedResult,
  multiRunResult,
  nonFiniteResult,
  noSuggestionResult,
  tinyResult,
  untrustedResult,
  verifiedResult,
} from "./fixtures/lr_results.ts";

Deno.test("suggestionLine states the rate and rule", () => {
  assert.equal(suggestionLine(tinyResult()), "**Suggested learning rate: 3.2e-3** (valley)");
});

Deno.test("suggestionLine adds the spread over runs", () => {
  assert.equal(
    suggestionLine(multiRunResult()),
    "**Suggested learning rate: 1.1e-3** (valley), 7.6e-4 to 2.3e-3 over 3 of 3 runs",
  );
});

Deno.test("suggestionLine explains a missing suggestion", () => {
  assert.equal(
    suggestionLine(noSuggestionResult()),
    "**No learning rate suggested** (valley): the loss never decreases in the search window",
  );
});

Deno.test("rulesTable lists every rule and marks the chosen one", () => {
  assert.equal(
    rulesTable(tinyResult()),
    [
      "| Rule | Learning rate | Step | Note |",
      "| --- | ---: | ---: | --- |",
      "| **valley** (chosen) | **3.2e-3** | 3 | moving average: the middle of its longest descent |",
      "| steepest | 1.0e-3 | 2 | moving average: its steepest descent |",
      "| minimum | 1.0e-2 | 4 | moving average: its lowest point (1.0e-1) / 10 |",
      "| slide | none |  | too few points: the rule needs at least 17 finite steps, the curve has 9 |",
      "| combined | 1.8e-3 | 3 | drawn curve: √(valley 1.0e-4 × lowest 3.2e-2) |",
      "",
    ].join("\n"),
  );
});

Deno.test("rulesTable escapes pipes in reasons", () => {
  const result = tinyResult();
  result.suggestions.slide = { lr: null, index: null, method: "slide", reason: "a | b" };
  assert.ok(rulesTable(result).includes("| a \\| b |"));
});

Deno.test("stopLine says why and where the sweep stopped", () => {
  assert.equal(stopLine(tinyResult()), "Stop: completed all 9 steps (up to 1.0e+0).");
  assert.equal(
    stopLine(divergedResult()),
    "Stop: diverged after 98 of 100 steps, at 6.9e+0: the smoothed loss exceeded 4 times its " +
      "lowest value.",
  );
  assert.equal(
    stopLine(nonFiniteResult()),
    "Stop: stopped after 88 of 100 steps: the loss was not finite at 1.1e+0.",
  );
  assert.equal(
    stopLine(noSuggestionResult()),
    "Stop: stopped by the time budget after 12 of 100 steps (at 7.7e-7).",
  );
  assert.match(stopLine(multiRunResult()), /\(first of 3 runs\)\.$/);
});

Deno.test("settingsTable lists seed, batch size, optimizer, loss and backend", () => {
  assert.equal(
    settingsTable(tinyResult()),
    [
      "| Setting | Value |",
      "| --- | --- |",
      "| Model | tiny (1,234 parameters, 2 layers) |",
      "| Backend | wasm |",
      "| Optimizer | adam (beta1 0.9, beta2 0.999, epsilon 1e-7), fresh state |",
      "| Loss | categoricalCrossentropy on the training data |",
      "| Batch size | 16 |",
      "| Seed | 42 |",
      "| Sweep | 1.0e-4 to 1.0e+0, 9 steps, exponential |",
      "| Smoothing | beta 0.5 |",
      "| Divergence threshold | 4 times the lowest smoothed loss |",
      "| Runs | 1 |",
      "| Suggestion rule | auto (valley) |",
      "| Samples | 256 |",
      "",
    ].join("\n"),
  );
});

Deno.test("settingsTable shows the adapter, run seeds and validation size", () => {
  const result = multiRunResult();
  result.settings.validationSize = 1000;
  result.settings.evaluate = "validation";
  const table = settingsTable(result);
  assert.ok(table.includes("| Backend | webgpu, llvmpipe (LLVM 19.1.7) |"));
  assert.ok(table.includes("| Seed | 42 (run r uses 42 + r) |"));
  assert.ok(table.includes("| Samples | 60,000 train, 1,000 validation per step |"));
  assert.ok(table.includes("on the validation data |"));
});

Deno.test("settingsTable names the adapter found apart from the backend that ran", () => {
  const result = tinyResult();
  result.settings.backend = "wasm";
  result.settings.adapterFound = {
    description: "llvmpipe (LLVM 19.1.7)",
    vendor: "",
    architecture: "",
    isFallbackAdapter: true,
  };
  const table = settingsTable(result);
  assert.ok(table.includes("| Backend | wasm |\n"));
  assert.ok(
    table.includes(
      "| GPU adapter found | llvmpipe (LLVM 19.1.7), a software fallback, not used (the sweep ran on wasm) |",
    ),
  );
});

Deno.test("timingLine gives steps, sweep time, time per step and total", () => {
  assert.equal(
    timingLine(tinyResult()),
    "Timing: 9 steps in 900 ms (100 ms a step), 1.2 s in all, started 2025-01-15T10:20:30.000Z.",
  );
  const result = tinyResult();
  result.timing.warmupMs = 2500;
  assert.match(timingLine(result), /\(100 ms a step\), kernel warm-up 2\.5 s, 1\.2 s in all/);
});

Deno.test("mermaidBlock fences the Mermaid chart", () => {
  const block = mermaidBlock(tinyResult());
  assert.equal(block, "```mermaid\n" + mermaidChart(tinyResult()) + "```\n");
});

Deno.test("markdownReport puts the pieces together in order", () => {
  const result = tinyResult();
  const report = markdownReport(result, { imageUrl: "https://example.test/plot.png" });
  assert.equal(
    report,
    [
      "## Learning-rate range test: tiny\n",
      suggestionLine(result) + "\n",
      "![Loss against learning rate for tiny](https://example.test/plot.png)\n",
      "### Suggestions by rule\n",
      rulesTable(result),
      stopLine(result) + "\n",
      "### Settings\n",
      settingsTable(result),
      timingLine(result) + "\n",
      "### Loss curve\n",
      mermaidBlock(result),
    ].join("\n"),
  );
});

Deno.test("markdownReport can drop the image and chart and change the heading level", () => {
  const report = markdownReport(tinyResult(), { headingLevel: 3, mermaid: false });
  assert.ok(report.startsWith("### Learning-rate range test: tiny\n"));
  assert.ok(report.includes("#### Settings\n"));
  assert.ok(!report.includes("!["));
  assert.ok(!report.includes("```mermaid"));
});

Deno.test("escapeMarkdown neutralises formatting in names", () => {
  assert.equal(escapeMarkdown("a*b_c|d"), "a\\*b\\_c\\|d");
  assert.equal(escapeMarkdown("fashion-mnist-cnn"), "fashion-mnist-cnn");
  assert.equal(
    escapeMarkdown("@octocat fixes #12 &amp;"),
    "@&#8203;octocat fixes \\#&#8203;12 \\&amp;",
  );
  assert.equal(escapeMarkdown("a\rb\nc"), "a b c");
  const result = tinyResult();
  result.name = "**bold** <img>";
  assert.ok(
    markdownReport(result).startsWith("## Learning-rate range test: \\*\\*bold\\*\\* \\<img\\>"),
  );
});

Deno.test("suggestionLine does not present an untrusted rate as a suggestion", () => {
  assert.equal(
    suggestionLine(untrustedResult()),
    "**No trustworthy suggestion**: not verified: every trial diverged, even at rates below " +
      "the lowest loss; the curve rule chose the rate; the combined rule read 1.1e-3",
  );
  assert.equal(suggestionLine(verifiedResult()), "**Suggested learning rate: 3.2e-4** (verified)");
});

Deno.test("warningsList: one item per warning, the untrusted first and in bold, escaped", () => {
  assert.equal(
    warningsList(untrustedResult()),
    "- **Not trusted:** not verified: every trial diverged, even at rates below the lowest " +
      "loss; the curve rule chose the rate\n" +
      "- Caution: the combined rule suggested 0.02, at or above the rate of the lowest loss\n",
  );
  assert.equal(warningsList(tinyResult()), "");
  const hostile = tinyResult();
  hostile.warnings = [{ code: "flat-curve", message: "<b>@team</b> | x", severity: "caution" }];
  assert.equal(warningsList(hostile), "- Caution: \\<b\\>@&#8203;team\\</b\\> \\| x\n");
});

Deno.test("trialsMarkdown: a row per trial, the best in bold, pruned and diverged named", () => {
  assert.equal(
    trialsMarkdown(verifiedResult()),
    [
      "| Learning rate | Steps | Held-out loss | Trial |",
      "| ---: | ---: | ---: | --- |",
      "| 3.2e-5 | 68 | 1.918 | pruned |",
      "| 1.0e-4 | 68 | 1.310 | pruned |",
      "| 3.2e-4 | 270 | 0.4022 | trained |",
      "| **1.0e-3** | 270 | **0.3770** | **best** |",
      "| 3.2e-3 | 135 | 0.9532 | pruned |",
      "| 1.0e-2 | 30 | n/a | diverged |",
      "",
    ].join("\n"),
  );
  assert.equal(trialsMarkdown(tinyResult()), "");
});

Deno.test("markdownReport shows the warnings under the headline and a verification section", () => {
  const result = verifiedResult();
  const report = markdownReport(result, { mermaid: false });
  const order = [
    suggestionLine(result),
    warningsList(result),
    "### Suggestions by rule",
    "### Verification",
    "Verified: 6 rates tried, 2 trained all 270 steps",
    trialsMarkdown(result),
    "### Settings",
  ].map((piece) => report.indexOf(piece));
  assert.ok(order.every((at) => at >= 0), JSON.stringify(order));
  assert.deepEqual([...order].sort((a, b) => a - b), order);
  assert.match(
    settingsTable(result),
    /\| Verification \| 6 candidates at most, 0\.5 decades apart/,
  );
  const untrusted = markdownReport(untrustedResult());
  assert.match(untrusted, /^Not verified: every trial diverged/m);
  assert.ok(!markdownReport(divergedResult()).includes("### Verification"));
});
