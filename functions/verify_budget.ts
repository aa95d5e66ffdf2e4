/**
 * Verification within the server's budget. On the server's thread, before anything is allocated:
 * the request's `verify` against the limits ({@linkcode verifyIssues}), and the plan the worker
 * runs ({@linkcode planVerification}): verification as asked, shortened, or skipped, so that the
 * sweep's and verification's training steps together stay within `maxTrainingSteps`. In the
 * worker, once the result exists, {@linkcode applyVerifyBudget} says in the answer what the plan
 * changed: a warning, and `verification.outcome: "fallback"` with the reason when skipped.
 *
 * The policy. What a request asks for explicitly (`verify.steps`) it gets exactly, or a 422 that
 * says what fits. What it leaves to the defaults the server fits to its budget: the trials are
 * shortened (the candidates stay, so the rates tried still span the curve's descent) down to
 * {@linkcode MIN_SHORTENED_STEPS}; below that, verification is skipped and the curve rule
 * chooses, which the answer says.
 * @module
 */
import type { LrFinderResult, Warning } from "../src/result.ts";
import type { VerifyOptions } from "../src/sweep_options.ts";
import type { ConfigIssue } from "../src/validation.ts";
import {
  horizonShiftFor,
  longestFittingSteps as longestFitting,
  MIN_SHORTENED_STEPS,
  plannedSteps,
  type ResolvedVerifyOptions,
  resolveVerifyOptions,
} from "../src/verify.ts";
import { warning } from "../src/warnings.ts";
import { LIMIT_ENV, type Limits } from "./limits.ts";

export { longestFitting, MIN_SHORTENED_STEPS };

/** The limits verification is planned within. */
export type VerifyLimits = Pick<
  Limits,
  "maxVerifyCandidates" | "maxVerifySteps" | "maxTrainingSteps"
>;

/** The sweep's length: `numIters` steps in each of `runs` runs. */
export interface SweepLength {
  /** Steps per run. */
  numIters: number;
  /** Runs. */
  runs: number;
}

/** What the server changed about the verification a request asked for, to fit its budget. */
export type VerifyBudget =
  | {
    /** The trials (or the candidates) are fewer than asked; verification still runs. */
    kind: "shortened";
    /** Why and how, for people (the warning's message). */
    message: string;
  }
  | {
    /** Verification does not run; the curve rule chooses. */
    kind: "skipped";
    /** Why (the result's `verification.reason`). */
    reason: string;
    /** The verification settings that did not fit. */
    settings: ResolvedVerifyOptions;
  };

/** What the worker runs: the core's `verify` option, and what the budget changed. */
export interface VerifyPlan {
  /** `false`, or every verification setting (defaults filled in). */
  verify: false | ResolvedVerifyOptions;
  /** Set when the plan differs from what the request asked for. */
  budget?: VerifyBudget;
}

/** Steps the sweep trains: `numIters` in each run. */
export function sweepSteps(sweep: SweepLength): number {
  return sweep.numIters * sweep.runs;
}

/**
 * The request's mistakes about verification: explicit `verify.candidates` or `verify.steps` over
 * the server's limits, and explicit `verify.steps` whose plan does not fit the training steps
 * left after the sweep (the message says how many would).
 */
export function verifyIssues(
  verify: boolean | VerifyOptions | undefined,
  sweep: SweepLength,
  limits: VerifyLimits,
): ConfigIssue[] {
  if (typeof verify !== "object") return [];
  const issues: ConfigIssue[] = [];
  const over = (field: "candidates" | "steps", limit: number, env: string) => {
    const value = verify[field];
    if (value !== undefined && value > limit) {
      issues.push({
        path: `verify.${field}`,
        message: `must be at most ${limit} (the limit of this server, ${env}), got ${value}`,
      });
    }
  };
  over("candidates", limits.maxVerifyCandidates, LIMIT_ENV.maxVerifyCandidates);
  over("steps", limits.maxVerifySteps, LIMIT_ENV.maxVerifySteps);
  if (issues.length > 0 || verify.steps === undefined) return issues;
  const options = resolveVerifyOptions(verify) as ResolvedVerifyOptions;
  const candidates = verify.candidates ?? Math.min(options.candidates, limits.maxVerifyCandidates);
  const planned = plannedSteps(candidates, options);
  const swept = sweepSteps(sweep);
  const left = limits.maxTrainingSteps - swept;
  if (planned <= left) return [];
  const fits = longestFitting(candidates, options.prune, left, options.steps);
  issues.push({
    path: "verify.steps",
    message: `verification of ${candidates} candidates at ${options.steps} steps trains up to ` +
      `${planned} steps, and the sweep ${swept} (${sweepFormula(sweep)}): ${planned + swept} ` +
      `in all, more than this server's budget of ${limits.maxTrainingSteps} training steps per ` +
      `request (${LIMIT_ENV.maxTrainingSteps}); ${
        fits > 0 ? `ask for at most ${fits} steps, ` : ""
      }fewer candidates or a shorter sweep, or leave verify.steps out and the server fits ` +
      "verification to its budget",
  });
  return issues;
}

/**
 * What verification the worker runs for a request without {@linkcode verifyIssues}: `false` when
 * the request says so; otherwise the request's settings over the defaults, with the defaults
 * capped at the server's limits and the trials shortened to fit the training steps left after
 * the sweep, or skipped when even trials of {@linkcode MIN_SHORTENED_STEPS} do not fit.
 */
export function planVerification(
  verify: boolean | VerifyOptions | undefined,
  sweep: SweepLength,
  limits: VerifyLimits,
): VerifyPlan {
  const options = resolveVerifyOptions(verify);
  if (options === false) return { verify: false };
  const explicit = typeof verify === "object" ? verify : {};
  const candidates = explicit.candidates ??
    Math.min(options.candidates, limits.maxVerifyCandidates);
  const capped = explicit.steps ?? Math.min(options.steps, limits.maxVerifySteps);
  const swept = sweepSteps(sweep);
  const left = limits.maxTrainingSteps - swept;
  const steps = explicit.steps ?? longestFitting(candidates, options.prune, left, capped);
  const floor = Math.min(MIN_SHORTENED_STEPS, capped);
  if (steps < floor) {
    const least = plannedSteps(candidates, { steps: floor, prune: options.prune });
    return {
      verify: false,
      budget: {
        kind: "skipped",
        reason:
          `the sweep's ${swept} training steps (${sweepFormula(sweep)}) leave ${
            Math.max(0, left)
          } of this server's ${limits.maxTrainingSteps} per request ` +
          `(${LIMIT_ENV.maxTrainingSteps}), and verification needs at least ${least} ` +
          `(${candidates} candidates, trials of ${floor} steps)`,
        settings: { ...options, candidates, steps: capped },
      },
    };
  }
  const plan: VerifyPlan = { verify: { ...options, candidates, steps } };
  const changes: string[] = [];
  if (candidates < options.candidates) {
    changes.push(
      `${candidates} candidates instead of ${options.candidates} (the limit of this server, ` +
        `${LIMIT_ENV.maxVerifyCandidates})`,
    );
  }
  if (capped < options.steps && steps === capped) {
    changes.push(
      `trials of up to ${steps} steps instead of ${options.steps} (the limit of this server, ` +
        `${LIMIT_ENV.maxVerifySteps})`,
    );
  } else if (steps < options.steps) {
    changes.push(
      `trials of up to ${steps} steps instead of ${options.steps}, to fit this server's budget ` +
        `of ${limits.maxTrainingSteps} training steps per request ` +
        `(${LIMIT_ENV.maxTrainingSteps}) after the sweep's ${swept}`,
    );
  }
  if (changes.length > 0) {
    plan.budget = {
      kind: "shortened",
      message: `verification was shortened: ${changes.join("; ")}; shorter trials can favour ` +
        "higher rates",
    };
  }
  return plan;
}

/**
 * Says in a result what the budget changed: a skipped verification becomes
 * `verification.outcome: "fallback"` with its reason and the warning `verification-over-budget`;
 * shortened trials that ran get the warning `verification-shortened`. Both are cautions: the
 * curve rule's rate (or the shortened trials' choice) still stands. Changes the result in place
 * and returns it.
 */
export function applyVerifyBudget(
  result: LrFinderResult,
  budget: VerifyBudget | undefined,
): LrFinderResult {
  if (!budget) return result;
  let added: Warning | undefined;
  if (budget.kind === "skipped") {
    result.verification = {
      outcome: "fallback",
      reason: budget.reason,
      steps: 0,
      ms: 0,
      settings: {
        ...budget.settings,
        horizonShift: horizonShiftFor(
          budget.settings.horizonShift,
          result.settings.optimizer.name,
        ),
      },
    };
    added = warning(
      "verification-over-budget",
      `not verified: ${budget.reason}; the curve rule chose the rate (a shorter sweep leaves ` +
        "room to verify)",
      "caution",
    );
  } else if ((result.trials ?? []).length > 0) {
    added = warning("verification-shortened", budget.message, "caution");
  }
  if (added) result.warnings = [added, ...(result.warnings ?? [])];
  return result;
}

function sweepFormula(sweep: SweepLength): string {
  return sweep.runs === 1
    ? `numIters ${sweep.numIters}`
    : `numIters ${sweep.numIters} x runs ${sweep.runs}`;
}
