import * as tf from "@tensorflow/tfjs";
import { setKernelFlags } from "../src/kernels/flags.ts";
import assert from "node:assert/strict";
import { setupBackend } from "../src/backend.ts";
import { OPTIMIZER_NAMES, type OptimizerSpec } from "../src/optimizer_spec.ts";
import {
  createOptimizer,
  createSweepOptimizer,
  describeOptimizer,
  disposeOptimizer,
  setOptimizerLearningRate,
  trainingStep,
} from "../src/optimizers.ts";
import { bitwiseEqual } from "./helpers.ts";

await setupBackend("cpu");

const x = tf.tensor2d([[0.5, -1, 2], [1, 0.25, -0.5]]);
const target = tf.tensor2d([[1], [-1]]);

/** One training step of a linear model from fixed weights; returns how far the weights moved. */
function stepDistance(optimizer: tf.Optimizer, learningRate: number): number {
  const w = tf.tidy(() => tf.variable(tf.tensor2d([[0.1], [0.2], [-0.3]])));
  const start = w.dataSync().slice();
  setOptimizerLearningRate(optimizer, learningRate);
  optimizer.minimize(
    () => tf.mean(tf.square(tf.sub(tf.matMul(x, w), target))) as tf.Scalar,
    false,
    [w],
  );
  const end = w.dataSync();
  let distance = 0;
  for (let i = 0; i < end.length; i++) distance += (end[i] - start[i]) ** 2;
  w.dispose();
  return Math.sqrt(distance);
}

for (const name of OPTIMIZER_NAMES) {
  Deno.test(`${name}: the learning rate set before a step is the one the step uses`, () => {
    const before = tf.memory().numTensors;
    const small = createOptimizer({ name }, 1);
    const large = createOptimizer({ name }, 1);
    const dSmall = stepDistance(small, 1e-3);
    const dLarge = stepDistance(large, 1e-2);
    assert.ok(dSmall > 0, "the small rate moved the weights");
    assert.ok(dLarge > 5 * dSmall, `10x the rate moved ${dLarge / dSmall}x as far`);
    // The same optimizer object, rate changed between steps: the second step follows the new rate.
    const changing = createOptimizer({ name }, 1);
    const first = stepDistance(changing, 1e-4);
    const second = stepDistance(changing, 1e-1);
    assert.ok(second > 50 * first, `a 1000x rate moved the weights only ${second / first}x as far`);
    for (const o of [small, large, changing]) disposeOptimizer(o);
    assert.equal(tf.memory().numTensors, before, "every optimizer tensor is freed");
  });

  Deno.test(`${name}: a sweep copy carries the state and leaves the source untouched`, async () => {
    const before = tf.memory().numTensors;
    const spec: OptimizerSpec = { name };
    const source = createOptimizer(spec, 0.01);
    const w = tf.tidy(() => tf.variable(tf.tensor2d([[0.1], [0.2], [-0.3]])));
    const loss = () => tf.mean(tf.square(tf.sub(tf.matMul(x, w), target))) as tf.Scalar;
    for (let i = 0; i < 3; i++) source.minimize(loss, false, [w]);
    const sourceState = await optimizerState(source);
    const sweep = await createSweepOptimizer(spec, 0.01, source);
    assert.equal(sweep.state, "copied");
    // The copy's next step equals the source's next step from the same weights.
    const saved = tf.clone(w);
    sweep.optimizer.minimize(loss, false, [w]);
    const viaCopy = w.dataSync().slice();
    w.assign(saved);
    assert.ok(
      bitwiseEqual(await optimizerState(source), sourceState),
      "source state unchanged by the copy's step",
    );
    const probe = await createSweepOptimizer(spec, 0.01, source);
    probe.optimizer.minimize(loss, false, [w]);
    assert.ok(bitwiseEqual([viaCopy], [w.dataSync()]), "two copies step identically");
    disposeOptimizer(probe.optimizer);
    disposeOptimizer(sweep.optimizer);
    disposeOptimizer(source);
    tf.dispose([w, saved]);
    assert.equal(tf.memory().numTensors, before);
  });
}

Deno.test("describeOptimizer reads the class and hyper-parameters", () => {
  const adam = tf.train.adam(0.003, 0.8, 0.99);
  assert.deepEqual(describeOptimizer(adam), {
    name: "adam",
    learningRate: 0.003,
    beta1: 0.8,
    beta2: 0.99,
    epsilon: 1e-7,
  });
  const momentum = tf.train.momentum(0.1, 0.5, true);
  assert.deepEqual(describeOptimizer(momentum), {
    name: "momentum",
    learningRate: 0.1,
    momentum: 0.5,
    useNesterov: true,
  });
  disposeOptimizer(adam);
  disposeOptimizer(momentum);
});

Deno.test("an unknown optimizer name is an input error naming the field", () => {
  assert.throws(
    () => createOptimizer({ name: "lamb" as "adam" }, 0.1),
    /optimizer.name must be one of sgd, momentum, adam, adamax, rmsprop, adagrad, adadelta, got "lamb"/,
  );
});

/** Every slot value of an optimizer, read through its internal fields (adamax has no getWeights). */
async function optimizerState(optimizer: tf.Optimizer): Promise<Float32Array[]> {
  if (optimizer.getClassName() === "Adamax") {
    const o = optimizer as unknown as Record<string, { variable: tf.Variable }[] | tf.Variable>;
    const slots = [
      ...(o.accumulatedFirstMoment as { variable: tf.Variable }[]),
      ...(o.accumulatedWeightedInfNorm as { variable: tf.Variable }[]),
    ].map((s) => s.variable);
    return [...slots, o.iteration as tf.Variable, o.accBeta1 as tf.Variable].map((t) =>
      t.dataSync() as Float32Array
    ).map((a) => a.slice());
  }
  const weights = await optimizer.getWeights();
  const values = weights.map((w) => (w.tensor.dataSync() as Float32Array).slice());
  weights[0].tensor.dispose();
  return values;
}

/** Weights and every Adam slot (moments, accumulators, iterations) after `steps` steps. */
async function adamRun(
  fused: boolean,
  copyFrom: boolean,
): Promise<{ values: Float32Array[]; losses: number[] }> {
  const previous = setKernelFlags({ fusedUpdates: fused });
  const before = tf.memory().numTensors;
  const ws = [[3, 7], [7], [7, 1], [9]].map((shape, i) =>
    tf.tidy(() => tf.variable(tf.randomUniform(shape, -1, 1, "float32", 11 + i)))
  );
  const [w1, b1, w2, unused] = ws;
  const input = tf.randomUniform([4, 3], -1, 1, "float32", 3);
  const loss = () =>
    tf.tidy(() => tf.mean(tf.square(tf.matMul(tf.relu(tf.add(tf.matMul(input, w1), b1)), w2))));
  const source = tf.train.adam(0.02);
  if (copyFrom) { for (let i = 0; i < 2; i++) source.minimize(loss as () => tf.Scalar, false, ws); }
  const sweep = await createSweepOptimizer({ name: "adam" }, 0.05, copyFrom ? source : undefined);
  const losses: number[] = [];
  try {
    for (let step = 0; step < 4; step++) {
      setOptimizerLearningRate(sweep.optimizer, 0.005 * (step + 1));
      const value = trainingStep(sweep.optimizer, { loss: loss as () => tf.Scalar, variables: ws });
      losses.push((await value.data())[0]);
      value.dispose();
    }
    const state = await optimizerState(sweep.optimizer);
    const o = sweep.optimizer as unknown as { accBeta1: tf.Tensor; accBeta2: tf.Tensor };
    const values = [
      ...ws.map((w) => (w.dataSync() as Float32Array).slice()),
      ...state,
      (o.accBeta1.dataSync() as Float32Array).slice(),
      (o.accBeta2.dataSync() as Float32Array).slice(),
    ];
    return { values, losses };
  } finally {
    disposeOptimizer(sweep.optimizer);
    disposeOptimizer(source);
    tf.dispose([...ws, input, unused]);
    setKernelFlags(previous);
    assert.equal(tf.memory().numTensors, before, "every tensor freed");
  }
}

for (const backend of ["cpu", "wasm"] as const) {
  Deno.test(`${backend}: a fused Adam step leaves bitwise what TensorFlow.js's Adam leaves`, async () => {
    await setupBackend(backend);
    try {
      for (const copyFrom of [false, true]) {
        const fused = await adamRun(true, copyFrom);
        const plain = await adamRun(false, copyFrom);
        assert.deepEqual(fused.losses, plain.losses);
        assert.ok(bitwiseEqual(fused.values, plain.values), `state copied: ${copyFrom}`);
        assert.ok(fused.losses[3] < fused.losses[0], "the steps train");
      }
    } finally {
      await setupBackend("cpu");
    }
  });
}

Deno.test("trainingStep frees the loss and gradients when the update throws", () => {
  const before = tf.memory().numTensors;
  const w = tf.tidy(() => tf.variable(tf.ones([3])));
  const adam = tf.train.adam(0.1);
  const broken = (adam as unknown as { accBeta1: tf.Variable }).accBeta1;
  (adam as unknown as { accBeta1: unknown }).accBeta1 = tf.zeros([2]);
  assert.throws(
    () => trainingStep(adam, { loss: () => tf.sum(tf.square(w)) as tf.Scalar, variables: [w] }),
    /accBeta1 has 2 values, expected 1/,
  );
  (adam as unknown as { accBeta1: tf.Tensor }).accBeta1.dispose();
  (adam as unknown as { accBeta1: tf.Variable }).accBeta1 = broken;
  disposeOptimizer(adam);
  w.dispose();
  assert.equal(tf.memory().numTensors, before);
});
