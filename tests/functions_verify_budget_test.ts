import assert from "node:assert/strict";
import { DEFAULT_LIMITS } from "../functions/limits.ts";
import {
  applyVerifyBudget,
  longestFitting,
  MIN_SHORTENED_STEPS,
  planVerification,
  type VerifyBudget,
  verifyIssues,
} from "../functions/verify_budget.ts";
import { DEFAULTS } from "../src/defaults.ts";
import type { LrFinderResult } from "../src/result.ts";
import { plannedSteps, type ResolvedVerifyOptions } from "../src/verify.ts";

const LIMITS = {
  maxVerifyCandidates: DEFAULT_LIMITS.maxVerifyCandidates,
  maxVerifySteps: DEFAULT_LIMITS.maxVerifySteps,
  maxTrainingSteps: DEFAULT_LIMITS.maxTrainingSteps,
};
const DEFAULT_SWEEP = { numIters: 100, runs: 1 };

/** Training steps a plan's verification trains when no trial diverges. */
function verifySteps(verify: false | ResolvedVerifyOptions): number {
  return verify === false ? 0 : plannedSteps(verify.candidates, verify);
}

Deno.test("planVerification: off when asked; the defaults as they are when they fit", () => {
  assert.deepEqual(planVerification(false, DEFAULT_SWEEP, LIMITS), { verify: false });
  for (const asked of [undefined, true, {}]) {
    const plan = planVerification(asked, DEFAULT_SWEEP, LIMITS);
    assert.deepEqual(plan, { verify: { ...DEFAULTS.verify } });
    assert.equal(100 + verifySteps(plan.verify), 979, "the default run trains 100 + 879 steps");
  }
  const options = { candidates: 3, steps: 40, prune: false, spacing: 1 };
  assert.deepEqual(planVerification(options, DEFAULT_SWEEP, LIMITS), {
    verify: { ...DEFAULTS.verify, ...options },
  });
});

Deno.test("planVerification: the defaults' trials are shortened to fit what the sweep leaves", () => {
  const sweep = { numIters: 500, runs: 3 };
  const plan = planVerification(undefined, sweep, LIMITS);
  assert.ok(plan.verify);
  const left = LIMITS.maxTrainingSteps - 1500;
  assert.equal(plan.verify.candidates, DEFAULTS.verify.candidates, "the candidates stay");
  assert.ok(plan.verify.steps >= MIN_SHORTENED_STEPS && plan.verify.steps < DEFAULTS.verify.steps);
  assert.ok(verifySteps(plan.verify) <= left, `${verifySteps(plan.verify)} > ${left}`);
  assert.ok(
    plannedSteps(6, { steps: plan.verify.steps + 1, prune: true }) > left,
    "the longest trials that fit",
  );
  assert.equal(plan.budget?.kind, "shortened");
  assert.equal(
    plan.budget.message,
    `verification was shortened: trials of up to ${plan.verify.steps} steps instead of 270, to ` +
      "fit this server's budget of 2000 training steps per request " +
      "(LR_FINDER_MAX_TRAINING_STEPS) after the sweep's 1500; shorter trials can favour higher " +
      "rates",
  );
});

Deno.test("planVerification: skipped when even the shortest trials do not fit", () => {
  const sweep = { numIters: 950, runs: 2 };
  const plan = planVerification({ candidates: 4 }, sweep, LIMITS);
  assert.equal(plan.verify, false);
  assert.equal(plan.budget?.kind, "skipped");
  const least = plannedSteps(4, { steps: MIN_SHORTENED_STEPS, prune: true });
  assert.ok(least > 100);
  assert.equal(
    plan.budget.reason,
    "the sweep's 1900 training steps (numIters 950 x runs 2) leave 100 of this server's 2000 " +
      `per request (LR_FINDER_MAX_TRAINING_STEPS), and verification needs at least ${least} ` +
      `(4 candidates, trials of ${MIN_SHORTENED_STEPS} steps)`,
  );
  assert.deepEqual(plan.budget.settings, { ...DEFAULTS.verify, candidates: 4 });
  const over = planVerification(undefined, { numIters: 500, runs: 3 }, {
    ...LIMITS,
    maxTrainingSteps: 1000,
  });
  assert.equal(over.verify, false);
  assert.match((over.budget as { reason: string }).reason, /leave 0 of this server's 1000/);
});

Deno.test("planVerification: the defaults are capped at the server's limits, and it says so", () => {
  const plan = planVerification(undefined, DEFAULT_SWEEP, {
    ...LIMITS,
    maxVerifyCandidates: 4,
    maxVerifySteps: 100,
  });
  assert.ok(plan.verify);
  assert.equal(plan.verify.candidates, 4);
  assert.equal(plan.verify.steps, 100, "below the shortening floor: the operator's choice");
  assert.equal(
    (plan.budget as { message: string }).message,
    "verification was shortened: 4 candidates instead of 6 (the limit of this server, " +
      "LR_FINDER_MAX_VERIFY_CANDIDATES); trials of up to 100 steps instead of 270 (the limit of " +
      "this server, LR_FINDER_MAX_VERIFY_STEPS); shorter trials can favour higher rates",
  );
});

Deno.test("planVerification: explicit verify.steps are kept as asked", () => {
  const plan = planVerification({ steps: 12 }, { numIters: 500, runs: 3 }, LIMITS);
  assert.deepEqual(plan, { verify: { ...DEFAULTS.verify, steps: 12 } });
});

Deno.test("verifyIssues: explicit options over the limits, and explicit steps that do not fit", () => {
  assert.deepEqual(verifyIssues(undefined, DEFAULT_SWEEP, LIMITS), []);
  assert.deepEqual(verifyIssues(false, DEFAULT_SWEEP, LIMITS), []);
  assert.deepEqual(verifyIssues({ candidates: 8, steps: 200 }, DEFAULT_SWEEP, LIMITS), []);
  assert.deepEqual(verifyIssues({ candidates: 9, steps: 501 }, DEFAULT_SWEEP, LIMITS), [
    {
      path: "verify.candidates",
      message: "must be at most 8 (the limit of this server, LR_FINDER_MAX_VERIFY_CANDIDATES), " +
        "got 9",
    },
    {
      path: "verify.steps",
      message:
        "must be at most 500 (the limit of this server, LR_FINDER_MAX_VERIFY_STEPS), got 501",
    },
  ]);
  const sweep = { numIters: 500, runs: 3 };
  const [issue, ...rest] = verifyIssues({ steps: 400 }, sweep, LIMITS);
  assert.deepEqual(rest, []);
  const fits = longestFitting(6, true, 500, 400);
  assert.deepEqual(issue, {
    path: "verify.steps",
    message:
      `verification of 6 candidates at 400 steps trains up to ${
        plannedSteps(6, { steps: 400, prune: true })
      } steps, and the sweep 1500 (numIters 500 x runs 3): ${
        plannedSteps(6, { steps: 400, prune: true }) + 1500
      } in all, more than this server's budget of 2000 training steps per request ` +
      `(LR_FINDER_MAX_TRAINING_STEPS); ask for at most ${fits} steps, fewer candidates or a ` +
      "shorter sweep, or leave verify.steps out and the server fits verification to its budget",
  });
  assert.deepEqual(verifyIssues({ steps: fits }, sweep, LIMITS), [], "what it suggests fits");
  const none = verifyIssues({ steps: 10 }, { numIters: 1000, runs: 2 }, LIMITS);
  assert.match(none[0].message, /\(LR_FINDER_MAX_TRAINING_STEPS\); fewer candidates or a shorter/);
});

Deno.test("longestFitting: the most steps whose plan fits, 0 when none does", () => {
  for (const prune of [true, false]) {
    for (const left of [0, 5, 6, 100, 879, 1000]) {
      const steps = longestFitting(6, prune, left, 270);
      if (steps > 0) assert.ok(plannedSteps(6, { steps, prune }) <= left);
      if (steps < 270) assert.ok(plannedSteps(6, { steps: steps + 1, prune }) > left);
    }
  }
  assert.equal(longestFitting(6, true, 879, 270), 270);
  assert.equal(longestFitting(6, false, 5, 270), 0);
});

function result(extra: Partial<LrFinderResult> = {}): LrFinderResult {
  return {
    version: 1,
    name: "m",
    lrs: [1e-3, 1e-2],
    losses: [1, 0.5],
    smoothed: [1, 0.5],
    stopReason: "completed",
    suggestion: { lr: 1e-3, index: 0, method: "combined", trusted: true },
    suggestions: {} as LrFinderResult["suggestions"],
    settings: { optimizer: { name: "adam" } } as LrFinderResult["settings"],
    timing: {} as LrFinderResult["timing"],
    model: { params: 1 },
    warnings: [{ code: "capped-at-minimum", message: "m", severity: "caution" }],
    ...extra,
  };
}

Deno.test("applyVerifyBudget: a skipped verification is a fallback with its reason and a warning", () => {
  const budget: VerifyBudget = {
    kind: "skipped",
    reason: "the sweep's 1900 training steps leave 100",
    settings: { ...DEFAULTS.verify },
  };
  const done = applyVerifyBudget(result(), budget);
  assert.deepEqual(done.verification, {
    outcome: "fallback",
    reason: "the sweep's 1900 training steps leave 100",
    steps: 0,
    ms: 0,
    settings: { ...DEFAULTS.verify, horizonShift: 0.5 },
  });
  assert.deepEqual(done.warnings!.map((w) => [w.code, w.severity]), [
    ["verification-over-budget", "caution"],
    ["capped-at-minimum", "caution"],
  ]);
  assert.equal(
    done.warnings![0].message,
    "not verified: the sweep's 1900 training steps leave 100; the curve rule chose the rate " +
      "(a shorter sweep leaves room to verify)",
  );
  assert.equal(done.suggestion.trusted, true, "a caution leaves the trust as it was");
  const sgd = applyVerifyBudget(
    result({ settings: { optimizer: { name: "sgd" } } as LrFinderResult["settings"] }),
    budget,
  );
  assert.equal(sgd.verification!.settings.horizonShift, 0);
});

Deno.test("applyVerifyBudget: shortened trials that ran are named; nothing else changes", () => {
  const budget: VerifyBudget = { kind: "shortened", message: "verification was shortened: x" };
  const trials = [{ lr: 1e-3, steps: 10, heldOutLoss: 0.5, diverged: false }];
  const ran = applyVerifyBudget(result({ trials }), budget);
  assert.deepEqual(ran.warnings![0], {
    code: "verification-shortened",
    message: "verification was shortened: x",
    severity: "caution",
  });
  const none = applyVerifyBudget(result(), budget);
  assert.deepEqual(none.warnings!.map((w) => w.code), ["capped-at-minimum"]);
  assert.deepEqual(applyVerifyBudget(result(), undefined), result());
});
