/**
 * The hostile requests of issue 11, as request bodies, shared by the adversarial tests and
 * `bench/http.ts`'s attack mix. Each is small and cheap to send; each must be refused quickly
 * with a problem document and leave the server and its worker as they were.
 * @module
 */

/** One hostile request. */
export interface Attack {
  /** What it is. */
  name: string;
  /** The body (JSON text). */
  body: string;
  /** The status it must get. */
  status: number;
  /** The JSON pointer its problem must name (first error), when it names one. */
  pointer?: string;
  /** A pattern of the problem's detail. */
  detail?: RegExp;
}

/** Samples of `features` values each, flat, with two classes. */
function flatSamples(samples: number, features: number) {
  return {
    x: Array.from({ length: samples * features }, (_, i) => (i % 7) / 7),
    xShape: [features],
    y: Array.from({ length: samples }, (_, i) => i % 2),
    classes: 2,
  };
}

const TWO_FEATURES = { x: [[0, 1], [1, 0], [1, 1], [0, 0]], y: [0, 1, 1, 0], classes: 2 };

function functional(layers: unknown[], inputs: unknown[], outputs: unknown[]) {
  return {
    model: {
      modelTopology: {
        class_name: "Model",
        config: { name: "f", layers, input_layers: inputs, output_layers: outputs },
      },
    },
    data: TWO_FEATURES,
    sweep: { numIters: 10 },
  };
}

const INPUT = {
  name: "in",
  class_name: "InputLayer",
  config: { batch_input_shape: [null, 2], dtype: "float32", name: "in" },
  inbound_nodes: [],
};

function sequential(layers: unknown[], data: unknown = TWO_FEATURES) {
  return {
    model: { modelTopology: { class_name: "Sequential", config: { name: "s", layers } } },
    data,
    sweep: { numIters: 10 },
  };
}

/** The 1.95M one-element rows of the issue (7.8 MB). */
export function millionRowsBody(): string {
  const rows = 1_950_000;
  return `{"model":[{"type":"output"}],"data":{"x":[${"[1],".repeat(rows - 1)}[1]],"y":[0,1]}}`;
}

/** Every hostile request of the table but the huge body and the slow connections. */
export const ATTACKS: readonly Attack[] = [
  {
    name: "a functional node whose inbound layer does not exist",
    body: JSON.stringify(functional(
      [INPUT, {
        name: "d",
        class_name: "Dense",
        config: { units: 2, name: "d" },
        inbound_nodes: [[["missing", 0, 0, {}]]],
      }],
      [["in", 0, 0]],
      [["d", 0, 0]],
    )),
    status: 422,
    pointer: "/model/modelTopology/config/layers/1/inbound_nodes/0/0/0",
    detail: /"missing", which does not exist/,
  },
  {
    name: "a cycle between two layers",
    body: JSON.stringify(functional(
      [
        INPUT,
        {
          name: "a",
          class_name: "Dense",
          config: { units: 2, name: "a" },
          inbound_nodes: [[["b", 0, 0, {}]]],
        },
        {
          name: "b",
          class_name: "Dense",
          config: { units: 2, name: "b" },
          inbound_nodes: [[["a", 0, 0, {}]]],
        },
      ],
      [["in", 0, 0]],
      [["b", 0, 0]],
    )),
    status: 422,
    pointer: "/model/modelTopology/config/layers/1",
    detail: /wait for each other/,
  },
  {
    name: "conv2d with 20,000 filters on 64x64x1 (40k parameters)",
    body: JSON.stringify({
      model: {
        inputShape: [64, 64, 1],
        layers: [
          { type: "conv2d", filters: 20_000, kernelSize: 1 },
          { type: "globalAveragePooling2d" },
          { type: "output" },
        ],
      },
      data: flatSamples(3, 64 * 64),
      sweep: { numIters: 10 },
    }),
    status: 422,
    pointer: "/model/layers/0",
    detail: /model\.layers\[0\] \(Conv2D\) outputs 81,920,000 values per sample/,
  },
  {
    name: "UpSampling2D of size [6000, 6000] (6 parameters)",
    body: JSON.stringify(sequential([
      { class_name: "Reshape", config: { target_shape: [1, 2, 1], batch_input_shape: [null, 2] } },
      { class_name: "UpSampling2D", config: { size: [6000, 6000] } },
      { class_name: "GlobalAveragePooling2D", config: {} },
      { class_name: "Dense", config: { units: 2, activation: "softmax" } },
    ])),
    status: 422,
    pointer: "/model/modelTopology/config/layers/1",
    detail: /\(UpSampling2D\) outputs 72,000,000 values per sample/,
  },
  {
    name: "a layer with class_name Dense and className Adam",
    body: JSON.stringify(sequential([
      {
        class_name: "Dense",
        className: "Adam",
        config: { units: 2, batch_input_shape: [null, 2] },
      },
    ])),
    status: 422,
    pointer: "/model/modelTopology/config/layers/0/className",
    detail: /has both class_name and className/,
  },
  {
    name: "class_name InputLayer with className Dense and 5e7 units",
    body: JSON.stringify(sequential([
      {
        class_name: "InputLayer",
        className: "Dense",
        config: { units: 5e7, batch_input_shape: [null, 2] },
      },
    ])),
    status: 422,
    pointer: "/model/modelTopology/config/layers/0/className",
  },
  {
    name: "y with a single class",
    body: JSON.stringify({
      model: [{ type: "dense", units: 4 }, { type: "output" }],
      data: { x: [[0, 1], [1, 0]], y: ["a", "a"] },
      sweep: { numIters: 10 },
    }),
    status: 422,
    pointer: "/data/y",
    detail: /single class \("a"\)/,
  },
  {
    name: 'a topology with "dtype": "string"',
    body: JSON.stringify(sequential([
      { class_name: "Dense", config: { units: 2, batch_input_shape: [null, 2], dtype: "string" } },
    ])),
    status: 422,
    pointer: "/model/modelTopology/config/layers/0/config/dtype",
    detail: /must be "float32"/,
  },
  {
    name: "a heavy convolution step with timeBudgetMs 5000",
    body: JSON.stringify({
      model: {
        inputShape: [64, 64, 1],
        layers: [
          { type: "conv2d", filters: 16, kernelSize: 3, padding: "same" },
          { type: "conv2d", filters: 16, kernelSize: 15, padding: "same" },
          { type: "globalAveragePooling2d" },
          { type: "output" },
        ],
      },
      data: flatSamples(64, 64 * 64),
      sweep: { numIters: 10, timeBudgetMs: 5000 },
    }),
    status: 422,
    pointer: "/model/layers/1",
    detail: /floating-point operations per training step/,
  },
];
