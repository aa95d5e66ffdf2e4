import assert from "node:assert/strict";
import { learningRateAt, learningRateSchedule } from "../src/schedule.ts";

Deno.test("exponential schedule starts at startLr, ends exactly at endLr, grows by a constant factor", () => {
  const lrs = learningRateSchedule({ startLr: 1e-7, endLr: 10, numIters: 100 });
  assert.equal(lrs.length, 100);
  assert.equal(lrs[0], 1e-7);
  assert.equal(lrs[99], 10);
  const factor = (10 / 1e-7) ** (1 / 99);
  for (let k = 1; k < 100; k++) assert.ok(Math.abs(lrs[k] / lrs[k - 1] - factor) < 1e-9);
  assert.equal(
    learningRateAt(33, { startLr: 1e-7, endLr: 10, numIters: 100 }),
    1e-7 * 1e8 ** (33 / 99),
  );
});

Deno.test("linear schedule steps by a constant amount", () => {
  const lrs = learningRateSchedule({ startLr: 0.1, endLr: 1, numIters: 10, mode: "linear" });
  assert.equal(lrs[0], 0.1);
  assert.equal(lrs[9], 1);
  for (let k = 1; k < 10; k++) assert.ok(Math.abs(lrs[k] - lrs[k - 1] - 0.1) < 1e-12);
});
