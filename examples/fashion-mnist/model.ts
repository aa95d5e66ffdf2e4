/**
 * The model of the TensorFlow basic-classification tutorial on Fashion-MNIST: Flatten the
 * 28x28 image, Dense 128 with ReLU, Dense 10 with softmax. The initial weights are seeded, so
 * every call returns the same model (the range test and the trainings start from the same
 * weights).
 * @module
 */
import * as tf from "@tensorflow/tfjs";

/** Seed of the initial weights. */
export const MODEL_SEED = 1;

/** Builds the tutorial's model with seeded initial weights (not compiled). */
export function createModel(): tf.Sequential {
  return tf.sequential({
    name: "fashion_mnist_mlp",
    layers: [
      tf.layers.flatten({ inputShape: [28, 28] }),
      tf.layers.dense({
        units: 128,
        activation: "relu",
        kernelInitializer: tf.initializers.glorotUniform({ seed: MODEL_SEED }),
      }),
      tf.layers.dense({
        units: 10,
        activation: "softmax",
        kernelInitializer: tf.initializers.glorotUniform({ seed: MODEL_SEED + 1 }),
      }),
    ],
  });
}
