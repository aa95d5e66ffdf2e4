import assert from "node:assert/strict";
import { DEFAULT_LIMITS } from "../functions/limits.ts";
import { parseSweepRequest } from "../functions/request.ts";
import { jobFrame } from "../functions/worker_protocol.ts";
import {
  createWorkerPool,
  SweepWorkerError,
  type WorkerPool,
  type WorkerPoolOptions,
} from "../functions/worker_pool.ts";
import { manualTimers, smallData, smallRequest } from "./functions_server.ts";

const FAKE_WORKER = new URL("./fixtures/fake_worker.ts", import.meta.url).pathname;
const BUDGET = { maxParams: 1e6, maxStepBytes: 1e9, maxStepFlops: 1e11 };

/** A job that only ends when stopped. */
function longJob() {
  const job = parseSweepRequest(
    { ...smallRequest(), sweep: { numIters: 100_000, endLr: 1e-3, divergeThreshold: 1e6 } },
    { ...DEFAULT_LIMITS, maxSteps: 100_000 },
  );
  return jobFrame(0, job, { format: "json", budget: BUDGET });
}

function shortJob() {
  return jobFrame(0, parseSweepRequest(smallRequest(), DEFAULT_LIMITS), {
    format: "json",
    budget: BUDGET,
  });
}

async function withPool(
  options: Partial<WorkerPoolOptions>,
  body: (pool: WorkerPool) => Promise<void>,
): Promise<void> {
  const pool = createWorkerPool({ backend: "wasm", memoryLimitMiB: 1024, ...options });
  try {
    await body(pool);
  } finally {
    await pool.close();
  }
}

function fakeSpawn(mode: string): WorkerPoolOptions["spawn"] {
  return () =>
    new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-read", FAKE_WORKER, mode],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
}

function kind(expected: string, message?: RegExp) {
  return (error: unknown) => {
    assert.ok(error instanceof SweepWorkerError, String(error));
    assert.equal(error.kind, expected);
    if (message) assert.match(error.message, message);
    return true;
  };
}

Deno.test("a warm worker runs jobs one after another and reports its memory", async () => {
  await withPool({}, async (pool) => {
    await pool.ready();
    const first = pool.status();
    assert.equal(first.state, "ready");
    assert.ok(first.startMs! > 0);
    const answer = await pool.run(shortJob(), { hardDeadlineMs: 60_000 });
    assert.equal(answer.stopReason, "completed");
    assert.equal(answer.steps, 12);
    assert.equal(JSON.parse(answer.resultJson).lrs.length, 12);
    await pool.run(shortJob(), { hardDeadlineMs: 60_000 });
    const status = pool.status();
    assert.equal(status.pid, first.pid, "the same worker");
    assert.equal(status.restarts, 0);
    assert.equal(status.tensors, 0);
    assert.equal(status.variables, 0);
  });
});

Deno.test("a client that leaves: the sweep stops by itself and the worker is kept", async () => {
  await withPool({}, async (pool) => {
    const abort = new AbortController();
    let steps = 0;
    const answer = await pool.run(longJob(), {
      hardDeadlineMs: 600_000,
      signal: abort.signal,
      onProgress: () => {
        if (++steps === 3) abort.abort();
      },
    });
    assert.equal(answer.stopReason, "aborted");
    assert.ok(answer.steps >= 3 && answer.steps < 100_000);
    assert.equal(pool.status().restarts, 0);
    assert.equal(pool.status().tensors, 0);
  });
});

Deno.test("verification's progress is forwarded; a client leaving mid-verification stops it", async () => {
  const { x, y } = smallData(300);
  const job = parseSweepRequest(
    { ...smallRequest(), data: { x, y, classes: 3 }, verify: { steps: 500 } },
    DEFAULT_LIMITS,
  );
  await withPool({}, async (pool) => {
    const abort = new AbortController();
    const done: number[] = [];
    let sweepSteps = 0;
    const answer = await pool.run(jobFrame(0, job, { format: "json", budget: BUDGET }), {
      hardDeadlineMs: 600_000,
      signal: abort.signal,
      onProgress: () => sweepSteps++,
      onVerify: (progress) => {
        done.push(progress.done);
        if (done.length === 5) abort.abort();
      },
    });
    assert.equal(sweepSteps, 12, "the sweep's progress came first, in full");
    assert.deepEqual(done.slice(0, 5), [1, 2, 3, 4, 5]);
    assert.equal(answer.stopReason, "completed");
    const result = JSON.parse(answer.resultJson);
    assert.equal(result.verification.reason, "verification was aborted");
    assert.equal(pool.status().restarts, 0);
    assert.equal(pool.status().tensors, 0);
    assert.equal(pool.status().variables, 0);
  });
});

Deno.test("a sweep that does not stop within the grace after its client left is killed", async () => {
  const timers = manualTimers();
  await withPool({ timers, abortGraceMs: 777 }, async (pool) => {
    await pool.ready();
    const abort = new AbortController();
    const started = Promise.withResolvers<void>();
    const run = pool.run(longJob(), {
      hardDeadlineMs: 600_000,
      signal: abort.signal,
      onProgress: () => started.resolve(),
    });
    await started.promise;
    abort.abort();
    timers.fire(777);
    await assert.rejects(run, kind("aborted", /did not stop after its client went away/));
    await pool.ready();
    assert.equal(pool.status().restarts, 1);
    assert.match(pool.status().lastRestart!.reason, /did not stop/);
  });
});

Deno.test("a worker over the memory ceiling is killed while the job runs", async () => {
  const timers = manualTimers();
  let rss = 100 * 1024 * 1024;
  await withPool({ timers, readRss: () => rss, memoryLimitMiB: 300 }, async (pool) => {
    await pool.ready();
    const started = Promise.withResolvers<void>();
    const run = pool.run(longJob(), {
      hardDeadlineMs: 600_000,
      onProgress: () => started.resolve(),
    });
    await started.promise;
    timers.fire(50);
    assert.equal(pool.status().state, "busy", "under the ceiling: still running");
    rss = 301 * 1024 * 1024;
    timers.fire(50);
    await assert.rejects(
      run,
      kind("memory", /used 301 MiB, more than the memory ceiling of 300 MiB/),
    );
    await pool.ready();
    assert.equal(pool.status().restarts, 1);
  });
});

Deno.test("a worker that keeps tensors after a job is replaced", async () => {
  await withPool({ spawn: fakeSpawn("leak") }, async (pool) => {
    const answer = await pool.run(shortJob(), { hardDeadlineMs: 10_000 });
    assert.equal(answer.resultJson, '{"version": 1}\n', "the answer still goes out");
    await pool.ready();
    assert.equal(pool.status().restarts, 1);
    assert.match(pool.status().lastRestart!.reason, /kept 5 tensors and 0 variables/);
  });
});

Deno.test("a worker that sends garbage is killed; the job fails as died", async () => {
  await withPool({ spawn: fakeSpawn("garbage") }, async (pool) => {
    await assert.rejects(
      pool.run(shortJob(), { hardDeadlineMs: 10_000 }),
      kind("died", /malformed message/),
    );
  });
});

Deno.test("a worker that cannot start: failed, 503-style errors, retried with backoff", async () => {
  const timers = manualTimers();
  const events: string[] = [];
  let spawns = 0;
  const spawn: WorkerPoolOptions["spawn"] = () => {
    spawns++;
    return new Deno.Command(Deno.execPath(), {
      args: ["eval", "console.error('error: no backend here'); Deno.exit(3)"],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
  };
  await withPool({ spawn, timers, onEvent: (e) => events.push(e.type) }, async (pool) => {
    await assert.rejects(
      pool.ready(),
      kind("unavailable", /could not start: .*code 3.*no backend here/),
    );
    assert.equal(pool.status().state, "failed");
    await assert.rejects(
      pool.run(shortJob(), { hardDeadlineMs: 1000 }),
      kind("unavailable", /could not start; retrying in 1 s/),
    );
    timers.fire(1000);
    await assert.rejects(pool.ready(), kind("unavailable"));
    assert.equal(spawns, 2);
    assert.deepEqual(events, ["start-failed", "start-failed"]);
    timers.fire(2000);
    await assert.rejects(pool.ready(), kind("unavailable"));
    assert.equal(spawns, 3, "1 s, then 2 s");
  });
});
