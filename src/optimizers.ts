/**
 * TensorFlow.js optimizers for the sweep: creating one from a spec, describing an existing one,
 * changing its learning rate every step, copying a user's optimizer with its state so the
 * user's own object is never touched, and the training step (fused for Adam on wasm and cpu).
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { KernelConfig } from "@tensorflow/tfjs";
import { InputError } from "./errors.ts";
import { ADAM_UPDATE, adamUpdateCpuConfig, adamUpdateWasmConfig } from "./kernels/adam_update.ts";
import { kernelFlag } from "./kernels/flags.ts";
import {
  isOptimizerName,
  OPTIMIZER_NAMES,
  type OptimizerName,
  type OptimizerSpec,
} from "./optimizer_spec.ts";

/** TensorFlow.js class names of the supported optimizers. */
const CLASS_NAMES: Record<string, OptimizerName> = {
  SGD: "sgd",
  Momentum: "momentum",
  Adam: "adam",
  Adamax: "adamax",
  RMSProp: "rmsprop",
  Adagrad: "adagrad",
  Adadelta: "adadelta",
};

/** A copy of an optimizer made for a sweep, and whether the source's state came with it. */
export interface SweepOptimizer {
  /** The optimizer the sweep trains with; dispose it with {@linkcode disposeOptimizer}. */
  optimizer: tf.Optimizer;
  /** `copied` when the source's accumulated state (moments, iteration count) was copied. */
  state: "fresh" | "copied";
}

/** Creates an optimizer from a spec, starting at `learningRate`. */
export function createOptimizer(spec: OptimizerSpec, learningRate: number): tf.Optimizer {
  if (!isOptimizerName(spec.name)) {
    throw new InputError(
      `optimizer.name must be one of ${OPTIMIZER_NAMES.join(", ")}, got ${
        JSON.stringify(spec.name)
      }`,
      { field: "optimizer.name" },
    );
  }
  switch (spec.name) {
    case "sgd":
      return tf.train.sgd(learningRate);
    case "momentum":
      return tf.train.momentum(learningRate, spec.momentum ?? 0.9, spec.useNesterov ?? false);
    case "adam":
      return tf.train.adam(learningRate, spec.beta1 ?? 0.9, spec.beta2 ?? 0.999, spec.epsilon);
    case "adamax":
      return tf.train.adamax(
        learningRate,
        spec.beta1 ?? 0.9,
        spec.beta2 ?? 0.999,
        spec.epsilon,
        spec.decay ?? 0,
      );
    case "rmsprop":
      return tf.train.rmsprop(
        learningRate,
        spec.decay ?? 0.9,
        spec.momentum ?? 0,
        spec.epsilon,
        spec.centered ?? false,
      );
    case "adagrad":
      return tf.train.adagrad(learningRate, spec.initialAccumulatorValue ?? 0.1);
    case "adadelta":
      return tf.train.adadelta(learningRate, spec.rho ?? 0.95, spec.epsilon);
  }
}

/** The spec of an existing TensorFlow.js optimizer (its class and hyper-parameters). */
export function describeOptimizer(optimizer: tf.Optimizer): OptimizerSpec {
  const name = CLASS_NAMES[optimizer.getClassName()];
  if (!name) {
    throw new InputError(
      `the model's optimizer ${optimizer.getClassName()} is not supported: use one of ${
        OPTIMIZER_NAMES.join(", ")
      } or pass options.optimizer`,
      { field: "optimizer" },
    );
  }
  const config = optimizer.getConfig() as Record<string, unknown>;
  const spec: OptimizerSpec = { name };
  const keys = [
    "learningRate",
    "beta1",
    "beta2",
    "epsilon",
    "momentum",
    "useNesterov",
    "decay",
    "rho",
    "centered",
    "initialAccumulatorValue",
  ] as const;
  for (const key of keys) {
    const value = config[key];
    if (typeof value === "number" || typeof value === "boolean") {
      (spec as unknown as Record<string, unknown>)[key] = value;
    }
  }
  return spec;
}

/**
 * Sets the learning rate the optimizer's next step uses. Every supported optimizer reads its
 * `learningRate` field in each step; SGD and momentum also cache `-learningRate` as a tensor,
 * which `setLearningRate` replaces. (Class names, not `instanceof`: TensorFlow.js makes every
 * optimizer an `instanceof` every optimizer class.)
 */
export function setOptimizerLearningRate(optimizer: tf.Optimizer, learningRate: number): void {
  const className = optimizer.getClassName();
  if (className === "SGD" || className === "Momentum") {
    (optimizer as tf.SGDOptimizer).setLearningRate(learningRate);
  } else {
    (optimizer as unknown as { learningRate: number }).learningRate = learningRate;
  }
}

/** Frees every tensor an optimizer holds, including the one momentum's dispose forgets. */
export function disposeOptimizer(optimizer: tf.Optimizer): void {
  optimizer.dispose();
  if (optimizer.getClassName() === "Momentum") {
    const cached = (optimizer as unknown as { c?: tf.Tensor }).c;
    if (cached && !cached.isDisposed) cached.dispose();
  }
}

/**
 * A new optimizer for the sweep with the spec's hyper-parameters and, when `source` is given and
 * of the same kind, a copy of its accumulated state. The source optimizer is only read.
 */
export async function createSweepOptimizer(
  spec: OptimizerSpec,
  learningRate: number,
  source?: tf.Optimizer,
): Promise<SweepOptimizer> {
  const optimizer = createOptimizer(spec, learningRate);
  if (!source || CLASS_NAMES[source.getClassName()] !== spec.name) {
    return { optimizer, state: "fresh" };
  }
  try {
    const copied = spec.name === "adamax"
      ? copyAdamaxState(source, optimizer)
      : await copyExportedState(source, optimizer);
    return { optimizer, state: copied ? "copied" : "fresh" };
  } catch (error) {
    disposeOptimizer(optimizer);
    throw error;
  }
}

/** Copies state through getWeights/setWeights; the source's tensors are shared, never changed. */
async function copyExportedState(source: tf.Optimizer, target: tf.Optimizer): Promise<boolean> {
  const weights = await source.getWeights();
  const [iterations] = weights;
  try {
    const hasState = weights.length > 1 || source.iterations > 0;
    if (hasState) await target.setWeights(weights);
    return hasState;
  } finally {
    iterations.tensor.dispose();
  }
}

interface AdamaxSlots {
  accumulatedFirstMoment: { originalName: string; variable: tf.Variable }[];
  accumulatedWeightedInfNorm: { originalName: string; variable: tf.Variable }[];
  iteration: tf.Variable;
  accBeta1: tf.Variable;
}

/** Adamax has no getWeights/setWeights in TensorFlow.js 4.22, so its slots are copied directly. */
function copyAdamaxState(source: tf.Optimizer, target: tf.Optimizer): boolean {
  const from = source as unknown as AdamaxSlots;
  const to = target as unknown as AdamaxSlots;
  if (from.accumulatedFirstMoment.length === 0) return false;
  const copySlot = (slot: { originalName: string; variable: tf.Variable }) => ({
    originalName: slot.originalName,
    variable: tf.variable(slot.variable, false),
  });
  to.accumulatedFirstMoment = from.accumulatedFirstMoment.map(copySlot);
  to.accumulatedWeightedInfNorm = from.accumulatedWeightedInfNorm.map(copySlot);
  to.iteration.assign(from.iteration);
  to.accBeta1.assign(from.accBeta1);
  return true;
}

/** The kernels of fused updates, by backend. */
const FUSED_ADAM: Record<string, KernelConfig> = {
  wasm: adamUpdateWasmConfig,
  cpu: adamUpdateCpuConfig,
};

/** True when Adam steps on the current backend can use the fused kernel (registered here). */
function fusedAdamAvailable(): boolean {
  const backend = tf.getBackend();
  const config = FUSED_ADAM[backend];
  if (config === undefined) return false;
  if (tf.getKernel(ADAM_UPDATE, backend) === undefined) tf.registerKernel(config);
  return true;
}

/**
 * One training step: the loss `step.loss()` and its gradients for `step.variables`, then the
 * optimizer's update; returns the loss (the caller disposes it). Adam on the wasm and cpu
 * backends updates each variable in one fused kernel instead of TensorFlow.js's 15
 * element-wise ones, with bitwise the same weights, moments and accumulators; other optimizers
 * and backends use `optimizer.minimize`, as do variables other than float32.
 */
export function trainingStep(
  optimizer: tf.Optimizer,
  step: { loss: () => tf.Scalar; variables: tf.Variable[] },
): tf.Scalar {
  const { loss: f, variables } = step;
  const fusable = kernelFlag("fusedUpdates") && optimizer.getClassName() === "Adam" &&
    variables.every((v) => v.dtype === "float32") && fusedAdamAvailable();
  if (!fusable) {
    return optimizer.minimize(f, true, variables)!;
  }
  const { value, grads } = optimizer.computeGradients(f, variables);
  try {
    applyAdamFused(optimizer as unknown as AdamSlots, variables, grads);
  } catch (error) {
    value.dispose();
    throw error;
  } finally {
    tf.dispose(grads);
  }
  return value;
}

interface OptimizerSlot {
  originalName: string;
  variable: tf.Variable;
}

/** The fields of TensorFlow.js 4.22's `AdamOptimizer` that its `applyGradients` uses. */
interface AdamSlots {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: OptimizerSlot[];
  accumulatedSecondMoment: OptimizerSlot[];
  incrementIterations(): void;
}

/** Adam's `applyGradients` with one fused kernel per variable; the state changes identically. */
function applyAdamFused(o: AdamSlots, variables: tf.Variable[], grads: tf.NamedTensorMap): void {
  const attrs = {
    beta1: o.beta1,
    beta2: o.beta2,
    epsilon: o.epsilon,
    learningRate: o.learningRate,
  };
  variables.forEach((value, i) => {
    const slot = (suffix: string) => ({
      originalName: `${value.name}/${suffix}`,
      variable: tf.tidy(() => tf.zerosLike(value).variable(false)),
    });
    o.accumulatedFirstMoment[i] ??= slot("m");
    o.accumulatedSecondMoment[i] ??= slot("v");
    const gradient = grads[value.name];
    if (gradient === undefined) return;
    const m = o.accumulatedFirstMoment[i].variable;
    const v = o.accumulatedSecondMoment[i].variable;
    const outputs = tf.engine().runKernel(
      ADAM_UPDATE,
      { w: value, g: gradient, m, v, accBeta1: o.accBeta1, accBeta2: o.accBeta2 },
      attrs as unknown as tf.NamedAttrMap,
    ) as tf.Tensor[];
    m.assign(outputs[1]);
    v.assign(outputs[2]);
    value.assign(outputs[0]);
    tf.dispose(outputs);
  });
  tf.tidy(() => {
    o.accBeta1.assign(tf.mul(o.accBeta1, o.beta1));
    o.accBeta2.assign(tf.mul(o.accBeta2, o.beta2));
  });
  o.incrementIterations();
}
