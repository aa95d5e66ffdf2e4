import assert from "node:assert/strict";
import { createProgressBar } from "../src/cli/progress.ts";
import type { SweepProgress } from "../src/sweep.ts";
import type { VerifyProgress } from "../src/sweep_options.ts";

function terminal(isTTY = true) {
  const chunks: string[] = [];
  return { chunks, stream: { isTTY, write: (text: string) => chunks.push(text) } };
}

/** A step of a 100-step sweep from 1e-7 to 10 whose raw loss differs from the smoothed one. */
function step(step: number, extra: Partial<SweepProgress> = {}): SweepProgress {
  return {
    run: 0,
    runs: 1,
    step,
    numIters: 100,
    lr: 1e-7 * 1e8 ** (step / 99),
    loss: 99,
    smoothed: 2.302585,
    elapsedMs: 10 * step,
    ...extra,
  };
}

/** Every state of the bar as drawn: the text between the terminal's control sequences. */
function drawnLines(chunks: string[]): string[] {
  // deno-lint-ignore no-control-regex
  const text = chunks.join("").replace(/\x1b(\[[0-9;?]*[A-Za-z]|[78])/g, "\n");
  return text.split(/[\r\n]/).filter((line) => / step \d+\//.test(line));
}

/** What the bar shows once it has been fed `steps`: the last line it drew. */
function shownAfter(steps: SweepProgress[]): string {
  const { chunks, stream } = terminal();
  const bar = createProgressBar({ stream });
  for (const progress of steps) bar.update(progress);
  bar.stop();
  return drawnLines(chunks).at(-1) ?? "";
}

/** Steps 0 to `last` of a sweep, the last one with `extra`. */
function stepsUpTo(last: number, extra: Partial<SweepProgress> = {}): SweepProgress[] {
  return Array.from({ length: last + 1 }, (_, k) => step(k, k === last ? extra : {}));
}

Deno.test("at the first step the bar shows step 1, the start rate and the smoothed loss", () => {
  const shown = shownAfter(stepsUpTo(0));
  assert.match(shown, /\b1% \| step 1\/100 \| lr 1\.0e-7 \| loss 2\.303 \| ETA \d+s$/);
});

Deno.test("mid-sweep the bar shows the latest step's number, rate and smoothed loss", () => {
  const shown = shownAfter(stepsUpTo(49, { lr: 9.11e-4, loss: 0.3, smoothed: 0.22049 }));
  assert.match(shown, /\b50% \| step 50\/100 \| lr 9\.1e-4 \| loss 0\.2205 \| ETA \d+s$/);
  assert.doesNotMatch(shown, /loss 0\.3/, "the smoothed loss, not the raw one");
});

Deno.test("at the last step the bar shows 100%, the end rate and the smoothed loss", () => {
  const shown = shownAfter(stepsUpTo(99, { smoothed: 51.84 }));
  assert.match(shown, /\b100% \| step 100\/100 \| lr 1\.0e\+1 \| loss 51\.84 \| ETA 0s$/);
});

Deno.test("a loss that is not finite shows as n/a", () => {
  const shown = shownAfter(stepsUpTo(20, { loss: NaN, smoothed: NaN }));
  assert.match(shown, /\| step 21\/100 \| lr \d\.\de-\d \| loss n\/a \|/);
});

Deno.test("with several runs the bar counts all their steps and names the run", () => {
  const first = shownAfter([step(0, { runs: 3 })]);
  assert.match(first, /\b0% \| run 1\/3 step 1\/100 \| lr 1\.0e-7 \|/);
  const later = shownAfter([step(9, { run: 1, runs: 3, lr: 2.5e-6, smoothed: 1.5 })]);
  assert.match(later, /\b36% \| run 2\/3 step 10\/100 \| lr 2\.5e-6 \| loss 1\.500 \|/);
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

Deno.test("a bar stopped before any step draws nothing; stop twice is harmless", () => {
  const { chunks, stream } = terminal();
  const bar = createProgressBar({ stream });
  bar.stop();
  assert.deepEqual(drawnLines(chunks), []);
  bar.update(step(0));
  bar.stop();
  bar.stop();
  assert.equal(drawnLines(chunks).length, 1);
  assert.match(drawnLines(chunks)[0], /step 1\/100/);
});

/** A training step of verification: trial `trial` of 6 at its `step`, `done` of 841 planned. */
function trialStep(trial: number, step: number, done: number): VerifyProgress {
  return { lr: 10 ** (-5 + trial / 2), trial, trials: 6, step, done, planned: 841 };
}

Deno.test("after the sweep, a second bar shows verification: candidate, steps and rate", () => {
  const { chunks, stream } = terminal();
  const bar = createProgressBar({ stream });
  for (const progress of stepsUpTo(99)) bar.update(progress);
  bar.verify(trialStep(0, 1, 1));
  const first = drawnLines(chunks).at(-1)!;
  assert.match(first, /\b0% \| verifying 1\/6 candidates, step 1\/841 \| lr 1\.0e-5 \| ETA/);
  for (let done = 2; done <= 421; done++) bar.verify(trialStep(2, done - 136, done));
  bar.stop();
  const lines = drawnLines(chunks);
  assert.match(lines.at(-1)!, /\b50% \| verifying 3\/6 candidates, step 421\/841 \| lr 1\.0e-4 \|/);
  // The sweep's bar was drawn, then replaced by verification's.
  const sweepEnd = lines.findLastIndex((l) => / step 100\/100 /.test(l));
  const verifyStart = lines.findIndex((l) => /verifying/.test(l));
  assert.ok(sweepEnd >= 0 && sweepEnd < verifyStart, `${sweepEnd} < ${verifyStart}`);
  assert.ok(lines.slice(verifyStart).every((l) => /verifying/.test(l)));
});

Deno.test("verification's bar draws nothing when piped or quiet", () => {
  for (const [isTTY, quiet] of [[false, false], [true, true]]) {
    const { chunks, stream } = terminal(isTTY);
    const bar = createProgressBar({ stream, quiet });
    bar.verify(trialStep(0, 1, 1));
    bar.stop();
    assert.deepEqual(chunks, []);
  }
});
