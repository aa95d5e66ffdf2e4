/**
 * The options of a sweep: the settings that shape the curve (each with its default in
 * `DEFAULTS`), the controls that run and watch it, and the progress it reports (of the sweep
 * and of verification).
 * @module
 */
import type { OptimizerSpec } from "./optimizer_spec.ts";
import type { EvaluateSplit, ScheduleMode, SuggestMethod } from "./vocabulary.ts";

/** Progress of a sweep, reported after every recorded step. */
export interface SweepProgress {
  /** 0-based index of the current run. */
  run: number;
  /** Number of runs. */
  runs: number;
  /** 0-based step within the run. */
  step: number;
  /** Planned steps per run. */
  numIters: number;
  /** Learning rate of the step. */
  lr: number;
  /** Raw loss of the step (`NaN` when not finite). */
  loss: number;
  /** Smoothed loss of the step (`NaN` when not finite). */
  smoothed: number;
  /** Milliseconds since the sweep started. */
  elapsedMs: number;
}

/** Options of verification (`verify` in {@linkcode SweepSettings}); all optional. */
export interface VerifyOptions {
  /** Most candidate rates trained; at least 2. Default 6. */
  candidates?: number;
  /** Training steps of a candidate that survives every pruning round; at least 1. Default 270. */
  steps?: number;
  /** Decades between neighbouring candidates (powers of 10 to this step). Default 0.5. */
  spacing?: number;
  /** Most held-out samples a candidate is scored on; at least 1. Default 1024. */
  heldOutSamples?: number;
  /** Successive halving: score after each round and train only the better half on. Default on. */
  prune?: boolean;
  /** A smaller rate wins when its held-out loss is within this share of the best. Default 0.01. */
  tolerance?: number;
  /**
   * Horizon correction in decades: the suggestion is the best trial's rate divided by 10 to this
   * power, for training much longer than the trials. `auto` (default): half a decade for adam,
   * adamax and rmsprop, a quarter for momentum, 0 for the others (see `src/verify.ts`).
   */
  horizonShift?: number | "auto";
}

/** Progress of verification, reported after every training step of a trial. */
export interface VerifyProgress {
  /** Learning rate of the trial. */
  lr: number;
  /** Index of the trial among the candidates. */
  trial: number;
  /** Number of candidates. */
  trials: number;
  /** Steps the trial has trained. */
  step: number;
  /** Verification steps done so far, all trials together. */
  done: number;
  /** Verification steps planned (fewer run when trials diverge). */
  planned: number;
}

/**
 * What shapes the curve: the settings a result records (see `Settings` in result.ts). Every
 * field has a default (see `DEFAULTS` in defaults.ts).
 */
export interface SweepSettings {
  /** Name used in reports; default the model's name. */
  name?: string;
  /** Loss name; default the compiled model's loss. */
  loss?: string;
  /** Optimizer; default a copy of the compiled model's optimizer (with its state). */
  optimizer?: OptimizerSpec;
  /** Samples per step; default 64, or the data size when smaller. */
  batchSize?: number;
  /** First learning rate; default 1e-7. */
  startLr?: number;
  /** Last learning rate; default 10. */
  endLr?: number;
  /** Steps per run; default 100, at least 10. */
  numIters?: number;
  /** Schedule shape; default `exp`. */
  mode?: ScheduleMode;
  /** Smoothing factor beta in [0, 1); default 0.98. */
  smoothing?: number;
  /** Stop when the smoothed loss exceeds this multiple of its lowest value; default 4. */
  divergeThreshold?: number;
  /** Repetitions from the same initial state with different data orders; default 1. */
  runs?: number;
  /** Seed of the data order; run `r` uses `seed + r`. Default 0. */
  seed?: number;
  /** `train` records the batch loss; `validation` the loss on a fixed validation sample. */
  evaluate?: EvaluateSplit;
  /** Validation samples evaluated per step with `evaluate: "validation"`; default 512. */
  validationSamples?: number;
  /** Suggestion rule; default `auto`. */
  suggest?: SuggestMethod;
  /** Stop with `time-budget` once this many milliseconds have passed (verification included). */
  timeBudgetMs?: number;
  /**
   * Verification after the sweep (default on): train from the same initial weights at a few
   * candidate rates from the curve and suggest the one with the lowest held-out loss (see
   * `src/verify.ts`). `false` keeps the sweep-only behaviour.
   */
  verify?: boolean | VerifyOptions;
}

/** How a sweep is run and watched; none of it changes the curve. */
export interface SweepControls {
  /** Stop with `aborted` when this signal aborts. */
  signal?: AbortSignal;
  /** Called after every recorded step. */
  onStep?: (progress: SweepProgress) => void;
  /** Called after every training step of verification. */
  onVerify?: (progress: VerifyProgress) => void;
  /**
   * The backend the sweep runs on and the GPU adapter found, recorded in the settings (the
   * adapter as the one the sweep ran on only when the backend is webgpu); default: see
   * `startedBackend`.
   */
  backend?: {
    name: string;
    adapter?: {
      description: string;
      vendor?: string;
      architecture?: string;
      isFallbackAdapter?: boolean;
    };
  };
  /** Untimed steps run (and undone) first to compile kernels; default 2 on webgpu, else 0. */
  warmupSteps?: number;
  /** Steps a loss may wait before it is read; default 3 on webgpu (no GPU stall), else 0. */
  readLag?: number;
  /**
   * The sweep's clock in milliseconds; default `performance.now`. It times the time budget,
   * `elapsedMs`, the result's timings and how often the step loop lets timers and signal
   * handlers run (every 100 ms), so tests can drive them step by step.
   */
  clock?: () => number;
}

/** Options of `findLearningRate`: the settings and the controls. */
export interface FindLearningRateOptions extends SweepSettings, SweepControls {}
