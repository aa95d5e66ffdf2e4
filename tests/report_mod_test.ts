import assert from "node:assert/strict";
import * as report from "../src/report/mod.ts";
import { tinyResult } from "./fixtures/lr_results.ts";

Deno.test("the report entry exports the public API", () => {
  const functions = [
    "formatLr",
    "formatLoss",
    "formatDuration",
    "formatCount",
    "plotSpec",
    "renderSvg",
    "renderPng",
    "renderPlot",
    "svgToPng",
    "mermaidChart",
    "terminalChart",
    "suggestionLine",
    "rulesTable",
    "stopLine",
    "settingsTable",
    "timingLine",
    "mermaidBlock",
    "markdownReport",
    "escapeMarkdown",
    "curveCsv",
    "resultJson",
    "writeReport",
    "headline",
    "trialsTable",
    "verificationLine",
    "warningLines",
    "suggestionTrusted",
  ];
  for (const name of functions) {
    assert.equal(typeof (report as Record<string, unknown>)[name], "function", name);
  }
  assert.equal(report.REPORT_FILES.png, "plot.png");
  assert.equal(report.FONT_FAMILY, "DejaVu Sans");
  assert.equal(report.DEFAULT_SCALE, 2);
});

Deno.test("the entry's pieces agree on the same result", () => {
  const result = tinyResult();
  assert.ok(report.markdownReport(result).includes(report.suggestionLine(result)));
  assert.ok(
    report.terminalChart(result).includes(`suggested ${report.formatLr(result.suggestion.lr)}`),
  );
});
