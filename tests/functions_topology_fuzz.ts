/**
 * A seeded generator of hostile topologies: valid Sequential and functional models mutated at
 * random (a key deleted, a value replaced by a strange one, a key spelt twice, a class
 * swapped, a layer renamed or duplicated, an inbound reference bent, a cycle made). Shared by
 * the fuzz test and `bench/http.ts`'s attack mix.
 * @module
 */
import { createRng, type Rng } from "../src/random.ts";
import { LAYER_CLASSES } from "../functions/topology.ts";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const DATA = {
  x: [[0, 1], [1, 0], [1, 1], [0, 0], [0.5, 0.2], [0.1, 0.9], [0.8, 0.7], [0.3, 0.3]],
  y: [0, 1, 1, 0, 1, 0, 1, 0],
  classes: 2,
};

function dense(name: string, units: number, inbound?: Json): Json {
  const layer: { [key: string]: Json } = {
    class_name: "Dense",
    config: { name, units, activation: units === 2 ? "softmax" : "relu" },
  };
  if (inbound !== undefined) {
    layer.name = name;
    layer.inbound_nodes = inbound;
  }
  return layer;
}

/** Valid topologies the mutations start from. */
function baseTopologies(): Json[] {
  const input: Json = {
    name: "in",
    class_name: "InputLayer",
    config: { batch_input_shape: [null, 2], dtype: "float32", name: "in" },
    inbound_nodes: [],
  };
  return [
    {
      class_name: "Sequential",
      config: {
        name: "seq",
        layers: [
          {
            class_name: "Dense",
            config: { name: "h", units: 4, activation: "relu", batch_input_shape: [null, 2] },
          },
          { class_name: "Dropout", config: { rate: 0.1 } },
          dense("out", 2),
        ],
      },
    },
    {
      class_name: "Model",
      config: {
        name: "functional",
        layers: [
          input,
          dense("a", 4, [[["in", 0, 0, {}]]]),
          dense("b", 4, [[["in", 0, 0, {}]]]),
          {
            name: "sum",
            class_name: "Add",
            config: { name: "sum" },
            inbound_nodes: [[["a", 0, 0, {}], ["b", 0, 0, {}]]],
          },
          dense("out", 2, [[["sum", 0, 0, {}]]]),
        ],
        input_layers: [["in", 0, 0]],
        output_layers: [["out", 0, 0]],
      },
    },
    {
      class_name: "Sequential",
      config: {
        name: "conv",
        layers: [
          { class_name: "Reshape", config: { target_shape: [2, 1], batch_input_shape: [null, 2] } },
          { class_name: "Conv1D", config: { filters: 3, kernel_size: [1] } },
          { class_name: "GlobalAveragePooling1D", config: {} },
          dense("out", 2),
        ],
      },
    },
  ];
}

const STRANGE: Json[] = [
  null,
  -1,
  0,
  1.5,
  1e9,
  2 ** 31,
  "",
  "x",
  "float64",
  "string",
  true,
  [],
  {},
  [null, 2],
  [null, 1e6, 1e6],
  [[1, 2]],
  { class_name: "Lambda", config: {} },
  { class_name: "Dense", config: { units: 3 } },
  ["in", 5, 0],
];

function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[Math.floor(rng() * items.length)];
}

/** Every (container, key) in a value, for mutations. */
function slots(value: Json): { parent: { [key: string]: Json } | Json[]; key: string | number }[] {
  const found: { parent: { [key: string]: Json } | Json[]; key: string | number }[] = [];
  const visit = (node: Json) => {
    if (Array.isArray(node)) {
      node.forEach((item, i) => {
        found.push({ parent: node, key: i });
        visit(item);
      });
    } else if (node !== null && typeof node === "object") {
      for (const key of Object.keys(node)) {
        found.push({ parent: node, key });
        visit(node[key]);
      }
    }
  };
  visit(value);
  return found;
}

type JsonObject = { [key: string]: Json };

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The layer list of a (possibly already mutated) topology; empty when there is none. */
function layersOf(topology: Json): Json[] {
  const config = isObject(topology) ? topology.config : undefined;
  const layers = isObject(config) ? config.layers : undefined;
  return Array.isArray(layers) ? layers : [];
}

/** A layer object with a config object, if the topology still has one. */
function pickLayer(
  rng: Rng,
  topology: Json,
): { layer: JsonObject; config: JsonObject } | undefined {
  const layers = layersOf(topology).filter(isObject).filter((l) => isObject(l.config));
  if (layers.length === 0) return undefined;
  const layer = pick(rng, layers);
  return { layer, config: layer.config as JsonObject };
}

const MUTATIONS: ((rng: Rng, topology: Json) => string)[] = [
  (rng, t) => {
    const slot = pick(rng, slots(t));
    if (Array.isArray(slot.parent)) slot.parent.splice(slot.key as number, 1);
    else delete slot.parent[slot.key as string];
    return `delete ${slot.key}`;
  },
  (rng, t) => {
    const slot = pick(rng, slots(t));
    const value = structuredClone(pick(rng, STRANGE));
    (slot.parent as Record<string | number, Json>)[slot.key] = value;
    return `${slot.key} = ${JSON.stringify(value)}`;
  },
  (rng, t) => {
    const objects = slots(t).filter((s) => typeof s.key === "string" && s.key.includes("_"));
    if (objects.length === 0) return "no snake key";
    const slot = pick(rng, objects);
    const camel = (slot.key as string).replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
    const parent = slot.parent as JsonObject;
    parent[camel] = rng() < 0.5 ? structuredClone(parent[slot.key as string]) : pick(rng, STRANGE);
    return `${slot.key} and ${camel}`;
  },
  (rng, t) => {
    const picked = pickLayer(rng, t);
    if (!picked) return "no layer";
    const name = rng() < 0.8 ? pick(rng, LAYER_CLASSES) : pick(rng, ["Lambda", "Adam", "Model"]);
    if (rng() < 0.3) picked.layer.className = name;
    else picked.layer.class_name = name;
    return `class ${name}`;
  },
  (rng, t) => {
    const picked = pickLayer(rng, t);
    const other = pickLayer(rng, t);
    if (!picked || !other) return "no layer";
    const name = rng() < 0.5 ? "ghost" : other.config.name ?? "ghost";
    picked.config.name = name;
    if ("name" in picked.layer) picked.layer.name = name;
    return `rename to ${JSON.stringify(name)}`;
  },
  (rng, t) => {
    const layers = layersOf(t);
    if (layers.length === 0) return "no layer";
    const i = Math.floor(rng() * layers.length);
    layers.splice(i, 0, structuredClone(layers[i]));
    return `duplicate layer ${i}`;
  },
  (rng, t) => {
    const inbound = slots(t).filter((s) => s.key === "inbound_nodes");
    if (inbound.length === 0) return "no inbound nodes";
    const slot = pick(rng, inbound);
    const parent = slot.parent as JsonObject;
    const names = layersOf(t).map((l) => (isObject(l) ? l.name : undefined) ?? "in");
    parent.inbound_nodes = [[[pick(rng, names), Math.floor(rng() * 3), Math.floor(rng() * 2), {}]]];
    return `inbound of ${parent.name} bent`;
  },
  (rng, t) => {
    const layers = layersOf(t);
    layers.reverse();
    return rng() < 0.5 ? "layers reversed" : "layers reversed twice";
  },
  (rng, t) => {
    const picked = pickLayer(rng, t);
    if (!picked) return "no layer";
    const key = pick(rng, ["batch_input_shape", "dtype", "units", "target_shape", "rate"]);
    const value = structuredClone(pick(rng, STRANGE));
    picked.config[key] = value;
    return `config ${key} = ${JSON.stringify(value)}`;
  },
];

/** One hostile request: a mutated topology with a tiny dataset and a short sweep. */
export interface FuzzCase {
  /** How it was made. */
  label: string;
  /** The request body. */
  body: string;
}

/** `count` seeded cases. */
export function topologyCases(count: number, seed: number): FuzzCase[] {
  const rng = createRng(seed);
  const bases = baseTopologies();
  return Array.from({ length: count }, (_, i) => {
    const topology = structuredClone(bases[i % bases.length]);
    const steps: string[] = [];
    const mutations = 1 + Math.floor(rng() * 3);
    for (let m = 0; m < mutations; m++) steps.push(pick(rng, MUTATIONS)(rng, topology));
    return {
      label: `${(topology as { config?: { name?: Json } }).config?.name ?? "?"}: ${
        steps.join("; ")
      }`,
      body: JSON.stringify({
        model: { modelTopology: topology },
        data: DATA,
        sweep: { numIters: 10 },
      }),
    };
  });
}
