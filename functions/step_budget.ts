/**
 * The cost of one training step, estimated from a built model before anything runs: every
 * layer's output shape (TensorFlow.js's own shape inference, so every size-multiplying layer is
 * covered: UpSampling, Resizing, RepeatVector, ZeroPadding, transposed convolutions, huge filter
 * counts) times the batch gives the activations kept for the backward pass; the weights and how
 * often each kernel is applied give the floating-point operations. A step over the server's
 * limits is refused with an error naming the layer that costs most and the figure.
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { InputError } from "../src/errors.ts";
import type { LayerOrigin } from "./topology.ts";

const FLOAT_BYTES = 4;
/** Backward pass: each activation has a gradient of the same size. */
const ACTIVATION_COPIES = 2;
/** Weights, the sweep's snapshot, gradients and two optimizer slots (Adam). */
const PARAM_COPIES = 5;
/** Forward plus backward (gradients for inputs and for weights). */
const TRAINING_FLOPS_FACTOR = 3;
/**
 * Verification keeps, for each candidate, its weights between pruning rounds and its optimizer's
 * two slots (Adam)...
 */
const VERIFY_COPIES_PER_CANDIDATE = 3;
/** ...and besides them the live weights, the sweep's snapshot and the gradients. */
const VERIFY_BASE_COPIES = 3;

/** What one layer costs per sample. */
export interface LayerCost {
  /** Layer name in the built model. */
  name: string;
  /** Its class. */
  className: string;
  /** Output shape of its (first) application, without the batch dimension. */
  outputShape: number[];
  /** Output values per sample, over every application of the layer. */
  outputValues: number;
  /** Forward floating-point operations per sample. */
  flops: number;
  /** Parameters. */
  params: number;
}

/** The estimate of one training step at a batch size. */
export interface StepEstimate {
  /** Batch size the estimate is for. */
  batchSize: number;
  /** Bytes of activations, their gradients, weights, gradients and optimizer state. */
  bytes: number;
  /** Floating-point operations of the forward and backward pass. */
  flops: number;
  /** The layers, in order. */
  layers: LayerCost[];
}

/** Limits a step must stay within. */
export interface StepLimits {
  /** Most bytes (`LR_FINDER_MAX_STEP_BYTES`). */
  maxStepBytes: number;
  /** Most floating-point operations (`LR_FINDER_MAX_STEP_FLOPS`). */
  maxStepFlops: number;
}

/** The cost of every layer of a built model (nested models are opened), per sample. */
export function layerCosts(model: tf.LayersModel): LayerCost[] {
  const costs: LayerCost[] = [];
  const input = model.inputs?.[0]?.shape;
  if (input) {
    const shape = sampleShape(input);
    costs.push({
      name: "input",
      className: "InputLayer",
      outputShape: shape,
      outputValues: product(shape),
      flops: 0,
      params: 0,
    });
  }
  collect(model.layers, costs);
  return costs;
}

function collect(layers: readonly tf.layers.Layer[], costs: LayerCost[]): void {
  for (const layer of layers) {
    if (layer instanceof tf.LayersModel) {
      collect(layer.layers, costs);
      continue;
    }
    if (layer.getClassName() === "InputLayer") continue;
    const inputs = layer.inboundNodes.flatMap((node) => shapesOf(node.inputShapes));
    const outputs = layer.getClassName() === "Resizing"
      ? inputs.map((shape) => resizedShape(layer, shape))
      : layer.inboundNodes.flatMap((node) => shapesOf(node.outputShapes));
    const outputValues = outputs.reduce((sum, shape) => sum + product(sampleShape(shape)), 0);
    const inputValues = inputs.reduce((sum, shape) => sum + product(sampleShape(shape)), 0);
    const positions = Math.max(positionsOf(outputs), positionsOf(inputs), 1);
    let flops = 0;
    let params = 0;
    for (const weight of layer.weights) {
      const size = product(weight.shape);
      params += size;
      flops += /kernel$/.test(weight.originalName ?? weight.name)
        ? 2 * size * positions
        : outputValues;
    }
    if (layer.weights.length === 0) flops = 2 * Math.max(inputValues, outputValues);
    costs.push({
      name: layer.name,
      className: layer.getClassName(),
      outputShape: outputs.length > 0 ? sampleShape(outputs[0]) : [],
      outputValues,
      flops,
      params,
    });
  }
}

/**
 * TensorFlow.js 4.22's `Resizing.computeOutputShape` drops the batch axis and takes the width
 * for the channels; the layer really outputs `[batch, height, width, channels]`.
 */
function resizedShape(layer: tf.layers.Layer, input: tf.Shape): tf.Shape {
  const { height, width } = layer.getConfig() as { height: number; width: number };
  return [input[0], height, width, input[input.length - 1]];
}

/** The step's memory and work at a batch size. */
export function estimateStep(costs: LayerCost[], batchSize: number): StepEstimate {
  let activations = 0;
  let params = 0;
  let flops = 0;
  for (const cost of costs) {
    activations += cost.outputValues;
    params += cost.params;
    flops += cost.flops;
  }
  return {
    batchSize,
    bytes: FLOAT_BYTES *
      (ACTIVATION_COPIES * activations * batchSize + PARAM_COPIES * params),
    flops: TRAINING_FLOPS_FACTOR * flops * batchSize,
    layers: costs,
  };
}

/**
 * The memory of one verification step at a batch size with `candidates` trials: the step's
 * activations and their gradients, plus every candidate's weights and optimizer state (all are
 * held at once between pruning rounds).
 */
export function estimateVerificationStep(
  costs: LayerCost[],
  options: { batchSize: number; candidates: number },
): StepEstimate {
  const step = estimateStep(costs, options.batchSize);
  const params = costs.reduce((sum, cost) => sum + cost.params, 0);
  const copies = VERIFY_BASE_COPIES + VERIFY_COPIES_PER_CANDIDATE * options.candidates;
  return { ...step, bytes: step.bytes + FLOAT_BYTES * (copies - PARAM_COPIES) * params };
}

/**
 * Throws an {@linkcode InputError} when the step is over a limit, naming the layer that costs
 * most (its path in the request when `origins` knows it) and the figures.
 */
export function checkStep(
  estimate: StepEstimate,
  limits: StepLimits,
  origins: Readonly<Record<string, LayerOrigin>> = {},
): void {
  const { batchSize } = estimate;
  if (estimate.bytes > limits.maxStepBytes) {
    const layer = largest(estimate.layers, (c) => c.outputValues);
    const where = describeLayer(layer, origins);
    throw new InputError(
      `${where.label} outputs ${formatCount(layer.outputValues)} values per sample ` +
        `[${layer.outputShape.join(", ")}]; at batch size ${batchSize} one training step needs ` +
        `about ${formatBytes(estimate.bytes)}, more than the limit of this server ` +
        `(${formatBytes(limits.maxStepBytes)}, LR_FINDER_MAX_STEP_BYTES): use smaller layers, ` +
        "a smaller input or a smaller batchSize",
      { field: where.field },
    );
  }
  if (estimate.flops > limits.maxStepFlops) {
    const layer = largest(estimate.layers, (c) => c.flops);
    const where = describeLayer(layer, origins);
    throw new InputError(
      `${where.label} needs about ${
        formatCount(TRAINING_FLOPS_FACTOR * layer.flops * batchSize)
      } floating-point operations per training step at batch size ${batchSize}; the whole ` +
        `step needs about ${formatCount(estimate.flops)}, more than the limit of this server ` +
        `(${
          formatCount(limits.maxStepFlops)
        }, LR_FINDER_MAX_STEP_FLOPS): use fewer filters or units, ` +
        "a smaller input or a smaller batchSize",
      { field: where.field },
    );
  }
}

function describeLayer(
  layer: LayerCost,
  origins: Readonly<Record<string, LayerOrigin>>,
): { label: string; field: string } {
  const origin = origins[layer.name];
  if (origin) return { label: `${origin.path} (${origin.className})`, field: origin.path };
  return { label: `layer ${JSON.stringify(layer.name)} (${layer.className})`, field: "model" };
}

function largest(costs: LayerCost[], by: (cost: LayerCost) => number): LayerCost {
  return costs.reduce((best, cost) => (by(cost) > by(best) ? cost : best));
}

/** The shapes of a node's `outputShapes`/`inputShapes` (one shape or a list of shapes). */
function shapesOf(value: tf.Shape | tf.Shape[]): tf.Shape[] {
  if (value.length > 0 && Array.isArray(value[0])) return value as tf.Shape[];
  return [value as tf.Shape];
}

/** A shape without its batch dimension; unknown sizes count as 1. */
function sampleShape(shape: tf.Shape): number[] {
  return shape.slice(1).map((d) => (typeof d === "number" && d > 0 ? d : 1));
}

/** Positions a kernel is applied at: every value but the last axis (channels, units). */
function positionsOf(shapes: tf.Shape[]): number {
  let most = 0;
  for (const shape of shapes) {
    const sample = sampleShape(shape);
    most = Math.max(most, product(sample.slice(0, -1)));
  }
  return most;
}

function product(values: readonly (number | null)[]): number {
  let n = 1;
  for (const v of values) n *= v ?? 1;
  return n;
}

/** A count with a thousands separator, or in powers of ten when very large. */
export function formatCount(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (value >= 1e12) return value.toExponential(2);
  return Math.round(value).toLocaleString("en-US");
}

/** Bytes in MiB or GiB. */
export function formatBytes(bytes: number): string {
  const mib = bytes / (1024 * 1024);
  if (mib >= 1024) return `${(mib / 1024).toFixed(1)} GiB`;
  return `${mib.toFixed(mib >= 10 ? 0 : 1)} MiB`;
}
