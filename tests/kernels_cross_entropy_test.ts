import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { setupBackend } from "../src/backend.ts";
import { CROSS_ENTROPY, crossEntropyKernelAvailable } from "../src/kernels/cross_entropy.ts";
import { setKernelFlags } from "../src/kernels/flags.ts";
import { lossFunction } from "../src/losses.ts";
import { freshSeed, randomValues, relativeError } from "./kernels_compare.ts";

/** Loss values and the gradients with respect to predictions and targets. */
async function lossAndGradients(
  name: "categoricalCrossentropy" | "sparseCategoricalCrossentropy",
  inputs: { yTrue: Float32Array; yPred: Float32Array; shape: number[]; trueShape: number[] },
  fused: boolean,
): Promise<{ loss: Float32Array; dPred: Float32Array; dTrue?: Float32Array; kernels: string[] }> {
  const previous = setKernelFlags({ fusedLosses: fused });
  const before = tf.memory().numTensors;
  try {
    const fn = lossFunction(name).fn;
    const yTrue = tf.tensor(inputs.yTrue, inputs.trueShape);
    const yPred = tf.tensor(inputs.yPred, inputs.shape);
    const weights = tf.linspace(0.5, 1.5, inputs.shape.slice(0, -1).reduce((a, b) => a * b, 1));
    const weighted = (t: tf.Tensor, p: tf.Tensor) =>
      tf.sum(tf.mul(tf.reshape(fn(t, p), [-1]), weights));
    const profile = await tf.profile(() => tf.tidy(() => weighted(yTrue, yPred)).dispose());
    const kernels = profile.kernels.map((k) => k.name);
    const loss = fn(yTrue, yPred);
    const dPred = tf.grad((p: tf.Tensor) => weighted(yTrue, p))(yPred);
    const dTrue = name === "categoricalCrossentropy"
      ? tf.grad((t: tf.Tensor) => weighted(t, yPred))(yTrue)
      : undefined;
    const out = {
      loss: (await loss.data()) as Float32Array,
      dPred: (await dPred.data()) as Float32Array,
      dTrue: dTrue ? (await dTrue.data()) as Float32Array : undefined,
      kernels,
    };
    tf.dispose([yTrue, yPred, weights, loss, dPred, ...(dTrue ? [dTrue] : [])]);
    assert.equal(tf.memory().numTensors, before, "every tensor freed");
    return out;
  } finally {
    setKernelFlags(previous);
  }
}

/** Probabilities: softmax-like rows, some with values at the clipping bounds, some unnormalised. */
function probabilities(shape: number[], seed: number): Float32Array {
  const values = randomValues(shape, seed).map((v) => Math.exp(3 * v));
  const classes = shape[shape.length - 1];
  for (let row = 0; row * classes < values.length; row++) {
    if (row % 3 === 1) values[row * classes] = 0; // clipped from below
    if (row % 5 === 2) values.fill(1e-9, row * classes, (row + 1) * classes); // hidden mass
    if (row % 4 === 3) values[row * classes + 1] = 1e6; // one class takes it all
  }
  return values;
}

for (const backend of ["wasm", "cpu"] as const) {
  Deno.test(`${CROSS_ENTROPY} on ${backend} gives the composed loss and gradients`, async () => {
    await setupBackend(backend, { cpuKernels: "wasm" });
    for (const shape of [[64, 10], [7, 3], [2, 5, 4]]) {
      const seed = freshSeed();
      const yTrue = randomValues(shape, seed + 1).map((v) => (v > 0.6 ? 1 : 0.25 * (v + 1)));
      const inputs = { yTrue, yPred: probabilities(shape, seed), shape, trueShape: shape };
      const fused = await lossAndGradients("categoricalCrossentropy", inputs, true);
      const composed = await lossAndGradients("categoricalCrossentropy", inputs, false);
      const where = `shape ${shape} (KERNEL_TEST_SEED=${seed})`;
      assert.ok(fused.kernels.includes(CROSS_ENTROPY), `${where}: the fused kernel ran`);
      assert.ok(!composed.kernels.includes(CROSS_ENTROPY), `${where}: composed without it`);
      assert.ok(fused.kernels.length < composed.kernels.length / 2, `${where}: fewer kernels`);
      assert.ok(relativeError(fused.loss, composed.loss) < 1e-6, `${where}: loss`);
      assert.ok(relativeError(fused.dPred, composed.dPred) < 1e-6, `${where}: gradient`);
      assert.ok(relativeError(fused.dTrue!, composed.dTrue!) < 1e-6, `${where}: target gradient`);
    }
  });

  Deno.test(`sparse categorical cross-entropy on ${backend} uses the fused kernel too`, async () => {
    await setupBackend(backend, { cpuKernels: "wasm" });
    const shape = [32, 6];
    const seed = freshSeed();
    const labels = randomValues([32], seed + 1).map((v) => Math.floor((v + 1) * 3));
    const inputs = { yTrue: labels, yPred: probabilities(shape, seed), shape, trueShape: [32] };
    const fused = await lossAndGradients("sparseCategoricalCrossentropy", inputs, true);
    const composed = await lossAndGradients("sparseCategoricalCrossentropy", inputs, false);
    assert.ok(fused.kernels.includes(CROSS_ENTROPY));
    assert.ok(relativeError(fused.loss, composed.loss) < 1e-6, `KERNEL_TEST_SEED=${seed}`);
    assert.ok(relativeError(fused.dPred, composed.dPred) < 1e-6, `KERNEL_TEST_SEED=${seed}`);
  });
}

Deno.test("the fused cross-entropy is not used where the backend lacks it", async () => {
  await setupBackend("cpu");
  const name = "cpu-without-fused-kernels";
  const cpu = tf.findBackend("cpu")!;
  tf.registerBackend(name, () => new (cpu.constructor as new () => tf.KernelBackend)(), -1);
  const copied = tf.getKernelsForBackend("cpu").filter((k) => !k.kernelName.startsWith("LrFinder"));
  for (const kernel of copied) tf.registerKernel({ ...kernel, backendName: name });
  try {
    await tf.setBackend(name);
    assert.equal(crossEntropyKernelAvailable(), false);
    const loss = lossFunction("categoricalCrossentropy").fn(
      tf.tensor2d([[0, 1]]),
      tf.tensor2d([[0.25, 0.75]]),
    );
    assert.ok(Math.abs((await loss.data())[0] + Math.log(0.75)) < 1e-6);
    loss.dispose();
  } finally {
    await tf.setBackend("cpu");
    for (const kernel of copied) tf.unregisterKernel(kernel.kernelName, name);
    tf.removeBackend(name);
  }
});
