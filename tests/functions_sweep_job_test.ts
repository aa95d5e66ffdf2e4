import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { DEFAULT_LIMITS } from "../functions/limits.ts";
import { parseSweepRequest } from "../functions/request.ts";
import { runSweepJob } from "../functions/sweep_job.ts";
import { datasetOf, jobFrame, type WireJob } from "../functions/worker_protocol.ts";
import { setupBackend } from "../src/backend.ts";
import { InputError } from "../src/errors.ts";
import { smallRequest } from "./functions_server.ts";

const backend = await setupBackend("wasm");
const BUDGET = { maxParams: 100_000, maxStepBytes: 64 * 1024 * 1024, maxStepFlops: 1e9 };

/** The job of a request body as the worker receives it. */
function wireJob(
  body: Record<string, unknown>,
  format: WireJob["format"] = "json",
  budget = BUDGET,
) {
  const frame = jobFrame(1, parseSweepRequest(body, { ...DEFAULT_LIMITS, maxSteps: 100_000 }), {
    format,
    budget,
  });
  const job = (frame.message as { job: WireJob }).job;
  return { job, data: datasetOf(job, frame.attachments) };
}

function memory() {
  return {
    tensors: tf.memory().numTensors,
    variables: Object.keys(tf.engine().state.registeredVariables).length,
  };
}

Deno.test("runSweepJob: the result JSON and the plot; nothing kept", async () => {
  const before = memory();
  const { job, data } = wireJob(smallRequest(), "svg");
  const steps: number[] = [];
  const output = await runSweepJob(job, data, { backend, onStep: (p) => steps.push(p.step) });
  assert.equal(output.result.timing.steps, 12);
  assert.deepEqual(steps, [...Array(12).keys()]);
  assert.equal(JSON.parse(output.resultJson).lrs.length, 12);
  assert.match(new TextDecoder().decode(output.body), /^<svg/);
  assert.deepEqual(memory(), before);
});

Deno.test("runSweepJob: every kind of failure leaves the tensors and variables as they were", async () => {
  const before = memory();
  const failures: [string, Record<string, unknown>, RegExp, typeof BUDGET?][] = [
    [
      "over the parameter budget",
      { ...smallRequest(), model: [{ type: "dense", units: 50_000 }, { type: "output" }] },
      /more than 100000 parameters/,
    ],
    [
      "over the step budget",
      {
        ...smallRequest(),
        model: [{ type: "dense", units: 4000 }, { type: "dense", units: 20 }, { type: "output" }],
      },
      /model\[1\] \(Dense\) needs about [\d,]+ floating-point operations/,
      { ...BUDGET, maxStepFlops: 1e6 },
    ],
    [
      "a model that does not fit the data",
      { ...smallRequest(), model: { inputShape: [3], layers: [{ type: "output" }] } },
      /expects input of shape \[3\]/,
    ],
    [
      "a batch larger than the data, found once the model is built",
      { ...smallRequest(), batchSize: 100 },
      /batchSize must be at most the number of training samples \(48\)/,
    ],
  ];
  for (const [label, body, message, budget] of failures) {
    let failed = false;
    try {
      const { job, data } = wireJob(body, "json", budget);
      await runSweepJob(job, data, { backend });
    } catch (error) {
      failed = true;
      assert.ok(error instanceof Error);
      assert.match(error.message, message, label);
    }
    assert.ok(failed, `${label} was accepted`);
    assert.deepEqual(memory(), before, label);
  }
});

Deno.test("runSweepJob: an aborted sweep stops between steps and frees everything", async () => {
  const before = memory();
  const abort = new AbortController();
  const { job, data } = wireJob({
    ...smallRequest(),
    sweep: { numIters: 100_000, endLr: 1e-3, divergeThreshold: 1e6 },
  });
  const output = await runSweepJob(job, data, {
    backend,
    signal: abort.signal,
    onStep: (progress) => {
      if (progress.step === 4) abort.abort();
    },
  });
  assert.equal(output.result.stopReason, "aborted");
  assert.equal(output.result.timing.steps, 5);
  assert.deepEqual(memory(), before);
  const late = new AbortController();
  late.abort();
  await assert.rejects(
    runSweepJob(job, data, { backend, signal: late.signal }),
    (error: unknown) => error instanceof DOMException && error.name === "AbortError",
  );
  assert.deepEqual(memory(), before);
  assert.ok(!(late.signal.reason instanceof InputError));
});
