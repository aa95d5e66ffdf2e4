import assert from "node:assert/strict";
import { createProgressBar } from "../src/cli/progress.ts";
import type { SweepProgress } from "../src/sweep.ts";

function terminal(isTTY = true) {
  const chunks: string[] = [];
  return { chunks, stream: { isTTY, write: (text: string) => chunks.push(text) } };
}

function step(step: number, extra: Partial<SweepProgress> = {}): SweepProgress {
  return {
    run: 0,
    runs: 1,
    step,
    numIters: 10,
    lr: 1e-5 * 10 ** (step / 3),
    loss: 2 - step / 10,
    smoothed: 2.25 - step / 10,
    elapsedMs: 10 * step,
    ...extra,
  };
}

Deno.test("the bar shows step, learning rate, smoothed loss and ETA on a terminal", () => {
  const { chunks, stream } = terminal();
  const bar = createProgressBar({ stream });
  for (let s = 0; s < 10; s++) bar.update(step(s));
  bar.stop();
  const text = chunks.join("");
  assert.match(text, /10% \| step 1\/10 \| lr 1\.0e-5 \| loss 2\.250 \| ETA \d+s/);
  assert.match(text, /100% \| step 10\/10 \| lr 1\.0e-2 \| loss 1\.350 \| ETA 0s/);
});

Deno.test("with several runs the bar counts all their steps and names the run", () => {
  const { chunks, stream } = terminal();
  const bar = createProgressBar({ stream });
  bar.update(step(0, { run: 1, runs: 2 }));
  bar.stop();
  assert.match(chunks.join(""), /55% \| run 2\/2 step 1\/10 \|/);
});

Deno.test("nothing is drawn when the stream is not a terminal or with quiet", () => {
  const piped = terminal(false);
  const bar = createProgressBar({ stream: piped.stream });
  for (let s = 0; s < 10; s++) bar.update(step(s));
  bar.stop();
  assert.deepEqual(piped.chunks, []);
  const quiet = terminal(true);
  const silent = createProgressBar({ stream: quiet.stream, quiet: true });
  silent.update(step(0));
  silent.stop();
  assert.deepEqual(quiet.chunks, []);
});

Deno.test("stop before any step and stop twice are harmless", () => {
  const { chunks, stream } = terminal();
  const bar = createProgressBar({ stream });
  bar.stop();
  bar.update(step(0));
  bar.stop();
  bar.stop();
  assert.ok(chunks.length > 0);
});
