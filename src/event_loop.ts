/**
 * Letting the event loop run during long synchronous-looking training loops, so that timers,
 * signal handlers, aborts and streaming I/O are not held up until the loop ends.
 * @module
 */

/**
 * How often a training loop lets the event loop run timers, signal handlers and I/O: reading a
 * loss on the CPU backends resolves as a microtask only, so without this a Ctrl-C handler or a
 * timer that aborts the sweep would wait for the whole sweep.
 */
export const YIELD_EVERY_MS = 100;

/**
 * One turn of the event loop through a timer (about 2 ms here). A `MessageChannel` message is 40
 * times cheaper but does not let Deno poll network I/O, so a streaming HTTP response would stall.
 */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** A function to call every step: it yields to the event loop once per {@linkcode YIELD_EVERY_MS}. */
export function createYielder(): () => Promise<void> {
  let last = performance.now();
  return async () => {
    if (performance.now() - last < YIELD_EVERY_MS) return;
    await yieldToEventLoop();
    last = performance.now();
  };
}
