/**
 * The graph of a functional (Keras 2 format) model, checked the way TensorFlow.js will build it:
 * unique layer names, every inbound layer present, node and tensor indices in range, the input
 * and output layers present, and no layer waiting for a node that never comes (a cycle, or a
 * reference TensorFlow.js would re-queue forever: its `fromConfig` loops until every node is
 * built). Plain JavaScript: nothing here touches TensorFlow.js.
 * @module
 */
import type { ConfigIssue } from "../src/validation.ts";

/** Most layers one model may have. */
export const MAX_TOPOLOGY_LAYERS = 512;

/** Most nodes (applications) of one layer, and most inputs of one node. */
export const MAX_LAYER_NODES = 64;

/** Most output tensors a layer with `return_state` may have (an LSTM has 3, bidirectional 5). */
const MAX_STATE_OUTPUTS = 5;

interface GraphLayer {
  name: string;
  className: string;
  path: string;
  nodes: InboundNode[];
  outputs: number;
}

interface InboundNode {
  path: string;
  inputs: { layer: string; node: number; tensor: number; path: string }[];
}

/** The layer list of a Sequential or functional model config, if it has one. */
export function layerListOf(config: unknown): unknown[] | undefined {
  if (Array.isArray(config)) return config;
  if (!isRecord(config)) return undefined;
  const layers = field(config, "layers");
  return Array.isArray(layers) ? layers : undefined;
}

/** Checks a Sequential model's config: a list of 1 to 512 layer objects. */
export function checkSequentialLayers(config: unknown, path: string): ConfigIssue[] {
  const layers = layerListOf(config);
  const at = Array.isArray(config) ? path : `${path}.layers`;
  if (!layers) {
    return [{ path: at, message: "expected the model's list of layers, got none" }];
  }
  if (layers.length === 0 || layers.length > MAX_TOPOLOGY_LAYERS) {
    return [{
      path: at,
      message: `must hold 1 to ${MAX_TOPOLOGY_LAYERS} layers, got ${layers.length}`,
    }];
  }
  const issues: ConfigIssue[] = [];
  layers.forEach((layer, i) => {
    if (!isRecord(layer)) {
      issues.push({ path: `${at}[${i}]`, message: "expected a layer {class_name, config}" });
    }
  });
  return issues;
}

/**
 * Checks a functional model's config (`layers` with `inbound_nodes`, `input_layers`,
 * `output_layers`); returns every problem with its path.
 */
export function checkFunctionalGraph(config: unknown, path: string): ConfigIssue[] {
  if (!isRecord(config)) {
    return [{ path, message: "expected the model's config {layers, input_layers, output_layers}" }];
  }
  const issues: ConfigIssue[] = [];
  const layers = readLayers(config, path, issues);
  if (!layers) return issues;
  for (const layer of layers.values()) {
    for (const node of layer.nodes) {
      for (const input of node.inputs) checkReference(layers, input, issues);
    }
  }
  for (const key of ["input_layers", "output_layers"] as const) {
    checkEnds(config, key, `${path}.${key}`, layers, issues);
  }
  if (issues.length === 0) issues.push(...unbuildable(layers));
  return issues;
}

function readLayers(
  config: Record<string, unknown>,
  path: string,
  issues: ConfigIssue[],
): Map<string, GraphLayer> | undefined {
  const list = field(config, "layers");
  const at = `${path}.layers`;
  if (!Array.isArray(list) || list.length === 0 || list.length > MAX_TOPOLOGY_LAYERS) {
    issues.push({
      path: at,
      message: `must be a list of 1 to ${MAX_TOPOLOGY_LAYERS} layers, got ${
        Array.isArray(list) ? `${list.length}` : describe(list)
      }`,
    });
    return undefined;
  }
  const layers = new Map<string, GraphLayer>();
  list.forEach((item, i) => {
    const layerPath = `${at}[${i}]`;
    if (!isRecord(item)) {
      issues.push({ path: layerPath, message: "expected a layer {name, class_name, config}" });
      return;
    }
    const name = item.name;
    if (typeof name !== "string" || name === "") {
      issues.push({
        path: `${layerPath}.name`,
        message: `expected the layer's name (inbound nodes refer to it), got ${describe(name)}`,
      });
      return;
    }
    if (layers.has(name)) {
      issues.push({
        path: `${layerPath}.name`,
        message: `${
          JSON.stringify(name)
        } is the name of an earlier layer too: names must be unique`,
      });
      return;
    }
    const className = String(item.class_name ?? item.className ?? "");
    const nodes = readNodes(item, layerPath, className, issues);
    if (!nodes) return;
    layers.set(name, {
      name,
      className,
      path: layerPath,
      nodes,
      outputs: outputCount(className, item.config),
    });
  });
  return issues.length > 0 ? undefined : layers;
}

function readNodes(
  layer: Record<string, unknown>,
  layerPath: string,
  className: string,
  issues: ConfigIssue[],
): InboundNode[] | undefined {
  const key = "inbound_nodes" in layer ? "inbound_nodes" : "inboundNodes";
  const at = `${layerPath}.${key}`;
  const value = layer[key] ?? [];
  if (!Array.isArray(value) || value.length > MAX_LAYER_NODES) {
    issues.push({
      path: at,
      message: `expected a list of at most ${MAX_LAYER_NODES} nodes, got ${describe(value)}`,
    });
    return undefined;
  }
  if (className === "InputLayer" && value.length > 0) {
    issues.push({ path: at, message: "an InputLayer takes no inbound nodes" });
    return undefined;
  }
  if (className !== "InputLayer" && value.length === 0) {
    issues.push({
      path: at,
      message: "the layer is never applied: give it at least one node, " +
        '[[["input_layer_name", 0, 0, {}]]], or remove it',
    });
    return undefined;
  }
  const nodes: InboundNode[] = [];
  for (const [n, node] of value.entries()) {
    const nodePath = `${at}[${n}]`;
    if (!Array.isArray(node) || node.length === 0 || node.length > MAX_LAYER_NODES) {
      issues.push({
        path: nodePath,
        message: `expected a node in Keras 2 format, a list of 1 to ${MAX_LAYER_NODES} inputs ` +
          `[["layer", node_index, tensor_index, {}], ...], got ${describe(node)}`,
      });
      return undefined;
    }
    const inputs: InboundNode["inputs"] = [];
    for (const [k, entry] of node.entries()) {
      const input = readInput(entry, `${nodePath}[${k}]`, issues);
      if (!input) return undefined;
      inputs.push(input);
    }
    nodes.push({ path: nodePath, inputs });
  }
  return nodes;
}

function readInput(
  entry: unknown,
  path: string,
  issues: ConfigIssue[],
): InboundNode["inputs"][number] | undefined {
  const valid = Array.isArray(entry) && (entry.length === 3 || entry.length === 4) &&
    typeof entry[0] === "string" && isIndex(entry[1]) && isIndex(entry[2]);
  if (!valid) {
    issues.push({
      path,
      message: `expected ["layer", node_index, tensor_index, {}] with whole-number indices, got ${
        JSON.stringify(entry)?.slice(0, 80)
      }`,
    });
    return undefined;
  }
  const kwargs = entry[3];
  if (kwargs !== undefined && kwargs !== null && !isScalarRecord(kwargs)) {
    issues.push({
      path: `${path}[3]`,
      message: "expected the call's keyword arguments as an object of plain values, such as {}",
    });
    return undefined;
  }
  return { layer: entry[0], node: entry[1], tensor: entry[2], path };
}

function checkReference(
  layers: Map<string, GraphLayer>,
  input: InboundNode["inputs"][number],
  issues: ConfigIssue[],
): void {
  const source = layers.get(input.layer);
  if (!source) {
    issues.push({
      path: `${input.path}[0]`,
      message:
        `names the layer ${JSON.stringify(input.layer)}, which does not exist in this model: ` +
        `known layers are ${
          [...layers.keys()].slice(0, 10).map((n) => JSON.stringify(n)).join(", ")
        }${layers.size > 10 ? ", ..." : ""}`,
    });
    return;
  }
  const nodes = nodeCount(source);
  if (input.node >= nodes) {
    issues.push({
      path: `${input.path}[1]`,
      message: `node index ${input.node} is out of range: layer ${
        JSON.stringify(source.name)
      } has ${nodes} node${nodes === 1 ? "" : "s"}`,
    });
  }
  if (input.tensor >= source.outputs) {
    issues.push({
      path: `${input.path}[2]`,
      message: `tensor index ${input.tensor} is out of range: layer ${
        JSON.stringify(source.name)
      } has ${source.outputs} output${source.outputs === 1 ? "" : "s"}`,
    });
  }
}

function checkEnds(
  config: Record<string, unknown>,
  key: "input_layers" | "output_layers",
  path: string,
  layers: Map<string, GraphLayer>,
  issues: ConfigIssue[],
): void {
  const value = field(config, key);
  if (!Array.isArray(value) || value.length === 0 || value.length > MAX_LAYER_NODES) {
    issues.push({
      path,
      message: `expected a list of [\"layer\", node_index, tensor_index], got ${describe(value)}`,
    });
    return;
  }
  value.forEach((entry, i) => {
    const at = `${path}[${i}]`;
    if (
      !Array.isArray(entry) || entry.length !== 3 || typeof entry[0] !== "string" ||
      !isIndex(entry[1]) || !isIndex(entry[2])
    ) {
      issues.push({
        path: at,
        message: `expected ["layer", node_index, tensor_index], got ${
          JSON.stringify(entry)?.slice(0, 80)
        }`,
      });
      return;
    }
    const layer = layers.get(entry[0]);
    if (!layer) {
      issues.push({
        path: `${at}[0]`,
        message: `names the layer ${JSON.stringify(entry[0])}, which does not exist in this model`,
      });
      return;
    }
    if (key === "input_layers" && layer.className !== "InputLayer") {
      issues.push({
        path: `${at}[0]`,
        message: `an input of the model must be an InputLayer, ${
          JSON.stringify(layer.name)
        } is a ${layer.className}`,
      });
      return;
    }
    checkReference(layers, { layer: entry[0], node: entry[1], tensor: entry[2], path: at }, issues);
  });
}

/**
 * Runs TensorFlow.js's node-processing loop on names only: a pass that builds no node means
 * `fromConfig` would loop forever. Returns one issue naming the layers that cannot be built.
 */
function unbuildable(layers: Map<string, GraphLayer>): ConfigIssue[] {
  const built = new Map<string, number>();
  const pending = new Map<string, InboundNode[]>();
  for (const layer of layers.values()) {
    built.set(layer.name, layer.className === "InputLayer" ? 1 : 0);
    if (layer.nodes.length > 0) pending.set(layer.name, [...layer.nodes]);
  }
  while (pending.size > 0) {
    let progress = false;
    for (const layer of layers.values()) {
      const nodes = pending.get(layer.name);
      if (!nodes) continue;
      pending.delete(layer.name);
      const waiting: InboundNode[] = [];
      for (const node of nodes) {
        const ready = node.inputs.every((input) => (built.get(input.layer) ?? 0) > input.node);
        if (ready) {
          built.set(layer.name, built.get(layer.name)! + 1);
          progress = true;
        } else {
          waiting.push(node);
        }
      }
      if (waiting.length > 0) pending.set(layer.name, waiting);
    }
    if (!progress) {
      const stuck = [...pending.keys()];
      return [{
        path: layers.get(stuck[0])!.path,
        message: `the layers ${
          stuck.slice(0, 8).map((n) => JSON.stringify(n)).join(", ")
        }${stuck.length > 8 ? ", ..." : ""} wait for each other (a cycle in inbound_nodes): ` +
          "TensorFlow.js could never build them",
      }];
    }
  }
  return [];
}

function nodeCount(layer: GraphLayer): number {
  return layer.className === "InputLayer" ? 1 : layer.nodes.length;
}

/** Output tensors of a layer: nested models have one per output, `return_state` adds states. */
function outputCount(className: string, config: unknown): number {
  if (!isRecord(config)) return 1;
  if (className === "Model" || className === "Functional") {
    const outputs = field(config, "output_layers");
    return Array.isArray(outputs) && outputs.length > 0 ? outputs.length : 1;
  }
  const state = field(config, "return_state") ??
    (isRecord(config.layer) && isRecord(config.layer.config)
      ? field(config.layer.config, "return_state")
      : undefined);
  return state === true ? MAX_STATE_OUTPUTS : 1;
}

/** A config value by its snake_case key or the camelCase TensorFlow.js also reads. */
function field(config: Record<string, unknown>, key: string): unknown {
  if (key in config) return config[key];
  return config[key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())];
}

function isIndex(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
}

function isScalarRecord(value: unknown): boolean {
  if (!isRecord(value)) return false;
  const entries = Object.values(value);
  return entries.length <= 8 &&
    entries.every((v) => v === null || ["string", "number", "boolean"].includes(typeof v));
}

/** True for a plain object (not null, not an array). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A short description of a value for messages. */
export function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  if (typeof value === "string") {
    return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  }
  if (value === null || typeof value !== "object") return String(value);
  return Array.isArray(value) ? "an array" : "an object";
}
