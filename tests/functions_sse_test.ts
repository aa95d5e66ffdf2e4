import assert from "node:assert/strict";
import { encodeEvent, eventStream, progressData, verifyData } from "../functions/sse.ts";

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

Deno.test("verifyData: the trial, its rate and step, and verification's steps done and planned", () => {
  const progress = { lr: 0.001, trial: 2, trials: 6, step: 40, done: 250, planned: 879 };
  assert.equal(
    verifyData(progress),
    '{"trial":2,"trials":6,"lr":0.001,"step":40,"done":250,"planned":879}',
  );
});

Deno.test("eventStream: the response starts at the first event and ends with the producer", async () => {
  const response = await eventStream(async (sink) => {
    sink.send("progress", "1");
    await Promise.resolve();
    sink.send("result", '{"a":\n1}');
  }, { errorEvent: () => "unused" });
  assert.equal(response.headers.get("content-type"), "text/event-stream; charset=utf-8");
  assert.equal(response.headers.get("cache-control"), "no-store");
  assert.equal(
    await response.text(),
    'event: progress\ndata: 1\n\nevent: result\ndata: {"a":\ndata: 1}\n\n',
  );
});

Deno.test("eventStream: a failure before the first event is thrown; after it, an error event", async () => {
  await assert.rejects(
    eventStream(() => Promise.reject(new Error("busy")), { errorEvent: () => "unused" }),
    /busy/,
  );
  const response = await eventStream(async (sink) => {
    sink.send("progress", "1");
    await Promise.resolve();
    throw new Error("worker died");
  }, { errorEvent: (error) => JSON.stringify({ detail: (error as Error).message }) });
  assert.equal(
    await response.text(),
    'event: progress\ndata: 1\n\nevent: error\ndata: {"detail":"worker died"}\n\n',
  );
});

Deno.test("eventStream: a client that cancels aborts the producer's signal", async () => {
  const aborted = Promise.withResolvers<unknown>();
  const response = await eventStream(async (sink) => {
    sink.send("progress", "1");
    sink.signal.addEventListener("abort", () => aborted.resolve(sink.signal.reason));
    await aborted.promise;
    sink.send("progress", "ignored once the client is gone");
  }, { errorEvent: () => "unused" });
  const reader = response.body!.getReader();
  await reader.read();
  await reader.cancel();
  const reason = await aborted.promise;
  assert.ok(reason instanceof DOMException && reason.name === "AbortError");
});
