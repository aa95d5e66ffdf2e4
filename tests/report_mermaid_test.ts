import assert from "node:assert/strict";
import { logGrid, mermaidChart } from "../src/report/mermaid.ts";
import {
  cliffResult,
  divergedResult,
  noSuggestionResult,
  tinyResult,
  untrustedResult,
} from "./fixtures/lr_results.ts";

// The line is the plot's smoothed loss (`plottedSmoothing`) at each category, interpolated on
// the log axis: it follows the raw loss (lowest 0.5 at 3.2e-2, which it never goes below) and
// is cut at the plot's top.
Deno.test("mermaidChart writes the fixed curve as an xychart", () => {
  assert.equal(
    mermaidChart(tinyResult()),
    [
      "xychart-beta",
      '  title "tiny: suggested 3.2e-3 (valley), loss clipped at 3.627"',
      '  x-axis "learning rate (log scale)" ["1.0e-4", "1.6e-4", "2.5e-4", "4.0e-4", "6.3e-4", ' +
      '"1.0e-3", "1.6e-3", "2.5e-3", "4.0e-3", "6.3e-3", "1.0e-2", "1.6e-2", "2.5e-2", "4.0e-2", ' +
      '"6.3e-2", "1.0e-1", "1.6e-1", "2.5e-1", "4.0e-1", "6.3e-1", "1.0e+0"]',
      '  y-axis "smoothed loss" 0.52 --> 3.7',
      "  line [2.3, 2.26, 2.22, 2.12, 1.96, 1.8, 1.52, 1.24, 1, 0.8, 0.6, 0.56, 0.52, 0.54, 0.62, " +
      "0.7, 1.06, 1.42, 3.18, 3.627, 3.627]",
      "",
    ].join("\n"),
  );
});

Deno.test("mermaidChart uses log-spaced categories that include whole decades", () => {
  const chart = mermaidChart(divergedResult());
  const categories = JSON.parse(chart.match(/x-axis "[^"]*" (\[.*\])/)![1]) as string[];
  assert.ok(categories.length <= 25);
  for (const decade of ["1.0e-7", "1.0e-5", "1.0e-3", "1.0e-1", "1.0e+0"]) {
    assert.ok(categories.includes(decade), decade);
  }
  const ratios = categories.slice(1).map((c, i) => Number(c) / Number(categories[i]));
  for (const ratio of ratios) assert.ok(ratio > 2 && ratio < 2.4, `ratio ${ratio}`);
  const values = JSON.parse(chart.match(/line (\[.*\])/)![1]) as number[];
  assert.equal(values.length, categories.length);
});

Deno.test("mermaidChart clips the tail to the plot's loss range and says so", () => {
  const result = tinyResult();
  result.lrs.push(10 ** 0.5, 10);
  result.losses.push(20, 80);
  result.smoothed.push(6, 30);
  const chart = mermaidChart(result);
  // The plot's loss axis ends at 3.627 (capped above the 2.3 plateau); the tail is cut there.
  assert.match(chart, /title "tiny: suggested 3\.2e-3 \(valley\), loss clipped at 3\.627"/);
  const values = JSON.parse(chart.match(/line (\[.*\])/)![1]) as number[];
  assert.deepEqual(values.slice(-6), [3.627, 3.627, 3.627, 3.627, 3.627, 3.627]);
  assert.ok(values.every((v) => v <= 3.627));
  assert.match(chart, /y-axis "smoothed loss" 0\.5 --> 3\.7/);
});

Deno.test("mermaidChart names a missing suggestion and escapes quotes", () => {
  const result = noSuggestionResult();
  result.name = 'my "flat" model';
  assert.match(mermaidChart(result), /title "my 'flat' model: no suggestion \(valley\)"/);
});

Deno.test("mermaidChart honours maxPoints", () => {
  const chart = mermaidChart(divergedResult(), { maxPoints: 9 });
  const categories = JSON.parse(chart.match(/x-axis "[^"]*" (\[.*\])/)![1]) as string[];
  assert.deepEqual(categories, [
    "1.0e-7",
    "1.0e-6",
    "1.0e-5",
    "1.0e-4",
    "1.0e-3",
    "1.0e-2",
    "1.0e-1",
    "1.0e+0",
  ]);
});

Deno.test("logGrid picks the densest even spacing within the limit", () => {
  assert.deepEqual(logGrid(1e-3, 1, 4), [1e-3, 1e-2, 1e-1, 1]);
  assert.deepEqual(logGrid(1e-2, 1, 5).map((v) => Number(v.toPrecision(3))), [
    0.01,
    0.0316,
    0.1,
    0.316,
    1,
  ]);
  assert.equal(logGrid(1e-7, 10, 25).length, 25);
  assert.deepEqual(logGrid(0.5, 0.5, 10), [0.5]);
});

Deno.test("mermaidChart never draws a loss below the lowest observed one, nor below zero", () => {
  const chart = mermaidChart(cliffResult());
  const values = JSON.parse(chart.match(/line (\[.*\])/)![1]) as number[];
  assert.ok(values.every((v) => v >= 0.02), values.join(", "));
  const low = Number(chart.match(/y-axis "smoothed loss" ([\d.-]+) -->/)![1]);
  assert.ok(low >= 0, `y-axis from ${low}`);
});

Deno.test("mermaidChart's title names an untrusted rate as not trusted", () => {
  assert.match(
    mermaidChart(untrustedResult()),
    /title "fashion-mnist-cnn: not trusted: 1\.1e-3 \(combined\)/,
  );
  assert.match(
    mermaidChart(divergedResult()),
    /title "fashion-mnist-cnn: suggested 7\.6e-4 \(valley\)/,
  );
});
