import assert from "node:assert/strict";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { setupBackend } from "../src/backend.ts";
import { loadConfig } from "../src/config.ts";
import { comparisonText, CONFIG_PATH, runExample } from "../examples/fashion-mnist/main.ts";
import { createModel } from "../examples/fashion-mnist/model.ts";
import { bitwiseEqual, ROOT, weightValues } from "./helpers.ts";
import { FASHION_MNIST, requireResource } from "./resources.ts";

const MAIN = join(ROOT, "examples", "fashion-mnist", "main.ts");

const fashion = await requireResource(FASHION_MNIST);
await setupBackend("wasm");

Deno.test("the example's lr-finder.json is a valid config for the CLI (IDX data, the model module)", async () => {
  const config = await loadConfig(CONFIG_PATH);
  assert.equal(config.name, "fashion-mnist");
  assert.ok(config.model.endsWith(join("examples", "fashion-mnist", "model.ts")));
  assert.ok("idx" in config.data.train);
  assert.equal(config.loss, "sparseCategoricalCrossentropy");
  assert.deepEqual(config.optimizer, { name: "adam" });
});

Deno.test("the tutorial's model: Flatten, Dense 128 relu, Dense 10 softmax, seeded", () => {
  const a = createModel();
  const b = createModel();
  assert.deepEqual(a.layers.map((l) => l.getClassName()), ["Flatten", "Dense", "Dense"]);
  assert.deepEqual(a.inputs[0].shape, [null, 28, 28]);
  assert.deepEqual(a.outputs[0].shape, [null, 10]);
  assert.equal(a.countParams(), 101_770);
  assert.ok(bitwiseEqual(weightValues(a), weightValues(b)), "same initial weights every time");
  a.dispose();
  b.dispose();
});

Deno.test(fashion.test({
  name: "the example on a subset: sweep, suggestion, one epoch at /10, x1 and x10, accuracies",
  fn: async () => {
    const tensors = tf.memory().numTensors;
    const trials: string[] = [];
    const example = await runExample({
      dataDir: fashion.value,
      limit: 3000,
      testLimit: 1000,
      numIters: 60,
      backend: "wasm",
      onTrial: (label) => trials.push(label),
    });
    assert.equal(tf.memory().numTensors, tensors, "no tensors left behind");
    assert.equal(example.result.settings.trainSize, 3000);
    assert.equal(example.result.lrs.length, 60);
    const lr = example.result.suggestion.lr;
    assert.ok(lr !== null && lr > 1e-7 && lr < 10);
    assert.deepEqual(trials, ["suggestion / 10", "suggestion", "suggestion x 10"]);
    assert.deepEqual(example.trials.map((t) => t.lr), [lr / 10, lr, lr * 10]);
    for (const trial of example.trials) {
      assert.ok(trial.accuracy > 0.1 && trial.accuracy <= 1, `${trial.label}: ${trial.accuracy}`);
      assert.ok(Number.isFinite(trial.loss));
    }
    assert.ok(example.trials.includes(example.best));
    assert.equal(Math.max(...example.trials.map((t) => t.accuracy)), example.best.accuracy);
    const text = comparisonText(example, 32);
    assert.match(text, /^One epoch from the same initial weights \(Adam, batch 32\)/);
    assert.match(text, / {2}suggestion {6}\d\.\de-\d+ +\d+\.\d%/);
    assert.match(text, /<- best/);
  },
}));

Deno.test(fashion.test({
  name: "the example's command line: --json on a subset writes the report files; bad flag exits 2",
  fn: async () => {
    const out = await Deno.makeTempDir({ prefix: "fashion_mnist_example_" });
    try {
      const run = (args: string[]) =>
        new Deno.Command(Deno.execPath(), {
          args: [
            "run",
            "--allow-read",
            "--allow-write",
            "--allow-env",
            "--allow-sys",
            "--config",
            join(ROOT, "deno.json"),
            MAIN,
            ...args,
          ],
          stdin: "null",
          stdout: "piped",
          stderr: "piped",
        }).output();
      const output = await run([
        "--data",
        fashion.value!,
        "--limit",
        "1000",
        "--test-limit",
        "300",
        "--steps",
        "30",
        "--backend",
        "wasm",
        "--out",
        out,
        "--json",
      ]);
      const stderr = new TextDecoder().decode(output.stderr);
      assert.equal(output.code, 0, stderr);
      const printed = JSON.parse(new TextDecoder().decode(output.stdout));
      assert.equal(printed.trials.length, 3);
      assert.equal(printed.outDir, out);
      const result = JSON.parse(await Deno.readTextFile(join(out, "result.json")));
      assert.deepEqual(result.suggestion, printed.suggestion);
      assert.ok((await Deno.stat(join(out, "plot.png"))).size > 0);
      const bad = await run(["--limit", "none"]);
      assert.equal(bad.code, 2);
      assert.match(new TextDecoder().decode(bad.stderr), /--limit must be a positive integer/);
    } finally {
      await Deno.remove(out, { recursive: true });
    }
  },
}));
