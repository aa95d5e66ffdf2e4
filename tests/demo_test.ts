import assert from "node:assert/strict";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { setupBackend } from "../src/backend.ts";
import {
  DEMO_DATA,
  DEMO_OUT_DIR,
  DEMO_SWEEP,
  demoDataset,
  demoModel,
  runDemo,
} from "../src/demo.ts";
import type { LrFinderResult } from "../src/result.ts";
import { bitwiseEqual, ROOT, runAsTask, weightValues } from "./helpers.ts";

await setupBackend("cpu");

function runDemoCli(args: string[], cwd: string) {
  return runAsTask("demo", "src/demo.ts", { args, cwd });
}

Deno.test("the demo data and model are the same on every call (seeded)", () => {
  const a = demoDataset();
  const b = demoDataset();
  assert.equal(a.size, DEMO_DATA.samples);
  assert.equal(a.classes, 3);
  assert.deepEqual(a.xShape, [2]);
  assert.ok(bitwiseEqual([a.x, a.y], [b.x, b.y]));
  const m1 = demoModel();
  const m2 = demoModel();
  assert.ok(bitwiseEqual(weightValues(m1), weightValues(m2)));
  assert.deepEqual(m1.outputs[0].shape, [null, 3]);
  m1.dispose();
  m2.dispose();
});

Deno.test("runDemo sweeps with the demo settings and leaves no tensors behind", async () => {
  const tensors = tf.memory().numTensors;
  const result = await runDemo({ backend: "cpu", numIters: 20 });
  assert.equal(result.name, "demo");
  assert.equal(result.settings.runs, DEMO_SWEEP.runs);
  assert.equal(result.settings.batchSize, DEMO_SWEEP.batchSize);
  assert.equal(result.settings.optimizer.name, "adam");
  assert.equal(result.settings.numIters, 20);
  assert.equal(result.runs?.length, 3);
  assert.equal(tf.memory().numTensors, tensors);
});

Deno.test("deno task demo: the curve falls then diverges, the summary and all files are written", async () => {
  const cwd = await Deno.makeTempDir({ prefix: "lr_finder_demo_" });
  try {
    const { code, stdout, stderr } = await runDemoCli([], cwd);
    assert.equal(code, 0, stderr);
    const out = join(cwd, DEMO_OUT_DIR);
    const result = JSON.parse(await Deno.readTextFile(join(out, "result.json"))) as LrFinderResult;
    assert.equal(result.settings.backend, "wasm");
    assert.equal(result.settings.runs, 3);
    assert.ok(result.band && result.uncertainty, "three runs give a band and a range");
    // A convincing showcase: the smoothed loss falls well below its start, then diverges.
    assert.equal(result.stopReason, "diverged");
    const smoothed = result.smoothed.filter((v): v is number => v !== null);
    const lowest = Math.min(...smoothed);
    assert.ok(lowest < 0.5 * smoothed[0], `lowest ${lowest}, first ${smoothed[0]}`);
    const minimumAt = smoothed.indexOf(lowest);
    assert.ok(result.suggestion.index !== null && result.suggestion.index < minimumAt);
    for (const file of ["result.json", "plot.png", "plot.svg", "curve.csv", "report.md"]) {
      assert.ok((await Deno.stat(join(out, file))).size > 0, file);
    }
    const lines = stdout.trimEnd().split("\n");
    assert.match(lines[0], /^demo: loss against learning rate/);
    assert.match(
      lines.at(-1)!,
      /^Suggested learning rate: \d\.\de-\d \(verified\)$/,
    );
    assert.match(stdout, /Wrote lr-finder-out\/demo\/\{result\.json, plot\.png, plot\.svg/);
    assert.match(stdout, /^Trials \(held-out loss .*\n {2}rate {4}steps {2}held-out loss\n/m);
    assert.match(stdout, /^Verified: \d+ rates tried, \d+ trained all \d+ steps/m);
    assert.match(stderr, /^demo: 3,000 points on 3 spirals/);
    assert.ok(!stderr.includes("\r"), "no progress bar when stderr is piped");
  } finally {
    await Deno.remove(cwd, { recursive: true });
  }
});

Deno.test("the demo's flags: --help, --out, and a bad flag exits 2", async () => {
  const cwd = await Deno.makeTempDir({ prefix: "lr_finder_demo_" });
  try {
    const help = await runDemoCli(["--help"], cwd);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /deno task demo \[--out DIR\] \[--backend NAME\] \[--quiet\]/);
    const bad = await runDemoCli(["--fast"], cwd);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^error: Unknown option '--fast'; the demo takes --out DIR/);
    assert.doesNotMatch(bad.stderr, /at file:/);
    const backend = await runDemoCli(["--backend", "tpu"], cwd);
    assert.equal(backend.code, 2);
    assert.match(backend.stderr, /--backend must be one of auto, webgpu, wasm, cpu, got "tpu"/);
  } finally {
    await Deno.remove(cwd, { recursive: true });
  }
});

Deno.test("docs/demo-plot.png is a PNG under 300 KB", async () => {
  const png = await Deno.readFile(join(ROOT, "docs", "demo-plot.png"));
  assert.deepEqual([...png.subarray(0, 8)], [137, 80, 78, 71, 13, 10, 26, 10]);
  assert.ok(png.length < 300 * 1024, `${png.length} bytes`);
});
