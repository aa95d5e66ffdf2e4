/**
 * The compact model form of a request: a list of layers such as
 * `[{"type": "dense", "units": 64, "activation": "relu"}, {"type": "output"}]`, validated by
 * zod and turned into a Keras Sequential topology (built like any client topology, so it is
 * seeded and counted the same way). `{"type": "output"}` is a dense layer sized for the data.
 * @module
 */
import { z } from "zod";
import { strictObject } from "../src/validation.ts";

/** Activation functions a compact layer may name (TensorFlow.js names). */
export const ACTIVATIONS = [
  "linear",
  "relu",
  "relu6",
  "elu",
  "selu",
  "gelu",
  "swish",
  "mish",
  "sigmoid",
  "hardSigmoid",
  "tanh",
  "softmax",
  "logSoftmax",
  "softplus",
  "softsign",
] as const;

const count = z.int().min(1);
const size1d = z.union([count, z.tuple([count])]);
const size2d = z.union([count, z.tuple([count, count])]);
const activation = z.enum(ACTIVATIONS);
const padding = z.enum(["valid", "same"]);

function pooling<T extends string>(type: T, size: typeof size1d | typeof size2d) {
  return strictObject({
    type: z.literal(type),
    poolSize: size.optional().describe("Default 2"),
    strides: size.optional().describe("Default poolSize"),
    padding: padding.optional(),
  });
}

function global<T extends string>(type: T) {
  return strictObject({ type: z.literal(type) });
}

function recurrent<T extends string>(type: T) {
  return strictObject({
    type: z.literal(type),
    units: count,
    activation: activation.optional().describe("Default tanh"),
    returnSequences: z.boolean().optional().describe("Default false"),
  });
}

/** Schema of one compact layer, told apart by `type`. */
export const layerSchema = z.discriminatedUnion("type", [
  strictObject({
    type: z.literal("dense"),
    units: count,
    activation: activation.optional().describe("Default linear"),
    useBias: z.boolean().optional(),
  }),
  strictObject({
    type: z.literal("conv1d"),
    filters: count,
    kernelSize: size1d,
    strides: size1d.optional(),
    padding: padding.optional(),
    activation: activation.optional(),
  }),
  strictObject({
    type: z.literal("conv2d"),
    filters: count,
    kernelSize: size2d,
    strides: size2d.optional(),
    padding: padding.optional(),
    activation: activation.optional(),
  }),
  pooling("maxPooling1d", size1d),
  pooling("averagePooling1d", size1d),
  pooling("maxPooling2d", size2d),
  pooling("averagePooling2d", size2d),
  global("globalAveragePooling1d"),
  global("globalMaxPooling1d"),
  global("globalAveragePooling2d"),
  global("globalMaxPooling2d"),
  global("flatten"),
  strictObject({ type: z.literal("dropout"), rate: z.number().min(0).lt(1) }),
  strictObject({
    type: z.literal("batchNormalization"),
    momentum: z.number().gt(0).lt(1).optional(),
    epsilon: z.number().positive().optional(),
  }),
  strictObject({
    type: z.literal("layerNormalization"),
    epsilon: z.number().positive().optional(),
  }),
  strictObject({ type: z.literal("activation"), activation }),
  strictObject({ type: z.literal("reshape"), targetShape: z.array(count).min(1) }),
  recurrent("simpleRNN"),
  recurrent("lstm"),
  recurrent("gru"),
  strictObject({
    type: z.literal("output"),
    activation: activation.optional().describe("Default: from the data and the loss"),
  }),
]);

/** One compact layer. */
export type LayerSpec = z.output<typeof layerSchema>;

/** Most layers in a compact list. */
export const MAX_LAYERS = 64;

/** Schema of the compact model: `{inputShape?, layers}`; `output` may only come last. */
export const layerListSchema = strictObject({
  inputShape: z.array(count).min(1).max(4).optional().describe(
    "Shape of one sample; default the data's",
  ),
  layers: z.array(layerSchema).min(1).max(MAX_LAYERS),
}).superRefine((model, ctx) => {
  model.layers.forEach((layer, i) => {
    if (layer.type === "output" && i !== model.layers.length - 1) {
      ctx.addIssue({
        code: "custom",
        path: ["layers", i, "type"],
        message: `"output" must be the last layer (it is layer ${i} of ${model.layers.length})`,
      });
    }
  });
});

/** A validated compact model. */
export type LayerList = z.output<typeof layerListSchema>;

/** The output layer `{"type": "output"}` stands for. */
export interface OutputLayer {
  /** Units: classes, or values per target. */
  units: number;
  /** Activation: softmax for classes, sigmoid for binary targets, linear for regression. */
  activation: string;
}

/** Options of {@linkcode layerListTopology}. */
export interface LayerListTopologyOptions {
  /** Shape of one sample (without the batch dimension). */
  inputShape: number[];
  /** What `{"type": "output"}` becomes. */
  output: OutputLayer;
  /** Name of the model. */
  name?: string;
}

/** The Keras Sequential topology of a compact layer list. */
export function layerListTopology(
  layers: readonly LayerSpec[],
  options: LayerListTopologyOptions,
): Record<string, unknown> {
  const configs = layers.map((layer) => kerasLayer(layer, options.output));
  const first = configs[0].config as Record<string, unknown>;
  first.batch_input_shape = [null, ...options.inputShape];
  return {
    class_name: "Sequential",
    config: { name: options.name ?? "model", layers: configs },
  };
}

function kerasLayer(layer: LayerSpec, output: OutputLayer): Record<string, unknown> {
  const of = (className: string, config: Record<string, unknown>) => ({
    class_name: className,
    config: withoutUndefined(config),
  });
  switch (layer.type) {
    case "dense":
      return of("Dense", {
        units: layer.units,
        activation: layer.activation ?? "linear",
        use_bias: layer.useBias,
      });
    case "output":
      return of("Dense", {
        units: output.units,
        activation: layer.activation ?? output.activation,
      });
    case "conv1d":
    case "conv2d": {
      const rank = layer.type === "conv1d" ? 1 : 2;
      return of(rank === 1 ? "Conv1D" : "Conv2D", {
        filters: layer.filters,
        kernel_size: tuple(layer.kernelSize, rank),
        strides: layer.strides === undefined ? undefined : tuple(layer.strides, rank),
        padding: layer.padding,
        activation: layer.activation ?? "linear",
      });
    }
    case "maxPooling1d":
    case "averagePooling1d":
    case "maxPooling2d":
    case "averagePooling2d": {
      const rank = layer.type.endsWith("1d") ? 1 : 2;
      const className = `${layer.type.startsWith("max") ? "Max" : "Average"}Pooling${rank}D`;
      return of(className, {
        pool_size: tuple(layer.poolSize ?? 2, rank),
        strides: layer.strides === undefined ? undefined : tuple(layer.strides, rank),
        padding: layer.padding,
      });
    }
    case "globalAveragePooling1d":
      return of("GlobalAveragePooling1D", {});
    case "globalMaxPooling1d":
      return of("GlobalMaxPooling1D", {});
    case "globalAveragePooling2d":
      return of("GlobalAveragePooling2D", {});
    case "globalMaxPooling2d":
      return of("GlobalMaxPooling2D", {});
    case "flatten":
      return of("Flatten", {});
    case "dropout":
      return of("Dropout", { rate: layer.rate });
    case "batchNormalization":
      return of("BatchNormalization", { momentum: layer.momentum, epsilon: layer.epsilon });
    case "layerNormalization":
      return of("LayerNormalization", { epsilon: layer.epsilon });
    case "activation":
      return of("Activation", { activation: layer.activation });
    case "reshape":
      return of("Reshape", { target_shape: layer.targetShape });
    case "simpleRNN":
    case "lstm":
    case "gru":
      return of(
        layer.type === "simpleRNN" ? "SimpleRNN" : layer.type === "lstm" ? "LSTM" : "GRU",
        {
          units: layer.units,
          activation: layer.activation,
          return_sequences: layer.returnSequences,
        },
      );
  }
}

function tuple(value: number | number[], rank: number): number[] {
  return typeof value === "number" ? Array(rank).fill(value) : value;
}

function withoutUndefined(config: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(config).filter(([, v]) => v !== undefined));
}
