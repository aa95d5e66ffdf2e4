/**
 * The tutorial's setup on the Debian Fashion-MNIST data (Flatten, Dense 128 relu, Dense 10
 * softmax; Adam; batch 64; the default 100-step sweep from 1e-7 to 10): the loss falls, then
 * diverges, and the default rule suggests a rate between 3e-4 and 1e-2. Needs the dataset
 * (Debian package dataset-fashion-mnist; see `FASHION_MNIST` in resources.ts).
 *
 * "Diverges" is checked on the raw loss, not by the stop reason: with the default smoothing
 * (beta 0.98, a time constant of 50 steps) the smoothed loss trails the raw loss by several
 * decades of learning rate, so it usually stays below 4 times its minimum until the last step
 * and the sweep ends `completed` although the raw loss has long exploded.
 */
import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { join } from "node:path";
import { setupBackend } from "../src/backend.ts";
import { loadIdxDataset } from "../src/data/idx.ts";
import { learningRateSchedule } from "../src/schedule.ts";
import { smoothZeroLag } from "../src/suggest.ts";
import { findLearningRate } from "../src/sweep.ts";
import { FASHION_MNIST_FILES } from "../examples/fashion-mnist/main.ts";
import { FASHION_MNIST, requireResource } from "./resources.ts";

const fashion = await requireResource(FASHION_MNIST);

function tutorialModel(seed: number): tf.Sequential {
  const init = (layer: number) => tf.initializers.glorotUniform({ seed: seed * 1000 + layer });
  return tf.sequential({
    layers: [
      tf.layers.flatten({ inputShape: [28, 28, 1] }),
      tf.layers.dense({ units: 128, activation: "relu", kernelInitializer: init(1) }),
      tf.layers.dense({ units: 10, activation: "softmax", kernelInitializer: init(2) }),
    ],
  });
}

Deno.test(fashion.test({
  name: "Fashion-MNIST tutorial setup: the loss falls then diverges; auto suggests 3e-4..1e-2",
  async fn() {
    await setupBackend("wasm");
    const data = await loadIdxDataset({
      images: join(fashion.value!, FASHION_MNIST_FILES.trainImages),
      labels: join(fashion.value!, FASHION_MNIST_FILES.trainLabels),
    });
    const model = tutorialModel(0);
    const tensorsBefore = tf.memory().numTensors;
    // Three data orders, so that one lucky order cannot pass the test.
    const result = await findLearningRate(model, data, {
      loss: "categoricalCrossentropy",
      optimizer: { name: "adam" },
      batchSize: 64,
      runs: 3,
      verify: false,
    });
    assert.equal(tf.memory().numTensors, tensorsBefore);
    model.dispose();

    for (const run of result.runs!) {
      assert.ok(run.stopReason === "completed" || run.stopReason === "diverged", run.stopReason);
      const losses = run.losses.filter((v): v is number => v !== null);
      const lrs = learningRateSchedule(result.settings).slice(0, losses.length);
      // Falls: the curve (zero-lag smoothing of the raw loss) gets below half its start.
      const curve = smoothZeroLag(lrs, losses);
      const bottom = curve.indexOf(Math.min(...curve));
      assert.ok(curve[bottom] < 0.5 * curve[0], `lowest ${curve[bottom]}, start ${curve[0]}`);
      // Then diverges: after its lowest point the raw loss climbs above twice its starting
      // value (worse than the untrained model), and the smoothed loss ends above twice its
      // own minimum.
      const after = Math.max(...losses.slice(bottom));
      assert.ok(after > 2 * losses[0], `highest after the minimum ${after}, start ${losses[0]}`);
      const smoothed = run.smoothed.filter((v): v is number => v !== null);
      assert.ok(smoothed.at(-1)! > 2 * Math.min(...smoothed));
      // The run's own suggestion lies in the range and on the falling part.
      const lr = run.suggestion.lr!;
      assert.ok(lr >= 3e-4 && lr <= 1e-2, `run ${run.seed} suggested ${lr}`);
      assert.ok(lr < lrs[bottom], `suggested ${lr}, lowest loss at ${lrs[bottom]}`);
    }
    assert.equal(result.suggestion.method, "combined");
    const lr = result.suggestion.lr!;
    assert.ok(lr >= 3e-4 && lr <= 1e-2, `suggested ${lr}`);
  },
}));
