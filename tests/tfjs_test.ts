/**
 * `src/tfjs.ts` (what `@tensorflow/tfjs` means in this repository) and its chained ops
 * (`src/tfjs_chained_ops.ts`): the same chained ops as the `@tensorflow/tfjs` package, the
 * gradients of every op, and the Layers API on one TensorFlow.js.
 */
import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as tf from "@tensorflow/tfjs";
import { CHAINED_OPS } from "../src/tfjs_chained_ops.ts";

await tf.setBackend("cpu");

const CORE_DIST = dirname(fileURLToPath(import.meta.resolve("@tensorflow/tfjs-core")));

/** The prototype assignments of tfjs-core's own chained-op modules, in registration order. */
async function coreChainedOps(): Promise<string[]> {
  const dir = join(CORE_DIST, "public", "chained_ops");
  const registry = await Deno.readTextFile(join(dir, "register_all_chained_ops.js"));
  const names: string[] = [];
  for (const [, file] of registry.matchAll(/^import '\.\/(\w+)';/gm)) {
    const text = await Deno.readTextFile(join(dir, `${file}.js`));
    names.push(...[...text.matchAll(/prototype\.(\w+) =/g)].map((m) => m[1]));
  }
  return names;
}

Deno.test("the chained ops are exactly those @tensorflow/tfjs-core declares", async () => {
  assert.deepEqual([...CHAINED_OPS], await coreChainedOps());
  const prototype = tf.Tensor.prototype as unknown as Record<string, unknown>;
  for (const name of CHAINED_OPS) assert.equal(typeof prototype[name], "function", name);
});

Deno.test("chained ops compute what their op functions compute", () => {
  const before = tf.memory().numTensors;
  tf.tidy(() => {
    const x = tf.tensor2d([[1, -2], [3, 4]]);
    const same = (a: tf.Tensor, b: tf.Tensor) => assert.deepEqual(a.arraySync(), b.arraySync());
    same(x.add(1).square().sum(), tf.sum(tf.square(tf.add(x, 1))));
    same(x.flatten(), tf.reshape(x, [4]));
    same(x.as1D(), tf.reshape(x, [4]));
    same(x.as2D(4, 1), tf.reshape(x, [4, 1]));
    same(x.reshapeAs(tf.zeros([1, 4])), tf.reshape(x, [1, 4]));
    same(x.toInt(), tf.cast(x, "int32"));
    same(x.concat(x, 1), tf.concat([x, x], 1));
    same(x.concat([x, x]), tf.concat([x, x, x]));
    same(x.stack(x), tf.stack([x, x]));
    same(
      x.where(tf.tensor2d([[1, 0], [0, 1]], undefined, "bool"), tf.zeros([2, 2])),
      tf.tensor2d([[1, 0], [0, 4]]),
    );
    same(tf.tensor1d([5]).asScalar(), tf.scalar(5));
    assert.throws(() => x.asScalar(), /only 1 element/);
    same(
      x.reshape([1, 2, 2, 1]).resizeBilinear([4, 4]),
      tf.image.resizeBilinear(tf.reshape(x, [1, 2, 2, 1]) as tf.Tensor4D, [4, 4]),
    );
    same(
      tf.tensor1d([1, 2, 3, 4]).rfft().abs(),
      tf.abs(tf.spectral.rfft(tf.tensor1d([1, 2, 3, 4]))),
    );
    const disposed = tf.tensor1d([1]);
    disposed.dispose();
    assert.throws(() => disposed.add(1), /disposed/);
  });
  assert.equal(tf.memory().numTensors, before);
});

/** The kernels whose gradients tfjs-core's `register_all_gradients` registers. */
async function coreGradientKernels(): Promise<string[]> {
  const registry = await Deno.readTextFile(join(CORE_DIST, "register_all_gradients.js"));
  const kernels: string[] = [];
  for (const [, file] of registry.matchAll(/from '\.\/gradients\/(\w+)';/g)) {
    const text = await Deno.readTextFile(join(CORE_DIST, "gradients", `${file}.js`));
    const constant = /kernelName: (\w+),/.exec(text)![1];
    kernels.push((tf as unknown as Record<string, string>)[constant]);
  }
  return kernels;
}

Deno.test("every op has its gradient, and a Layers model trains", async () => {
  const kernels = await coreGradientKernels();
  assert.ok(kernels.length > 100, `${kernels.length} gradient modules found`);
  for (const kernel of kernels) assert.ok(tf.getGradient(kernel), `gradient of ${kernel}`);
  const before = tf.memory().numTensors;
  const dConv = tf.tidy(() => {
    const x = tf.randomNormal([1, 5, 5, 2], 0, 1, "float32", 1) as tf.Tensor4D;
    const grad = tf.grad((f: tf.Tensor) =>
      tf.sum(tf.relu(tf.conv2d(x, f as tf.Tensor4D, 1, "same")))
    );
    return grad(tf.randomNormal([3, 3, 2, 4], 0, 1, "float32", 2));
  });
  assert.deepEqual(dConv.shape, [3, 3, 2, 4]);
  assert.ok(tf.tidy(() => Math.abs(tf.sum(dConv).dataSync()[0])) > 0);
  dConv.dispose();
  const model = tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [2], units: 8, activation: "tanh" }),
      tf.layers.dense({ units: 2, activation: "softmax" }),
    ],
  });
  model.compile({ optimizer: tf.train.adam(0.05), loss: "categoricalCrossentropy" });
  const x = tf.tensor2d([[0, 0], [0, 1], [1, 0], [1, 1]]);
  const y = tf.tensor2d([[1, 0], [0, 1], [0, 1], [1, 0]]);
  const history = await model.fit(x, y, { epochs: 30, verbose: 0 });
  const losses = history.history.loss as number[];
  assert.ok(
    losses[losses.length - 1] < losses[0],
    `the loss falls: ${losses[0]} -> ${losses.at(-1)}`,
  );
  tf.dispose([x, y]);
  model.optimizer.dispose();
  model.dispose();
  assert.equal(tf.memory().numTensors, before);
  assert.equal(tf.version["tfjs-core"], "4.22.0");
});
