/**
 * The chained forms of TensorFlow.js ops (`x.add(y)`, `x.square().sum()`) on every tensor, as
 * the `@tensorflow/tfjs` package registers them: `@tensorflow/tfjs-core` alone leaves them out,
 * and its own registration modules cannot be loaded by Deno (they import files without their
 * `.js` extension). Each method is `op(this, ...args)` except the few listed in `SPECIAL`.
 * @module
 */
import * as core from "@tensorflow/tfjs-core";
// Types only: the `Tensor` methods these modules declare (erased at run time).
import type {} from "@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops.js";

/** The chained ops of `@tensorflow/tfjs` 4.22, in the order it registers them (137). */
export const CHAINED_OPS: readonly string[] = (
  "abs acos acosh add all any argMax argMin asScalar asType as1D as2D as3D as4D as5D asin " +
  "asinh atan atan2 atanh avgPool batchToSpaceND batchNorm broadcastTo cast ceil " +
  "clipByValue concat conv1d conv2dTranspose conv2d cos cosh cumprod cumsum depthToSpace " +
  "depthwiseConv2d dilation2d divNoNan div dot elu equal erf euclideanNorm exp expandDims " +
  "expm1 fft flatten floor floorDiv gather greaterEqual greater ifft irfft isFinite isInf " +
  "isNaN leakyRelu lessEqual less localResponseNormalization logSigmoid logSoftmax " +
  "logSumExp log log1p logicalAnd logicalNot logicalOr logicalXor matMul maxPool max " +
  "maximum mean min minimum mirrorPad mod mul neg norm notEqual oneHot onesLike pad pool " +
  "pow prelu prod reciprocal relu relu6 reshapeAs reshape resizeBilinear " +
  "resizeNearestNeighbor reverse rfft round rsqrt selu separableConv2d sigmoid sign sin " +
  "sinh slice softmax softplus spaceToBatchND split sqrt square squaredDifference squeeze " +
  "stack step stridedSlice sub sum tan tanh tile toBool toFloat toInt topk transpose " +
  "unique unsortedSegmentSum unstack where zerosLike"
).split(" ");

// deno-lint-ignore no-explicit-any
type Op = (tensor: core.Tensor, ...args: any[]) => unknown;

function reshapeTo(tensor: core.Tensor, ...shape: number[]): core.Tensor {
  return core.reshape(tensor, shape);
}

function withTensor(tensor: core.Tensor, others: core.Tensor | core.Tensor[]): core.Tensor[] {
  return others instanceof core.Tensor ? [tensor, others] : [tensor, ...others];
}

/** The chained ops that are not `op(this, ...args)` with an op of the same name. */
const SPECIAL: Readonly<Record<string, Op>> = {
  asScalar: (t) => {
    core.util.assert(t.size === 1, () => "The array must have only 1 element.");
    return core.reshape(t, []);
  },
  asType: (t, dtype: core.DataType) => core.cast(t, dtype),
  as1D: (t) => core.reshape(t, [t.size]),
  as2D: reshapeTo,
  as3D: reshapeTo,
  as4D: reshapeTo,
  as5D: reshapeTo,
  flatten: (t) => core.reshape(t, [t.size]),
  reshapeAs: (t, other: core.Tensor) => core.reshape(t, other.shape),
  toBool: (t) => core.cast(t, "bool"),
  toFloat: (t) => core.cast(t, "float32"),
  toInt: (t) => core.cast(t, "int32"),
  concat: (t, others, axis?: number) => core.concat(withTensor(t, others), axis),
  stack: (t, others, axis?: number) => core.stack(withTensor(t, others), axis),
  where: (t, condition: core.Tensor, other: core.Tensor) => core.where(condition, t, other),
  resizeBilinear: (t, ...args) => (core.image.resizeBilinear as Op)(t, ...args),
  resizeNearestNeighbor: (t, ...args) => (core.image.resizeNearestNeighbor as Op)(t, ...args),
  fft: (t) => core.spectral.fft(t),
  ifft: (t) => core.spectral.ifft(t),
  rfft: (t) => core.spectral.rfft(t),
  irfft: (t) => core.spectral.irfft(t),
};

/**
 * Adds every chained op to the tensor class (once; ops already there are kept). Throws when an
 * op of {@linkcode CHAINED_OPS} has no function in `@tensorflow/tfjs-core`.
 */
export function registerChainedOps(): void {
  const prototype = core.Tensor.prototype as unknown as Record<string, unknown>;
  const ops = core as unknown as Record<string, unknown>;
  for (const name of CHAINED_OPS) {
    if (typeof prototype[name] === "function") continue;
    const op = SPECIAL[name] ?? ops[name];
    if (typeof op !== "function") {
      throw new Error(`@tensorflow/tfjs-core has no op ${name} to chain`);
    }
    prototype[name] = function (this: core.Tensor, ...args: unknown[]) {
      this.throwIfDisposed();
      return (op as Op)(this, ...args);
    };
  }
}
