import assert from "node:assert/strict";
import { DEFAULT_LIMITS, LIMIT_ENV, limitsFromEnv } from "../functions/limits.ts";
import { InputError } from "../src/errors.ts";

Deno.test("limitsFromEnv: the defaults without variables", () => {
  assert.deepEqual(limitsFromEnv({}), DEFAULT_LIMITS);
  assert.equal(DEFAULT_LIMITS.maxBodyBytes, 8 * 1024 * 1024);
  assert.equal(DEFAULT_LIMITS.maxParams, 1_000_000);
  assert.equal(DEFAULT_LIMITS.maxSamples, 20_000);
  assert.equal(DEFAULT_LIMITS.maxSteps, 500);
  assert.equal(DEFAULT_LIMITS.timeBudgetMs, 60_000);
  assert.equal(DEFAULT_LIMITS.maxQueue, 4);
});

Deno.test("limitsFromEnv: every limit has its variable", () => {
  const env: Record<string, string> = {};
  for (const [key, name] of Object.entries(LIMIT_ENV)) env[name] = String(key.length);
  const limits = limitsFromEnv({ ...env, LR_FINDER_MAX_QUEUE: "0", UNRELATED: "x" });
  for (const key of Object.keys(LIMIT_ENV) as (keyof typeof LIMIT_ENV)[]) {
    assert.equal(limits[key], key === "maxQueue" ? 0 : key.length, key);
  }
  assert.equal(limitsFromEnv({ LR_FINDER_MAX_STEPS: " 200 " }).maxSteps, 200);
  assert.equal(limitsFromEnv({ LR_FINDER_MAX_STEPS: "" }).maxSteps, 500);
});

Deno.test("limitsFromEnv: a value that is not a whole number names the variable", () => {
  for (
    const [name, value, min] of [
      ["LR_FINDER_MAX_BODY_BYTES", "8MB", 1],
      ["LR_FINDER_MAX_PARAMS", "0", 1],
      ["LR_FINDER_TIME_BUDGET_MS", "1.5", 1],
      ["LR_FINDER_MAX_QUEUE", "-1", 0],
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
