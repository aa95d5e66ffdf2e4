/**
 * The tasks of the suggestion-quality benchmark: a model, its initial weights by seed, an
 * optimizer, a loss, training and validation data, and the learning-rate grid and training
 * budget of the ground truth. Models use seeded initializers, so the same seed gives the same
 * initial weights in every process (the ground truth generator and the benchmark check this with
 * a checksum).
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { Dataset } from "../src/data/dataset.ts";
import { loadIdxDataset } from "../src/data/idx.ts";
import { syntheticDataset } from "../src/data/synthetic.ts";
import type { LossName } from "../src/loss_names.ts";
import type { OptimizerSpec } from "../src/optimizer_spec.ts";
import { createRng, normal } from "../src/random.ts";
import { tabularClassification } from "./tabular_data.ts";

/** Training data of a task and the held-out data its ground truth is measured on. */
export interface TaskData {
  /** Samples the sweeps and the ground-truth runs train on. */
  train: Dataset;
  /** Samples the final validation loss of the ground truth is computed on. */
  validation: Dataset;
}

/** One benchmark task. */
export interface Task {
  /** Short id, used in tables and file names. */
  name: string;
  /** One line: model, data, optimizer. */
  description: string;
  /** Optimizer (the swept learning rate aside). */
  optimizer: OptimizerSpec;
  /** Loss name. */
  loss: LossName;
  /** Samples per step, in the sweeps and in the ground truth. */
  batchSize: number;
  /** Steps of the short ground truth (the validation loss after this many constant-rate steps). */
  budgetSteps: number;
  /**
   * Epochs of the long ground truth: the training users run, several passes over the training
   * data at a constant rate; the validation loss at its end.
   */
  epochs: number;
  /** Learning rates of the ground truth, half a decade apart. */
  grid: number[];
  /** Seeds of the initial weights (and of the data order of the ground-truth runs). */
  seeds: number[];
  /** True when the task needs the Fashion-MNIST files. */
  fashionMnist: boolean;
  /** Loads (or generates) the data. */
  load(): Promise<TaskData>;
  /** The model with the initial weights of `seed`. */
  model(seed: number): tf.LayersModel;
}

/** Directory of the Debian package `dataset-fashion-mnist`. */
export const FASHION_MNIST_DIR = "/usr/share/datasets/fashion-mnist";

/** Validation samples taken from the Fashion-MNIST test set (its first ones). */
export const FASHION_MNIST_VALIDATION = 2000;

/** Learning rates 10^(k/2) from 10^(from/2) to 10^(to/2): half-decade steps. */
export function halfDecades(from: number, to: number): number[] {
  const grid: number[] = [];
  for (let k = from; k <= to; k++) grid.push(Number((10 ** (k / 2)).toPrecision(6)));
  return grid;
}

/** True when the Fashion-MNIST files are installed. */
export function fashionMnistAvailable(): boolean {
  try {
    Deno.statSync(`${FASHION_MNIST_DIR}/train-images-idx3-ubyte.gz`);
    Deno.statSync(`${FASHION_MNIST_DIR}/t10k-images-idx3-ubyte.gz`);
    return true;
  } catch {
    return false;
  }
}

let fashionMnist: Promise<TaskData> | undefined;

/** Training images of the Fashion-MNIST tasks that train on a subset (the first ones). */
export const FASHION_MNIST_SUBSET = 12000;

/** The first `count` Fashion-MNIST training images and the usual validation images. */
export async function loadFashionMnistSubset(count: number): Promise<TaskData> {
  const full = await loadFashionMnist();
  const width = full.train.xShape.reduce((a, b) => a * b, 1);
  const train: Dataset = {
    ...full.train,
    x: full.train.x.slice(0, count * width),
    y: full.train.y.slice(0, count),
    size: count,
    source: `${full.train.source} (first ${count})`,
  };
  return { train, validation: full.validation };
}

/** The 60,000 Fashion-MNIST training images and the first test images (loaded once). */
export function loadFashionMnist(): Promise<TaskData> {
  fashionMnist ??= (async () => {
    const file = (name: string) => `${FASHION_MNIST_DIR}/${name}-idx3-ubyte.gz`;
    const labels = (name: string) => `${FASHION_MNIST_DIR}/${name}-idx1-ubyte.gz`;
    const [train, validation] = await Promise.all([
      loadIdxDataset({ images: file("train-images"), labels: labels("train-labels") }),
      loadIdxDataset(
        { images: file("t10k-images"), labels: labels("t10k-labels") },
        { limit: FASHION_MNIST_VALIDATION },
      ),
    ]);
    return { train, validation };
  })();
  return fashionMnist;
}

function glorot(seed: number, layer: number): ReturnType<typeof tf.initializers.glorotUniform> {
  return tf.initializers.glorotUniform({ seed: seed * 1000 + layer });
}

/** The tutorial's model: Flatten, Dense 128 relu, Dense 10 softmax. */
export function tutorialMlp(seed: number): tf.Sequential {
  return tf.sequential({
    name: "tutorial_mlp",
    layers: [
      tf.layers.flatten({ inputShape: [28, 28, 1] }),
      tf.layers.dense({ units: 128, activation: "relu", kernelInitializer: glorot(seed, 1) }),
      tf.layers.dense({ units: 10, activation: "softmax", kernelInitializer: glorot(seed, 2) }),
    ],
  });
}

/** Softmax regression on the pixels: Flatten, Dense 10 softmax. */
export function softmaxRegression(seed: number): tf.Sequential {
  return tf.sequential({
    name: "softmax_regression",
    layers: [
      tf.layers.flatten({ inputShape: [28, 28, 1] }),
      tf.layers.dense({ units: 10, activation: "softmax", kernelInitializer: glorot(seed, 1) }),
    ],
  });
}

/** Logistic regression: one sigmoid unit. */
export function logisticRegression(seed: number): tf.Sequential {
  return tf.sequential({
    name: "logistic_regression",
    layers: [
      tf.layers.dense({
        inputShape: [20],
        units: 1,
        activation: "sigmoid",
        kernelInitializer: glorot(seed, 1),
      }),
    ],
  });
}

/**
 * A deeper MLP with batch normalisation: Flatten, then Dense 128, 128, 64 each followed by
 * batch normalisation and relu, Dense 10 softmax.
 */
export function batchNormMlp(seed: number): tf.Sequential {
  const layers: tf.layers.Layer[] = [tf.layers.flatten({ inputShape: [28, 28, 1] })];
  [128, 128, 64].forEach((units, i) => {
    layers.push(
      tf.layers.dense({ units, useBias: false, kernelInitializer: glorot(seed, i + 1) }),
      tf.layers.batchNormalization(),
      tf.layers.activation({ activation: "relu" }),
    );
  });
  layers.push(
    tf.layers.dense({ units: 10, activation: "softmax", kernelInitializer: glorot(seed, 4) }),
  );
  return tf.sequential({ name: "batch_norm_mlp", layers });
}

/** A small CNN: two 3x3 convolutions (8, 16 filters) with max pooling, Dense 10 softmax. */
export function smallCnn(seed: number): tf.Sequential {
  return tf.sequential({
    name: "small_cnn",
    layers: [
      tf.layers.conv2d({
        inputShape: [28, 28, 1],
        filters: 8,
        kernelSize: 3,
        activation: "relu",
        kernelInitializer: glorot(seed, 1),
      }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({
        filters: 16,
        kernelSize: 3,
        activation: "relu",
        kernelInitializer: glorot(seed, 2),
      }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 10, activation: "softmax", kernelInitializer: glorot(seed, 3) }),
    ],
  });
}

/** A multi-layer perceptron with relu hidden layers and a linear or softmax output. */
export function denseNet(
  seed: number,
  shape: { inputs: number; hidden: number[]; outputs: number; softmax: boolean },
): tf.Sequential {
  const layers: tf.layers.Layer[] = [];
  shape.hidden.forEach((units, i) => {
    layers.push(tf.layers.dense({
      ...(i === 0 ? { inputShape: [shape.inputs] } : {}),
      units,
      activation: "relu",
      kernelInitializer: glorot(seed, i + 1),
    }));
  });
  layers.push(tf.layers.dense({
    ...(shape.hidden.length === 0 ? { inputShape: [shape.inputs] } : {}),
    units: shape.outputs,
    activation: shape.softmax ? "softmax" : "linear",
    kernelInitializer: glorot(seed, shape.hidden.length + 1),
  }));
  return tf.sequential({ name: "dense_net", layers });
}

/**
 * Friedman's first regression problem (Friedman 1991): 10 uniform features of which 5 matter,
 * `y = 10 sin(pi x1 x2) + 20 (x3 - 0.5)^2 + 10 x4 + 5 x5 + N(0, 1)`, targets standardised with
 * the training set's mean and deviation.
 */
export function friedman(samples: { train: number; validation: number }, seed: number): TaskData {
  const rng = createRng(seed);
  const make = (n: number) => {
    const x = new Float32Array(n * 10);
    const y = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < 10; j++) x[i * 10 + j] = rng();
      const f = x.subarray(i * 10, i * 10 + 10);
      y[i] = 10 * Math.sin(Math.PI * f[0] * f[1]) + 20 * (f[2] - 0.5) ** 2 + 10 * f[3] +
        5 * f[4] + normal(rng);
    }
    return { x, y };
  };
  const train = make(samples.train);
  const validation = make(samples.validation);
  let mean = 0;
  for (const v of train.y) mean += v / train.y.length;
  let variance = 0;
  for (const v of train.y) variance += (v - mean) ** 2 / train.y.length;
  const sd = Math.sqrt(variance);
  for (const part of [train, validation]) {
    for (let i = 0; i < part.y.length; i++) part.y[i] = (part.y[i] - mean) / sd;
  }
  const dataset = (part: { x: Float32Array; y: Float32Array }, what: string): Dataset => ({
    x: part.x,
    xShape: [10],
    y: part.y,
    yShape: [],
    size: part.y.length,
    source: `friedman1 ${what} (seed ${seed})`,
  });
  return { train: dataset(train, "train"), validation: dataset(validation, "validation") };
}

/** The first `trainSize` samples for training, the rest for validation (for i.i.d. samples). */
function split(data: Dataset, trainSize: number): TaskData {
  const xWidth = data.xShape.reduce((a, b) => a * b, 1);
  const yWidth = data.yShape.reduce((a, b) => a * b, 1);
  const part = (from: number, to: number, what: string): Dataset => ({
    ...data,
    x: data.x.slice(from * xWidth, to * xWidth),
    y: data.y.slice(from * yWidth, to * yWidth),
    size: to - from,
    source: `${data.source} ${what}`,
  });
  return {
    train: part(0, trainSize, "train"),
    validation: part(trainSize, data.size, "validation"),
  };
}

const ALL_SEEDS = [0, 1, 2];

let friedmanCache: TaskData | undefined;

function friedmanData(): TaskData {
  friedmanCache ??= friedman({ train: 16000, validation: 2000 }, 11);
  return friedmanCache;
}

let binaryTabularCache: TaskData | undefined;

function binaryTabularData(): TaskData {
  binaryTabularCache ??= tabularClassification({
    train: 2000,
    validation: 4000,
    features: 20,
    informative: 5,
    redundant: 5,
    classes: 2,
    clustersPerClass: 2,
    separation: 1,
    flip: 0.05,
    seed: 41,
    target: "binary",
  });
  return binaryTabularCache;
}

let multiclassTabularCache: TaskData | undefined;

function multiclassTabularData(): TaskData {
  multiclassTabularCache ??= tabularClassification({
    train: 1000,
    validation: 4000,
    features: 12,
    informative: 4,
    redundant: 2,
    classes: 3,
    clustersPerClass: 2,
    separation: 1.5,
    flip: 0.05,
    seed: 51,
    target: "classes",
  });
  return multiclassTabularCache;
}

let friedmanSmallCache: TaskData | undefined;

function friedmanSmallData(): TaskData {
  friedmanSmallCache ??= friedman({ train: 1000, validation: 4000 }, 61);
  return friedmanSmallCache;
}

/** The benchmark's tasks, in table order. */
/** What most tasks share; a task overrides what differs. */
const TASK_DEFAULTS = {
  budgetSteps: 300,
  grid: halfDecades(-10, 2),
  seeds: ALL_SEEDS,
  fashionMnist: false,
} as const;

export const TASKS: readonly Task[] = [
  {
    ...TASK_DEFAULTS,
    name: "fmnist-mlp-adam",
    description: "Fashion-MNIST, tutorial MLP (Dense 128 relu), Adam, batch 64",
    optimizer: { name: "adam" },
    loss: "categoricalCrossentropy",
    batchSize: 64,
    epochs: 3,
    fashionMnist: true,
    load: loadFashionMnist,
    model: tutorialMlp,
  },
  {
    ...TASK_DEFAULTS,
    name: "fmnist-cnn-adam",
    description:
      "Fashion-MNIST (first 12,000), small CNN (conv 8, conv 16, max pooling), Adam, batch 64",
    optimizer: { name: "adam" },
    loss: "categoricalCrossentropy",
    batchSize: 64,
    epochs: 5,
    grid: halfDecades(-10, 1),
    fashionMnist: true,
    load: () => loadFashionMnistSubset(FASHION_MNIST_SUBSET),
    model: smallCnn,
  },
  {
    ...TASK_DEFAULTS,
    name: "fmnist-mlp-momentum",
    description: "Fashion-MNIST, tutorial MLP, SGD with momentum 0.9, batch 64",
    optimizer: { name: "momentum", momentum: 0.9 },
    loss: "categoricalCrossentropy",
    batchSize: 64,
    epochs: 3,
    fashionMnist: true,
    load: loadFashionMnist,
    model: tutorialMlp,
  },
  {
    ...TASK_DEFAULTS,
    name: "fmnist-softmax-sgd",
    description: "Fashion-MNIST, softmax regression (Flatten, Dense 10), plain SGD, batch 64",
    optimizer: { name: "sgd" },
    loss: "categoricalCrossentropy",
    batchSize: 64,
    epochs: 3,
    grid: halfDecades(-8, 4),
    fashionMnist: true,
    load: loadFashionMnist,
    model: softmaxRegression,
  },
  {
    ...TASK_DEFAULTS,
    name: "friedman-mlp-adam",
    description: "Friedman #1 regression (10 features), MLP 64-64 relu, MSE, Adam, batch 32",
    optimizer: { name: "adam" },
    loss: "meanSquaredError",
    batchSize: 32,
    epochs: 5,
    load: () => Promise.resolve(friedmanData()),
    model: (seed) => denseNet(seed, { inputs: 10, hidden: [64, 64], outputs: 1, softmax: false }),
  },
  {
    ...TASK_DEFAULTS,
    name: "friedman-mlp-momentum",
    description: "Friedman #1 regression, MLP 64-64 relu, MSE, SGD with momentum 0.9, batch 32",
    optimizer: { name: "momentum", momentum: 0.9 },
    loss: "meanSquaredError",
    batchSize: 32,
    epochs: 5,
    load: () => Promise.resolve(friedmanData()),
    model: (seed) => denseNet(seed, { inputs: 10, hidden: [64, 64], outputs: 1, softmax: false }),
  },
  {
    ...TASK_DEFAULTS,
    name: "spirals-deep-rmsprop",
    description: "3 interleaved spirals, deep MLP (4 x 64 relu), RMSprop, batch 32",
    optimizer: { name: "rmsprop" },
    loss: "categoricalCrossentropy",
    batchSize: 32,
    epochs: 5,
    load: () =>
      Promise.resolve({
        train: syntheticDataset({ kind: "spirals", samples: 16000, classes: 3, seed: 21 }),
        validation: syntheticDataset({ kind: "spirals", samples: 2000, classes: 3, seed: 22 }),
      }),
    model: (seed) =>
      denseNet(seed, { inputs: 2, hidden: [64, 64, 64, 64], outputs: 3, softmax: true }),
  },
  {
    ...TASK_DEFAULTS,
    name: "linear-sgd",
    description:
      "linear regression (8 features, noise 0.1), one Dense unit, MSE, plain SGD, batch 32",
    optimizer: { name: "sgd" },
    loss: "meanSquaredError",
    batchSize: 32,
    epochs: 5,
    load: () =>
      Promise.resolve(
        split(syntheticDataset({ kind: "regression", samples: 18000, seed: 31 }), 16000),
      ),
    model: (seed) => denseNet(seed, { inputs: 8, hidden: [], outputs: 1, softmax: false }),
  },
  {
    ...TASK_DEFAULTS,
    name: "fmnist-softmax-adam",
    description: "Fashion-MNIST, softmax regression (Flatten, Dense 10), Adam, batch 64",
    optimizer: { name: "adam" },
    loss: "categoricalCrossentropy",
    batchSize: 64,
    epochs: 3,
    fashionMnist: true,
    load: loadFashionMnist,
    model: softmaxRegression,
  },
  {
    ...TASK_DEFAULTS,
    name: "fmnist-bn-momentum",
    description:
      "Fashion-MNIST (first 12,000), MLP 128-128-64 with batch normalisation, SGD with momentum 0.9, batch 64",
    optimizer: { name: "momentum", momentum: 0.9 },
    loss: "categoricalCrossentropy",
    batchSize: 64,
    epochs: 5,
    grid: halfDecades(-10, 3),
    fashionMnist: true,
    load: () => loadFashionMnistSubset(FASHION_MNIST_SUBSET),
    model: batchNormMlp,
  },
  {
    ...TASK_DEFAULTS,
    name: "tabular-logistic-adam",
    description:
      "tabular binary classification (2,000 samples, 20 features), logistic regression, Adam, batch 32",
    optimizer: { name: "adam" },
    loss: "binaryCrossentropy",
    batchSize: 32,
    epochs: 30,
    load: () => Promise.resolve(binaryTabularData()),
    model: logisticRegression,
  },
  {
    ...TASK_DEFAULTS,
    name: "tabular-logistic-sgd",
    description:
      "tabular binary classification (2,000 samples, 20 features), logistic regression, plain SGD, batch 32",
    optimizer: { name: "sgd" },
    loss: "binaryCrossentropy",
    batchSize: 32,
    epochs: 30,
    grid: halfDecades(-8, 4),
    load: () => Promise.resolve(binaryTabularData()),
    model: logisticRegression,
  },
  {
    ...TASK_DEFAULTS,
    name: "tabular-mlp-adam",
    description:
      "tabular 3-class classification (1,000 samples, 12 features), MLP 64-64 relu, Adam, batch 32",
    optimizer: { name: "adam" },
    loss: "categoricalCrossentropy",
    batchSize: 32,
    epochs: 60,
    load: () => Promise.resolve(multiclassTabularData()),
    model: (seed) => denseNet(seed, { inputs: 12, hidden: [64, 64], outputs: 3, softmax: true }),
  },
  {
    ...TASK_DEFAULTS,
    name: "friedman-small-adam",
    description: "Friedman #1 regression, 1,000 samples, MLP 64-64 relu, MSE, Adam, batch 32",
    optimizer: { name: "adam" },
    loss: "meanSquaredError",
    batchSize: 32,
    epochs: 60,
    load: () => Promise.resolve(friedmanSmallData()),
    model: (seed) => denseNet(seed, { inputs: 10, hidden: [64, 64], outputs: 1, softmax: false }),
  },
];

/**
 * Sum of every initial weight value, to check that two processes start from the same weights.
 */
export function weightChecksum(model: tf.LayersModel): number {
  let sum = 0;
  for (const w of model.weights) {
    for (const v of w.read().dataSync()) sum += v;
  }
  return Number(sum.toPrecision(9));
}
