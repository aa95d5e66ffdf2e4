/**
 * Loss functions by name, with the same mathematics as TensorFlow.js Layers' built-in losses
 * (tests check them against a compiled model's own loss functions). Each returns the per-sample
 * loss; the training step takes its mean. Categorical cross-entropy runs as one fused kernel on
 * the wasm and cpu backends (`kernels/cross_entropy.ts`), with the same rounding.
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { InputError } from "./errors.ts";
import { crossEntropyKernelAvailable, fusedCrossEntropy } from "./kernels/cross_entropy.ts";
import { kernelFlag } from "./kernels/flags.ts";
import { canonicalLossName, LOSS_NAMES, type LossName } from "./loss_names.ts";

/** A per-sample loss: `(yTrue, yPred) => loss of shape [batch, ...]`. */
export type LossFunction = (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Tensor;

/** The loss function of a name; throws an {@linkcode InputError} listing the names when unknown. */
export function lossFunction(name: string): { name: LossName; fn: LossFunction } {
  const canonical = canonicalLossName(name);
  if (!canonical) {
    throw new InputError(
      `loss must be one of ${LOSS_NAMES.join(", ")}, got ${JSON.stringify(name)}`,
      { field: "loss" },
    );
  }
  return { name: canonical, fn: LOSS_FUNCTIONS[canonical] };
}

function epsilon(): number {
  return tf.backend().epsilon();
}

function categoricalCrossentropy(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    if (
      kernelFlag("fusedLosses") && yPred.dtype === "float32" &&
      tf.util.arraysEqual(yTrue.shape, yPred.shape) && crossEntropyKernelAvailable()
    ) {
      const target = yTrue.dtype === "float32" ? yTrue : tf.cast(yTrue, "float32");
      return fusedCrossEntropy(target, yPred, epsilon());
    }
    const last = yPred.rank - 1;
    const normalised = tf.div(yPred, tf.sum(yPred, last, true));
    const clipped = tf.clipByValue(normalised, epsilon(), 1 - epsilon());
    return tf.neg(tf.sum(tf.mul(tf.cast(yTrue, "float32"), tf.log(clipped)), last));
  });
}

function sparseCategoricalCrossentropy(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const classes = yPred.shape[yPred.rank - 1];
    const indices = tf.cast(tf.floor(tf.reshape(yTrue, [-1])), "int32");
    const clipped = tf.clipByValue(yPred, epsilon(), 1 - epsilon());
    const oneHot = tf.reshape(tf.oneHot(indices, classes), clipped.shape);
    return categoricalCrossentropy(oneHot, clipped);
  });
}

function binaryCrossentropy(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const p = tf.clipByValue(yPred, epsilon(), 1 - epsilon());
    const logits = tf.log(tf.div(p, tf.sub(1, p)));
    const perElement = tf.add(
      tf.sub(tf.relu(logits), tf.mul(logits, yTrue)),
      tf.log1p(tf.exp(tf.neg(tf.abs(logits)))),
    );
    return tf.mean(perElement, -1);
  });
}

function meanSquaredError(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.mean(tf.square(tf.sub(yPred, yTrue)), -1));
}

function meanAbsoluteError(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.mean(tf.abs(tf.sub(yPred, yTrue)), -1));
}

function meanAbsolutePercentageError(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const scale = tf.clipByValue(tf.abs(yTrue), epsilon(), Number.MAX_VALUE);
    return tf.mul(100, tf.mean(tf.abs(tf.div(tf.sub(yTrue, yPred), scale)), -1));
  });
}

function meanSquaredLogarithmicError(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const logPred = tf.log(tf.add(1, tf.clipByValue(yPred, epsilon(), Number.MAX_VALUE)));
    const logTrue = tf.log(tf.add(1, tf.clipByValue(yTrue, epsilon(), Number.MAX_VALUE)));
    return tf.mean(tf.square(tf.sub(logPred, logTrue)), -1);
  });
}

function huberLoss(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const error = tf.abs(tf.sub(yPred, yTrue));
    const quadratic = tf.minimum(error, 1);
    const linear = tf.sub(error, quadratic);
    return tf.mean(tf.add(tf.mul(0.5, tf.square(quadratic)), linear), -1);
  });
}

function hinge(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.mean(tf.maximum(0, tf.sub(1, tf.mul(yTrue, yPred))), -1));
}

function squaredHinge(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.mean(tf.square(tf.maximum(0, tf.sub(1, tf.mul(yTrue, yPred)))), -1));
}

function categoricalHinge(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const positive = tf.sum(tf.mul(yTrue, yPred), -1);
    const negative = tf.max(tf.mul(tf.sub(1, yTrue), yPred), -1);
    return tf.maximum(0, tf.add(1, tf.sub(negative, positive)));
  });
}

function logcosh(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const d = tf.sub(yPred, yTrue);
    return tf.mean(tf.sub(tf.add(d, tf.softplus(tf.mul(-2, d))), Math.log(2)), -1);
  });
}

function kullbackLeiblerDivergence(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const t = tf.clipByValue(yTrue, epsilon(), 1);
    const p = tf.clipByValue(yPred, epsilon(), 1);
    return tf.sum(tf.mul(yTrue, tf.log(tf.div(t, p))), -1);
  });
}

function poisson(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.mean(tf.sub(yPred, tf.mul(yTrue, tf.log(tf.add(epsilon(), yPred)))), -1));
}

function l2Normalize(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const squareSum = tf.sum(tf.square(tf.cast(x, "float32")), -1, true);
    return tf.div(x, tf.sqrt(tf.maximum(squareSum, tf.fill(squareSum.shape, epsilon()))));
  });
}

function cosineProximity(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.neg(tf.sum(tf.mul(l2Normalize(yTrue), l2Normalize(yPred)), -1)));
}

const LOSS_FUNCTIONS: Record<LossName, LossFunction> = {
  categoricalCrossentropy,
  sparseCategoricalCrossentropy,
  binaryCrossentropy,
  meanSquaredError,
  meanAbsoluteError,
  meanAbsolutePercentageError,
  meanSquaredLogarithmicError,
  huberLoss,
  hinge,
  squaredHinge,
  categoricalHinge,
  logcosh,
  kullbackLeiblerDivergence,
  poisson,
  cosineProximity,
};
