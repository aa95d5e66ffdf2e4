/**
 * The bias-corrected exponential moving average of the loss (beta 0.98 by default):
 * `avg_k = beta * avg_{k-1} + (1 - beta) * loss_k`, `smoothed_k = avg_k / (1 - beta ** (k + 1))`.
 * @module
 */

/** A running, causal smoother: feed raw losses one at a time. */
export interface LossSmoother {
  /** Adds the next raw loss and returns the smoothed value at this step. */
  push(loss: number): number;
  /** Number of losses pushed so far. */
  readonly count: number;
}

/** Default smoothing factor. */
export const DEFAULT_BETA = 0.98;

/** Creates a causal bias-corrected moving average with factor `beta` in [0, 1). */
export function createLossSmoother(beta: number = DEFAULT_BETA): LossSmoother {
  let average = 0;
  let count = 0;
  return {
    push(loss: number): number {
      average = beta * average + (1 - beta) * loss;
      count++;
      return average / (1 - beta ** count);
    },
    get count() {
      return count;
    },
  };
}

/** Smooths a whole loss curve with the causal bias-corrected moving average. */
export function smoothLosses(losses: readonly number[], beta: number = DEFAULT_BETA): number[] {
  const smoother = createLossSmoother(beta);
  return losses.map((loss) => smoother.push(loss));
}
