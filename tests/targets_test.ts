/**
 * Targets against the loss (`src/targets.ts`): each mismatch is one InputError naming the fix,
 * raised before training with no tensor left; through the CLI it exits 2 with one line.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { setupBackend } from "../src/backend.ts";
import type { Dataset } from "../src/data/dataset.ts";
import { isInputError } from "../src/errors.ts";
import { findLearningRate } from "../src/sweep.ts";
import { checkTargets } from "../src/targets.ts";
import type { LossName } from "../src/loss_names.ts";
import { blobs, mlp, runAsTask, withDir } from "./helpers.ts";

await setupBackend("cpu");

function targets(y: number[], yShape: number[], extra: Partial<Dataset> = {}): Dataset {
  const size = y.length / Math.max(1, yShape.reduce((a, b) => a * b, 1));
  return {
    x: new Float32Array(size),
    xShape: [1],
    y: Float32Array.from(y),
    yShape,
    size,
    ...extra,
  };
}

function refused(data: Dataset, outputs: number[], loss: LossName, pattern: RegExp): void {
  assert.throws(
    () => checkTargets(data, outputs, { loss, field: "data.train" }),
    (error: unknown) => {
      assert.ok(isInputError(error), String(error));
      assert.match((error as Error).message, /^data\.train: /);
      assert.match((error as Error).message, pattern);
      assert.doesNotMatch((error as Error).message, /\n/);
      return true;
    },
  );
}

function accepted(data: Dataset, outputs: number[], loss: LossName): void {
  checkTargets(data, outputs, { loss, field: "data.train" });
}

Deno.test("sparse losses need one integer class index below the output count", () => {
  const loss = "sparseCategoricalCrossentropy";
  accepted(targets([0, 2, 1, 2], []), [3], loss);
  accepted(targets([0, 1, 2], [], { classes: 3 }), [3], loss);
  refused(
    targets([1, 0, 0, 0, 1, 0], [3]),
    [3],
    loss,
    /needs one class index per sample, but the targets are rows of 3 values: use loss categoricalCrossentropy/,
  );
  refused(
    targets([1, 0, 0, 0, 1, 0], [3], { oneHot: true }),
    [3],
    loss,
    /\(oneHot is true\): remove oneHot from the data source/,
  );
  refused(
    targets([0, 1.5, 4.25], []),
    [3],
    loss,
    /sample 1 has label 1\.5, but sparseCategoricalCrossentropy needs integer class indices from 0 to 2 \(the model has 3 outputs\): fix the labels/,
  );
  refused(targets([0, 4, 1], []), [3], loss, /sample 1 has label 4.*give the last layer 5 units/);
  refused(targets([0, -1], []), [3], loss, /sample 1 has label -1/);
});

Deno.test("categorical losses need one-hot rows, or class indices they may encode", () => {
  const loss = "categoricalCrossentropy";
  accepted(targets([1, 0, 0, 0, 0, 1], [3]), [3], loss);
  accepted(targets([0.9, 0.05, 0.05], [3]), [3], loss);
  accepted(targets([0, 2, 1], [], { classes: 3 }), [3], loss);
  refused(
    targets([0, 2, 1], [], { classes: 3, oneHot: false }),
    [3],
    loss,
    /oneHot is false, so the targets stay class indices.*remove "oneHot": false \(the 3 classes are then encoded\), or use loss sparseCategoricalCrossentropy/,
  );
  refused(
    targets([0, 2, 1], []),
    [3],
    loss,
    /needs one-hot rows of 3 values \(the model's outputs\), but each target has 1: for class indices use loss sparseCategoricalCrossentropy/,
  );
  refused(targets([1, 1, 0, 0, 0, 1], [3]), [3], loss, /sample 0 has target \[1, 1, 0\]/);
  refused(targets([1, 0, 0, 0, 1, 0], [3]), [4], loss, /rows of 4 values .* each target has 3/);
});

Deno.test("binaryCrossentropy needs labels 0 and 1 and one output per label", () => {
  const loss = "binaryCrossentropy";
  accepted(targets([0, 1, 1, 0], []), [1], loss);
  accepted(targets([0, 1, 1], [], { classes: 2 }), [1], loss);
  accepted(targets([0, 1, 1, 1], [2]), [2], loss);
  refused(targets([0, 1, 2], [], { classes: 3 }), [3], loss, /the data has 3 classes/);
  refused(targets([0, 1, 1], [], { classes: 2 }), [2], loss, /needs a model with one output/);
  refused(targets([0, 0.5, 1], []), [1], loss, /sample 1 has target 0\.5/);
});

Deno.test("other losses take any targets", () => {
  accepted(targets([0.3, 4.25, -2], []), [1], "meanSquaredError");
});

Deno.test("the sweep checks the targets before training and leaves no tensor", async () => {
  const model = mlp(2, 3);
  const data = blobs(60, 2, 3);
  const floats = { ...data, y: Float32Array.from(data.y, (v, i) => (i === 7 ? 4.25 : v)) };
  delete (floats as Partial<Dataset>).classes;
  const before = tf.memory().numTensors;
  await assert.rejects(
    () =>
      findLearningRate(model, floats, {
        loss: "sparseCategoricalCrossentropy",
        optimizer: { name: "adam" },
        numIters: 10,
      }),
    /^InputError: data\.train \(blobs\): sample 7 has label 4\.25/,
  );
  assert.equal(tf.memory().numTensors, before);
  model.dispose();
});

Deno.test("lr-find exits 2 with one line that names the fix", async () => {
  await withDir(async (dir) => {
    await Deno.writeTextFile(
      join(dir, "model.ts"),
      `import * as tf from "@tensorflow/tfjs";
export function createModel() {
  return tf.sequential({ layers: [tf.layers.dense({ inputShape: [2], units: 3, activation: "softmax" })] });
}
`,
    );
    const rows = ["a,b,label"];
    for (let i = 0; i < 40; i++) rows.push(`${i % 5},${i % 3},${["x", "y", "z"][i % 3]}`);
    await Deno.writeTextFile(join(dir, "train.csv"), rows.join("\n") + "\n");
    await Deno.writeTextFile(
      join(dir, "lr-finder.json"),
      JSON.stringify({
        model: "model.ts",
        data: { train: { csv: "train.csv", label: "label", oneHot: false } },
        loss: "categoricalCrossentropy",
        optimizer: "adam",
        batchSize: 8,
      }),
    );
    const output = await runAsTask("lr-find", "src/cli.ts", {
      args: ["lr-finder.json", "--quiet"],
      cwd: dir,
    });
    const stderr = output.stderr;
    assert.equal(output.code, 2, stderr);
    assert.match(
      stderr,
      /^error: data\.train \(.*train\.csv\): oneHot is false, so the targets stay class indices, but categoricalCrossentropy needs one-hot rows: remove "oneHot": false .*\n$/,
    );
  });
});
