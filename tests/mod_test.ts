/**
 * The public API (`src/mod.ts`) used the way the README's "Use it as a library" shows: a project
 * outside the repository links the clone, imports `@lr-finder/lr-finder`, builds its model with
 * the exported `tf` before any backend is started, sweeps (the backend starts itself), writes
 * the reports and saves the model with `model.save("file://...")`, with the README's
 * permissions. In process: `tf` is the repository's TensorFlow.js and `file://` works.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import * as tfjs from "@tensorflow/tfjs";
import * as lib from "../src/mod.ts";
import { ROOT } from "./helpers.ts";

/** The fenced code blocks of a Markdown section, in order, with their language. */
function codeBlocks(markdown: string, heading: string): { lang: string; code: string }[] {
  const start = markdown.indexOf(`\n${heading}\n`);
  assert.ok(start >= 0, `README has the section ${heading}`);
  const rest = markdown.slice(start + heading.length + 2);
  const section = rest.slice(0, rest.search(/\n## /) >>> 0);
  return [...section.matchAll(/```(\w+)\n([\s\S]*?)```/g)].map((m) => ({ lang: m[1], code: m[2] }));
}

Deno.test({
  name: "a project outside the repository uses the library as the README shows",
  sanitizeResources: false,
  async fn() {
    const readme = await Deno.readTextFile(join(ROOT, "README.md"));
    const blocks = codeBlocks(readme, "## Use it as a library");
    const config = blocks.find((b) => b.lang === "json")!;
    const program = blocks.find((b) => b.lang === "ts")!;
    const command = blocks.find((b) => b.lang === "sh")!.code.trim();
    assert.match(command, /^deno run (--allow-\w+ )+main\.ts$/);
    const project = await Deno.makeTempDir({ prefix: "lr-finder-user-" });
    try {
      const linked = JSON.parse(config.code) as { links: string[] };
      assert.deepEqual(linked.links, ["../lr-finder"]);
      await Deno.writeTextFile(
        join(project, "deno.json"),
        JSON.stringify({ ...linked, links: [ROOT] }),
      );
      // The README's program, plus lines that report what it did.
      const probe = `
const early = tf.memory().numTensors;
const reloaded = await tf.loadLayersModel("file://my-model/model.json");
const same = model.getWeights().every((w, i) =>
  tf.tidy(() => tf.equal(w, reloaded.getWeights()[i]).all().dataSync()[0] === 1)
);
reloaded.dispose();
console.log(JSON.stringify({
  backend: result.settings.backend,
  tfBackend: tf.getBackend(),
  lr: result.suggestion.lr,
  runs: result.runs?.length,
  same,
  leaked: tf.memory().numTensors - early,
}));
`;
      await Deno.writeTextFile(join(project, "main.ts"), program.code + probe);
      const output = await new Deno.Command(Deno.execPath(), {
        args: [...command.split(" ").slice(1, -1), "--no-prompt", "main.ts"],
        cwd: project,
        env: { NO_COLOR: "1" },
        stdout: "piped",
        stderr: "piped",
      }).output();
      const stderr = new TextDecoder().decode(output.stderr);
      assert.equal(output.code, 0, stderr);
      const lines = new TextDecoder().decode(output.stdout).trim().split("\n");
      const report = JSON.parse(lines.at(-1)!);
      assert.ok(["wasm", "webgpu"].includes(report.backend), `auto started ${report.backend}`);
      assert.equal(report.tfBackend, report.backend);
      assert.ok(report.lr > 1e-4 && report.lr < 1, `suggested ${report.lr}`);
      assert.equal(report.runs, 3);
      assert.equal(report.same, true, "the saved model loads back with the same weights");
      assert.equal(report.leaked, 0);
      for (const file of ["result.json", "plot.png", "plot.svg", "curve.csv", "report.md"]) {
        assert.ok((await Deno.stat(join(project, "lr-finder-out", "mine", file))).size > 0, file);
      }
      assert.ok((await Deno.stat(join(project, "my-model", "model.json"))).isFile);
      assert.doesNotMatch(stderr, /looks like you are running TensorFlow\.js in Node\.js/);
    } finally {
      await Deno.remove(project, { recursive: true });
    }
  },
});

Deno.test("the exported tf is the repository's TensorFlow.js", () => {
  assert.equal(lib.tf.LayersModel, tfjs.LayersModel);
  assert.equal(lib.tf.Tensor, tfjs.Tensor);
  assert.equal(typeof lib.tf.tensor([1]).square, "function");
});

Deno.test("file:// saves and loads a model after importing the library", async () => {
  await lib.setupBackend("cpu");
  const dir = await Deno.makeTempDir();
  const model = tfjs.sequential({
    layers: [tfjs.layers.dense({ inputShape: [3], units: 2, activation: "softmax" })],
  });
  model.compile({ optimizer: "sgd", loss: "categoricalCrossentropy" });
  // TensorFlow.js's own save keeps a scalar (the optimizer's step count) with includeOptimizer:
  // count tensors from after it.
  const saved = await model.save(`file://${dir}/model`, { includeOptimizer: true });
  const before = tfjs.memory().numTensors;
  try {
    assert.ok(saved.modelArtifactsInfo.weightDataBytes! >= (3 * 2 + 2) * 4);
    for (const url of [`file://${dir}/model/model.json`, `file://${dir}/model`]) {
      const loaded = await tfjs.loadLayersModel(url);
      assert.deepEqual(
        loaded.getWeights().map((w) => Array.from(w.dataSync())),
        model.getWeights().map((w) => Array.from(w.dataSync())),
      );
      assert.equal(loaded.loss, "categoricalCrossentropy", "the training config compiles it");
      loaded.optimizer.dispose();
      loaded.dispose();
    }
    await assert.rejects(
      () => tfjs.loadLayersModel(`file://${dir}/missing/model.json`),
      /missing\/model\.json/,
    );
    const cwd = Deno.cwd();
    Deno.chdir(dir);
    try {
      await model.save("file://relative");
    } finally {
      Deno.chdir(cwd);
    }
    assert.ok((await Deno.stat(join(dir, "relative", "model.json"))).isFile);
    assert.equal(tfjs.memory().numTensors, before);
  } finally {
    model.optimizer.dispose();
    model.dispose();
    await Deno.remove(dir, { recursive: true });
  }
});
