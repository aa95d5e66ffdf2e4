import assert from "node:assert/strict";
import type { LrFinderResult, StopReason, Suggestion } from "../src/result.ts";
import { createRng, normal } from "../src/random.ts";
import {
  capBelowLowest,
  chanceLoss,
  curveWarnings,
  drawnLowest,
  isTrusted,
  lossNoise,
  type WarningContext,
} from "../src/warnings.ts";

/** 100 steps from 1e-7 to 10 on a log scale. */
const LRS = Array.from({ length: 100 }, (_, i) => 1e-7 * 1e8 ** (i / 99));

/** A typical curve: flat at `start`, falling from 1e-4 to 1e-1, then exploding; some noise. */
function typical(start = 2.3, noise = 0.02, seed = 1): number[] {
  const rng = createRng(seed);
  return LRS.map((lr) => {
    const x = Math.log10(lr);
    const clean = x < -4 ? start : x < -1 ? start - (start - 0.4) * (x + 4) / 3 : 0.4 + 3 * (x + 1);
    return clean + noise * normal(rng);
  });
}

function result(
  losses: number[],
  options: { stopReason?: StopReason; runs?: number[][]; suggestion?: Suggestion } = {},
): LrFinderResult {
  const lrs = LRS.slice(0, losses.length);
  return {
    version: 1,
    name: "test",
    lrs,
    losses,
    smoothed: losses,
    stopReason: options.stopReason ?? "completed",
    suggestion: options.suggestion ?? { lr: 1e-3, index: 50, method: "combined" },
    suggestions: {} as LrFinderResult["suggestions"],
    ...(options.runs
      ? {
        runs: options.runs.map((r, i) => ({
          seed: i,
          losses: r,
          smoothed: r,
          stopReason: "completed" as const,
          suggestion: { lr: 1e-3, index: 50, method: "combined" as const },
        })),
      }
      : {}),
    settings: {} as LrFinderResult["settings"],
    timing: { startedAt: "", totalMs: 0, sweepMs: 0, steps: losses.length, msPerStep: 0 },
    model: { params: 1 },
  };
}

const plain = { verified: false, chosenIsTop: false };

function codes(
  r: LrFinderResult,
  context: WarningContext & { verified: boolean; chosenIsTop: boolean } = plain,
): string[] {
  return curveWarnings(r, context).map((w) => w.code);
}

Deno.test("a typical curve raises no warning", () => {
  assert.deepEqual(codes(result(typical())), []);
});

Deno.test("flat curve: the loss never falls by more than its noise; untrusted", () => {
  const rng = createRng(3);
  const flat = LRS.map(() => 10 + 3 * normal(rng));
  const warnings = curveWarnings(result(flat), plain);
  const flatWarning = warnings.find((w) => w.code === "flat-curve")!;
  assert.equal(flatWarning.severity, "untrusted");
  assert.match(flatWarning.message, /^the loss never falls by more than its noise/);
  // A noisy curve whose verified rate trains well: the warning stays, the trust too.
  const trains = curveWarnings(result(flat), {
    verified: true,
    chosenIsTop: false,
    improvement: 0.4,
  });
  const noisy = trains.find((w) => w.code === "flat-curve")!;
  assert.equal(noisy.severity, "caution");
  assert.match(noisy.message, /the verified rate trains \(its held-out loss is 40% below/);
});

Deno.test("still falling at the last step: raise endLr or numIters", () => {
  const falling = typical().slice(0, 75);
  const warning = curveWarnings(result(falling), plain).find((w) => w.code === "still-falling")!;
  assert.equal(warning.severity, "untrusted");
  assert.match(warning.message, /raise endLr or numIters/);
  const verified = curveWarnings(result(falling), { verified: true, chosenIsTop: false });
  assert.equal(verified.find((w) => w.code === "still-falling")!.severity, "caution");
  const atTop = curveWarnings(result(falling), { verified: true, chosenIsTop: true });
  assert.equal(atTop.find((w) => w.code === "still-falling")!.severity, "untrusted");
});

Deno.test("stopped before the minimum: aborted or out of time while the loss still fell", () => {
  const cut = typical().slice(0, 60);
  for (const stopReason of ["aborted", "time-budget"] as const) {
    const warnings = curveWarnings(result(cut, { stopReason }), plain);
    assert.deepEqual(warnings.map((w) => [w.code, w.severity]), [["stopped-early", "untrusted"]]);
    assert.match(warnings[0].message, new RegExp(`the sweep stopped \\(${stopReason}\\)`));
  }
  // Stopped after the minimum: the lowest point is known, no warning.
  assert.deepEqual(codes(result(typical().slice(0, 95), { stopReason: "aborted" })), []);
});

Deno.test("runs disagree: a spread over a decade, or fewer than half the runs suggesting", () => {
  const runs = [typical(2.3, 0.02, 1), typical(2.3, 0.02, 2), typical(2.3, 0.02, 3)];
  const spread = (low: number, high: number, withSuggestion = 3) => ({
    ...result(typical(), { runs }),
    uncertainty: { low, high, perRun: [low, high, high], runsWithSuggestion: withSuggestion },
  });
  assert.deepEqual(codes(spread(1e-3, 5e-3)), []);
  const wide = curveWarnings(spread(1e-4, 5e-3), plain);
  assert.deepEqual(wide.map((w) => [w.code, w.severity]), [["runs-disagree", "untrusted"]]);
  assert.match(wide[0].message, /more than a decade/);
  const few = curveWarnings(spread(1e-3, 1e-3, 1), plain);
  assert.match(few[0].message, /^only 1 of 3 runs suggest a rate/);
  const verified = curveWarnings(spread(1e-4, 5e-3), { verified: true, chosenIsTop: false });
  assert.equal(verified[0].severity, "caution");
});

Deno.test("a classification loss far above chance: scale the inputs", () => {
  const high = typical(30, 0.2);
  const warning = curveWarnings(result(high), { ...plain, chanceLoss: Math.log(10) })
    .find((w) => w.code === "loss-above-chance")!;
  assert.equal(warning.severity, "caution");
  assert.match(warning.message, /^the loss starts at 30, far above 2\.3 .*scale the inputs/);
  assert.deepEqual(codes(result(typical()), { ...plain, chanceLoss: Math.log(10) }), []);
  assert.deepEqual(codes(result(high)), [], "no chance level for other losses");
});

Deno.test("chanceLoss: ln(classes) for categorical losses, ln 2 for binary, none otherwise", () => {
  assert.equal(chanceLoss("categoricalCrossentropy", 10), Math.log(10));
  assert.equal(chanceLoss("sparseCategoricalCrossentropy", 3), Math.log(3));
  assert.equal(chanceLoss("binaryCrossentropy", 1), Math.LN2);
  assert.equal(chanceLoss("meanSquaredError", 1), undefined);
  assert.equal(chanceLoss("categoricalCrossentropy", 1), undefined);
});

Deno.test("the guard keeps a suggestion strictly below the rate of the lowest drawn loss", () => {
  const r = result(typical());
  const lowest = drawnLowest(r)!;
  assert.ok(Math.abs(Math.log10(lowest.lr) - -1) < 0.2, "the lowest loss is near 1e-1");
  const above: Suggestion = { lr: 0.98, index: 90, method: "combined" };
  const capped = capBelowLowest(above, lowest, r.lrs);
  assert.ok(capped.lr! < lowest.lr);
  assert.ok(Math.abs(capped.lr! - lowest.lr / Math.sqrt(10)) < 1e-12);
  assert.equal(capped.method, "combined");
  const at: Suggestion = { lr: lowest.lr, index: lowest.index, method: "valley" };
  assert.ok(capBelowLowest(at, lowest, r.lrs).lr! < lowest.lr);
  const below: Suggestion = { lr: 1e-3, index: 50, method: "valley" };
  assert.equal(capBelowLowest(below, lowest, r.lrs), below);
  const none: Suggestion = { lr: null, index: null, method: "valley", reason: "x" };
  assert.equal(capBelowLowest(none, lowest, r.lrs), none);
});

Deno.test("lossNoise is the robust spread of the raw loss, a slow trend aside", () => {
  const rng = createRng(5);
  const losses = LRS.map((_, i) => 2 - 0.01 * i + 0.1 * normal(rng));
  const noise = lossNoise(losses, 99);
  assert.ok(noise > 0.08 && noise < 0.12, `noise ${noise}`);
  assert.equal(lossNoise([1, null, 1], 2), 0);
});

Deno.test("isTrusted: false with an untrusted warning or without a rate", () => {
  const rate: Suggestion = { lr: 1e-3, index: 1, method: "verified" };
  assert.equal(isTrusted(rate, []), true);
  assert.equal(
    isTrusted(rate, [{ code: "loss-above-chance", message: "", severity: "caution" }]),
    true,
  );
  assert.equal(
    isTrusted(rate, [{ code: "flat-curve", message: "", severity: "untrusted" }]),
    false,
  );
  assert.equal(isTrusted({ lr: null, index: null, method: "valley", reason: "x" }, []), false);
});
