/**
 * Names of the supported losses and their accepted spellings, without TensorFlow.js, so that
 * the config schema can use them cheaply.
 * @module
 */

/** Loss names in TensorFlow.js Layers spelling (the canonical form). */
export const LOSS_NAMES = [
  "categoricalCrossentropy",
  "sparseCategoricalCrossentropy",
  "binaryCrossentropy",
  "meanSquaredError",
  "meanAbsoluteError",
  "meanAbsolutePercentageError",
  "meanSquaredLogarithmicError",
  "huberLoss",
  "hinge",
  "squaredHinge",
  "categoricalHinge",
  "logcosh",
  "kullbackLeiblerDivergence",
  "poisson",
  "cosineProximity",
] as const;

/** A loss name in TensorFlow.js Layers spelling. */
export type LossName = typeof LOSS_NAMES[number];

/** Short names accepted for losses (lowercase, without separators). */
export const LOSS_ALIASES: Readonly<Record<string, LossName>> = {
  mse: "meanSquaredError",
  mae: "meanAbsoluteError",
  mape: "meanAbsolutePercentageError",
  msle: "meanSquaredLogarithmicError",
  kld: "kullbackLeiblerDivergence",
  kldivergence: "kullbackLeiblerDivergence",
  cosine: "cosineProximity",
  huber: "huberLoss",
};

/**
 * The canonical name of a loss written in TensorFlow.js (`categoricalCrossentropy`), Keras
 * (`categorical_crossentropy`) or short (`mse`) spelling; `undefined` when unknown.
 */
export function canonicalLossName(name: string): LossName | undefined {
  const key = name.replace(/[_\s-]/g, "").toLowerCase();
  if (Object.hasOwn(LOSS_ALIASES, key)) return LOSS_ALIASES[key];
  return LOSS_NAMES.find((candidate) => candidate.toLowerCase() === key);
}
