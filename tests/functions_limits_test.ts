import assert from "node:assert/strict";
import { DEFAULT_LIMITS, LIMIT_ENV, type Limits, limitsFromEnv } from "../functions/limits.ts";
import { longestFitting } from "../functions/verify_budget.ts";
import { InputError } from "../src/errors.ts";
import { postSweep, problemOf, startServer, type TestServer } from "./functions_server.ts";

Deno.test("limitsFromEnv: every limit has its variable", () => {
  const env: Record<string, string> = {};
  for (const [key, name] of Object.entries(LIMIT_ENV)) env[name] = String(200 + key.length);
  const limits = limitsFromEnv({ ...env, LR_FINDER_MAX_QUEUE: "0", UNRELATED: "x" });
  for (const key of Object.keys(LIMIT_ENV) as (keyof typeof LIMIT_ENV)[]) {
    assert.equal(limits[key], key === "maxQueue" ? 0 : 200 + key.length, key);
  }
  assert.equal(limitsFromEnv({ LR_FINDER_MAX_STEPS: " 200 " }).maxSteps, 200);
  assert.deepEqual(limitsFromEnv({ LR_FINDER_MAX_STEPS: "" }), limitsFromEnv({}));
});

Deno.test("limitsFromEnv: a value that is not a whole number names the variable", () => {
  for (
    const [name, value, min] of [
      ["LR_FINDER_MAX_BODY_BYTES", "8MB", 1],
      ["LR_FINDER_MAX_PARAMS", "0", 1],
      ["LR_FINDER_TIME_BUDGET_MS", "1.5", 1],
      ["LR_FINDER_MAX_QUEUE", "-1", 0],
      ["LR_FINDER_WORKER_MEMORY_MIB", "64", 128],
      ["LR_FINDER_MAX_VERIFY_CANDIDATES", "1", 2],
      ["LR_FINDER_MAX_TRAINING_STEPS", "0", 1],
    ] as const
  ) {
    assert.throws(() => limitsFromEnv({ [name]: value }), (error: unknown) => {
      assert.ok(error instanceof InputError);
      assert.equal(
        error.message,
        `${name} must be a whole number of at least ${min}, got ${JSON.stringify(value)}`,
      );
      assert.equal(error.field, name);
      return true;
    });
  }
});

/** A regression request: `samples` samples of one feature, a hidden layer of `units`. */
function regression(samples: number, units: number, numIters = 10): Record<string, unknown> {
  return {
    model: [{ type: "dense", units, activation: "relu" }, { type: "output" }],
    data: {
      x: Array.from({ length: samples }, (_, i) => [(i % 10) / 10]),
      y: Array.from({ length: samples }, (_, i) => (i % 7) / 7),
    },
    batchSize: Math.min(16, samples),
    sweep: { numIters },
    seed: 1,
  };
}

/** The request's JSON padded with spaces to exactly `bytes` bytes. */
function padded(body: Record<string, unknown>, bytes: number): string {
  const text = JSON.stringify(body);
  assert.ok(text.length <= bytes);
  return text + " ".repeat(bytes - text.length);
}

/** Params of `regression(_, units)`: the hidden layer (1 input) and one linear output. */
const paramsOf = (units: number) => 3 * units + 1;

async function expectAccepted(server: TestServer, body: unknown, label: string) {
  const response = await postSweep(server, body);
  assert.equal(response.status, 200, `${label}: ${await response.clone().text()}`);
  await response.body?.cancel();
}

async function expectRefused(
  server: TestServer,
  body: unknown,
  status: number,
  detail: RegExp,
  pointer?: string,
) {
  const response = await postSweep(server, body);
  const problem = await problemOf(response);
  assert.equal(response.status, status, JSON.stringify(problem));
  assert.match(String(problem.detail), detail);
  if (pointer) assert.equal((problem.errors as { pointer: string }[])[0].pointer, pointer);
}

/** Exactly each limit passes, one more is refused, through the real handler. */
async function boundaries(t: Deno.TestContext, server: TestServer, limits: Limits) {
  await t.step(
    `a body of exactly ${limits.maxBodyBytes} bytes is read, one more is 413`,
    async () => {
      const body = regression(16, 4);
      await expectAccepted(server, padded(body, limits.maxBodyBytes), "at the limit");
      await expectRefused(
        server,
        padded(body, limits.maxBodyBytes + 1),
        413,
        new RegExp(`than the limit of ${limits.maxBodyBytes} bytes`),
      );
    },
  );
  await t.step(`${limits.maxSteps} steps sweep, one more is 422`, async () => {
    await expectAccepted(server, regression(16, 2, limits.maxSteps), "at the limit");
    await expectRefused(
      server,
      regression(16, 2, limits.maxSteps + 1),
      422,
      new RegExp(`must be at most ${limits.maxSteps} \\(the limit of this server\\)`),
      "/sweep/numIters",
    );
  });
  await t.step(
    `a model of exactly ${limits.maxParams} parameters builds, more is 422`,
    async () => {
      const units = (limits.maxParams - 1) / 3;
      assert.equal(paramsOf(units), limits.maxParams);
      await expectAccepted(server, regression(16, units), "at the limit");
      await expectRefused(
        server,
        regression(16, units + 1),
        422,
        new RegExp(`more than ${limits.maxParams} parameters`),
      );
    },
  );
  await t.step(
    `verify.candidates up to ${limits.maxVerifyCandidates}, verify.steps up to ` +
      `${limits.maxVerifySteps} and ${limits.maxTrainingSteps} training steps in all; more is 422`,
    async () => {
      // 16 samples are too few to hold any out: verification is planned, then falls back at once.
      const body = regression(16, 2);
      const candidates = limits.maxVerifyCandidates;
      const fitting = longestFitting(candidates, true, limits.maxTrainingSteps - 10, 10_000);
      const steps = Math.min(fitting, limits.maxVerifySteps);
      await expectAccepted(server, { ...body, verify: { candidates, steps } }, "at the limits");
      await expectRefused(
        server,
        { ...body, verify: { candidates: candidates + 1, steps: 1 } },
        422,
        /must be at most \d+ \(the limit of this server, LR_FINDER_MAX_VERIFY_CANDIDATES\)/,
        "/verify/candidates",
      );
      await expectRefused(
        server,
        { ...body, verify: { candidates: 2, steps: limits.maxVerifySteps + 1 } },
        422,
        /must be at most \d+ \(the limit of this server, LR_FINDER_MAX_VERIFY_STEPS\)/,
        "/verify/steps",
      );
      assert.ok(fitting < limits.maxVerifySteps, "the training steps bind before the trial limit");
      await expectRefused(
        server,
        { ...body, verify: { candidates, steps: fitting + 1 } },
        422,
        new RegExp(`ask for at most ${fitting} steps`),
        "/verify/steps",
      );
    },
  );
  await t.step(`${limits.maxSamples} samples are taken, one more is 422`, async () => {
    await expectAccepted(server, regression(limits.maxSamples, 2), "at the limit");
    await expectRefused(
      server,
      regression(limits.maxSamples + 1, 2),
      422,
      new RegExp(`holds more than ${limits.maxSamples} samples`),
      "/data/x",
    );
  });
}

Deno.test("the default limits hold at their boundaries", async (t) => {
  const server = startServer();
  try {
    await boundaries(t, server, DEFAULT_LIMITS);
    assert.deepEqual((await server.health()).limits, DEFAULT_LIMITS);
  } finally {
    await server.close();
  }
});

Deno.test("configured limits hold at their boundaries", async (t) => {
  const limits: Limits = {
    ...DEFAULT_LIMITS,
    maxBodyBytes: 4096,
    maxSteps: 20,
    maxParams: 1000,
    maxSamples: 50,
    maxVerifyCandidates: 3,
    maxVerifySteps: 40,
    maxTrainingSteps: 90,
  };
  const server = startServer({ limits });
  try {
    await boundaries(t, server, limits);
  } finally {
    await server.close();
  }
});
