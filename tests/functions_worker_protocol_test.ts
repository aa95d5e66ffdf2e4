import assert from "node:assert/strict";
import { DEFAULT_LIMITS } from "../functions/limits.ts";
import { parseSweepRequest } from "../functions/request.ts";
import {
  datasetOf,
  encodeFrame,
  jobFrame,
  readFrames,
  type WireJob,
} from "../functions/worker_protocol.ts";
import { smallRequest } from "./functions_server.ts";

function streamOf(bytes: Uint8Array, chunk: number): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(offset, offset + chunk));
      offset += chunk;
    },
  });
}

async function collect<T>(stream: ReadableStream<Uint8Array>, max?: number) {
  const frames = [];
  for await (const frame of readFrames<T>(stream, max)) frames.push(frame);
  return frames;
}

Deno.test("frames round-trip in any chunking, attachments byte for byte", async () => {
  const a = encodeFrame({ type: "x", n: 1 }, [new Uint8Array([1, 2, 3]), new Uint8Array(0)]);
  const b = encodeFrame({ type: "y", text: "é\n" });
  const both = new Uint8Array([...a, ...b]);
  for (const chunk of [1, 5, 64, both.length]) {
    const frames = await collect<{ type: string }>(streamOf(both, chunk));
    assert.deepEqual(frames.map((f) => f.message), [{ type: "x", n: 1 }, {
      type: "y",
      text: "é\n",
    }]);
    assert.deepEqual(frames[0].attachments.map((x) => [...x]), [[1, 2, 3], []]);
    assert.deepEqual(frames[1].attachments, []);
  }
});

Deno.test("a frame over the limit or a stream cut inside a frame is an error", async () => {
  const frame = encodeFrame({ type: "x" }, [new Uint8Array(100)]);
  await assert.rejects(
    collect(streamOf(frame, 10), 50),
    /a frame of \d+ bytes is over the limit of 50/,
  );
  await assert.rejects(
    collect(streamOf(frame.slice(0, 20), 10)),
    /the stream ended inside a frame/,
  );
});

Deno.test("a job carries the data's typed arrays and everything the worker needs", () => {
  const job = parseSweepRequest(smallRequest(), DEFAULT_LIMITS);
  const budget = { maxParams: 10, maxStepBytes: 20, maxStepFlops: 30 };
  const frame = jobFrame(7, job, { format: "png", budget });
  const wire = (frame.message as { job: WireJob }).job;
  assert.equal(frame.message.id, 7);
  assert.equal(wire.format, "png");
  assert.deepEqual(wire.budget, budget);
  assert.deepEqual(wire.options, job.options);
  assert.deepEqual(wire.topology, job.topology);
  const decoded = JSON.parse(new TextDecoder().decode(encodeFrame(frame.message).slice(8)));
  const data = datasetOf(decoded.message.job, frame.attachments);
  assert.deepEqual(data, job.data);
  assert.ok(data.x instanceof Float32Array && data.y instanceof Int32Array);
  assert.throws(() => datasetOf(wire, []), /needs the x and y arrays/);
});
