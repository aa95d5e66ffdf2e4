/**
 * Checking a Keras/TensorFlow.js Layers topology sent by a client before TensorFlow.js sees it,
 * in plain JavaScript on the server's thread: every class must be one of TensorFlow.js's
 * built-in classes (no custom layers, no code), `class_name`/`className` and every other key
 * must have one spelling, every dtype must be float32, and the graph of a functional model must
 * be one TensorFlow.js can build (see `topology_graph.ts`). The checked copy has its weight
 * initialisers seeded from the request's seed and wrapped by the parameter budget that
 * `model_build.ts` enforces when the worker builds the model.
 * @module
 */
import { ConfigError, type ConfigIssue } from "../src/validation.ts";
import {
  checkFunctionalGraph,
  checkSequentialLayers,
  describe,
  isRecord,
  layerListOf,
} from "./topology_graph.ts";

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

/** The only dtype a topology may name: the data and the sweep are float32. */
export const ALLOWED_DTYPE = "float32";

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
export const GUARD_CLASS = "LrFinderParamBudget";

/** Where a layer of the built model came from in the request. */
export interface LayerOrigin {
  /** Dotted path of the layer in the request, e.g. `model.modelTopology.config.layers[2]`. */
  path: string;
  /** Its class, e.g. `UpSampling2D`. */
  className: string;
}

/** A topology checked and rewritten for building, and the training config it carried. */
export interface PreparedTopology {
  /** The rewritten topology (a copy; the request's value is not changed). */
  topology: Record<string, unknown>;
  /** `training_config` of the topology, if any (loss and optimizer defaults). */
  trainingConfig?: unknown;
  /** Every layer by name (unnamed layers are given one), for messages about a layer. */
  layers: Record<string, LayerOrigin>;
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
  layers: Record<string, LayerOrigin>;
}

/**
 * Checks a topology and returns a copy ready for `buildModel`. Every problem is collected in
 * one {@linkcode ConfigError} with its path (a JSON pointer in the HTTP answer): a class that
 * is not built in, a node with both `class_name` and `className` (or any key spelt both ways),
 * a dtype other than float32, a functional graph TensorFlow.js could not build (an inbound layer
 * that does not exist, a node or tensor index out of range, a cycle, missing input or output
 * layers). Missing initialisers of layers with weights are filled in with TensorFlow.js's
 * defaults; random initialisers get seeds derived from `seed`; every initialiser is wrapped by
 * the parameter budget.
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
  const context: WalkContext = { issues: [], seed: options.seed, initializers: 0, layers: {} };
  visit(root, rootPath, context);
  if (context.issues.length > 0) throw new ConfigError(context.issues);
  const prepared: PreparedTopology = { topology: root, layers: context.layers };
  if (trainingConfig !== undefined && trainingConfig !== null) {
    prepared.trainingConfig = trainingConfig;
  }
  return prepared;
}

/** The key TensorFlow.js reads for `key` (it turns snake_case keys into camelCase). */
export function tfjsKey(key: string): string {
  if (key.length <= 1 || !key.includes("_")) return key;
  return key.replace(/[_]+(\w|$)/g, (_, c: string) => c.toUpperCase());
}

function visit(node: unknown, path: string, context: WalkContext): void {
  if (Array.isArray(node)) {
    node.forEach((item, i) => visit(item, `${path}[${i}]`, context));
    return;
  }
  if (!isRecord(node)) return;
  if (!checkKeys(node, path, context)) return;
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
    if (classKey === "className") renameClassKey(node);
    const config = node.config;
    if (MODEL_CLASSES.includes(name)) {
      checkModel(name, config, `${path}.config`, context);
    } else if (isRecord(config)) {
      const defaults = WEIGHT_INITIALIZERS[name];
      if (defaults) fillInitializers(config, defaults);
    }
  }
  for (const key of Object.keys(node)) {
    if (key === "class_name") continue;
    const at = `${path}.${key}`;
    if (key === "dtype") {
      checkDtype(node[key], at, context);
    } else if (/(_i|I)nitializer$/.test(key)) {
      const guarded = guardInitializer(node[key], at, context);
      if (guarded !== undefined) node[key] = guarded;
    } else {
      visit(node[key], at, context);
    }
  }
}

/** Refuses an object with two spellings of one key (TensorFlow.js would keep either). */
function checkKeys(node: Record<string, unknown>, path: string, context: WalkContext): boolean {
  const seen = new Map<string, string>();
  let ok = true;
  for (const key of Object.keys(node)) {
    const target = tfjsKey(key);
    const other = seen.get(target);
    if (other !== undefined) {
      const classes = target === "className";
      context.issues.push({
        path: `${path}.${key}`,
        message: classes
          ? `has both ${other} and ${key} (${describe(node[other])} and ${
            describe(node[key])
          }): give the class once, as class_name`
          : `has both ${other} and ${key}: TensorFlow.js reads them as one option; give it once`,
      });
      ok = false;
    }
    seen.set(target, key);
  }
  return ok;
}

/** Moves `className` to `class_name` (one spelling for every later check). */
function renameClassKey(node: Record<string, unknown>): void {
  node.class_name = node.className;
  delete node.className;
}

function checkDtype(value: unknown, path: string, context: WalkContext): void {
  if (value === null || value === ALLOWED_DTYPE) return;
  context.issues.push({
    path,
    message: `must be "${ALLOWED_DTYPE}" (the sweep trains in float32), got ${describe(value)}`,
  });
}

/** Graph checks of a (possibly nested) model, and the names of its layers for messages. */
function checkModel(className: string, config: unknown, path: string, context: WalkContext) {
  const found = className === "Sequential"
    ? checkSequentialLayers(config, path)
    : checkFunctionalGraph(config, path);
  context.issues.push(...found);
  if (found.length > 0) return;
  const list = layerListOf(config);
  if (!list) return;
  const layersPath = Array.isArray(config) ? path : `${path}.layers`;
  const names = new Set(
    list.map((layer) =>
      (layer as { config?: { name?: unknown } })
        .config?.name
    ).filter((name): name is string => typeof name === "string"),
  );
  list.forEach((layer, i) => {
    if (!isRecord(layer)) return;
    const layerClass = layer.class_name ?? layer.className;
    const layerConfig = isRecord(layer.config) ? layer.config : undefined;
    let name: unknown = typeof layer.name === "string" ? layer.name : layerConfig?.name;
    if (typeof name !== "string" && layerConfig && className === "Sequential") {
      const given = uniqueName(`layer_${i}`, names);
      names.add(given);
      layerConfig.name = given;
      name = given;
    }
    if (typeof name === "string" && !(name in context.layers)) {
      context.layers[name] = {
        path: `${layersPath}[${i}]`,
        className: typeof layerClass === "string" ? layerClass : "layer",
      };
    }
  });
}

function uniqueName(base: string, taken: Set<string>): string {
  let name = base;
  for (let n = 2; taken.has(name); n++) name = `${base}_${n}`;
  return name;
}

/** Adds the layer's default initialisers where its config has none (either spelling). */
function fillInitializers(config: Record<string, unknown>, defaults: Record<string, string>) {
  for (const [key, className] of Object.entries(defaults)) {
    const camel = tfjsKey(key);
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
    if (!checkKeys(value, path, context)) return undefined;
    const classKey = "class_name" in value ? "class_name" : "className";
    const name = value[classKey];
    if (typeof name !== "string" || !INITIALIZER_CLASSES.includes(name)) {
      context.issues.push({
        path: `${path}.${classKey}`,
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
      if (!checkKeys(value.config, `${path}.config`, context)) return undefined;
      config = { ...value.config };
      if ("dtype" in config) checkDtype(config.dtype, `${path}.config.dtype`, context);
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
