import assert from "node:assert/strict";
import { createYielder, YIELD_EVERY_MS } from "../src/event_loop.ts";

Deno.test("the yielder lets a timer run during a busy loop", async () => {
  const yieldNow = createYielder();
  let fired = false;
  setTimeout(() => (fired = true), 0);
  const until = performance.now() + 3 * YIELD_EVERY_MS;
  while (!fired && performance.now() < until) await yieldNow();
  assert.ok(fired, "a timer fired before the loop gave up");
});
