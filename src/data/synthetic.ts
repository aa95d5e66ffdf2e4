/**
 * Seeded synthetic datasets for the demo, tests and benchmarks: Gaussian blobs and interleaved
 * spirals for classification, a noisy linear target for regression. The same spec gives the
 * same arrays bit for bit.
 * @module
 */
import { InputError } from "../errors.ts";
import { createRng, normal } from "../random.ts";
import type { Dataset } from "./dataset.ts";

/** Kinds of synthetic data. */
export const SYNTHETIC_KINDS = ["blobs", "spirals", "regression"] as const;

/** A kind of synthetic data. */
export type SyntheticKind = typeof SYNTHETIC_KINDS[number];

/** What to generate; every field has a default. */
export interface SyntheticSpec {
  /** `blobs` (default): one Gaussian cloud per class; `spirals`: interleaved spiral arms;
   * `regression`: a linear function of the features plus noise. */
  kind?: SyntheticKind;
  /** Number of samples (default 1000). */
  samples?: number;
  /** Features per sample (default 2; 8 for `regression`); `spirals` needs at least 2, the
   * features past the first two are pure noise. */
  features?: number;
  /** Number of classes for `blobs` and `spirals` (default 3). */
  classes?: number;
  /** Standard deviation of the noise (default 1 for blobs, 0.2 for spirals, 0.1 for regression). */
  noise?: number;
  /** Seed of the generator (default 0). */
  seed?: number;
  /** Classification targets as one-hot rows instead of class indices (default false). */
  oneHot?: boolean;
}

/** Default values of {@linkcode SyntheticSpec}'s fields. */
export const SYNTHETIC_DEFAULTS = {
  kind: "blobs",
  samples: 1000,
  classes: 3,
  seed: 0,
} as const;

/** Largest number of samples a synthetic dataset may have. */
export const MAX_SYNTHETIC_SAMPLES = 10_000_000;

/**
 * Generates a synthetic dataset. Features are `Float32Array`; class targets are `Int32Array`
 * indices (or one-hot `Float32Array` rows with `oneHot`), regression targets `Float32Array`.
 *
 * @example
 * ```ts
 * const ds = syntheticDataset({ kind: "spirals", classes: 3, samples: 600, seed: 1 });
 * ```
 */
export function syntheticDataset(spec: SyntheticSpec = {}): Dataset {
  const kind = spec.kind ?? SYNTHETIC_DEFAULTS.kind;
  if (!(SYNTHETIC_KINDS as readonly string[]).includes(kind)) {
    invalid("kind", `must be one of ${SYNTHETIC_KINDS.join(", ")}`, kind);
  }
  const samples = spec.samples ?? SYNTHETIC_DEFAULTS.samples;
  const features = spec.features ?? (kind === "regression" ? 8 : 2);
  const classes = spec.classes ?? SYNTHETIC_DEFAULTS.classes;
  const noise = spec.noise ?? (kind === "blobs" ? 1 : kind === "spirals" ? 0.2 : 0.1);
  const seed = spec.seed ?? SYNTHETIC_DEFAULTS.seed;
  if (!Number.isSafeInteger(samples) || samples < 1 || samples > MAX_SYNTHETIC_SAMPLES) {
    invalid("samples", `must be an integer from 1 to ${MAX_SYNTHETIC_SAMPLES}`, samples);
  }
  if (!Number.isSafeInteger(features) || features < (kind === "spirals" ? 2 : 1)) {
    invalid("features", `must be an integer of at least ${kind === "spirals" ? 2 : 1}`, features);
  }
  if (kind !== "regression" && (!Number.isSafeInteger(classes) || classes < 2)) {
    invalid("classes", "must be an integer of at least 2", classes);
  }
  if (!(Number.isFinite(noise) && noise >= 0)) invalid("noise", "must be at least 0", noise);
  if (!Number.isSafeInteger(seed)) invalid("seed", "must be an integer", seed);
  const rng = createRng(seed);
  const x = new Float32Array(samples * features);
  const source = `synthetic ${kind} (seed ${seed})`;
  if (kind === "regression") {
    const weights = Array.from({ length: features }, () => normal(rng) / Math.sqrt(features));
    const bias = 0.5 * normal(rng);
    const y = new Float32Array(samples);
    for (let i = 0; i < samples; i++) {
      let target = bias;
      for (let j = 0; j < features; j++) {
        const v = normal(rng);
        x[i * features + j] = v;
        target += weights[j] * v;
      }
      y[i] = target + noise * normal(rng);
    }
    return { x, xShape: [features], y, yShape: [], size: samples, source };
  }
  const labels = new Int32Array(samples);
  if (kind === "blobs") {
    const centers = Array.from({ length: classes * features }, () => 2.5 * normal(rng));
    for (let i = 0; i < samples; i++) {
      const c = i % classes;
      labels[i] = c;
      for (let j = 0; j < features; j++) {
        x[i * features + j] = centers[c * features + j] + noise * normal(rng);
      }
    }
  } else {
    const perClass = Math.ceil(samples / classes);
    for (let i = 0; i < samples; i++) {
      const c = i % classes;
      const r = (Math.floor(i / classes) + 0.5) / perClass;
      const angle = (2 * Math.PI * c) / classes + 1.75 * Math.PI * r + noise * normal(rng);
      labels[i] = c;
      x[i * features] = 2 * r * Math.cos(angle);
      x[i * features + 1] = 2 * r * Math.sin(angle);
      for (let j = 2; j < features; j++) x[i * features + j] = noise * normal(rng);
    }
  }
  if (spec.oneHot) {
    const y = new Float32Array(samples * classes);
    for (let i = 0; i < samples; i++) y[i * classes + labels[i]] = 1;
    return { x, xShape: [features], y, yShape: [classes], size: samples, source, oneHot: true };
  }
  const dataset: Dataset = {
    x,
    xShape: [features],
    y: labels,
    yShape: [],
    classes,
    size: samples,
    source,
  };
  if (spec.oneHot === false) dataset.oneHot = false;
  return dataset;
}

function invalid(field: string, rule: string, value: unknown): never {
  throw new InputError(`synthetic.${field} ${rule}, got ${JSON.stringify(value)}`, {
    field: `synthetic.${field}`,
  });
}
