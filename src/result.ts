/**
 * The result contract shared by the library, the CLI, the GitHub Action and the HTTP function
 * (`version: 1`, see DESIGN.md). Non-finite losses are written as `null` so the JSON stays valid.
 * @module
 */
import type {
  CpuKernelsRequest,
  EvaluateSplit,
  RuleName,
  ScheduleMode,
  StopReason,
  SuggestionMethod,
  SuggestMethod,
  VerificationOutcome,
  WarningCode,
  WarningSeverity,
} from "./vocabulary.ts";

export type { RuleName, StopReason, SuggestMethod } from "./vocabulary.ts";

/**
 * A rule's answer: a learning rate at a step of the curve, or the reason it has none. The
 * headline `suggestion` also says whether it can be trusted (see {@linkcode Warning}).
 */
export type Suggestion =
  | { lr: number; index: number; method: SuggestionMethod; reason?: undefined; trusted?: boolean }
  | { lr: null; index: null; method: SuggestionMethod; reason: string; trusted?: boolean };

/** One candidate rate trained at a constant rate from the initial weights by verification. */
export interface Trial {
  /** The constant learning rate. */
  lr: number;
  /** Training steps it ran (fewer than the survivors' when pruned). */
  steps: number;
  /** Loss on the held-out samples after `steps` steps; `null` when it diverged. */
  heldOutLoss: number | null;
  /** True when the training loss or the held-out loss became non-finite. */
  diverged: boolean;
}

/** How verification ran, or why it did not choose the rate. */
export interface Verification {
  /** `verified`: a trial chose the rate; `fallback`: the curve rule did (see `reason`). */
  outcome: VerificationOutcome;
  /** Why verification did not choose the rate (`outcome: "fallback"`). */
  reason?: string;
  /** What the trials were scored on: the validation data, or training samples held out. */
  heldOut?: "validation" | "train";
  /** Number of held-out samples scored. */
  heldOutSize?: number;
  /** Loss on the held-out samples before any training (the untrained model's). */
  initialLoss?: number;
  /** Training steps of all trials together. */
  steps: number;
  /** Training steps of a trial that survived every pruning round. */
  maxSteps?: number;
  /**
   * The rate of the trial that trained best; the suggestion is this rate divided by
   * `10 ** settings.horizonShift`.
   */
  best?: number;
  /** Wall-clock milliseconds spent in verification. */
  ms: number;
  /** The verification settings used (see `VerifyOptions`). */
  settings: {
    candidates: number;
    steps: number;
    spacing: number;
    heldOutSamples: number;
    prune: boolean;
    tolerance: number;
    horizonShift: number;
  };
}

/**
 * Why the number may not be trusted. `untrusted`: surfaces must not present the suggestion as a
 * confident rate (the headline says why instead); `caution`: shown beside the rate.
 */
export interface Warning {
  /** Stable identifier of the case. */
  code: WarningCode;
  /** One sentence for people, with the fix where there is one. */
  message: string;
  /** `untrusted` withdraws the confidence in the suggestion; `caution` qualifies it. */
  severity: WarningSeverity;
}

/** The spread of the suggestion over repeated runs (`runs > 1`). */
export interface Uncertainty {
  /** Lowest learning rate suggested by any run. */
  low: number;
  /** Highest learning rate suggested by any run. */
  high: number;
  /** Each run's suggested rate, `null` where a run had none. */
  perRun: (number | null)[];
  /** Runs that produced a suggestion. */
  runsWithSuggestion: number;
}

/** One repetition of the sweep when `runs > 1`. */
export interface RunCurve {
  /** Seed of this run's data order. */
  seed: number;
  /** Raw loss per step (`null` where not finite). */
  losses: (number | null)[];
  /** Bias-corrected smoothed loss per step. */
  smoothed: (number | null)[];
  /** Why this run ended. */
  stopReason: StopReason;
  /** This run's own suggestion with the chosen rule. */
  suggestion: Suggestion;
}

/** Per-step spread of the smoothed loss between runs (the band in the plot). */
export interface Band {
  /** Lowest smoothed loss of any run at each step (`null` where none is finite). */
  low: (number | null)[];
  /** Highest smoothed loss of any run at each step. */
  high: (number | null)[];
}

/** Which kernels run, and why (recorded in a result's `settings.cpuKernels`). */
export interface CpuKernelsInfo {
  /** The kernels that run matrix products and convolutions on the wasm backend. */
  kernels: "blas" | "wasm";
  /** What was asked for; absent when nothing was (the wasm kernels by default). */
  requested?: CpuKernelsRequest;
  /** The BLAS library's name and version as it reports them (with `blas`). */
  library?: string;
  /** The BLAS library's file (with `blas`). */
  libraryPath?: string;
  /**
   * Threads of the large products: the `threads` setting with `blas` (the library's own
   * choice when it has no thread control), 1 with `wasm` (the wasm backend is single-threaded).
   */
  threads: number;
  /** Why `auto` fell back to the wasm kernels. */
  fallback?: string;
}

/** Everything that shaped the curve, so that a result can be reproduced. */
export interface Settings {
  /** Seed of the data order (run `r` uses `seed + r`). */
  seed: number;
  /** Samples per step. */
  batchSize: number;
  /** TensorFlow.js backend that ran the sweep. */
  backend: string;
  /** Description of the GPU adapter the sweep ran on; only when the backend is webgpu. */
  adapter?: string;
  /**
   * The WebGPU adapter found when the backend was chosen, whether or not the sweep ran on it
   * (additive within version 1): a wasm sweep on a machine with a software adapter names it here,
   * never in `adapter`.
   */
  adapterFound?: {
    /** Human-readable name, e.g. "NVIDIA H200" or "llvmpipe (LLVM 15.0.6, 256 bits)". */
    description: string;
    /** Vendor as reported by the adapter. */
    vendor: string;
    /** Architecture as reported by the adapter. */
    architecture: string;
    /** True for software adapters such as llvmpipe. */
    isFallbackAdapter: boolean;
  };
  /**
   * On the wasm backend: which kernels ran the matrix products and convolutions (the native
   * BLAS library, its name, file and threads, or the wasm kernels and why).
   */
  cpuKernels?: CpuKernelsInfo;
  /** Optimizer name and its hyper-parameters (without the learning rate, which is swept). */
  optimizer: { name: string; [param: string]: unknown };
  /** Whether the optimizer's accumulated state was copied into the sweep or started fresh. */
  optimizerState: "fresh" | "copied";
  /** Loss function name. */
  loss: string;
  /** First learning rate. */
  startLr: number;
  /** Last learning rate. */
  endLr: number;
  /** Planned number of steps. */
  numIters: number;
  /** Schedule shape. */
  mode: ScheduleMode;
  /** Smoothing factor beta of the moving average. */
  smoothing: number;
  /** Stop when the smoothed loss exceeds this multiple of its lowest value. */
  divergeThreshold: number;
  /** Number of repeated runs. */
  runs: number;
  /** Which loss the curve records. */
  evaluate: EvaluateSplit;
  /** The suggestion rule asked for. */
  suggest: SuggestMethod;
  /** Number of training samples. */
  trainSize: number;
  /** Number of validation samples evaluated per step (with `evaluate: "validation"`). */
  validationSize?: number;
}

/** Wall-clock figures of the sweep. */
export interface Timing {
  /** ISO time at which the sweep started. */
  startedAt: string;
  /** Whole call, setup and restore included, in milliseconds. */
  totalMs: number;
  /** Time spent in training steps, in milliseconds. */
  sweepMs: number;
  /** Steps run over all runs. */
  steps: number;
  /** `sweepMs / steps`. */
  msPerStep: number;
  /** Time spent warming up kernels before the timed sweep (webgpu), in milliseconds. */
  warmupMs?: number;
}

/** The result of a learning-rate range test, as written to `result.json`. */
export interface LrFinderResult {
  /** Contract version. */
  version: 1;
  /** Name of the model or config, used in reports and comment markers. */
  name: string;
  /** Learning rate of each recorded step. */
  lrs: number[];
  /** Raw loss of each step; the median over runs when `runs > 1`. */
  losses: (number | null)[];
  /** Smoothed loss of each step; the median over runs when `runs > 1`. */
  smoothed: (number | null)[];
  /** Why the sweep ended (of the first run when `runs > 1`). */
  stopReason: StopReason;
  /**
   * The suggested learning rate with the chosen rule; when `runs > 1`, the log-median of the
   * runs' own suggestions (within the `uncertainty` interval).
   */
  suggestion: Suggestion;
  /** Every rule's suggestion on the same curve (when `runs > 1`, each the log-median over runs). */
  suggestions: Record<RuleName, Suggestion>;
  /** Spread of the suggestion over runs; present when `runs > 1`. */
  uncertainty?: Uncertainty;
  /** Each run's curve; present when `runs > 1`. */
  runs?: RunCurve[];
  /** Per-step spread of the smoothed loss; present when `runs > 1`. */
  band?: Band;
  /** Everything that shaped the curve. */
  settings: Settings;
  /** Wall-clock figures. */
  timing: Timing;
  /** The model that was swept. */
  model: { params: number; layers?: number };
  /** The verification trials, one per candidate rate; present when verification trained any. */
  trials?: Trial[];
  /** How verification ran; present unless `verify: false`. */
  verification?: Verification;
  /** Why the suggestion may not be trusted; empty when nothing was found. */
  warnings?: Warning[];
}
