import assert from "node:assert/strict";
import {
  bodyLimit,
  bodyOf,
  decodeUtf8,
  MAX_JSON_DEPTH,
  parseJsonBody,
  readBody,
} from "../functions/body.ts";
import { HttpError } from "../functions/problem.ts";

/** A request whose body is streamed in chunks, counting how many were pulled. */
function streamedRequest(chunks: Uint8Array[], headers: Record<string, string> = {}) {
  let pulled = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (pulled === chunks.length) controller.close();
      else controller.enqueue(chunks[pulled++]);
    },
  }, { highWaterMark: 0 });
  const request = new Request("http://localhost/v1/sweep", { method: "POST", body, headers });
  return { request, pulled: () => pulled };
}

function status(expected: number, detail?: RegExp) {
  return (error: unknown) => {
    assert.ok(error instanceof HttpError, String(error));
    assert.equal(error.status, expected);
    if (detail) assert.match(error.message, detail);
    return true;
  };
}

const LIMITS = { maxBytes: 100, timeoutMs: 60_000 };

async function readBodyText(request: Request, maxBytes: number): Promise<string> {
  return decodeUtf8(await readBody(request, { ...LIMITS, maxBytes }));
}

Deno.test("readBody: the bytes of a body within the limit", async () => {
  const request = new Request("http://localhost/", { method: "POST", body: '{"a": "é"}' });
  assert.equal(await readBodyText(request, 100), '{"a": "é"}');
});

Deno.test("readBody: exactly the limit is read, one byte more is 413", async () => {
  const exact = new Request("http://localhost/", { method: "POST", body: "x".repeat(100) });
  assert.equal((await readBody(exact, LIMITS)).length, 100);
  const over = new Request("http://localhost/", { method: "POST", body: "x".repeat(101) });
  await assert.rejects(readBody(over, LIMITS), status(413, /than the limit of 100 bytes/));
});

Deno.test("readBody: a body that does not arrive in time is 408 and closes the connection", async () => {
  const stalled = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new Uint8Array(5));
    },
  });
  const request = new Request("http://localhost/", { method: "POST", body: stalled });
  await assert.rejects(readBody(request, { maxBytes: 100, timeoutMs: 20 }), (error: unknown) => {
    status(408, /did not arrive within 20 ms \(5 bytes came\)/)(error);
    assert.equal((error as HttpError).headers.connection, "close");
    return true;
  });
});

Deno.test("readBody: an inspector sees each chunk and can stop the reading", async () => {
  const chunks = Array.from({ length: 50 }, () => new Uint8Array(10));
  const { request, pulled } = streamedRequest(chunks);
  let seen = 0;
  const inspect = () => {
    if (++seen === 3) throw new HttpError(422, "enough");
  };
  await assert.rejects(readBody(request, { ...LIMITS, maxBytes: 1000, inspect }), status(422));
  assert.ok(pulled() <= 4, `${pulled()} chunks read`);
});

Deno.test("bodyLimit: the handler gets the bytes; too many bodies at once is 503", async () => {
  const release = Promise.withResolvers<void>();
  const limit = bodyLimit({ ...LIMITS, maxConcurrent: 1 });
  const slow = new ReadableStream<Uint8Array>({
    async pull(controller) {
      await release.promise;
      controller.enqueue(new TextEncoder().encode("{}"));
      controller.close();
    },
  });
  const first = limit(
    new Request("http://localhost/", { method: "POST", body: slow }),
    (request) => Promise.resolve(new Response(decodeUtf8(bodyOf(request)))),
  );
  await assert.rejects(
    limit(new Request("http://localhost/", { method: "POST", body: "{}" }), () => {
      throw new Error("not reached");
    }),
    (error: unknown) => {
      status(503, /receiving 1 other request bodies/)(error);
      assert.equal((error as HttpError).headers["retry-after"], "1");
      return true;
    },
  );
  release.resolve();
  assert.equal(await (await first).text(), "{}");
});

Deno.test("readBody: a declared Content-Length over the limit is refused unread", async () => {
  const chunk = new Uint8Array(10);
  const { request, pulled } = streamedRequest([chunk, chunk], { "content-length": "20" });
  await assert.rejects(readBodyText(request, 15), status(413, /declares 20 bytes .* 15 bytes/));
  assert.equal(pulled(), 0);
});

Deno.test("readBody: a streamed body stops being read once over the limit", async () => {
  const chunks = Array.from({ length: 100 }, () => new Uint8Array(10));
  const { request, pulled } = streamedRequest(chunks);
  await assert.rejects(readBodyText(request, 25), status(413, /LR_FINDER_MAX_BODY_BYTES/));
  assert.ok(pulled() <= 4, `${pulled()} chunks read`);
});

Deno.test("readBody: empty and non-UTF-8 bodies are 400", async () => {
  await assert.rejects(
    readBodyText(new Request("http://localhost/", { method: "POST" }), 10),
    status(400, /empty/),
  );
  await assert.rejects(
    readBodyText(new Request("http://localhost/", { method: "POST", body: "" }), 10),
    status(400, /empty/),
  );
  const bad = new Request("http://localhost/", { method: "POST", body: new Uint8Array([0xff]) });
  await assert.rejects(readBodyText(bad, 10), status(400, /UTF-8/));
});

Deno.test("parseJsonBody: malformed JSON is 400 with the line and column", () => {
  assert.deepEqual(parseJsonBody('{"a": [1, 2]}'), { a: [1, 2] });
  assert.throws(
    () => parseJsonBody('{\n  "a": 1,\n}'),
    status(400, /^request body:3:1: invalid JSON/),
  );
  assert.throws(() => parseJsonBody("nope"), status(400, /^request body:1:2: invalid JSON/));
});

Deno.test("parseJsonBody: nesting deeper than the limit is 422 naming the place", () => {
  const nested = (depth: number) => `{"data": {"x": ${"[".repeat(depth)}${"]".repeat(depth)}}}`;
  parseJsonBody(nested(MAX_JSON_DEPTH - 2));
  assert.throws(() => parseJsonBody(nested(MAX_JSON_DEPTH - 1)), (error: unknown) => {
    status(422)(error);
    const http = error as HttpError;
    assert.equal(http.errors![0].path, `data.x${"[0]".repeat(MAX_JSON_DEPTH - 2)}`);
    return true;
  });
  assert.throws(() => parseJsonBody("[".repeat(100_000) + "]".repeat(100_000)), status(422));
});

Deno.test("parseJsonBody: a __proto__ key anywhere is 422", () => {
  assert.throws(() => parseJsonBody('{"model": [{"__proto__": {"x": 1}}]}'), (error: unknown) => {
    status(422, /model\[0\].__proto__: the key __proto__ is not allowed/)(error);
    assert.equal((error as HttpError).errors![0].pointer, "/model/0/__proto__");
    return true;
  });
  assert.equal(({} as Record<string, unknown>).x, undefined);
});
