import assert from "node:assert/strict";
import {
  formatCount,
  formatDuration,
  formatLoss,
  formatLr,
  NOT_AVAILABLE,
} from "../src/report/format.ts";

Deno.test("formatLr writes short scientific notation", () => {
  assert.equal(formatLr(0.0021), "2.1e-3");
  assert.equal(formatLr(0.00214), "2.1e-3");
  assert.equal(formatLr(1e-7), "1.0e-7");
  assert.equal(formatLr(6.9), "6.9e+0");
  assert.equal(formatLr(10), "1.0e+1");
  assert.equal(formatLr(0.0021, { digits: 2 }), "2.10e-3");
});

Deno.test("formatLr writes n/a for missing or non-finite rates", () => {
  assert.equal(formatLr(null), NOT_AVAILABLE);
  assert.equal(formatLr(undefined), NOT_AVAILABLE);
  assert.equal(formatLr(NaN), NOT_AVAILABLE);
  assert.equal(formatLr(Infinity), NOT_AVAILABLE);
});

Deno.test("formatLoss keeps four significant digits", () => {
  assert.equal(formatLoss(2.302585), "2.303");
  assert.equal(formatLoss(0.22048857), "0.2205");
  assert.equal(formatLoss(51.8412), "51.84");
  assert.equal(formatLoss(12345.6), "1.235e+4");
  assert.equal(formatLoss(null), "n/a");
  assert.equal(formatLoss(-Infinity), "n/a");
});

Deno.test("formatDuration picks ms, s or min", () => {
  assert.equal(formatDuration(850), "850 ms");
  assert.equal(formatDuration(12.345), "12.3 ms");
  assert.equal(formatDuration(1234.5), "1.2 s");
  assert.equal(formatDuration(59_940), "59.9 s");
  assert.equal(formatDuration(125_000), "2 min 05 s");
  assert.equal(formatDuration(NaN), "n/a");
});

Deno.test("formatCount groups thousands", () => {
  assert.equal(formatCount(101770), "101,770");
  assert.equal(formatCount(650), "650");
  assert.equal(formatCount(1234567), "1,234,567");
  assert.equal(formatCount(-4200), "-4,200");
});
