/**
 * Building a checked topology with TensorFlow.js inside the sweep worker: every weight passes a
 * parameter budget before its memory is allocated (the initialisers `prepareTopology` wrapped
 * call back here), and a build that fails leaves no weight behind.
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { InputError } from "../src/errors.ts";
import { GUARD_CLASS, type PreparedTopology } from "./topology.ts";

/** The budget of the model being built (builds run one at a time, see `buildModel`). */
let activeBudget: { limit: number; used: number } | undefined;

/**
 * Wraps a built-in initialiser: counts the values of each weight against the budget before
 * the initialiser allocates them. Registered under a name no client may use (the allowlist
 * rejects it), so it only ever wraps what `prepareTopology` put there.
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
