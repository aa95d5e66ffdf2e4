/**
 * Building a model from a Keras/TensorFlow.js Layers topology sent by a client, safely: every
 * `class_name` must be one of TensorFlow.js's built-in classes (no custom layers, no code), every
 * weight initialiser is seeded from the request's seed (the same request gives the same
 * weights), and every weight passes a parameter budget before its memory is allocated.
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { ConfigError, type ConfigIssue } from "../src/validation.ts";
import { InputError } from "../src/errors.ts";

/** Built-in layer classes of TensorFlow.js Layers a topology may use. */
export const LAYER_CLASSES: readonly string[] = [
  "Activation",
  "Add",
  "AlphaDropout",
  "Average",
  "AveragePooling1D",
  "AveragePooling2D",
  "AveragePooling3D",
  "BatchNormalization",
  "Bidirectional",
  "CategoryEncoding",
  "CenterCrop",
  "Concatenate",
  "Conv1D",
  "Conv2D",
  "Conv2DTranspose",
  "Conv3D",
  "Conv3DTranspose",
  "ConvLSTM2D",
  "ConvLSTM2DCell",
  "Cropping2D",
  "Dense",
  "DepthwiseConv2D",
  "Dot",
  "Dropout",
  "ELU",
  "Embedding",
  "Flatten",
  "GRU",
  "GRUCell",
  "GaussianDropout",
  "GaussianNoise",
  "GlobalAveragePooling1D",
  "GlobalAveragePooling2D",
  "GlobalMaxPooling1D",
  "GlobalMaxPooling2D",
  "InputLayer",
  "LSTM",
  "LSTMCell",
  "LayerNormalization",
  "LeakyReLU",
  "Masking",
  "MaxPooling1D",
  "MaxPooling2D",
  "MaxPooling3D",
  "Maximum",
  "Minimum",
  "Multiply",
  "PReLU",
  "Permute",
  "RNN",
  "ReLU",
  "RepeatVector",
  "Rescaling",
  "Reshape",
  "Resizing",
  "SeparableConv2D",
  "SimpleRNN",
  "SimpleRNNCell",
  "Softmax",
  "SpatialDropout1D",
  "StackedRNNCells",
  "ThresholdedReLU",
  "TimeDistributed",
  "UpSampling2D",
  "ZeroPadding2D",
];

/** Model classes a topology's root (or a nested model) may be. */
export const MODEL_CLASSES: readonly string[] = ["Sequential", "Model", "Functional"];

/** Built-in weight initialisers. */
export const INITIALIZER_CLASSES: readonly string[] = [
  "Constant",
  "GlorotNormal",
  "GlorotUniform",
  "HeNormal",
  "HeUniform",
  "Identity",
  "LeCunNormal",
  "LeCunUniform",
  "Ones",
  "Orthogonal",
  "RandomNormal",
  "RandomUniform",
  "TruncatedNormal",
  "VarianceScaling",
  "Zeros",
];

/** Built-in weight regularisers and constraints. */
export const REGULARIZER_AND_CONSTRAINT_CLASSES: readonly string[] = [
  "L1L2",
  "MaxNorm",
  "MinMaxNorm",
  "NonNeg",
  "UnitNorm",
];

/** Initialisers that draw random numbers and therefore get a seed. */
const RANDOM_INITIALIZERS = new Set([
  "GlorotNormal",
  "GlorotUniform",
  "HeNormal",
  "HeUniform",
  "LeCunNormal",
  "LeCunUniform",
  "Orthogonal",
  "RandomNormal",
  "RandomUniform",
  "TruncatedNormal",
  "VarianceScaling",
]);

const KERNEL = { kernel_initializer: "GlorotUniform", bias_initializer: "Zeros" };
const RECURRENT = { ...KERNEL, recurrent_initializer: "Orthogonal" };
const NORMALIZATION = { beta_initializer: "Zeros", gamma_initializer: "Ones" };

/**
 * The initialiser options of every layer class that has weights, with TensorFlow.js's
 * defaults: a missing option is filled in so that it is seeded and counted like the others.
 */
const WEIGHT_INITIALIZERS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  Dense: KERNEL,
  Conv1D: KERNEL,
  Conv2D: KERNEL,
  Conv3D: KERNEL,
  Conv2DTranspose: KERNEL,
  Conv3DTranspose: KERNEL,
  DepthwiseConv2D: { depthwise_initializer: "GlorotUniform", bias_initializer: "Zeros" },
  SeparableConv2D: {
    depthwise_initializer: "GlorotUniform",
    pointwise_initializer: "GlorotUniform",
    bias_initializer: "Zeros",
  },
  Embedding: { embeddings_initializer: "RandomUniform" },
  BatchNormalization: {
    ...NORMALIZATION,
    moving_mean_initializer: "Zeros",
    moving_variance_initializer: "Ones",
  },
  LayerNormalization: NORMALIZATION,
  PReLU: { alpha_initializer: "Zeros" },
  SimpleRNN: RECURRENT,
  SimpleRNNCell: RECURRENT,
  GRU: RECURRENT,
  GRUCell: RECURRENT,
  LSTM: RECURRENT,
  LSTMCell: RECURRENT,
  ConvLSTM2D: RECURRENT,
  ConvLSTM2DCell: RECURRENT,
};

const ALLOWED = new Set([
  ...LAYER_CLASSES,
  ...MODEL_CLASSES,
  ...INITIALIZER_CLASSES,
  ...REGULARIZER_AND_CONSTRAINT_CLASSES,
]);

/** Class name of the budget guard that wraps every initialiser (never accepted from clients). */
const GUARD_CLASS = "LrFinderParamBudget";

/** A topology checked and rewritten for building, and the training config it carried. */
export interface PreparedTopology {
  /** The rewritten topology (a copy; the request's value is not changed). */
  topology: Record<string, unknown>;
  /** `training_config` of the topology, if any (loss and optimizer defaults). */
  trainingConfig?: unknown;
}

/** Options of {@linkcode prepareTopology}. */
export interface PrepareTopologyOptions {
  /** Seed of the weight initialisers. */
  seed: number;
  /** Path of the topology in the request, for messages; default `model.modelTopology`. */
  field?: string;
}

interface WalkContext {
  issues: ConfigIssue[];
  seed: number;
  initializers: number;
}

/**
 * Checks a topology and returns a copy ready for {@linkcode buildModel}: every `class_name`
 * must be a built-in class (a {@linkcode ConfigError} lists each one that is not, with its
 * path); missing initialisers of layers with weights are filled in with TensorFlow.js's
 * defaults; random initialisers get seeds derived from `seed`; every initialiser is wrapped
 * by the parameter budget.
 */
export function prepareTopology(
  value: unknown,
  options: PrepareTopologyOptions,
): PreparedTopology {
  const field = options.field ?? "model.modelTopology";
  if (!isRecord(value)) {
    throw new ConfigError([{
      path: field,
      message: `expected a Layers model topology (an object with class_name and config), got ${
        describe(value)
      }`,
    }]);
  }
  let root = structuredClone(value) as Record<string, unknown>;
  let rootPath = field;
  if (isRecord(root.model_config)) {
    root = root.model_config;
    rootPath = `${field}.model_config`;
  }
  const trainingConfig = value.training_config ?? value.trainingConfig;
  delete root.training_config;
  delete root.trainingConfig;
  const rootClass = root.class_name ?? root.className;
  if (typeof rootClass !== "string" || !MODEL_CLASSES.includes(rootClass)) {
    throw new ConfigError([{
      path: `${rootPath}.class_name`,
      message: `expected a model class (${MODEL_CLASSES.join(", ")}), got ${describe(rootClass)}`,
    }]);
  }
  const context: WalkContext = { issues: [], seed: options.seed, initializers: 0 };
  visit(root, rootPath, context);
  if (context.issues.length > 0) throw new ConfigError(context.issues);
  const prepared: PreparedTopology = { topology: root };
  if (trainingConfig !== undefined && trainingConfig !== null) {
    prepared.trainingConfig = trainingConfig;
  }
  return prepared;
}

function visit(node: unknown, path: string, context: WalkContext): void {
  if (Array.isArray(node)) {
    node.forEach((item, i) => visit(item, `${path}[${i}]`, context));
    return;
  }
  if (!isRecord(node)) return;
  const classKey = "class_name" in node ? "class_name" : "className" in node ? "className" : "";
  if (classKey) {
    const name = node[classKey];
    if (typeof name !== "string" || !ALLOWED.has(name)) {
      context.issues.push({
        path: `${path}.${classKey}`,
        message: `${describe(name)} is not a built-in TensorFlow.js class: custom layers and ` +
          "code cannot be loaded; use the built-in layers (Dense, Conv2D, LSTM, ...)",
      });
      return;
    }
    const defaults = WEIGHT_INITIALIZERS[name];
    if (defaults && isRecord(node.config)) fillInitializers(node.config, defaults);
  }
  for (const key of Object.keys(node)) {
    if (key === classKey) continue;
    const at = `${path}.${key}`;
    if (/(_i|I)nitializer$/.test(key)) {
      const guarded = guardInitializer(node[key], at, context);
      if (guarded !== undefined) node[key] = guarded;
    } else {
      visit(node[key], at, context);
    }
  }
}

/** Adds the layer's default initialisers where its config has none (either spelling). */
function fillInitializers(config: Record<string, unknown>, defaults: Record<string, string>) {
  for (const [key, className] of Object.entries(defaults)) {
    const camel = key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
    if (config[key] == null && config[camel] == null) {
      delete config[camel];
      config[key] = { class_name: className, config: {} };
    }
  }
}

/** The guard-wrapped, seeded form of one initialiser; `undefined` to leave it as it is. */
function guardInitializer(
  value: unknown,
  path: string,
  context: WalkContext,
): Record<string, unknown> | undefined {
  if (value === null || value === undefined) return undefined;
  let className: string | undefined;
  let config: Record<string, unknown> = {};
  if (typeof value === "string") {
    className = initializerByName(value);
    if (!className) {
      context.issues.push({
        path,
        message: `unknown initializer ${JSON.stringify(value)}, expected one of ${
          INITIALIZER_CLASSES.join(", ")
        }`,
      });
      return undefined;
    }
  } else if (isRecord(value)) {
    const name = value.class_name ?? value.className;
    if (typeof name !== "string" || !INITIALIZER_CLASSES.includes(name)) {
      context.issues.push({
        path: `${path}.class_name`,
        message: `${describe(name)} is not a built-in TensorFlow.js initializer, expected one of ${
          INITIALIZER_CLASSES.join(", ")
        }`,
      });
      return undefined;
    }
    className = name;
    if (value.config !== undefined && value.config !== null) {
      if (!isRecord(value.config)) {
        context.issues.push({ path: `${path}.config`, message: "expected an object" });
        return undefined;
      }
      config = { ...value.config };
    }
  } else {
    context.issues.push({
      path,
      message: `expected an initializer name or {class_name, config}, got ${describe(value)}`,
    });
    return undefined;
  }
  const index = context.initializers++;
  if (RANDOM_INITIALIZERS.has(className)) config.seed = deriveSeed(context.seed, index);
  return {
    class_name: GUARD_CLASS,
    config: { initializer: { class_name: className, config } },
  };
}

/** The class of an initialiser given by name (`glorot_uniform`, `glorotUniform`, ...). */
function initializerByName(name: string): string | undefined {
  const key = name.replace(/_/g, "").toLowerCase();
  return INITIALIZER_CLASSES.find((c) => c.toLowerCase() === key);
}

/** A well-mixed non-negative 31-bit seed for the `index`-th initialiser. */
function deriveSeed(seed: number, index: number): number {
  let h = Math.imul((seed | 0) ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(index + 1, 0xc2b2ae35);
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  return h >>> 1;
}

/** The budget of the model being built (builds run one at a time, see `buildModel`). */
let activeBudget: { limit: number; used: number } | undefined;

/**
 * Wraps a built-in initialiser: counts the values of each weight against the budget before
 * the initialiser allocates them. Registered under a name no client may use (the allowlist
 * rejects it), so it only ever wraps what {@linkcode prepareTopology} put there.
 */
class ParamBudgetInitializer extends tf.serialization.Serializable {
  static className = GUARD_CLASS;
  readonly inner: { apply(shape: number[], dtype?: tf.DataType): tf.Tensor };
  /** Kept so that layers that clone themselves through their config (Bidirectional) can. */
  readonly config: { initializer: { className: string; config: object } };

  constructor(config: { initializer: { className: string; config: object } }) {
    super();
    this.config = config;
    const entry = tf.serialization.SerializationMap.getMap().classNameMap[
      config.initializer.className
    ];
    this.inner = entry[1](
      entry[0],
      config.initializer.config as tf.serialization.ConfigDict,
    ) as unknown as ParamBudgetInitializer["inner"];
  }

  apply(shape: number[], dtype?: tf.DataType): tf.Tensor {
    if (activeBudget) {
      activeBudget.used += shape.reduce((a, b) => a * b, 1);
      if (!(activeBudget.used <= activeBudget.limit)) {
        throw new InputError(
          `the model has more than ${activeBudget.limit} parameters, the limit of this server: ` +
            "use fewer or smaller layers (or raise LR_FINDER_MAX_PARAMS on the server)",
          { field: "model" },
        );
      }
    }
    return this.inner.apply(shape, dtype);
  }

  override getClassName(): string {
    return GUARD_CLASS;
  }

  getConfig(): tf.serialization.ConfigDict {
    return structuredClone(this.config) as unknown as tf.serialization.ConfigDict;
  }
}
tf.serialization.registerClass(ParamBudgetInitializer);

/** Options of {@linkcode buildModel}. */
export interface BuildModelOptions {
  /** Most parameters the model may have. */
  maxParams: number;
  /** Path of the model in the request, for messages; default `model`. */
  field?: string;
}

/**
 * Builds the model of a prepared topology with TensorFlow.js. A model over the parameter
 * budget is refused before the weight that crosses it is allocated; any failure disposes the
 * weights made so far and is an {@linkcode InputError} naming the model. Build one model at a
 * time (the budget is per process); the caller disposes the model.
 */
export async function buildModel(
  prepared: PreparedTopology,
  options: BuildModelOptions,
): Promise<tf.LayersModel> {
  const field = options.field ?? "model";
  const variablesBefore = new Set(Object.keys(tf.engine().state.registeredVariables));
  activeBudget = { limit: options.maxParams, used: 0 };
  let model: tf.LayersModel | undefined;
  try {
    model = await tf.models.modelFromJSON({
      modelTopology: prepared.topology as tf.io.ModelJSON["modelTopology"],
    });
    const params = model.countParams();
    if (params > options.maxParams) {
      throw new InputError(
        `the model has ${params} parameters, more than the limit of this server ` +
          `(${options.maxParams}): use fewer or smaller layers`,
        { field },
      );
    }
    return model;
  } catch (error) {
    model?.dispose();
    disposeNewVariables(variablesBefore);
    if (error instanceof InputError) throw error;
    const message = (error instanceof Error ? error.message : String(error)).trim()
      .replace(/\.$/, "") || "no reason given (check the layers and how they connect)";
    throw new InputError(
      `the model could not be built by TensorFlow.js: ${message.charAt(0).toLowerCase()}${
        message.slice(1)
      }`,
      { field, cause: error },
    );
  } finally {
    activeBudget = undefined;
  }
}

/** Disposes the variables registered since `before` (weights of a model that failed to build). */
function disposeNewVariables(before: Set<string>): void {
  const registered = tf.engine().state.registeredVariables;
  for (const name of Object.keys(registered)) {
    if (!before.has(name)) registered[name].dispose();
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  if (typeof value === "string") {
    return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  }
  if (value === null || typeof value !== "object") return String(value);
  return Array.isArray(value) ? "an array" : "an object";
}
