/**
 * Loading and saving TensorFlow.js Layers models on the file system: `model.json` with its
 * weight shards, or a TypeScript/JavaScript module exporting `createModel()`. Loading only reads;
 * a user's model files are never written to.
 * @module
 */
import { dirname, extname, isAbsolute, join, resolve } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { InputError, isInputError } from "./errors.ts";
import { canonicalLossName, type LossName } from "./loss_names.ts";
import type { OptimizerSpec } from "./optimizer_spec.ts";
import { parseJson, readError, readInputText } from "./data/read_file.ts";
import { importUserFunction } from "./data/module.ts";

/** A model ready for a sweep, with the loss and optimizer its training config names. */
export interface LoadedModel {
  /** The model (not compiled: the sweep brings its own optimizer). */
  model: tf.LayersModel;
  /** The loss of the model's training config (or of a compiled module model), canonical. */
  loss?: LossName;
  /** The optimizer of the model's training config (or of a compiled module model). */
  optimizer?: OptimizerSpec;
  /** Absolute path of the `model.json` or module the model came from. */
  source: string;
  /** What was loaded: a `model.json` or a `createModel()` module. */
  kind: "model.json" | "module";
  /** Things in the training config that were not understood and therefore ignored. */
  warnings: string[];
}

/** Options of {@linkcode loadModel}. */
export interface LoadModelOptions {
  /** Directory a relative `path` is resolved against; default the working directory. */
  baseDir?: string;
}

/** The loss and optimizer named by a training config, and what could not be used. */
export interface TrainingSettings {
  /** Canonical loss name, when the config names a supported one. */
  loss?: LossName;
  /** The optimizer, when the config names a supported one. */
  optimizer?: OptimizerSpec;
  /** What was ignored and why. */
  warnings: string[];
}

/** Options of {@linkcode saveModel}. */
export interface SaveModelOptions {
  /** Largest shard in bytes (default 4 MiB, as TensorFlow.js); smaller values give more shards. */
  shardBytes?: number;
  /** Also save the training config and optimizer state of a compiled model (default false). */
  includeOptimizer?: boolean;
}

/** What {@linkcode saveModel} wrote. */
export interface SavedModel {
  /** Absolute path of `model.json`. */
  modelJson: string;
  /** Absolute paths of the weight shards, in order. */
  shards: string[];
  /** Total bytes of weights. */
  weightBytes: number;
}

const MODULE_EXTENSIONS = [".ts", ".js", ".mjs", ".mts", ".tsx", ".jsx"];
const DEFAULT_SHARD_BYTES = 4 * 1024 * 1024;

/**
 * Loads a model from a `model.json` (or a directory holding one) with its weight shards, or
 * from a `.ts`/`.js` module exporting `createModel()` (sync or async). Every mistake in the
 * files is an {@linkcode InputError} naming the file; no tensor is left behind on failure.
 */
export async function loadModel(
  path: string,
  options: LoadModelOptions = {},
): Promise<LoadedModel> {
  let source = isAbsolute(path) ? path : resolve(options.baseDir ?? Deno.cwd(), path);
  if (MODULE_EXTENSIONS.includes(extname(source).toLowerCase())) {
    return await loadModelModule(source);
  }
  try {
    if ((await Deno.stat(source)).isDirectory) source = join(source, "model.json");
  } catch (error) {
    throw readError(source, error, { what: "model file" });
  }
  return await loadModelJson(source);
}

/** A `tf.io.IOHandler` that reads a `model.json` and its shards with Deno's file API. */
export function fileSystemHandler(modelJsonPath: string): tf.io.IOHandler {
  return { load: () => readModelArtifacts(modelJsonPath) };
}

/** Reads `model.json` and its weight shards into model artifacts, checking every size. */
export async function readModelArtifacts(modelJsonPath: string): Promise<tf.io.ModelArtifacts> {
  const fail = (message: string): never => {
    throw new InputError(`${modelJsonPath}: ${message}`, { field: modelJsonPath });
  };
  const text = await readInputText(modelJsonPath, { what: "model file" });
  const json = parseJson(text, modelJsonPath);
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    return fail("expected a JSON object with modelTopology and weightsManifest");
  }
  const modelJson = json as Record<string, unknown>;
  const topology = modelJson.modelTopology;
  if (typeof topology !== "object" || topology === null || Array.isArray(topology)) {
    return fail("modelTopology is missing: this is not a TensorFlow.js model.json");
  }
  if (modelJson.format === "graph-model" || Array.isArray((topology as { node?: unknown }).node)) {
    fail(
      "this is a TensorFlow.js graph model, which cannot be trained; convert the Keras model " +
        "with tensorflowjs_converter --output_format tfjs_layers_model",
    );
  }
  const manifest = modelJson.weightsManifest ?? [];
  if (!Array.isArray(manifest)) fail("weightsManifest must be a list of weight groups");
  const directory = dirname(modelJsonPath);
  const specs: tf.io.WeightsManifestEntry[] = [];
  const buffers: ArrayBuffer[] = [];
  for (let g = 0; g < (manifest as unknown[]).length; g++) {
    const group = checkGroup((manifest as unknown[])[g], g, fail);
    const expected = group.weights.reduce((n, w) => n + weightBytes(w, g, fail), 0);
    let found = 0;
    const shardPaths = group.paths.map((p) => resolve(directory, p));
    for (const shardPath of shardPaths) {
      let bytes: Uint8Array;
      try {
        bytes = await Deno.readFile(shardPath);
      } catch (error) {
        const problem = readError(shardPath, error, { what: "weight shard" });
        throw new InputError(`${problem.message} (listed in ${modelJsonPath})`, {
          field: shardPath,
          cause: error,
        });
      }
      found += bytes.byteLength;
      buffers.push(
        bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength
          ? bytes.buffer as ArrayBuffer
          : bytes.slice().buffer,
      );
    }
    if (found !== expected) {
      fail(
        `weight group ${g} needs ${expected} bytes for its ${group.weights.length} weights but ` +
          `its shards (${group.paths.join(", ")}) hold ${found}: the shards do not belong to ` +
          "this model.json or are damaged",
      );
    }
    specs.push(...group.weights);
  }
  const artifacts: tf.io.ModelArtifacts = {
    modelTopology: topology as object,
    format: typeof modelJson.format === "string" ? modelJson.format : undefined,
    generatedBy: typeof modelJson.generatedBy === "string" ? modelJson.generatedBy : undefined,
    convertedBy: typeof modelJson.convertedBy === "string" ? modelJson.convertedBy : undefined,
  };
  if (specs.length > 0) {
    artifacts.weightSpecs = specs;
    artifacts.weightData = buffers.length === 1 ? buffers[0] : buffers;
  }
  const training = modelJson.trainingConfig ??
    (topology as { training_config?: unknown }).training_config;
  if (training !== undefined && training !== null) {
    artifacts.trainingConfig = training as tf.io.TrainingConfig;
  }
  return artifacts;
}

/**
 * The loss and optimizer a training config names: tfjs (`trainingConfig`) or Keras
 * (`training_config`) style, with class names such as `Adam`/`RMSprop` and keys such as
 * `learning_rate`, `beta_1` mapped to an {@linkcode OptimizerSpec}.
 */
export function trainingSettings(trainingConfig: unknown): TrainingSettings {
  const warnings: string[] = [];
  const settings: TrainingSettings = { warnings };
  if (typeof trainingConfig !== "object" || trainingConfig === null) return settings;
  const config = trainingConfig as Record<string, unknown>;
  const loss = lossFromConfig(config.loss, warnings);
  if (loss) settings.loss = loss;
  const optimizerConfig = config.optimizer_config ?? config.optimizerConfig;
  if (typeof optimizerConfig === "object" && optimizerConfig !== null) {
    const { class_name: className, config: params } = optimizerConfig as Record<string, unknown>;
    const mapped = optimizerSpecFromConfig(
      typeof className === "string" ? className : "",
      typeof params === "object" && params !== null ? params as Record<string, unknown> : {},
    );
    warnings.push(...mapped.warnings);
    if (mapped.optimizer) settings.optimizer = mapped.optimizer;
  }
  return settings;
}

/** An optimizer read from a training config, and what could not be used. */
export interface MappedOptimizer {
  /** The spec, when the optimizer is supported. */
  optimizer?: OptimizerSpec;
  /** What was ignored and why. */
  warnings: string[];
}

/**
 * The spec of an optimizer given by class name and config: TensorFlow.js (`RMSProp`,
 * `{learningRate, decay}`) or Keras (`RMSprop`, `{learning_rate, rho}`). Unsupported
 * optimizers give no spec and a warning.
 */
export function optimizerSpecFromConfig(
  className: string,
  config: Record<string, unknown>,
): MappedOptimizer {
  const warnings: string[] = [];
  const name = className.split(">").pop()!.split(".").pop()!.toLowerCase();
  const params: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) params[camelKey(key)] = value;
  const num = (key: string) => {
    const value = params[key];
    return typeof value === "number" && Number.isFinite(value) ? value : undefined;
  };
  const bool = (key: string) =>
    typeof params[key] === "boolean" ? params[key] as boolean : undefined;
  const learningRate = num("learningRate") ?? num("lr");
  if (params.learningRate !== undefined && learningRate === undefined) {
    warnings.push(`the optimizer's learning rate is not a number (a schedule?); it was ignored`);
  }
  let spec: OptimizerSpec;
  switch (name) {
    case "sgd":
    case "momentum": {
      const momentum = num("momentum");
      spec = name === "momentum" || (momentum ?? 0) > 0
        ? { name: "momentum", momentum, useNesterov: bool("useNesterov") ?? bool("nesterov") }
        : { name: "sgd" };
      break;
    }
    case "adam":
      spec = { name: "adam", beta1: num("beta1"), beta2: num("beta2"), epsilon: num("epsilon") };
      if (params.amsgrad === true) warnings.push("amsgrad is not supported; plain Adam is used");
      break;
    case "adamax":
      spec = {
        name: "adamax",
        beta1: num("beta1"),
        beta2: num("beta2"),
        epsilon: num("epsilon"),
        decay: num("decay"),
      };
      break;
    case "rmsprop":
      spec = {
        name: "rmsprop",
        decay: "rho" in params ? num("rho") : num("decay"),
        momentum: num("momentum"),
        epsilon: num("epsilon"),
        centered: bool("centered"),
      };
      break;
    case "adagrad":
      spec = { name: "adagrad", initialAccumulatorValue: num("initialAccumulatorValue") };
      break;
    case "adadelta":
      spec = { name: "adadelta", rho: num("rho"), epsilon: num("epsilon") };
      break;
    default:
      warnings.push(
        `optimizer ${JSON.stringify(className)} is not supported by TensorFlow.js; ` +
          "set optimizer in the config (adam, sgd, momentum, rmsprop, adagrad, adadelta, adamax)",
      );
      return { warnings };
  }
  if (learningRate !== undefined) spec.learningRate = learningRate;
  for (const key of Object.keys(spec) as (keyof OptimizerSpec)[]) {
    if (spec[key] === undefined) delete spec[key];
  }
  return { optimizer: spec, warnings };
}

/** Saves a model as `model.json` plus weight shards of at most `shardBytes` into `directory`. */
export async function saveModel(
  model: tf.LayersModel,
  directory: string,
  options: SaveModelOptions = {},
): Promise<SavedModel> {
  let saved: SavedModel | undefined;
  const handler: tf.io.IOHandler = {
    save: async (artifacts) => {
      saved = await writeModelArtifacts(artifacts, directory, options);
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    },
  };
  await model.save(handler, { includeOptimizer: options.includeOptimizer ?? false });
  return saved!;
}

/** Writes model artifacts as `model.json` plus weight shards of at most `shardBytes`. */
export async function writeModelArtifacts(
  artifacts: tf.io.ModelArtifacts,
  directory: string,
  options: Pick<SaveModelOptions, "shardBytes"> = {},
): Promise<SavedModel> {
  const shardBytes = options.shardBytes ?? DEFAULT_SHARD_BYTES;
  if (!Number.isSafeInteger(shardBytes) || shardBytes < 1) {
    throw new RangeError(`shardBytes must be a positive integer, got ${shardBytes}`);
  }
  const dir = resolve(directory);
  const data = artifacts.weightData === undefined
    ? new Uint8Array(0)
    : new Uint8Array(tf.io.CompositeArrayBuffer.join(artifacts.weightData));
  const count = Math.max(1, Math.ceil(data.byteLength / shardBytes));
  const names = Array.from({ length: count }, (_, i) => `group1-shard${i + 1}of${count}.bin`);
  await Deno.mkdir(dir, { recursive: true });
  for (let i = 0; i < count; i++) {
    await Deno.writeFile(join(dir, names[i]), data.subarray(i * shardBytes, (i + 1) * shardBytes));
  }
  const modelJson: Record<string, unknown> = {
    format: artifacts.format,
    generatedBy: artifacts.generatedBy,
    convertedBy: artifacts.convertedBy ?? null,
    modelTopology: artifacts.modelTopology,
    weightsManifest: [{ paths: names, weights: artifacts.weightSpecs ?? [] }],
  };
  if (artifacts.trainingConfig) modelJson.trainingConfig = artifacts.trainingConfig;
  if (artifacts.userDefinedMetadata) modelJson.userDefinedMetadata = artifacts.userDefinedMetadata;
  await Deno.writeTextFile(join(dir, "model.json"), JSON.stringify(modelJson));
  return {
    modelJson: join(dir, "model.json"),
    shards: names.map((name) => join(dir, name)),
    weightBytes: data.byteLength,
  };
}

/** The URL scheme TensorFlow.js uses for the file system (`file://path`, as in tfjs-node). */
export const FILE_SCHEME = "file://";

let fileRoutesRegistered = false;

/** What a TensorFlow.js IO router returns for a URL it does not handle (its type omits null). */
const NOT_MINE = null as unknown as tf.io.IOHandler;

/**
 * Teaches TensorFlow.js the `file://` scheme under Deno, as tfjs-node does under Node:
 * `model.save("file://dir")` writes `dir/model.json` and its weight shards, and
 * `tf.loadLayersModel("file://dir/model.json")` (or `file://dir`) reads them back, compiled
 * when the file holds a training config. Relative paths are relative to the working directory.
 * `mod.ts` calls it on import; calling it again does nothing.
 */
export function registerFileSystemRoutes(): void {
  if (fileRoutesRegistered) return;
  fileRoutesRegistered = true;
  tf.io.registerSaveRouter((url) => {
    const path = filePath(url);
    if (path === undefined) return NOT_MINE;
    return {
      save: async (artifacts) => {
        await writeModelArtifacts(artifacts, path);
        return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
      },
    };
  });
  tf.io.registerLoadRouter((url) => {
    const path = filePath(url);
    if (path === undefined) return NOT_MINE;
    return {
      load: async () => {
        const isDirectory = await Deno.stat(path).then((info) => info.isDirectory, () => false);
        return await readModelArtifacts(isDirectory ? join(path, "model.json") : path);
      },
    };
  });
}

/** The path of a `file://` URL (absolute, or relative to the working directory). */
function filePath(url: string | string[]): string | undefined {
  if (typeof url !== "string" || !url.startsWith(FILE_SCHEME)) return undefined;
  const rest = decodeURIComponent(url.slice(FILE_SCHEME.length));
  return resolve(rest);
}

async function loadModelJson(path: string): Promise<LoadedModel> {
  const artifacts = await readModelArtifacts(path);
  const settings = trainingSettings(artifacts.trainingConfig);
  // Only the topology goes to tfjs: the training config is read above (the sweep brings its own
  // optimizer), and weights are set below so that no tensor outlives a failure.
  const model = await withoutLeaks(
    path,
    () => tf.loadLayersModel(tf.io.fromMemory({ modelTopology: artifacts.modelTopology })),
  );
  if (artifacts.weightSpecs && artifacts.weightData) {
    let decoded: tf.NamedTensorMap = {};
    try {
      decoded = tf.io.decodeWeights(artifacts.weightData, artifacts.weightSpecs);
      const modelWeights: tf.NamedTensorMap = {};
      for (const spec of artifacts.weightSpecs) {
        if (spec.group !== "optimizer") modelWeights[spec.name] = decoded[spec.name];
      }
      model.loadWeights(modelWeights, true);
    } catch (error) {
      model.dispose();
      throw new InputError(`${path}: the weights do not match the model: ${tfMessage(error)}`, {
        field: path,
        cause: error,
      });
    } finally {
      tf.dispose(Object.values(decoded));
    }
  }
  return { model, ...settings, source: path, kind: "model.json" };
}

async function loadModelModule(path: string): Promise<LoadedModel> {
  const createModel = await importUserFunction(path, "createModel");
  const model = await withoutLeaks(path, async () => {
    const result = await createModel();
    if (!(result instanceof tf.LayersModel)) {
      throw new InputError(
        `${path}: createModel() must return a tf.LayersModel (tf.sequential() or tf.model()), ` +
          `got ${describeValue(result)}; a model from another TensorFlow.js copy also fails ` +
          "this check: import @tensorflow/tfjs 4.22.0",
        { field: path },
      );
    }
    return result;
  });
  const warnings: string[] = [];
  const loaded: LoadedModel = { model, source: path, kind: "module", warnings };
  const compiled = model as unknown as { loss?: unknown; optimizer?: tf.Optimizer };
  const loss = lossFromConfig(compiled.loss, warnings);
  if (loss) loaded.loss = loss;
  if (compiled.optimizer) {
    const mapped = optimizerSpecFromConfig(
      compiled.optimizer.getClassName(),
      compiled.optimizer.getConfig() as Record<string, unknown>,
    );
    warnings.push(...mapped.warnings);
    if (mapped.optimizer) loaded.optimizer = mapped.optimizer;
  }
  return loaded;
}

/**
 * Runs a model-building step; when it fails, disposes the variables it created and turns
 * TensorFlow.js errors into an {@linkcode InputError} naming the file.
 */
async function withoutLeaks<T>(path: string, build: () => Promise<T>): Promise<T> {
  const engine = tf.engine();
  const variablesBefore = new Set(Object.keys(engine.registeredVariables));
  try {
    return await build();
  } catch (error) {
    for (const [name, variable] of Object.entries(engine.registeredVariables)) {
      if (!variablesBefore.has(name)) variable.dispose();
    }
    if (isInputError(error)) throw error;
    throw new InputError(`${path}: ${modelErrorMessage(error)}`, { field: path, cause: error });
  }
}

function modelErrorMessage(error: unknown): string {
  const message = tfMessage(error);
  const unknownLayer = /^unknown layer: (\S+?)\.? /.exec(`${message} `);
  if (unknownLayer) {
    return `unknown layer class ${JSON.stringify(unknownLayer[1])}: TensorFlow.js Layers has ` +
      "no such layer; build custom layers in a createModel() module instead";
  }
  return `cannot build the model: ${message}`;
}

/** The first line of an error's message, starting lowercase. */
function tfMessage(error: unknown): string {
  const message = (error instanceof Error ? error.message : String(error)).split("\n")[0];
  return message.charAt(0).toLowerCase() + message.slice(1);
}

function lossFromConfig(loss: unknown, warnings: string[]): LossName | undefined {
  let name: unknown = loss;
  if (Array.isArray(loss)) {
    if (loss.length !== 1) {
      if (loss.length > 1) warnings.push("the model has several losses; set loss in the config");
      return undefined;
    }
    name = loss[0];
  }
  if (typeof name === "object" && name !== null) {
    const named = name as { class_name?: unknown; config?: { from_logits?: unknown } };
    if (typeof named.class_name !== "string") {
      warnings.push("the model has one loss per output; set loss in the config");
      return undefined;
    }
    if (named.config?.from_logits === true) {
      warnings.push(
        `loss ${named.class_name} with from_logits is not supported; set loss in the config ` +
          "and end the model with a softmax or sigmoid",
      );
      return undefined;
    }
    name = named.class_name;
  }
  if (typeof name !== "string") return undefined;
  const canonical = canonicalLossName(name);
  if (!canonical) warnings.push(`loss ${JSON.stringify(name)} is not supported; it was ignored`);
  return canonical;
}

interface WeightGroup {
  paths: string[];
  weights: tf.io.WeightsManifestEntry[];
}

function checkGroup(value: unknown, index: number, fail: (m: string) => never): WeightGroup {
  const group = value as { paths?: unknown; weights?: unknown } | null;
  if (typeof group !== "object" || group === null) {
    return fail(`weightsManifest[${index}] must be an object with paths and weights`);
  }
  if (
    !Array.isArray(group.paths) ||
    !group.paths.every((p) => typeof p === "string" && p.length > 0)
  ) {
    return fail(`weightsManifest[${index}].paths must be a list of shard file names`);
  }
  for (const p of group.paths as string[]) {
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(p)) {
      fail(`weightsManifest[${index}].paths: ${JSON.stringify(p)} is a URL, expected a file path`);
    }
  }
  if (!Array.isArray(group.weights)) {
    return fail(`weightsManifest[${index}].weights must be a list of weight descriptions`);
  }
  return group as WeightGroup;
}

const DTYPE_BYTES: Record<string, number> = {
  float32: 4,
  int32: 4,
  bool: 1,
  complex64: 8,
  uint8: 1,
  uint16: 2,
  float16: 2,
};

function weightBytes(
  entry: tf.io.WeightsManifestEntry,
  group: number,
  fail: (m: string) => never,
): number {
  const where = `weight ${JSON.stringify(entry?.name)} in group ${group}`;
  if (
    typeof entry !== "object" || entry === null || typeof entry.name !== "string" ||
    !Array.isArray(entry.shape) ||
    !entry.shape.every((d) => Number.isSafeInteger(d) && d >= 0)
  ) {
    return fail(`${where} must have a name, a shape of non-negative integers and a dtype`);
  }
  const dtype = entry.quantization?.dtype ?? entry.dtype;
  const size = DTYPE_BYTES[dtype as string];
  if (size === undefined) {
    return fail(`${where} has dtype ${JSON.stringify(dtype)}, which cannot be loaded`);
  }
  return entry.shape.reduce((a, b) => a * b, 1) * size;
}

function camelKey(key: string): string {
  return key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (typeof value !== "object") return typeof value;
  return value.constructor?.name ?? "an object";
}
