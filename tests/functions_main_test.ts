import assert from "node:assert/strict";
import denoConfig from "../deno.json" with { type: "json" };
import { smallRequest, spawnServe } from "./functions_server.ts";

Deno.test("deno task serve starts the function from the environment's settings", async () => {
  const server = spawnServe({ LR_FINDER_BACKEND: "cpu", LR_FINDER_MAX_STEPS: "40" });
  try {
    const url = await server.listening;
    const health = await (await fetch(`${url}/v1/health`)).json();
    assert.equal(health.version, denoConfig.version);
    assert.equal(health.limits.maxSteps, 40);
    assert.equal(health.connections.open, 1, "this request's own connection");
    const sweep = await fetch(`${url}/v1/sweep`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(smallRequest()),
    });
    assert.equal(sweep.status, 200);
    assert.equal((await sweep.json()).settings.backend, "cpu");
    assert.equal((await (await fetch(`${url}/v1/health`)).json()).backend, "cpu");
  } finally {
    server.child.kill("SIGTERM");
    await server.child.status;
    await server.finished;
  }
  assert.match(server.output.log, /lr-finder: sweep worker ready in /);
  assert.match(server.output.log, /lr-finder: sweep 200 json completed 12 steps in /);
});

Deno.test("a bad setting stops the server at start with a message naming it", async () => {
  const server = spawnServe({ LR_FINDER_MAX_PARAMS: "lots" });
  const status = await server.child.status;
  await server.finished;
  assert.equal(status.code, 2);
  assert.match(
    server.output.log,
    /lr-finder: LR_FINDER_MAX_PARAMS must be a whole number of at least 1, got "lots"/,
  );
  assert.doesNotMatch(server.output.log, /\bat \w+ \(/, "no stack trace");
});
