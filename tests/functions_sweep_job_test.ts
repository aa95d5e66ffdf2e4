import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { DEFAULT_LIMITS } from "../functions/limits.ts";
import { parseSweepRequest } from "../functions/request.ts";
import { runSweepJob } from "../functions/sweep_job.ts";
import { datasetOf, jobFrame, type WireJob } from "../functions/worker_protocol.ts";
import { setupBackend } from "../src/backend.ts";
import { InputError } from "../src/errors.ts";
import { smallData, smallRequest } from "./functions_server.ts";

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

/** A request whose data is large enough to hold samples out, with short verification. */
function verifyingRequest(verify: boolean | Record<string, unknown> = { steps: 12 }) {
  const { x, y } = smallData(300);
  return { ...smallRequest(), data: { x, y, classes: 3 }, verify };
}

Deno.test("runSweepJob: verification's trials and progress; nothing kept", async () => {
  const before = memory();
  const { job, data } = wireJob(verifyingRequest());
  const progress: { done: number; planned: number }[] = [];
  const output = await runSweepJob(job, data, {
    backend,
    onVerify: (p) => progress.push({ done: p.done, planned: p.planned }),
  });
  const { verification, trials } = output.result;
  assert.equal(verification?.outcome, "verified");
  assert.ok(trials && trials.length >= 2);
  assert.equal(progress.length, verification.steps);
  assert.deepEqual(progress.map((p) => p.done), progress.map((_, i) => i + 1));
  assert.ok(progress.every((p) => p.planned === progress[0].planned));
  assert.deepEqual(JSON.parse(output.resultJson).trials, trials);
  assert.deepEqual(memory(), before);
});

Deno.test("runSweepJob: aborted or failing mid-verification, everything is freed", async () => {
  const before = memory();
  const { job, data } = wireJob(verifyingRequest({ steps: 400 }));
  const abort = new AbortController();
  const output = await runSweepJob(job, data, {
    backend,
    signal: abort.signal,
    onVerify: (p) => {
      if (p.done === 20) abort.abort();
    },
  });
  assert.equal(output.result.stopReason, "completed", "the sweep itself had finished");
  assert.equal(output.result.verification?.outcome, "fallback");
  assert.equal(output.result.verification?.reason, "verification was aborted");
  assert.equal(output.result.verification?.steps, 20);
  assert.ok(output.result.warnings!.some((w) => w.code === "verification-stopped"));
  assert.deepEqual(memory(), before);
  await assert.rejects(
    runSweepJob(job, data, {
      backend,
      onVerify: (p) => {
        if (p.done === 30) throw new Error("the progress reader broke");
      },
    }),
    /the progress reader broke/,
  );
  assert.deepEqual(memory(), before);
});

Deno.test("runSweepJob: verification over the memory budget is skipped and the answer says why", async () => {
  const before = memory();
  // 12,003 parameters: the sweep's step fits in 800 kB, six candidates' weights and state do not.
  const body = {
    ...verifyingRequest(true),
    model: [{ type: "dense", units: 2000, activation: "relu" }, { type: "output" }],
  };
  const { job, data } = wireJob(body, "json", { ...BUDGET, maxStepBytes: 800_000 });
  const output = await runSweepJob(job, data, { backend });
  const { verification, warnings, trials } = output.result;
  assert.equal(trials, undefined);
  assert.equal(verification?.outcome, "fallback");
  assert.match(
    verification.reason!,
    /^a verification step, with the weights and optimizer state of 6 candidates, needs about [\d.]+ MiB, more than this server's limit of 0\.8 MiB \(LR_FINDER_MAX_STEP_BYTES\)/,
  );
  assert.equal(warnings![0].code, "verification-over-budget");
  assert.match(warnings![0].message, /^not verified: a verification step/);
  assert.equal(output.result.suggestion.method, "combined");
  assert.deepEqual(memory(), before);
});
