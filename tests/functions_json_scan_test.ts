import assert from "node:assert/strict";
import {
  CONTAINER_BYTES,
  createJsonScanner,
  MAX_JSON_DEPTH,
  SCALAR_BYTES,
  scanJson,
  STRING_BYTES,
} from "../functions/json_scan.ts";
import { HttpError } from "../functions/problem.ts";

const LIMITS = { maxParseBytes: 1024 * 1024, maxSamples: 10, maxFeatures: 3 };

function refused(status: number, pointer?: string) {
  return (error: unknown) => {
    assert.ok(error instanceof HttpError, String(error));
    assert.equal(error.status, status);
    if (pointer !== undefined) assert.equal(error.errors?.[0].pointer, pointer);
    return true;
  };
}

Deno.test("scanJson: counts what JSON.parse would build and estimates its memory", () => {
  const counts = scanJson('{"a": [1, -2.5e3, true, null], "b": {"c": "x\\"y"}, "é": "ü"}', LIMITS);
  assert.equal(counts.containers, 3);
  assert.equal(counts.scalars, 4);
  assert.equal(counts.strings, 6);
  assert.equal(counts.depth, 2);
  assert.equal(
    counts.parseBytes,
    3 * CONTAINER_BYTES + 4 * SCALAR_BYTES + 6 * STRING_BYTES + counts.stringBytes,
  );
});

Deno.test("scanJson: exactly maxSamples rows of data.x and data.y pass, one more is 422", () => {
  const rows = (n: number) => JSON.stringify(Array.from({ length: n }, () => [1, 2]));
  const labels = (n: number) => JSON.stringify(Array.from({ length: n }, () => 0));
  scanJson(`{"data": {"x": ${rows(10)}, "y": ${labels(10)}}}`, LIMITS);
  assert.throws(
    () => scanJson(`{"data": {"x": ${rows(11)}, "y": []}}`, LIMITS),
    refused(422, "/data/x"),
  );
  assert.throws(
    () => scanJson(`{"data": {"y": ${labels(11)}, "x": []}}`, LIMITS),
    refused(422, "/data/y"),
  );
  // Elsewhere, lists of any length are only counted.
  scanJson(`{"model": {"x": ${rows(50)}}, "x": ${rows(50)}}`, LIMITS);
});

Deno.test("scanJson: a flat data.x may hold maxSamples * maxFeatures numbers", () => {
  const flat = (n: number) => JSON.stringify(Array.from({ length: n }, () => 0.5));
  scanJson(`{"data": {"x": ${flat(30)}, "xShape": [3]}}`, LIMITS);
  assert.throws(() => scanJson(`{"data": {"x": ${flat(31)}}}`, LIMITS), refused(422, "/data/x"));
});

Deno.test("scanJson: data.csv may hold a header and maxSamples non-empty lines", () => {
  const csv = (lines: number, newline = "\\n") =>
    `{"data": {"csv": "a,label${newline}${Array(lines).fill("1,x").join(newline)}${newline}"}}`;
  scanJson(csv(10), LIMITS);
  scanJson(csv(10).replace(/\\n/g, "\\n\\n\\r\\n"), LIMITS);
  assert.throws(() => scanJson(csv(11), LIMITS), refused(422, "/data/csv"));
  assert.throws(() => scanJson(csv(11, "\\u000a"), LIMITS), refused(422, "/data/csv"));
  assert.throws(() => scanJson(csv(11, "\\r"), LIMITS), refused(422, "/data/csv"));
});

Deno.test("scanJson: a body that would cost more than maxParseBytes is 413 before the end", () => {
  const limits = { ...LIMITS, maxParseBytes: 100 * CONTAINER_BYTES };
  scanJson(JSON.stringify(Array.from({ length: 98 }, () => ({}))), limits);
  assert.throws(
    () => scanJson(JSON.stringify(Array.from({ length: 200 }, () => [])), limits),
    (error: unknown) => {
      refused(413)(error);
      assert.match((error as HttpError).message, /LR_FINDER_MAX_PARSE_BYTES/);
      return true;
    },
  );
});

Deno.test("scanJson: nesting deeper than the limit is 422 naming the place", () => {
  const nested = (depth: number) => `{"data": {"x": ${"[".repeat(depth)}${"]".repeat(depth)}}}`;
  scanJson(nested(MAX_JSON_DEPTH - 2), LIMITS);
  assert.throws(
    () => scanJson(nested(MAX_JSON_DEPTH - 1), LIMITS),
    refused(422, `/data/x${"/0".repeat(MAX_JSON_DEPTH - 2)}`),
  );
});

Deno.test("createJsonScanner: the same counts in any chunking, refused in the chunk that crosses", () => {
  const text = JSON.stringify({
    data: { csv: "a,label\n1,é\n2,\\u00e9", x: [[1, 2], [3, 4]] },
    model: [{ type: "dense", units: 4 }],
  });
  const bytes = new TextEncoder().encode(text);
  const whole = scanJson(bytes, LIMITS);
  for (const size of [1, 2, 3, 7]) {
    const scanner = createJsonScanner(LIMITS);
    for (let i = 0; i < bytes.length; i += size) scanner.push(bytes.subarray(i, i + size));
    assert.deepEqual(scanner.counts(), whole, `chunks of ${size}`);
  }
  const scanner = createJsonScanner(LIMITS);
  const rows = new TextEncoder().encode(`{"data": {"x": [${"[1],".repeat(1000)}`);
  assert.throws(() => scanner.push(rows.subarray(0, 60)), refused(422, "/data/x"));
});
