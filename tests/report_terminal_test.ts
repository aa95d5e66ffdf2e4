import assert from "node:assert/strict";
import { terminalChart } from "../src/report/terminal.ts";
import {
  cliffResult,
  divergedResult,
  multiRunResult,
  nonFiniteResult,
  noSuggestionResult,
  tinyResult,
  untrustedResult,
  verifiedResult,
} from "./fixtures/lr_results.ts";

const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g");

Deno.test("terminalChart draws the fixed curve", () => {
  assert.equal(
    terminalChart(tinyResult(), { width: 60, height: 10 }),
    [
      "tiny: loss against learning rate                            ",
      " 3.63 ┤                                                ^^^^^",
      "      │                                               *     ",
      "      │                                               *     ",
      "      │ **********                                    *     ",
      " 1.97 ┤*********** ***                               *      ",
      "      │           **** ***                         ***      ",
      "      │               **** ***                   ****       ",
      "      │                   S*** *******************          ",
      "      │                       ******************            ",
      "0.323 ┤                                 M                   ",
      "      └┬────────────┬────────────┬────────────┬────────────┬",
      "     1e-4         1e-3         1e-2         1e-1        1e+0",
      "       learning rate (log scale)                            ",
      "S suggested 3.2e-3 (valley)   M lowest 0.5000 at 3.2e-2     ",
      "^ loss above 3.627 clipped                                  ",
      "",
    ].join("\n"),
  );
});

Deno.test("terminalChart has a fixed width and height", () => {
  for (
    const result of [divergedResult(), multiRunResult(), nonFiniteResult(), noSuggestionResult()]
  ) {
    for (const [width, height] of [[72, 12], [50, 6], [100, 20]]) {
      const lines = terminalChart(result, { width, height }).split("\n");
      assert.equal(lines.pop(), "");
      for (const line of lines) assert.equal([...line].length, width, `${result.name}: ${line}`);
      const plotRows = lines.filter((l) => /[┤│]/.test(l));
      assert.equal(plotRows.length, height);
    }
  }
});

Deno.test("terminalChart marks the suggestion, minimum, divergence and clipping", () => {
  const chart = terminalChart(divergedResult());
  assert.ok(chart.includes("S suggested 7.6e-4 (valley)"));
  assert.ok(chart.includes("X diverged at 6.9e+0"));
  assert.match(chart, /M lowest 0\.2\d\d\d at 1\.2e-2/);
  assert.match(chart, /\^ loss above [\d.]+ clipped/);
  const plot = chart.split("\n").filter((l) => /[┤│]/.test(l)).join("\n");
  for (const mark of ["S", "M", "X", "^", "*", "."]) assert.ok(plot.includes(mark), mark);
});

Deno.test("terminalChart names a missing suggestion", () => {
  const chart = terminalChart(noSuggestionResult());
  assert.match(chart.split("\n")[0], /^flat-model: no suggestion \(the loss never decreases/);
  assert.ok(!chart.includes("S suggested"));
});

Deno.test("terminalChart colours marks only when asked, without changing the text", () => {
  const plain = terminalChart(divergedResult());
  assert.equal(plain.includes("\x1b"), false);
  const colored = terminalChart(divergedResult(), { color: true });
  assert.ok(colored.includes("\x1b[1;33mS\x1b[0m"));
  assert.equal(colored.replace(ANSI, ""), plain);
});

Deno.test("terminalChart's loss axis stays at or above zero for a non-negative loss", () => {
  const chart = terminalChart(cliffResult(), { width: 60, height: 10 });
  const labels = chart.split("\n").map((line) => line.match(/^\s*(-?[\d.]+) ┤/)?.[1])
    .filter((label): label is string => label !== undefined).map(Number);
  assert.equal(labels.length, 3);
  assert.ok(labels.every((label) => label >= 0), labels.join(", "));
});

Deno.test("terminalChart names a suggestion a warning withdraws the trust in as not trusted", () => {
  assert.match(terminalChart(untrustedResult()), /^S not trusted: 1\.1e-3 \(combined\) /m);
  assert.match(terminalChart(verifiedResult()), /^S suggested 3\.2e-4 \(verified\) /m);
});
