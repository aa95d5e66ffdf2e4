import assert from "node:assert/strict";
import { commentBody, commentMarker, MAX_COMMENT_LENGTH } from "../action/report.ts";
import { divergedResult, tinyResult } from "./fixtures/lr_results.ts";

Deno.test("commentMarker is a one-line HTML comment that names cannot break out of", () => {
  assert.equal(commentMarker("fashion-mnist"), "<!-- lr-finder:fashion-mnist -->");
  const evil = commentMarker("a --> <b>\nc");
  assert.equal(evil, "<!-- lr-finder:a -__ _b__c -->");
  assert.equal(evil.indexOf("-->"), evil.length - 3);
});

Deno.test("commentBody holds marker, suggestion, comparison, image, rules, settings and chart", () => {
  const result = divergedResult();
  result.settings = { ...result.settings, backend: "webgpu", adapter: "NVIDIA H200" };
  const body = commentBody(result, {
    imageUrl: "https://github.com/o/r/blob/abc/results/x/plot.png?raw=true",
    comparison: "**Compared with main:** suggested 1.0e-3, was 1.0e-3 on main (unchanged).",
    commit: "1234567890abcdef",
    runUrl: "https://github.com/o/r/actions/runs/1",
  });
  const order = [
    "<!-- lr-finder:fashion-mnist-cnn -->",
    "### Learning-rate range test: fashion-mnist-cnn",
    "**Suggested learning rate: ",
    "**Compared with main:**",
    "![Loss against learning rate for fashion-mnist-cnn](https://github.com/o/r/blob/abc/results/x/plot.png?raw=true)",
    "| Rule | Learning rate | Step | Note |",
    "Stop: ",
    "<details>\n<summary>Settings</summary>",
    "| Backend | webgpu, NVIDIA H200 |",
    "<summary>Loss curve (Mermaid)</summary>\n\n```mermaid\nxychart-beta",
    "<sub>commit 1234567 · [workflow run](https://github.com/o/r/actions/runs/1) · LR Finder</sub>",
  ];
  let at = -1;
  for (const part of order) {
    const found = body.indexOf(part, at + 1);
    assert.ok(found > at, `${JSON.stringify(part)} follows in order`);
    at = found;
  }
});

Deno.test("commentBody leaves out the chart, then the settings, then cuts, to fit the limit", () => {
  const result = tinyResult();
  const full = commentBody(result);
  assert.ok(full.length < MAX_COMMENT_LENGTH);
  const noChart = commentBody(result, { maxLength: full.length - 1 });
  assert.ok(!noChart.includes("mermaid") && noChart.includes("<summary>Settings</summary>"));
  const noSettings = commentBody(result, { maxLength: noChart.length - 1 });
  assert.ok(!noSettings.includes("Settings") && noSettings.includes("| Rule |"));
  const cut = commentBody(result, { maxLength: 200 });
  assert.equal(cut.length, 200);
  assert.ok(cut.startsWith("<!-- lr-finder:tiny -->"));
  assert.ok(cut.endsWith("_(cut to fit GitHub's comment limit)_\n"));
  const long = tinyResult();
  long.name = "n".repeat(70_000);
  assert.ok(commentBody(long).length <= MAX_COMMENT_LENGTH);
});
