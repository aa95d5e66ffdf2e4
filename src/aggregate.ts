/**
 * The result of a sweep from what its runs recorded: one run's curve as it is, or for several
 * runs the per-step median curve and band (`run_spread.ts`), the log-median of the runs'
 * suggestions and its spread, plus every rule's suggestion, the settings, timing and model size.
 * @module
 */
import type { LrFinderResult, RunCurve, Suggestion, Timing, Uncertainty } from "./result.ts";
import { bandOf, medianCurve } from "./run_spread.ts";
import { medianSuggestion, ruleFor, suggestAll, suggestLearningRate } from "./suggest.ts";
import type { RunsRecord } from "./sweep_loop.ts";
import type { SweepPlan } from "./sweep_plan.ts";
import { RULE_NAMES, type RuleName } from "./vocabulary.ts";

/** What the result says about the call itself. */
export interface ResultMeta {
  /** The result's name. */
  name: string;
  /** When the call started. */
  startedAt: Date;
  /** Milliseconds of the whole call. */
  totalMs: number;
}

/** Assembles the result of a sweep from its plan and what its runs recorded. */
export function assembleResult(
  plan: SweepPlan,
  runsRecord: RunsRecord,
  meta: ResultMeta,
): LrFinderResult {
  const { records, warmupMs } = runsRecord;
  const settings = { ...plan.settings, optimizerState: records[0]?.optimizerState ?? "fresh" };
  const method = settings.suggest;
  const steps = records.reduce((sum, r) => sum + r.steps, 0);
  const sweepMs = records.reduce((sum, r) => sum + r.sweepMs, 0);
  const timing: Timing = {
    startedAt: meta.startedAt.toISOString(),
    totalMs: meta.totalMs,
    sweepMs,
    steps,
    msPerStep: steps > 0 ? sweepMs / steps : 0,
    ...(warmupMs !== undefined ? { warmupMs } : {}),
  };
  const model = { params: plan.model.countParams(), layers: plan.model.layers.length };
  const interrupted = records.find((r) =>
    r.stopReason === "aborted" || r.stopReason === "time-budget"
  );
  const stopReason = interrupted?.stopReason ?? records[0].stopReason;

  if (records.length === 1) {
    const [only] = records;
    const curve = {
      lrs: plan.lrs.slice(0, only.losses.length),
      smoothed: only.smoothed,
      losses: only.losses,
    };
    return {
      version: 1,
      name: meta.name,
      lrs: curve.lrs,
      losses: only.losses,
      smoothed: only.smoothed,
      stopReason,
      suggestion: suggestLearningRate(curve, method),
      suggestions: suggestAll(curve),
      settings,
      timing,
      model,
    };
  }

  // The headline is the log-median of the runs' own suggestions (bench/quality.ts measured it
  // against the rule read on the median curve): it always lies within the runs' interval.
  const rule = ruleFor(method);
  const perRun = records.map((r) =>
    suggestAll({ lrs: plan.lrs.slice(0, r.losses.length), smoothed: r.smoothed, losses: r.losses })
  );
  const runs: RunCurve[] = records.map((r, i) => ({
    seed: settings.seed + i,
    losses: r.losses,
    smoothed: r.smoothed,
    stopReason: r.stopReason,
    suggestion: perRun[i][rule],
  }));
  const losses = medianCurve(records.map((r) => r.losses), records.length);
  const smoothed = medianCurve(records.map((r) => r.smoothed), records.length).slice(
    0,
    losses.length,
  );
  const curve = { lrs: plan.lrs.slice(0, smoothed.length), smoothed };
  const suggestions = Object.fromEntries(
    RULE_NAMES.map((name) => [name, medianSuggestion(perRun.map((s) => s[name]), curve.lrs)]),
  ) as Record<RuleName, Suggestion>;
  return {
    version: 1,
    name: meta.name,
    lrs: curve.lrs,
    losses: losses.slice(0, smoothed.length),
    smoothed,
    stopReason,
    suggestion: suggestions[rule],
    suggestions,
    uncertainty: uncertaintyOf(runs.map((r) => r.suggestion)),
    runs,
    band: bandOf(records.map((r) => r.smoothed), smoothed.length),
    settings,
    timing,
    model,
  };
}

function uncertaintyOf(suggestions: Suggestion[]): Uncertainty | undefined {
  const perRun = suggestions.map((s) => s.lr);
  const found = perRun.filter((lr): lr is number => lr !== null);
  if (found.length === 0) return undefined;
  return {
    low: Math.min(...found),
    high: Math.max(...found),
    perRun,
    runsWithSuggestion: found.length,
  };
}
