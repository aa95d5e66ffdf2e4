import assert from "node:assert/strict";
import { CSV_HEADER, curveCsv } from "../src/report/csv.ts";
import { nonFiniteResult, tinyResult } from "./fixtures/lr_results.ts";

Deno.test("curveCsv writes step, lr, loss and smoothed at full precision", () => {
  assert.equal(
    curveCsv(tinyResult()),
    [
      "step,lr,loss,smoothed",
      "0,0.0001,2.3,2.3",
      "1,0.00031622776601683794,2.2,2.25",
      "2,0.001,1.8,2.1",
      "3,0.0031622776601683794,1.1,1.8",
      "4,0.01,0.6,1.5",
      "5,0.03162277660168379,0.5,1.3",
      "6,0.1,0.7,1.2",
      "7,0.31622776601683794,1.6,1.25",
      "8,1,9.5,1.9",
      "",
    ].join("\n"),
  );
});

Deno.test("curveCsv leaves non-finite losses empty", () => {
  const result = nonFiniteResult();
  const lines = curveCsv(result).trimEnd().split("\n");
  assert.equal(lines[0], CSV_HEADER);
  assert.equal(lines.length, result.lrs.length + 1);
  const last = lines[lines.length - 1].split(",");
  assert.equal(last[0], String(result.lrs.length - 1));
  assert.equal(Number(last[1]), result.lrs[result.lrs.length - 1]);
  assert.deepEqual(last.slice(2), ["", ""]);
});

Deno.test("curveCsv writes NaN and Infinity as empty cells", () => {
  const result = tinyResult();
  result.losses[2] = NaN;
  result.smoothed[3] = Infinity;
  const lines = curveCsv(result).split("\n");
  assert.equal(lines[3], "2,0.001,,2.1");
  assert.equal(lines[4], "3,0.0031622776601683794,1.1,");
});
