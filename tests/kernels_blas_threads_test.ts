import assert from "node:assert/strict";
import { ThreadChooser } from "../src/kernels/blas_threads.ts";

/** Runs `calls` products of `macs` through the chooser with the given ms per thread count. */
function run(chooser: ThreadChooser, macs: number, calls: number, ms: (threads: number) => number) {
  const chosen: number[] = [];
  for (let i = 0; i < calls; i++) {
    const threads = chooser.choose(macs, 1000);
    chosen.push(threads);
    chooser.record(macs, threads, ms(threads));
  }
  return chosen;
}

Deno.test("products below the floor, or with one thread allowed, always get one thread", () => {
  assert.deepEqual(run(new ThreadChooser(4), 999, 5, () => 1), [1, 1, 1, 1, 1]);
  assert.deepEqual(run(new ThreadChooser(1), 1e6, 5, (t) => 1 / t), [1, 1, 1, 1, 1]);
});

Deno.test("each size class times both thread counts, then keeps the faster", () => {
  const chooser = new ThreadChooser(4);
  const fasterWithThreads = run(chooser, 1e6, 40, (t) => (t === 1 ? 2 : 1));
  assert.deepEqual(fasterWithThreads.slice(0, 4), [1, 4, 1, 4], "two samples of each first");
  assert.ok(fasterWithThreads.slice(4).every((t) => t === 4));
  // Another size class learns on its own: here one thread is faster (a busy machine).
  const slowerWithThreads = run(chooser, 64e6, 40, (t) => (t === 1 ? 1 : 10));
  assert.ok(slowerWithThreads.slice(4).every((t) => t === 1));
  assert.ok(run(chooser, 7e5, 5, () => 1).every((t) => t === 4), "same power of two as 1e6");
});

Deno.test("a size class tries the other count now and then, and follows a change of load", () => {
  const chooser = new ThreadChooser(2);
  let busy = false;
  const ms = (t: number) => (t === 1 ? 2 : busy ? 20 : 1);
  assert.equal(run(chooser, 1e6, 100, ms).at(-1), 2);
  busy = true;
  const afterwards = run(chooser, 1e6, 300, ms);
  assert.equal(afterwards.at(-1), 1, "one thread once threads got slow");
  const tries = afterwards.slice(-128).filter((t) => t === 2).length;
  assert.ok(tries >= 1 && tries <= 3, `the slower count is still tried rarely (${tries} of 128)`);
});
