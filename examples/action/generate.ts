/**
 * Writes the example that the workflows in `.github/workflows/` sweep: a small CSV of three
 * Gaussian blobs (`data/train.csv`) and a seeded multi-layer perceptron (`model/model.json` and
 * its weights; the configs name the loss and optimizer). Run from the repository root:
 * `deno run --allow-read --allow-write --allow-env --allow-sys examples/action/generate.ts`.
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { setupBackend } from "../../src/backend.ts";
import { saveModel } from "../../src/model_io.ts";
import { createRng, normal } from "../../src/random.ts";

const FEATURES = 4;
const CLASSES = ["amber", "cobalt", "jade"];
const SAMPLES = 300;

/** The CSV text: a header row, then `x1..x4,label` rows in a fixed order. */
export function exampleCsv(seed = 3): string {
  const rng = createRng(seed);
  const centers = CLASSES.map(() => Array.from({ length: FEATURES }, () => 2.5 * normal(rng)));
  const rows = [[...Array.from({ length: FEATURES }, (_, j) => `x${j + 1}`), "label"].join(",")];
  for (let i = 0; i < SAMPLES; i++) {
    const c = i % CLASSES.length;
    const x = centers[c].map((m) => (m + normal(rng)).toFixed(4));
    rows.push([...x, CLASSES[c]].join(","));
  }
  return rows.join("\n") + "\n";
}

/** The example model: 4 inputs, 16 relu units, a softmax over 3 classes. */
export function exampleModel(seed = 11): tf.Sequential {
  return tf.sequential({
    layers: [
      tf.layers.dense({
        inputShape: [FEATURES],
        units: 16,
        activation: "relu",
        kernelInitializer: tf.initializers.glorotUniform({ seed }),
      }),
      tf.layers.dense({
        units: CLASSES.length,
        activation: "softmax",
        kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }),
      }),
    ],
  });
}

if (import.meta.main) {
  await setupBackend("cpu");
  const here = dirname(fileURLToPath(import.meta.url));
  await Deno.mkdir(join(here, "data"), { recursive: true });
  await Deno.writeTextFile(join(here, "data", "train.csv"), exampleCsv());
  const model = exampleModel();
  await saveModel(model, join(here, "model"));
  model.dispose();
  console.log(`wrote ${join(here, "data", "train.csv")} and ${join(here, "model")}`);
}
