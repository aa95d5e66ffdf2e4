/**
 * The default of every setting, in one object read by the zod schemas (which fill them into
 * configs and requests) and by the sweep (which fills them into the library's options). A new
 * setting gets its default here.
 * @module
 */
import type { OptimizerSpec } from "./optimizer_spec.ts";
import { DEFAULT_BETA } from "./smoothing.ts";

/** Default values of the settings; `sweep` holds those of the config's `sweep` section. */
export const DEFAULTS = {
  /** Samples per step (the sweep uses the data size when that is smaller). */
  batchSize: 64,
  /** The rule of the headline suggestion. */
  suggest: "auto",
  /** The backend to start. */
  backend: "auto",
  /** The optimizer when neither the settings nor the model's training config name one. */
  optimizer: { name: "adam" } as Readonly<OptimizerSpec>,
  /** Validation samples evaluated per step with `evaluate: "validation"`. */
  validationSamples: 512,
  /**
   * Verification after the sweep (on unless `verify: false`): chosen by the quality benchmark
   * (bench/notes/quality.md).
   */
  verify: {
    candidates: 6,
    steps: 270,
    spacing: 0.5,
    heldOutSamples: 1024,
    prune: true,
    tolerance: 0.01,
    horizonShift: "auto",
  },
  /** The `sweep` section. */
  sweep: {
    startLr: 1e-7,
    endLr: 10,
    numIters: 100,
    mode: "exp",
    smoothing: DEFAULT_BETA,
    divergeThreshold: 4,
    runs: 1,
    seed: 0,
    evaluate: "train",
  },
} as const;
