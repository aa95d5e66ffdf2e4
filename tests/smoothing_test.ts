import assert from "node:assert/strict";
import { createLossSmoother, smoothLosses } from "../src/smoothing.ts";

Deno.test("bias-corrected moving average matches the formula step by step", () => {
  const losses = [2, 1, 4, 3];
  const beta = 0.98;
  let avg = 0;
  const expected = losses.map((loss, k) => {
    avg = beta * avg + (1 - beta) * loss;
    return avg / (1 - beta ** (k + 1));
  });
  assert.deepEqual(smoothLosses(losses, beta), expected);
});

Deno.test("the first smoothed value equals the first loss and a constant loss stays constant", () => {
  const smoother = createLossSmoother();
  assert.ok(Math.abs(smoother.push(3.5) - 3.5) < 1e-12);
  for (let i = 0; i < 50; i++) assert.ok(Math.abs(smoother.push(3.5) - 3.5) < 1e-9);
  assert.equal(smoother.count, 51);
});

Deno.test("beta 0 means no smoothing", () => {
  assert.deepEqual(smoothLosses([3, 1, 2], 0), [3, 1, 2]);
});
