import assert from "node:assert/strict";
import { concludeResult, type VerificationReport } from "../src/conclusion.ts";
import type { LrFinderResult, SuggestMethod, Verification } from "../src/result.ts";
import { createRng, normal } from "../src/random.ts";
import { suggestAll } from "../src/suggest.ts";
import { drawnLowest } from "../src/warnings.ts";

const LRS = Array.from({ length: 100 }, (_, i) => 1e-7 * 1e8 ** (i / 99));

function curveResult(suggest: SuggestMethod = "auto"): LrFinderResult {
  const rng = createRng(2);
  const losses = LRS.map((lr) => {
    const x = Math.log10(lr);
    return (x < -4 ? 2.3 : x < -1 ? 2.3 - 1.9 * (x + 4) / 3 : 0.4 + 3 * (x + 1)) +
      0.02 * normal(rng);
  });
  const suggestions = suggestAll({ lrs: LRS, smoothed: losses, losses });
  return {
    version: 1,
    name: "test",
    lrs: LRS,
    losses,
    smoothed: losses,
    stopReason: "completed",
    suggestion: suggestions.combined,
    suggestions,
    settings: { suggest } as LrFinderResult["settings"],
    timing: { startedAt: "", totalMs: 0, sweepMs: 0, steps: 100, msPerStep: 0 },
    model: { params: 1 },
  };
}

const verification: Verification = {
  outcome: "verified",
  heldOut: "train",
  heldOutSize: 100,
  initialLoss: 1,
  steps: 800,
  maxSteps: 270,
  ms: 1,
  settings: {
    candidates: 6,
    steps: 270,
    spacing: 1 / 3,
    heldOutSamples: 1024,
    prune: true,
    tolerance: 0.01,
    horizonShift: 0,
  },
};

function report(
  chosen: number | null,
  extra: Partial<VerificationReport> = {},
): VerificationReport {
  const candidates = [1e-4, 1e-3, 1e-2];
  return {
    best: chosen,
    verification,
    trials: candidates.map((lr) => ({
      lr,
      steps: 270,
      heldOutLoss: lr === chosen ? 0.3 : 0.5,
      diverged: false,
    })),
    chosen,
    candidates,
    ...extra,
  };
}

Deno.test("with auto, the verified rate is the headline and every rule is still listed", () => {
  const result = concludeResult(curveResult(), report(1e-3));
  assert.equal(result.suggestion.method, "verified");
  assert.equal(result.suggestion.lr, 1e-3);
  assert.equal(result.suggestion.trusted, true);
  assert.equal(result.trials!.length, 3);
  assert.equal(result.verification, verification);
  assert.deepEqual(Object.keys(result.suggestions).sort(), [
    "combined",
    "minimum",
    "slide",
    "steepest",
    "valley",
  ]);
  assert.deepEqual(result.warnings, []);
});

Deno.test("the horizon correction: the suggestion lies below the best trial's rate", () => {
  const result = concludeResult(curveResult(), { ...report(1e-3), chosen: 1e-3 / Math.sqrt(10) });
  assert.equal(result.suggestion.method, "verified");
  assert.equal(result.suggestion.lr, 1e-3 / Math.sqrt(10));
});

Deno.test("an explicit rule stays the headline; the trials are reported beside it", () => {
  const result = concludeResult(curveResult("valley"), report(1e-3));
  assert.equal(result.suggestion.method, "combined");
  assert.equal(result.trials!.length, 3);
});

Deno.test("the best trial at the lowest candidate: a lower rate may train better", () => {
  const result = concludeResult(curveResult(), report(1e-4));
  assert.equal(result.suggestion.lr, 1e-4);
  assert.deepEqual(result.warnings!.map((w) => [w.code, w.severity]), [
    ["best-at-lowest-candidate", "caution"],
  ]);
  assert.equal(result.suggestion.trusted, true);
});

Deno.test("no trial below the untrained model's held-out loss: not trusted", () => {
  const stuck = concludeResult(curveResult(), {
    ...report(1e-3),
    verification: { ...verification, initialLoss: 0.3 },
  });
  const warning = stuck.warnings!.find((w) => w.code === "no-improvement")!;
  assert.equal(warning.severity, "untrusted");
  assert.match(warning.message, /^no rate tried lowered the held-out loss below the untrained/);
  assert.equal(stuck.suggestion.trusted, false);
});

Deno.test("a fallback keeps the curve rule and carries verification's warning", () => {
  const warning = {
    code: "trials-diverged" as const,
    message: "not verified",
    severity: "untrusted" as const,
  };
  const result = concludeResult(
    curveResult(),
    report(null, { verification: { ...verification, outcome: "fallback" }, warning }),
  );
  assert.equal(result.suggestion.method, "combined");
  assert.deepEqual(result.warnings, [warning]);
  assert.equal(result.suggestion.trusted, false);
});

Deno.test("a rule at or above the lowest loss is capped below it, with a warning", () => {
  const base = curveResult();
  const lowest = drawnLowest(base)!;
  base.suggestion = { lr: 0.98, index: 96, method: "combined" };
  base.suggestions.valley = { lr: 2 * lowest.lr, index: 80, method: "valley" };
  const result = concludeResult(base, undefined);
  assert.ok(result.suggestion.lr! < lowest.lr);
  assert.ok(result.suggestions.valley.lr! < lowest.lr);
  const warning = result.warnings!.find((w) => w.code === "capped-at-minimum")!;
  assert.match(
    warning.message,
    /^the combined rule suggested 0\.98, at or above the rate of the lowest loss/,
  );
  assert.equal(result.verification, undefined);
  assert.equal(result.trials, undefined);
});
