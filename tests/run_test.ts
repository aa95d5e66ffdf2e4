import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { join } from "node:path";
import { setupBackend } from "../src/backend.ts";
import { loadConfig } from "../src/config.ts";
import { saveModel } from "../src/model_io.ts";
import { runConfig } from "../src/run.ts";
import { mlp } from "./helpers.ts";

const backend = await setupBackend("cpu");

async function writeProject(config: Record<string, unknown>): Promise<string> {
  const dir = await Deno.makeTempDir();
  const model = mlp(4, 3, 8);
  await saveModel(model, join(dir, "model"));
  model.dispose();
  await Deno.writeTextFile(join(dir, "lr-finder.json"), JSON.stringify(config));
  return dir;
}

Deno.test("runConfig sweeps the config's model on its data with its settings", async () => {
  const dir = await writeProject({
    name: "blobs-mlp",
    model: "model/model.json",
    data: {
      train: { synthetic: { kind: "blobs", samples: 300, features: 4, classes: 3, seed: 1 } },
    },
    loss: "categorical_crossentropy",
    optimizer: { name: "rmsprop", decay: 0.8 },
    batchSize: 32,
    sweep: { numIters: 25, seed: 4 },
    verify: { steps: 12, candidates: 3 },
    backend: "cpu",
  });
  const tensors = tf.memory().numTensors;
  const steps: number[] = [];
  const verifySteps: number[] = [];
  const result = await runConfig(await loadConfig(join(dir, "lr-finder.json")), {
    backend,
    onStep: (p) => steps.push(p.step),
    onVerify: (p) => verifySteps.push(p.done),
  });
  assert.equal(result.name, "blobs-mlp");
  assert.equal(result.losses.length, 25);
  assert.equal(steps.length, 25);
  assert.equal(result.settings.loss, "categoricalCrossentropy");
  assert.deepEqual(result.settings.optimizer, { name: "rmsprop", decay: 0.8 });
  assert.equal(result.settings.batchSize, 32);
  assert.equal(result.settings.seed, 4);
  assert.equal(result.settings.trainSize, 300);
  assert.equal(result.verification?.settings.steps, 12, "the config's verify options");
  assert.equal(result.verification?.settings.candidates, 3);
  assert.equal(verifySteps.length, result.verification?.steps, "onVerify at every trial step");
  assert.ok(verifySteps.length > 0);
  assert.equal(tf.memory().numTensors, tensors, "the loaded model is disposed");
  await Deno.remove(dir, { recursive: true });
});

Deno.test("without an optimizer in the config or the model, runConfig uses adam", async () => {
  const dir = await writeProject({
    model: "model/model.json",
    data: { train: { synthetic: { kind: "blobs", samples: 100, features: 4, classes: 3 } } },
    loss: "categoricalCrossentropy",
    sweep: { numIters: 10 },
    verify: false,
  });
  const result = await runConfig(await loadConfig(join(dir, "lr-finder.json")), { backend });
  assert.equal(result.settings.optimizer.name, "adam");
  assert.equal(result.name, "model");
  assert.equal(result.verification, undefined, "verify: false sweeps only");
  assert.equal(result.trials, undefined);
  await Deno.remove(dir, { recursive: true });
});
