/**
 * The arithmetic of one Adam step exactly as TensorFlow.js 4.22's `AdamOptimizer` does it:
 * the same float32 constants and the same float32 operations in the same order, so a fused
 * update gives bitwise the same moments and weights.
 * @module
 */

/** The float32 constants of one Adam step. */
export interface AdamConstants {
  /** beta1. */
  beta1: number;
  /** 1 - beta1 (formed in double precision, then rounded, as TensorFlow.js does). */
  oneMinusBeta1: number;
  /** beta2. */
  beta2: number;
  /** 1 - beta2. */
  oneMinusBeta2: number;
  /** 1 - beta1^t, from the float32 accumulator `accBeta1`. */
  correction1: number;
  /** 1 - beta2^t. */
  correction2: number;
  /** epsilon. */
  epsilon: number;
  /** -learningRate. */
  negLearningRate: number;
}

/** Hyper-parameters of an Adam step and the optimizer's float32 accumulators beta^t. */
export interface AdamStepParams {
  /** Decay of the first moment. */
  beta1: number;
  /** Decay of the second moment. */
  beta2: number;
  /** Numerical stability term. */
  epsilon: number;
  /** Learning rate of this step. */
  learningRate: number;
  /** `accBeta1` (beta1^t) as the optimizer holds it. */
  accBeta1: number;
  /** `accBeta2`. */
  accBeta2: number;
}

/** Rounds every constant to float32 as TensorFlow.js's scalar tensors do. */
export function adamConstants(p: AdamStepParams): AdamConstants {
  const f = Math.fround;
  return {
    beta1: f(p.beta1),
    oneMinusBeta1: f(1 - p.beta1),
    beta2: f(p.beta2),
    oneMinusBeta2: f(1 - p.beta2),
    correction1: f(1 - f(p.accBeta1)),
    correction2: f(1 - f(p.accBeta2)),
    epsilon: f(p.epsilon),
    negLearningRate: f(-p.learningRate),
  };
}

/**
 * One Adam step in TypeScript (float32 rounding after every operation):
 * `m' = m*b1 + g*(1-b1)`, `v' = v*b2 + g*g*(1-b2)`,
 * `w' = ((m'/(1-b1^t)) / (sqrt(v'/(1-b2^t)) + eps)) * -lr + w`.
 */
export function adamStepValues(
  arrays: {
    inputs: { w: Float32Array; g: Float32Array; m: Float32Array; v: Float32Array };
    outputs: { w: Float32Array; m: Float32Array; v: Float32Array };
  },
  c: AdamConstants,
): void {
  const f = Math.fround;
  const { inputs, outputs } = arrays;
  const { w, g, m, v } = inputs;
  for (let i = 0; i < g.length; i++) {
    const gi = g[i];
    const mi = f(f(m[i] * c.beta1) + f(gi * c.oneMinusBeta1));
    const vi = f(f(v[i] * c.beta2) + f(f(gi * gi) * c.oneMinusBeta2));
    outputs.m[i] = mi;
    outputs.v[i] = vi;
    const denominator = f(f(Math.sqrt(f(vi / c.correction2))) + c.epsilon);
    outputs.w[i] = f(f(f(f(mi / c.correction1) / denominator) * c.negLearningRate) + w[i]);
  }
}
