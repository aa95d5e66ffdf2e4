import assert from "node:assert/strict";
import { createSweepQueue, QueueFullError } from "../functions/queue.ts";

function gate() {
  const { promise, resolve } = Promise.withResolvers<void>();
  return { promise, open: () => resolve() };
}

Deno.test("SweepQueue: one task at a time, in arrival order", async () => {
  const queue = createSweepQueue({ maxWaiting: 4 });
  const order: string[] = [];
  const first = gate();
  const a = queue.run(async () => {
    order.push("a start");
    await first.promise;
    order.push("a end");
  });
  const b = queue.run(() => {
    order.push("b");
    return Promise.resolve("b result");
  });
  const c = queue.run(() => {
    order.push("c");
    return Promise.reject(new Error("c failed"));
  });
  const d = queue.run(() => Promise.resolve(order.push("d")));
  assert.equal(queue.busy, true);
  assert.equal(queue.waiting, 3);
  first.open();
  await a;
  assert.equal(await b, "b result");
  await assert.rejects(c, /c failed/);
  await d;
  assert.deepEqual(order, ["a start", "a end", "b", "c", "d"]);
  assert.equal(queue.busy, false);
  assert.equal(queue.waiting, 0);
});

Deno.test("SweepQueue: beyond maxWaiting a task is refused at once with a retry estimate", async () => {
  const queue = createSweepQueue({ maxWaiting: 1, initialTaskSeconds: 2 });
  const hold = gate();
  const running = queue.run(() => hold.promise);
  const waiting = queue.run(() => Promise.resolve());
  await assert.rejects(queue.run(() => Promise.resolve()), (error: unknown) => {
    assert.ok(error instanceof QueueFullError);
    assert.equal(error.retryAfterSeconds, 4);
    return true;
  });
  assert.equal(queue.waiting, 1);
  hold.open();
  await running;
  await waiting;
});

Deno.test("SweepQueue: a waiting task whose signal aborts leaves the queue", async () => {
  const queue = createSweepQueue({ maxWaiting: 2 });
  const hold = gate();
  const running = queue.run(() => hold.promise);
  const abort = new AbortController();
  let ran = false;
  const waiting = queue.run(() => Promise.resolve(ran = true), { signal: abort.signal });
  assert.equal(queue.waiting, 1);
  abort.abort(new Error("client gone"));
  await assert.rejects(waiting, /client gone/);
  assert.equal(queue.waiting, 0);
  hold.open();
  await running;
  assert.equal(ran, false);
  assert.equal(queue.busy, false);
});

Deno.test("SweepQueue: admit refuses at once when a task arriving now would be", async () => {
  const queue = createSweepQueue({ maxWaiting: 1 });
  queue.admit();
  const release = Promise.withResolvers<void>();
  const running = queue.run(() => release.promise);
  queue.admit();
  const waiting = queue.run(() => Promise.resolve());
  assert.throws(() => queue.admit(), QueueFullError);
  release.resolve();
  await running;
  await waiting;
  queue.admit();
});
