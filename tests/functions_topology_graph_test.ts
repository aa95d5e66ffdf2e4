import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import {
  checkFunctionalGraph,
  checkSequentialLayers,
  MAX_TOPOLOGY_LAYERS,
} from "../functions/topology_graph.ts";

const INPUT = {
  name: "in",
  class_name: "InputLayer",
  config: { batch_input_shape: [null, 2], name: "in" },
  inbound_nodes: [],
};

function dense(name: string, inbound: unknown[]) {
  return { name, class_name: "Dense", config: { units: 2, name }, inbound_nodes: inbound };
}

function graph(layers: unknown[], outputs: unknown[] = [["out", 0, 0]], inputs = [["in", 0, 0]]) {
  return { name: "g", layers: [INPUT, ...layers], input_layers: inputs, output_layers: outputs };
}

function issuesOf(config: unknown) {
  return checkFunctionalGraph(config, "m").map((i) => `${i.path}: ${i.message}`);
}

Deno.test("a graph TensorFlow.js builds passes, shared layers and several nodes included", () => {
  assert.deepEqual(issuesOf(graph([dense("out", [[["in", 0, 0, {}]]])])), []);
  const shared = graph([
    dense("a", [[["in", 0, 0, {}]], [["in", 0, 0]]]),
    { name: "sum", class_name: "Add", config: {}, inbound_nodes: [[["a", 0, 0], ["a", 1, 0]]] },
    dense("out", [[["sum", 0, 0, {}]]]),
  ]);
  assert.deepEqual(issuesOf(shared), []);
  // The real thing: the topology TensorFlow.js writes for a functional model.
  const input = tf.input({ shape: [3] });
  const hidden = tf.layers.dense({ units: 4 }).apply(input) as tf.SymbolicTensor;
  const output = tf.layers.dense({ units: 2 }).apply(hidden) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: output });
  const topology = model.toJSON(undefined, false) as unknown as { config: unknown };
  model.dispose();
  assert.deepEqual(checkFunctionalGraph(topology.config, "m"), []);
});

Deno.test("an inbound layer that does not exist, or an index out of range, is named", () => {
  assert.deepEqual(issuesOf(graph([dense("out", [[["ghost", 0, 0, {}]]])])), [
    'm.layers[1].inbound_nodes[0][0][0]: names the layer "ghost", which does not exist in ' +
    'this model: known layers are "in", "out"',
  ]);
  assert.deepEqual(issuesOf(graph([dense("out", [[["in", 1, 0, {}]]])])), [
    'm.layers[1].inbound_nodes[0][0][1]: node index 1 is out of range: layer "in" has 1 node',
  ]);
  assert.deepEqual(issuesOf(graph([dense("out", [[["in", 0, 3, {}]]])])), [
    'm.layers[1].inbound_nodes[0][0][2]: tensor index 3 is out of range: layer "in" has 1 output',
  ]);
  assert.deepEqual(issuesOf(graph([dense("out", [[["in", -1, 0]]])])).length, 1);
  assert.deepEqual(issuesOf(graph([dense("out", [[["in", 0, 0, { f: [1] }]]])])), [
    "m.layers[1].inbound_nodes[0][0][3]: expected the call's keyword arguments as an object " +
    "of plain values, such as {}",
  ]);
});

Deno.test("cycles and nodes that can never be built are refused", () => {
  const cycle = graph([
    dense("a", [[["out", 0, 0]]]),
    dense("out", [[["a", 0, 0]]]),
  ]);
  assert.deepEqual(issuesOf(cycle), [
    'm.layers[1]: the layers "a", "out" wait for each other (a cycle in inbound_nodes): ' +
    "TensorFlow.js could never build them",
  ]);
  const self = graph([dense("out", [[["out", 0, 0]]])]);
  assert.equal(issuesOf(self).length, 1);
  // A node that needs the second application of a layer applied once.
  const never = graph([
    dense("a", [[["in", 0, 0]], [["out", 0, 0]]]),
    dense("out", [[["a", 1, 0]]]),
  ]);
  assert.match(issuesOf(never)[0], /wait for each other/);
});

Deno.test("the input and output layers must exist; inputs must be InputLayers", () => {
  const ok = [dense("out", [[["in", 0, 0]]])];
  assert.deepEqual(issuesOf(graph(ok, [["nope", 0, 0]])), [
    'm.output_layers[0][0]: names the layer "nope", which does not exist in this model',
  ]);
  assert.deepEqual(issuesOf(graph(ok, [["out", 0, 0]], [["out", 0, 0]])), [
    'm.input_layers[0][0]: an input of the model must be an InputLayer, "out" is a Dense',
  ]);
  assert.match(issuesOf(graph(ok, []))[0], /^m\.output_layers: expected a list/);
  assert.match(issuesOf(graph(ok, [["out", 0]]))[0], /^m\.output_layers\[0\]: expected/);
});

Deno.test("layers need unique names and Keras 2 nodes; an InputLayer takes none", () => {
  assert.match(
    issuesOf(graph([dense("in", [[["in", 0, 0]]])]))[0],
    /^m\.layers\[1\]\.name: "in" is the name of an earlier layer too/,
  );
  assert.match(
    issuesOf(graph([{ ...dense("out", []), inbound_nodes: [{ args: [] }] }]))[0],
    /^m\.layers\[1\]\.inbound_nodes\[0\]: expected a node in Keras 2 format/,
  );
  assert.match(issuesOf(graph([dense("out", [])]))[0], /the layer is never applied/);
  const fedInput = { ...INPUT, inbound_nodes: [[["in", 0, 0]]] };
  assert.match(
    issuesOf({ layers: [fedInput], input_layers: [], output_layers: [] })[0],
    /an InputLayer takes no inbound nodes/,
  );
  assert.match(
    issuesOf({ layers: Array(MAX_TOPOLOGY_LAYERS + 1).fill(INPUT) })[0],
    /^m\.layers: must be a list of 1 to 512 layers, got 513/,
  );
});

Deno.test("a Sequential model needs 1 to 512 layer objects", () => {
  assert.deepEqual(checkSequentialLayers({ layers: [{}] }, "m"), []);
  assert.deepEqual(checkSequentialLayers([{}], "m"), []);
  assert.equal(checkSequentialLayers({ layers: [] }, "m")[0].path, "m.layers");
  assert.equal(checkSequentialLayers({ layers: [1] }, "m")[0].path, "m.layers[0]");
  assert.equal(
    checkSequentialLayers({}, "m")[0].message,
    "expected the model's list of layers, got none",
  );
});
