/**
 * `LrFinderCrossEntropy`: categorical cross-entropy of predicted probabilities, as TensorFlow.js
 * Layers computes it (`-sum(yTrue * log(clip(yPred / sum(yPred), eps, 1 - eps)))` over the last
 * axis), in one kernel forward and one backward (`LrFinderCrossEntropyGrad`), for the wasm and
 * cpu backends. Composed of TensorFlow.js ops, the loss and its gradient take about 35 kernels
 * per training step, each an engine dispatch: 0.9 ms of a 2.5 ms MLP step. Each step here is
 * rounded to float32 as the composed ops round it.
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { KernelConfig, TensorInfo } from "@tensorflow/tfjs";
import type { CpuBackend } from "./cpu_backend.ts";
import { type KernelArgs, kernelConfig } from "./kernel_config.ts";
import { floats, tensorBuffer } from "./wasm_heap.ts";

/** Name of the loss kernel. */
export const CROSS_ENTROPY = "LrFinderCrossEntropy";

/** Name of its gradient kernel (with respect to the predictions). */
export const CROSS_ENTROPY_GRAD = "LrFinderCrossEntropyGrad";

/** Attributes of both kernels. */
export interface CrossEntropyAttrs {
  /** Probabilities are clipped to `[epsilon, 1 - epsilon]` before the logarithm. */
  epsilon: number;
  [name: string]: number;
}

const f32 = Math.fround;

/** Row values the kernels read and write (subarrays of a heap or plain arrays). */
interface Rows {
  /** Predicted probabilities, `rows * classes`. */
  p: Float32Array;
  /** Targets, `rows * classes`. */
  y: Float32Array;
}

/** `out[r] = -sum_j y[r, j] * log(clip(p[r, j] / sum_k p[r, k]))`. */
export function crossEntropyValues(
  at: Rows & { out: Float32Array },
  classes: number,
  epsilon: number,
): void {
  const { p, y, out } = at;
  const high = f32(1 - epsilon);
  for (let r = 0, base = 0; r < out.length; r++, base += classes) {
    let total = 0;
    for (let j = 0; j < classes; j++) total = f32(total + p[base + j]);
    let sum = 0;
    for (let j = 0; j < classes; j++) {
      const n = f32(p[base + j] / total);
      const c = n < epsilon ? epsilon : n > high ? high : n;
      sum = f32(sum + f32(y[base + j] * f32(Math.log(c))));
    }
    out[r] = -sum;
  }
}

/** The gradient of {@linkcode crossEntropyValues} with respect to `p`, given `dy` per row. */
export function crossEntropyGradValues(
  at: Rows & { dy: Float32Array; dp: Float32Array },
  classes: number,
  epsilon: number,
): void {
  const { p, y, dy, dp } = at;
  const high = f32(1 - epsilon);
  for (let r = 0, base = 0; r < dy.length; r++, base += classes) {
    let total = 0;
    for (let j = 0; j < classes; j++) total = f32(total + p[base + j]);
    // Through neg, sum, mul, log, clip and the division by the row's total, as composed.
    let dTotal = 0;
    for (let j = 0; j < classes; j++) {
      const n = f32(p[base + j] / total);
      const inside = n >= epsilon && n <= high;
      const c = n < epsilon ? epsilon : n > high ? high : n;
      const dn = inside ? f32(f32(-dy[r] * y[base + j]) / c) : 0;
      dp[base + j] = f32(dn / total);
      dTotal = f32(dTotal + f32(dn * p[base + j]));
    }
    const fromTotal = -f32(dTotal / f32(total * total));
    for (let j = 0; j < classes; j++) dp[base + j] = f32(dp[base + j] + fromTotal);
  }
}

function classesOf(info: TensorInfo): number {
  return info.shape[info.shape.length - 1] ?? 1;
}

function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

interface LossInputs {
  yTrue: TensorInfo;
  yPred: TensorInfo;
}

interface GradInputs extends LossInputs {
  dy: TensorInfo;
}

/** One of the two kernels, apart from the backend: its output's shape and how to fill it. */
interface CrossEntropyKernel<I extends LossInputs> {
  outShape(yPred: TensorInfo): number[];
  fill(
    read: (info: TensorInfo) => Float32Array,
    inputs: I,
    out: Float32Array,
    epsilon: number,
  ): void;
}

const LOSS: CrossEntropyKernel<LossInputs> = {
  outShape: (yPred) => yPred.shape.slice(0, -1),
  fill: (read, inputs, out, epsilon) =>
    crossEntropyValues(
      { p: read(inputs.yPred), y: read(inputs.yTrue), out },
      classesOf(inputs.yPred),
      epsilon,
    ),
};

const GRAD: CrossEntropyKernel<GradInputs> = {
  outShape: (yPred) => [...yPred.shape],
  fill: (read, inputs, dp, epsilon) =>
    crossEntropyGradValues(
      { p: read(inputs.yPred), y: read(inputs.yTrue), dy: read(inputs.dy), dp },
      classesOf(inputs.yPred),
      epsilon,
    ),
};

/** `kernel` on the wasm backend: the output is made first, then every view of the heap. */
function onWasm<I extends LossInputs>(kernel: CrossEntropyKernel<I>) {
  return (args: KernelArgs<I, CrossEntropyAttrs>): TensorInfo => {
    const { inputs, backend, attrs } = args;
    const out = backend.makeOutput(kernel.outShape(inputs.yPred), "float32");
    const view = (info: TensorInfo) => floats(backend, tensorBuffer(backend, info));
    kernel.fill(view, inputs, view(out), attrs.epsilon);
    return out;
  };
}

/** `kernel` on the cpu backend. */
function onCpu<I extends LossInputs>(kernel: CrossEntropyKernel<I>) {
  return (args: KernelArgs<I, CrossEntropyAttrs, CpuBackend>): TensorInfo => {
    const { inputs, backend, attrs } = args;
    const shape = kernel.outShape(inputs.yPred);
    const out = new Float32Array(sizeOf(shape));
    kernel.fill(
      (info) => backend.readSync(info.dataId) as Float32Array,
      inputs,
      out,
      attrs.epsilon,
    );
    return backend.makeTensorInfo(shape, "float32", out);
  };
}

const CONFIGS: KernelConfig[] = [
  kernelConfig(CROSS_ENTROPY, onWasm(LOSS)),
  kernelConfig(CROSS_ENTROPY_GRAD, onWasm(GRAD)),
  kernelConfig(CROSS_ENTROPY, onCpu(LOSS), "cpu"),
  kernelConfig(CROSS_ENTROPY_GRAD, onCpu(GRAD), "cpu"),
];

/** The composed loss of predicted probabilities `p` (the target's gradient needs it). */
function clippedLog(p: tf.Tensor, epsilon: number): tf.Tensor {
  const last = p.rank - 1;
  return tf.log(tf.clipByValue(tf.div(p, tf.sum(p, last, true)), epsilon, 1 - epsilon));
}

let gradientRegistered = false;

/**
 * True when the current backend has the fused kernels (wasm, cpu); registers them, and their
 * gradient, on first use.
 */
export function crossEntropyKernelAvailable(): boolean {
  const backend = tf.getBackend();
  if (backend !== "wasm" && backend !== "cpu") return false;
  if (tf.getKernel(CROSS_ENTROPY, backend) === undefined) {
    for (const config of CONFIGS) {
      if (config.backendName === backend) tf.registerKernel(config);
    }
  }
  if (!gradientRegistered) {
    tf.registerGradient({
      kernelName: CROSS_ENTROPY,
      inputsToSave: ["yTrue", "yPred"],
      gradFunc: (dy, saved, attrs) => {
        const [yTrue, yPred] = saved;
        const epsilon = (attrs as CrossEntropyAttrs).epsilon;
        return {
          yPred: () =>
            tf.engine().runKernel(CROSS_ENTROPY_GRAD, { dy: dy as tf.Tensor, yTrue, yPred }, {
              epsilon,
            }) as tf.Tensor,
          yTrue: () =>
            tf.mul(tf.neg(tf.expandDims(dy as tf.Tensor, -1)), clippedLog(yPred, epsilon)),
        };
      },
    });
    gradientRegistered = true;
  }
  return true;
}

/**
 * Per-sample categorical cross-entropy of probabilities `yPred` against `yTrue` (same shape,
 * float32) in one kernel; call only where {@linkcode crossEntropyKernelAvailable} is true.
 */
export function fusedCrossEntropy(yTrue: tf.Tensor, yPred: tf.Tensor, epsilon: number): tf.Tensor {
  const attrs: CrossEntropyAttrs = { epsilon };
  return tf.engine().runKernel(CROSS_ENTROPY, { yTrue, yPred }, attrs) as tf.Tensor;
}
