import assert from "node:assert/strict";
import { drawnSmoothing, lowestPoint, plottedSmoothing } from "../src/drawn_curve.ts";

const lrs = Array.from({ length: 40 }, (_, i) => 10 ** (-6 + i / 8));

function bowl(shift: number): number[] {
  return lrs.map((lr) => (Math.log10(lr) - shift) ** 2 + 1);
}

Deno.test("one run: the drawn curve is the plotted smoothing of the raw loss", () => {
  const losses = bowl(-3);
  assert.deepEqual(
    drawnSmoothing({ lrs, losses, smoothed: losses }),
    plottedSmoothing(lrs, losses, losses),
  );
});

Deno.test("several runs: the per-step median of each run's drawn curve", () => {
  const runs = [-3.5, -3, -2.5].map((shift) => ({ losses: bowl(shift), smoothed: bowl(shift) }));
  const drawn = drawnSmoothing({ lrs, losses: runs[1].losses, smoothed: runs[1].smoothed, runs });
  const each = runs.map((r) => plottedSmoothing(lrs, r.losses, r.smoothed));
  drawn.forEach((v, k) => {
    const sorted = each.map((c) => c[k]!).sort((a, b) => a - b);
    assert.equal(v, sorted[1]);
  });
});

Deno.test("lowestPoint: the lowest finite point, null without any", () => {
  const drawn = [3, 2, null, 1, 4];
  assert.deepEqual(lowestPoint([1, 2, 3, 4, 5], drawn), { index: 3, lr: 4, loss: 1 });
  assert.equal(lowestPoint([1, 2], [null, null]), null);
});
