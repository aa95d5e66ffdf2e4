/**
 * How an optimizer is described in configs, requests and results: a name and its
 * hyper-parameters. The learning rate is what the sweep varies, so it is optional here.
 * @module
 */

/** The TensorFlow.js optimizers the finder supports. */
export const OPTIMIZER_NAMES = [
  "sgd",
  "momentum",
  "adam",
  "adamax",
  "rmsprop",
  "adagrad",
  "adadelta",
] as const;

/** Name of a supported optimizer. */
export type OptimizerName = typeof OPTIMIZER_NAMES[number];

/** An optimizer and its hyper-parameters; parameters not listed keep TensorFlow.js defaults. */
export interface OptimizerSpec {
  /** Which optimizer. */
  name: OptimizerName;
  /** Learning rate used outside the sweep (ignored by the sweep itself). */
  learningRate?: number;
  /** adam, adamax: decay of the first moment (default 0.9). */
  beta1?: number;
  /** adam, adamax: decay of the second moment (default 0.999). */
  beta2?: number;
  /** adam, adamax, rmsprop, adadelta: numerical stability term. */
  epsilon?: number;
  /** momentum, rmsprop: momentum factor (momentum default 0.9, rmsprop default 0). */
  momentum?: number;
  /** momentum: use Nesterov momentum (default false). */
  useNesterov?: boolean;
  /** adamax: learning-rate decay per iteration; rmsprop: discounting factor (default 0.9). */
  decay?: number;
  /** adadelta: decay rate (default 0.95). */
  rho?: number;
  /** rmsprop: normalise by the estimated variance of the gradient (default false). */
  centered?: boolean;
  /** adagrad: starting value of the accumulators (default 0.1). */
  initialAccumulatorValue?: number;
}

/** True when a string names a supported optimizer. */
export function isOptimizerName(value: string): value is OptimizerName {
  return (OPTIMIZER_NAMES as readonly string[]).includes(value);
}
