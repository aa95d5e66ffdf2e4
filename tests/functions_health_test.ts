import assert from "node:assert/strict";
import { type ConnectionStats, healthStatus } from "../functions/health.ts";
import { DEFAULT_LIMITS } from "../functions/limits.ts";
import type { WorkerStatus } from "../functions/worker_pool.ts";

function statusWith(worker: WorkerStatus, connections?: ConnectionStats) {
  return healthStatus({
    connections,
    version: "1.2.3",
    backend: "wasm",
    busy: worker.state === "busy",
    queued: 2,
    auth: true,
    worker,
    limits: DEFAULT_LIMITS,
  });
}

Deno.test("healthStatus: ok while the worker starts for the first time, is ready or busy", () => {
  for (const state of ["starting", "ready", "busy"] as const) {
    assert.equal(statusWith({ state, restarts: 0 }).status, "ok", state);
  }
  assert.equal(statusWith({ state: "ready", restarts: 4 }).status, "ok", "replaced and ready");
});

Deno.test("healthStatus: degraded while a failed worker is replaced or none can start", () => {
  assert.equal(statusWith({ state: "starting", restarts: 1 }).status, "degraded");
  assert.equal(statusWith({ state: "failed", restarts: 0 }).status, "degraded");
});

Deno.test("healthStatus: the parts, the server's memory, connections only when given", () => {
  const health = statusWith({ state: "busy", restarts: 0, tensors: 0 });
  assert.equal(health.state, "busy");
  assert.equal(health.queued, 2);
  assert.equal(health.auth, true);
  assert.equal(health.limits, DEFAULT_LIMITS);
  assert.ok(health.memory.rss > 0 && health.memory.heapUsed > 0);
  assert.equal("connections" in health, false);
  const connections = { open: 3, accepted: 10, headerTimeouts: 1 };
  assert.deepEqual(
    statusWith({ state: "ready", restarts: 0 }, connections).connections,
    connections,
  );
});
