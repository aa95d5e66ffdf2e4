import assert from "node:assert/strict";
import { encodeEvent, progressData } from "../functions/sse.ts";

Deno.test("encodeEvent: one data line per line, joined back unchanged", () => {
  assert.equal(encodeEvent("progress", '{"a":1}'), 'event: progress\ndata: {"a":1}\n\n');
  const text = '{\n  "a": 1\n}\n';
  const event = encodeEvent("result", text);
  assert.equal(event, 'event: result\ndata: {\ndata:   "a": 1\ndata: }\n\n');
  const data = event.split("\n").filter((l) => l.startsWith("data: ")).map((l) => l.slice(6));
  assert.equal(`${data.join("\n")}\n`, text);
  assert.equal(encodeEvent("x", "a\r\nb"), "event: x\ndata: a\ndata: b\n\n");
  assert.throws(() => encodeEvent("bad\nname", ""));
});

Deno.test("progressData: the step's numbers, non-finite losses as null", () => {
  const progress = {
    run: 0,
    runs: 1,
    step: 4,
    numIters: 10,
    lr: 0.01,
    loss: NaN,
    smoothed: Infinity,
    elapsedMs: 12,
  };
  assert.deepEqual(JSON.parse(progressData(progress)), {
    run: 0,
    runs: 1,
    step: 4,
    numIters: 10,
    lr: 0.01,
    loss: null,
    smoothed: null,
  });
  assert.equal(JSON.parse(progressData({ ...progress, loss: 1.5 })).loss, 1.5);
});
