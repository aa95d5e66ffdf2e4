import assert from "node:assert/strict";
import { limitsFromEnv } from "../functions/limits.ts";
import { settingsFromEnv } from "../functions/settings.ts";
import { InputError } from "../src/errors.ts";

Deno.test("settingsFromEnv: defaults: auto backend, no token, no CORS, the limits' own", () => {
  const settings = settingsFromEnv({});
  assert.equal(settings.backend, "auto");
  assert.equal(settings.token, undefined);
  assert.deepEqual(settings.corsOrigins, []);
  assert.deepEqual(settings.limits, limitsFromEnv({}), "the limits come from limitsFromEnv");
  assert.equal(
    settingsFromEnv({ LR_FINDER_MAX_RUNS: "2" }).limits.maxRuns,
    2,
    "with the same variables",
  );
});

Deno.test("settingsFromEnv: backend, token, origins and limits", () => {
  const settings = settingsFromEnv({
    LR_FINDER_BACKEND: "wasm",
    LR_FINDER_TOKEN: "  abc  ",
    LR_FINDER_CORS_ORIGINS: "https://a.example, http://localhost:8888,",
    LR_FINDER_MAX_STEPS: "50",
  });
  assert.equal(settings.backend, "wasm");
  assert.equal(settings.token, "abc");
  assert.deepEqual(settings.corsOrigins, ["https://a.example", "http://localhost:8888"]);
  assert.equal(settings.limits.maxSteps, 50);
  assert.deepEqual(settingsFromEnv({ LR_FINDER_CORS_ORIGINS: "*" }).corsOrigins, ["*"]);
  assert.equal(settingsFromEnv({ LR_FINDER_TOKEN: " " }).token, undefined);
});

Deno.test("settingsFromEnv: bad values name the variable", () => {
  assert.throws(
    () => settingsFromEnv({ LR_FINDER_BACKEND: "tpu" }),
    (error: unknown) =>
      error instanceof InputError && error.field === "LR_FINDER_BACKEND" &&
      error.message === 'LR_FINDER_BACKEND must be one of auto, wasm, cpu, webgpu, got "tpu"',
  );
  assert.throws(
    () => settingsFromEnv({ LR_FINDER_CORS_ORIGINS: "https://a.example/path" }),
    /LR_FINDER_CORS_ORIGINS must hold \* or origins .* got "https:\/\/a.example\/path"/,
  );
});
