import assert from "node:assert/strict";
import { decode } from "fast-png";
import { resultJson } from "../src/report/mod.ts";
import type { LrFinderResult } from "../src/result.ts";
import { plannedSteps } from "../src/verify.ts";
import {
  parseEvents,
  postSweep,
  problemOf,
  smallData,
  smallRequest,
  startServer,
  type TestServer,
  workerMemory,
} from "./functions_server.ts";

/** Runs `body` against a fresh server and checks that its worker kept no tensor or variable. */
async function withServer(
  options: Parameters<typeof startServer>[0],
  body: (server: TestServer) => Promise<void>,
): Promise<void> {
  const server = startServer(options);
  try {
    await body(server);
    assert.deepEqual(await workerMemory(server), { tensors: 0, variables: 0 }, "left behind");
  } finally {
    await server.close();
  }
}

/** More steps than any machine runs before the test ends the sweep itself. */
const LONG_SWEEP_STEPS = 100_000;
const LONG_SWEEP_LIMITS = { maxSteps: LONG_SWEEP_STEPS };

Deno.test("GET /v1/health reports the backend, the version, the worker and idle", async () => {
  await withServer({ version: "9.9.9", limits: { maxSteps: 77 } }, async (server) => {
    await postSweep(server, smallRequest()).then((r) => r.body?.cancel());
    const response = await fetch(`${server.url}/v1/health`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get("content-type")!, /^application\/json/);
    const text = await response.text();
    const health = JSON.parse(text);
    assert.equal(health.status, "ok");
    assert.equal(health.backend, "wasm");
    assert.equal(health.version, "9.9.9");
    assert.equal(health.state, "idle");
    assert.equal(health.queued, 0);
    assert.equal(health.auth, false);
    assert.equal(health.limits.maxSteps, 77);
    assert.equal(health.worker.state, "ready");
    assert.equal(health.worker.restarts, 0);
    assert.equal(health.worker.backend, "wasm");
    assert.ok(health.worker.startMs > 0 && health.worker.rss > 0);
    assert.equal(typeof health.memory.rss, "number");
    const head = await fetch(`${server.url}/v1/health`, { method: "HEAD" });
    assert.equal(head.status, 200);
    assert.equal(await head.text(), "");
    const length = Number(head.headers.get("content-length"));
    assert.ok(Math.abs(length - new TextEncoder().encode(text).length) < 20, `${length}`);
  });
});

Deno.test("HEAD of the page answers its headers with the real length and no body", async () => {
  await withServer({}, async (server) => {
    const get = await fetch(`${server.url}/`);
    const bytes = new Uint8Array(await get.arrayBuffer()).length;
    const head = await fetch(`${server.url}/`, { method: "HEAD" });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get("content-length"), String(bytes));
    assert.equal(head.headers.get("content-type"), get.headers.get("content-type"));
    assert.equal(await head.text(), "");
  });
});

Deno.test("POST /v1/sweep answers the result JSON of DESIGN.md", async () => {
  await withServer({}, async (server) => {
    const response = await postSweep(server, smallRequest());
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("content-type"), "application/json; charset=utf-8");
    const text = await response.text();
    const result = JSON.parse(text) as LrFinderResult;
    assert.equal(text, resultJson(result), "the body is resultJson's text");
    assert.equal(result.version, 1);
    assert.equal(result.name, "model");
    assert.equal(result.lrs.length, 12);
    assert.equal(result.losses.length, 12);
    assert.equal(result.settings.numIters, 12);
    assert.equal(result.settings.batchSize, 16);
    assert.equal(result.settings.seed, 1);
    assert.equal(result.settings.loss, "sparseCategoricalCrossentropy");
    assert.equal(result.settings.optimizer.name, "adam");
    assert.equal(result.settings.backend, "wasm");
    assert.equal(result.settings.trainSize, 48);
    assert.equal(result.model.params, 2 * 8 + 8 + 8 * 3 + 3);
    assert.equal(server.records.length, 1);
    assert.equal(server.records[0].status, 200);
  });
});

Deno.test("the same request gives the same curve; another seed another one", async () => {
  await withServer({}, async (server) => {
    const run = async (seed: number) => {
      const response = await postSweep(server, { ...smallRequest(), seed });
      assert.equal(response.status, 200);
      return (await response.json()) as LrFinderResult;
    };
    const first = await run(3);
    const again = await run(3);
    const other = await run(4);
    assert.deepEqual(again.lrs, first.lrs);
    assert.deepEqual(again.losses, first.losses);
    assert.notDeepEqual(other.losses, first.losses);
  });
});

Deno.test("Accept image/svg+xml answers the plot as SVG", async () => {
  await withServer({}, async (server) => {
    const response = await postSweep(server, smallRequest(), { accept: "image/svg+xml" });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("content-type"), "image/svg+xml; charset=utf-8");
    const svg = await response.text();
    assert.match(svg, /^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    assert.match(svg, /learning rate/i);
  });
});

Deno.test("Accept image/png answers the plot as PNG", async () => {
  await withServer({}, async (server) => {
    const response = await postSweep(server, smallRequest(), { accept: "image/png" });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("content-type"), "image/png");
    const image = decode(new Uint8Array(await response.arrayBuffer()));
    assert.ok(image.width > 300 && image.height > 200, `${image.width}x${image.height}`);
  });
});

Deno.test("Accept text/event-stream streams one progress event per step and the result", async () => {
  await withServer({}, async (server) => {
    const response = await postSweep(server, smallRequest(), { accept: "text/event-stream" });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("content-type"), "text/event-stream; charset=utf-8");
    const events = parseEvents(await response.text());
    const progress = events.filter((e) => e.event === "progress").map((e) => JSON.parse(e.data));
    assert.equal(progress.length, 12);
    assert.deepEqual(progress.map((p) => p.step), [...Array(12).keys()]);
    assert.deepEqual(events.map((e) => e.event).slice(-2), ["progress", "result"]);
    const resultText = events[events.length - 1].data;
    const result = JSON.parse(resultText) as LrFinderResult;
    assert.equal(`${resultText}\n`, resultJson(result));
    assert.deepEqual(progress.map((p) => p.lr), result.lrs);
    assert.deepEqual(progress.map((p) => p.loss), result.losses);
    assert.deepEqual(progress.map((p) => p.smoothed), result.smoothed);
  });
});

Deno.test("CSV data with a label column and a Keras topology sweep", async () => {
  const { x, y } = smallData();
  const csv = ["a,b,label", ...x.map((row, i) => `${row[0]},${row[1]},${"pqr"[y[i]]}`)].join("\n");
  const topology = {
    class_name: "Sequential",
    config: {
      name: "keras_mlp",
      layers: [
        {
          class_name: "Dense",
          config: {
            units: 6,
            activation: "tanh",
            batch_input_shape: [null, 2],
            kernel_initializer: { class_name: "HeNormal", config: {} },
          },
        },
        { class_name: "Dense", config: { units: 3, activation: "softmax" } },
      ],
    },
    keras_version: "2.15.0",
    backend: "tensorflow",
  };
  await withServer({}, async (server) => {
    const response = await postSweep(server, {
      model: { modelTopology: topology },
      data: { csv },
      optimizer: { name: "sgd" },
      sweep: { numIters: 10 },
    });
    assert.equal(response.status, 200, await response.clone().text());
    const result = (await response.json()) as LrFinderResult;
    assert.equal(result.name, "keras_mlp");
    assert.equal(result.settings.loss, "sparseCategoricalCrossentropy");
    assert.equal(result.settings.optimizer.name, "sgd");
    assert.equal(result.model.params, 2 * 6 + 6 + 6 * 3 + 3);
  });
});

Deno.test("errors are problem+json with the right status", async (t) => {
  await withServer({ limits: { maxBodyBytes: 4096 } }, async (server) => {
    await t.step("unknown route: 404", async () => {
      const response = await fetch(`${server.url}/v2/sweep`);
      assert.equal(response.status, 404);
      assert.match(String((await problemOf(response)).detail), /POST \/v1\/sweep/);
    });
    await t.step("wrong method: 405 with Allow", async () => {
      const response = await fetch(`${server.url}/v1/sweep`);
      assert.equal(response.status, 405);
      assert.equal(response.headers.get("allow"), "POST, OPTIONS");
      await problemOf(response);
      const health = await fetch(`${server.url}/v1/health`, { method: "DELETE" });
      assert.equal(health.status, 405);
      assert.equal(health.headers.get("allow"), "GET, HEAD, OPTIONS");
      await problemOf(health);
    });
    await t.step("malformed JSON: 400 naming the line and column", async () => {
      const response = await postSweep(server, '{\n  "model": [,]\n}');
      assert.equal(response.status, 400);
      assert.match(String((await problemOf(response)).detail), /request body:2:\d+: invalid JSON/);
    });
    await t.step("empty body: 400", async () => {
      const response = await postSweep(server, "");
      assert.equal(response.status, 400);
      await problemOf(response);
    });
    await t.step("invalid fields: 422 with every field path", async () => {
      const response = await postSweep(server, {
        ...smallRequest(),
        model: [{ type: "dense", units: 0 }, { type: "output" }],
        sweep: { startLr: 1, endLr: 0.1 },
        optimzer: { name: "adam" },
      });
      assert.equal(response.status, 422);
      const problem = await problemOf(response);
      const errors = problem.errors as { path: string; pointer: string; detail: string }[];
      assert.deepEqual(errors.map((e) => e.path).sort(), [
        "model[0].units",
        "optimzer",
        "sweep.endLr",
      ]);
      const typo = errors.find((e) => e.path === "optimzer")!;
      assert.match(typo.detail, /did you mean "optimizer"/);
      assert.equal(errors.find((e) => e.path === "sweep.endLr")!.pointer, "/sweep/endLr");
    });
    await t.step("a bad data value: 422 naming it", async () => {
      const body = smallRequest();
      const data = body.data as { x: unknown[][] };
      data.x[5][1] = "seven";
      const response = await postSweep(server, body);
      assert.equal(response.status, 422);
      const problem = await problemOf(response);
      assert.match(String(problem.detail), /data\.x\[5\]\[1\] must be a finite number/);
    });
    await t.step("a model that does not fit the data: 422", async () => {
      const response = await postSweep(server, {
        ...smallRequest(),
        model: { inputShape: [3], layers: [{ type: "dense", units: 3, activation: "softmax" }] },
      });
      assert.equal(response.status, 422);
      const problem = await problemOf(response);
      assert.match(String(problem.detail), /the model expects input of shape \[3\]/);
      assert.deepEqual((problem.errors as { path: string }[]).map((e) => e.path), ["data.x"]);
    });
    await t.step("a custom layer class: 422 naming its path", async () => {
      const response = await postSweep(server, {
        ...smallRequest(),
        model: {
          modelTopology: {
            class_name: "Sequential",
            config: {
              layers: [
                { class_name: "Dense", config: { units: 3, batch_input_shape: [null, 2] } },
                { class_name: "MyLambda", config: { function: "alert(1)" } },
              ],
            },
          },
        },
      });
      assert.equal(response.status, 422);
      const problem = await problemOf(response);
      const errors = problem.errors as { path: string }[];
      assert.deepEqual(errors.map((e) => e.path), [
        "model.modelTopology.config.layers[1].class_name",
      ]);
      assert.match(String(problem.detail), /not a built-in TensorFlow.js class/);
    });
    await t.step("body over the limit: 413, also without Content-Length", async () => {
      const big = JSON.stringify({ ...smallRequest(), name: "x".repeat(5000) });
      const response = await postSweep(server, big);
      assert.equal(response.status, 413);
      assert.match(String((await problemOf(response)).detail), /4096 bytes/);
      const chunks = [new TextEncoder().encode(big.slice(0, 3000)), new TextEncoder().encode(big)];
      const streamed = await fetch(`${server.url}/v1/sweep`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: ReadableStream.from(chunks),
      });
      assert.equal(streamed.status, 413);
      await problemOf(streamed);
    });
    await t.step("not JSON: 415", async () => {
      const response = await fetch(`${server.url}/v1/sweep`, {
        method: "POST",
        headers: { "content-type": "text/plain" },
        body: JSON.stringify(smallRequest()),
      });
      assert.equal(response.status, 415);
      await problemOf(response);
    });
    await t.step("an Accept the sweep cannot answer: 406", async () => {
      const response = await postSweep(server, smallRequest(), { accept: "text/html" });
      assert.equal(response.status, 406);
      await problemOf(response);
    });
    assert.equal(server.records.length, 1, "only the model that did not fit reached the worker");
  });
});

Deno.test("a model over the parameter limit is refused before its weights exist", async () => {
  await withServer({ limits: { maxParams: 1000 } }, async (server) => {
    const response = await postSweep(server, {
      ...smallRequest(),
      model: [{ type: "dense", units: 64 }, { type: "dense", units: 100000 }, { type: "output" }],
    });
    assert.equal(response.status, 422);
    const problem = await problemOf(response);
    assert.match(String(problem.detail), /more than 1000 parameters/);
  });
});

Deno.test("a sweep over its time budget returns the partial curve", async () => {
  await withServer({ limits: { timeBudgetMs: 1 } }, async (server) => {
    const body = { ...smallRequest(), sweep: { numIters: 500 } };
    const response = await postSweep(server, body);
    assert.equal(response.status, 200);
    const result = (await response.json()) as LrFinderResult;
    assert.equal(result.stopReason, "time-budget");
    assert.ok(result.lrs.length < 500, `${result.lrs.length} steps`);
    const over = await postSweep(server, { ...body, sweep: { numIters: 20, timeBudgetMs: 5 } });
    assert.equal(over.status, 422);
    const problem = await problemOf(over);
    assert.deepEqual((problem.errors as { path: string }[]).map((e) => e.path), [
      "sweep.timeBudgetMs",
    ]);
  });
});

Deno.test("with LR_FINDER_TOKEN set, sweeps need the bearer token", async () => {
  await withServer({ token: "s3cret" }, async (server) => {
    const missing = await postSweep(server, smallRequest());
    assert.equal(missing.status, 401);
    assert.equal(missing.headers.get("www-authenticate"), 'Bearer realm="lr-finder"');
    await problemOf(missing);
    const wrong = await postSweep(server, smallRequest(), { authorization: "Bearer s3cre" });
    assert.equal(wrong.status, 401);
    await problemOf(wrong);
    const right = await postSweep(server, smallRequest(), { authorization: "Bearer s3cret" });
    assert.equal(right.status, 200);
    await right.body?.cancel();
    const health = await (await fetch(`${server.url}/v1/health`)).json();
    assert.equal(health.auth, true);
  });
});

Deno.test("CORS headers only for the configured origins", async () => {
  await withServer({ corsOrigins: ["https://notebook.example"] }, async (server) => {
    const preflight = await fetch(`${server.url}/v1/sweep`, {
      method: "OPTIONS",
      headers: {
        origin: "https://notebook.example",
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type, authorization",
      },
    });
    assert.equal(preflight.status, 204);
    await preflight.body?.cancel();
    assert.equal(preflight.headers.get("access-control-allow-origin"), "https://notebook.example");
    assert.match(preflight.headers.get("access-control-allow-headers")!, /authorization/);
    assert.match(preflight.headers.get("access-control-allow-methods")!, /POST/);
    const other = await fetch(`${server.url}/v1/health`, {
      headers: { origin: "https://evil.example" },
    });
    assert.equal(other.headers.get("access-control-allow-origin"), null);
    await other.body?.cancel();
    const allowed = await postSweep(server, "{", { origin: "https://notebook.example" });
    assert.equal(allowed.status, 400);
    assert.equal(allowed.headers.get("access-control-allow-origin"), "https://notebook.example");
    assert.match(allowed.headers.get("access-control-expose-headers")!, /retry-after/);
    await allowed.body?.cancel();
  });
});

Deno.test("a client that disconnects mid-stream aborts the sweep and frees its tensors", async () => {
  await withServer({ limits: LONG_SWEEP_LIMITS }, async (server) => {
    const body = {
      ...smallRequest(),
      sweep: { numIters: LONG_SWEEP_STEPS, endLr: 1e-3, divergeThreshold: 1e6 },
    };
    await leaveAfter(server, body, "progress", 3);
    const record = server.records[0];
    assert.equal(record.stopReason, "aborted");
    assert.ok(record.steps >= 3 && record.steps < LONG_SWEEP_STEPS, `${record.steps} steps`);
    const health = await server.health();
    assert.equal(health.state, "idle");
    assert.equal(health.worker.restarts, 0, "the sweep stopped itself; the worker was kept");
  });
});

/**
 * Streams a sweep, leaves once `count` events named `event` have come, and waits until the
 * server has recorded the sweep's end.
 */
async function leaveAfter(server: TestServer, body: unknown, event: string, count: number) {
  const abort = new AbortController();
  const response = await postSweep(server, body, { accept: "text/event-stream" }, abort.signal);
  assert.equal(response.status, 200);
  const reader = response.body!.getReader();
  let text = "";
  while ((text.match(new RegExp(`event: ${event}\n`, "g")) ?? []).length < count) {
    const { value, done } = await reader.read();
    assert.ok(!done, "the stream ended early");
    text += new TextDecoder().decode(value);
  }
  abort.abort();
  await reader.cancel().catch(() => {});
  await server.sweepsEnded(1);
}

/**
 * Starts a sweep that only ends when released (many steps of a wide model at rates too small to
 * diverge; the server needs {@linkcode LONG_SWEEP_LIMITS}) and resolves once its first step has
 * streamed, with a way to end it.
 */
async function holdTheSlot(server: TestServer): Promise<{ release(): Promise<void> }> {
  const abort = new AbortController();
  const body = {
    ...smallRequest(),
    model: [
      { type: "dense", units: 512, activation: "relu" },
      { type: "dense", units: 512, activation: "relu" },
      { type: "output" },
    ],
    sweep: { numIters: LONG_SWEEP_STEPS, endLr: 1e-3, divergeThreshold: 1e6 },
  };
  const response = await postSweep(server, body, { accept: "text/event-stream" }, abort.signal);
  assert.equal(response.status, 200);
  const reader = response.body!.getReader();
  await reader.read();
  return {
    async release() {
      abort.abort();
      await reader.cancel().catch(() => {});
    },
  };
}

Deno.test("a burst of concurrent requests: all answered, some 429, server still healthy", async () => {
  await withServer({ limits: { ...LONG_SWEEP_LIMITS, maxQueue: 2 } }, async (server) => {
    const slot = await holdTheSlot(server);
    const body = { ...smallRequest(), sweep: { numIters: 10 } };
    const settled: Response[] = [];
    const threeSettled = Promise.withResolvers<void>();
    const burst = Array.from({ length: 5 }, () =>
      postSweep(server, body).then((response) => {
        settled.push(response);
        if (settled.length === 3) threeSettled.resolve();
        return response;
      }));
    await threeSettled.promise;
    for (const response of settled) {
      assert.equal(response.status, 429);
      assert.match(response.headers.get("retry-after")!, /^[1-9]\d*$/);
      assert.match(String((await problemOf(response)).detail), /busy/);
    }
    const busy = await (await fetch(`${server.url}/v1/health`)).json();
    assert.equal(busy.state, "busy");
    assert.equal(busy.queued, 2);
    await slot.release();
    const statuses = (await Promise.all(burst)).map((r) => r.status).sort();
    assert.deepEqual(statuses, [200, 200, 429, 429, 429]);
    for (const response of settled.slice(3)) {
      assert.equal(((await response.json()) as LrFinderResult).lrs.length, 10);
    }
    const health = await (await fetch(`${server.url}/v1/health`)).json();
    assert.equal(health.state, "idle");
    assert.equal(health.queued, 0);
    const after = await postSweep(server, body);
    assert.equal(after.status, 200);
    await after.body?.cancel();
  });
});

Deno.test("a streaming client that gives up while queued stops its sweep once it starts", async () => {
  // Deno notices a closed connection when it writes to it: for a queued request that is at its
  // first step, since nothing is sent while it waits.
  await withServer({ limits: LONG_SWEEP_LIMITS }, async (server) => {
    const slot = await holdTheSlot(server);
    const abort = new AbortController();
    const body = {
      ...smallRequest(),
      sweep: { numIters: LONG_SWEEP_STEPS, endLr: 1e-3, divergeThreshold: 1e6 },
    };
    const queued = postSweep(server, body, { accept: "text/event-stream" }, abort.signal)
      .catch((e) => e);
    while ((await server.health()).queued < 1) {
      // The request is on its way to the queue.
    }
    abort.abort();
    assert.equal((await queued).name, "AbortError");
    await slot.release();
    await server.sweepsEnded(2);
    const record = server.records[1];
    assert.equal(record.stopReason, "aborted");
    assert.ok(record.steps < LONG_SWEEP_STEPS, `${record.steps} steps`);
    assert.equal((await server.health()).state, "idle");
  });
});

/** A request with data enough to hold samples out for verification (300 samples). */
function verifyingRequest(extra: Record<string, unknown> = {}): Record<string, unknown> {
  const { x, y } = smallData(300);
  return { ...smallRequest(), data: { x, y, classes: 3 }, ...extra };
}

Deno.test("verification: trials, verification and warnings in the answer; verify: false skips it", async () => {
  await withServer({}, async (server) => {
    const response = await postSweep(server, verifyingRequest({ verify: { steps: 12 } }));
    assert.equal(response.status, 200);
    const result = (await response.json()) as LrFinderResult;
    assert.equal(result.verification?.outcome, "verified");
    assert.equal(result.verification.settings.steps, 12);
    assert.equal(result.verification.heldOut, "train");
    assert.ok(result.trials!.length >= 2);
    assert.ok(result.trials!.every((t) => t.steps >= 1 && t.steps <= 12));
    assert.equal(result.suggestion.method, "verified");
    assert.equal(typeof result.suggestion.trusted, "boolean");
    assert.ok(Array.isArray(result.warnings));
    const off = await postSweep(server, verifyingRequest({ verify: false }));
    assert.equal(off.status, 200);
    const plain = (await off.json()) as LrFinderResult;
    assert.equal(plain.verification, undefined);
    assert.equal(plain.trials, undefined);
    assert.notEqual(plain.suggestion.method, "verified");
    assert.deepEqual(plain.lrs, result.lrs, "the same sweep either way");
  });
});

Deno.test("verification: a bad verify option is a 422 naming verify.<field>", async () => {
  await withServer({}, async (server) => {
    const response = await postSweep(server, verifyingRequest({ verify: { steps: 0, x: 1 } }));
    assert.equal(response.status, 422);
    const problem = await problemOf(response);
    const errors = problem.errors as { path: string; pointer: string }[];
    assert.deepEqual(errors.map((e) => [e.path, e.pointer]), [
      ["verify.steps", "/verify/steps"],
      ["verify.x", "/verify/x"],
    ]);
    assert.equal(server.records.length, 0, "refused before the worker saw it");
  });
});

Deno.test("verification: a budget that fits the sweep but not verification says so in the answer", async () => {
  await withServer({ limits: { maxTrainingSteps: 200 } }, async (server) => {
    const body = verifyingRequest({ sweep: { numIters: 30 } });
    const response = await postSweep(server, body);
    assert.equal(response.status, 200);
    const result = (await response.json()) as LrFinderResult;
    assert.equal(result.lrs.length, 30, "the sweep ran in full");
    assert.equal(result.trials, undefined);
    assert.equal(result.verification?.outcome, "fallback");
    assert.match(
      result.verification.reason!,
      /^the sweep's 30 training steps \(numIters 30\) leave 170 of this server's 200 per request \(LR_FINDER_MAX_TRAINING_STEPS\), and verification needs at least \d+/,
    );
    assert.equal(result.warnings![0].code, "verification-over-budget");
    assert.equal(result.warnings![0].severity, "caution");
    assert.match(result.warnings![0].message, /^not verified: the sweep's 30 training steps/);
    assert.notEqual(result.suggestion.method, "verified");
    const asked = await postSweep(server, { ...body, verify: { steps: 100 } });
    assert.equal(asked.status, 422, "explicit steps that do not fit are refused");
    assert.match(String((await problemOf(asked)).detail), /ask for at most \d+ steps/);
  });
  await withServer({ limits: { maxTrainingSteps: 500 } }, async (server) => {
    const response = await postSweep(server, verifyingRequest({ sweep: { numIters: 30 } }));
    const result = (await response.json()) as LrFinderResult;
    assert.equal(result.verification?.outcome, "verified");
    const steps = result.verification.settings.steps;
    assert.ok(steps >= 135 && steps < 270, `${steps} steps`);
    assert.ok(30 + result.verification.steps <= 500);
    const shortened = result.warnings!.find((w) => w.code === "verification-shortened");
    assert.match(shortened!.message, new RegExp(`trials of up to ${steps} steps instead of 270`));
  });
});

Deno.test("verification: the event stream reports it step by step, then the full result", async () => {
  await withServer({}, async (server) => {
    const body = verifyingRequest({ verify: { steps: 12 } });
    const response = await postSweep(server, body, { accept: "text/event-stream" });
    assert.equal(response.status, 200);
    const events = parseEvents(await response.text());
    const names = events.map((e) => e.event);
    const firstVerify = names.indexOf("verify");
    assert.ok(firstVerify > 0, "verify events come");
    assert.equal(names.lastIndexOf("progress"), firstVerify - 1, "after the sweep's progress");
    assert.equal(names.at(-1), "result");
    const verify = events.filter((e) => e.event === "verify").map((e) => JSON.parse(e.data));
    assert.deepEqual(Object.keys(verify[0]), ["trial", "trials", "lr", "step", "done", "planned"]);
    assert.deepEqual(verify.map((v) => v.done), verify.map((_, i) => i + 1));
    assert.ok(verify.every((v) => v.planned === verify[0].planned && v.trial < v.trials));
    const result = JSON.parse(events.at(-1)!.data) as LrFinderResult;
    assert.equal(result.verification?.steps, verify.length);
    assert.equal(result.trials!.length, verify[0].trials);
    assert.ok(Array.isArray(result.warnings));
  });
});

Deno.test("verification: a client that leaves mid-verification stops it and frees its tensors", async () => {
  await withServer({}, async (server) => {
    await leaveAfter(server, verifyingRequest({ verify: { steps: 500 } }), "verify", 3);
    assert.equal(server.records[0].status, 499);
    assert.equal(server.records[0].stopReason, "completed", "the sweep had finished");
    const health = await server.health();
    assert.equal(health.state, "idle");
    assert.equal(health.worker.restarts, 0, "verification stopped itself; the worker was kept");
  });
});

Deno.test("verification: the time budget covers it; short of time, the answer says not verified", async () => {
  await withServer({}, async (server) => {
    const body = verifyingRequest({
      model: [
        { type: "dense", units: 256, activation: "relu" },
        { type: "dense", units: 256, activation: "relu" },
        { type: "output" },
      ],
      sweep: { numIters: 12, timeBudgetMs: 1000 },
      verify: { steps: 500 },
    });
    const response = await postSweep(server, body);
    assert.equal(response.status, 200);
    const result = (await response.json()) as LrFinderResult;
    // Estimated from the sweep's step time, verification is skipped before it starts; on a
    // machine fast enough for the estimate to fit, the deadline stops it instead.
    assert.equal(result.verification?.outcome, "fallback");
    assert.match(
      result.verification.reason!,
      /^the time budget leaves about \d+ ms|time budget ran out during verification/,
    );
    assert.ok(
      result.warnings!.some((w) =>
        w.code === "verification-over-budget" || w.code === "verification-stopped"
      ),
    );
    const planned = plannedSteps(result.verification.settings.candidates, {
      steps: 500,
      prune: true,
    });
    assert.ok(result.verification.steps < planned, `${result.verification.steps} steps`);
  });
});
