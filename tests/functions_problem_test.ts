import assert from "node:assert/strict";
import {
  fieldProblem,
  HttpError,
  jsonPointer,
  problemDetails,
  problemResponse,
  toHttpError,
} from "../functions/problem.ts";
import { ConfigError } from "../src/validation.ts";
import { InputError } from "../src/errors.ts";

Deno.test("jsonPointer: dotted paths with indices become JSON Pointers", () => {
  assert.equal(jsonPointer(""), "");
  assert.equal(jsonPointer("sweep.endLr"), "/sweep/endLr");
  assert.equal(jsonPointer("data.x[3][1]"), "/data/x/3/1");
  assert.equal(jsonPointer("model[0].units"), "/model/0/units");
  assert.equal(jsonPointer("a/b.c~d"), "/a~1b/c~0d");
});

Deno.test("problemResponse: RFC 9457 body, status and headers", async () => {
  const response = problemResponse(
    new HttpError(429, "busy", { headers: { "retry-after": "3" } }),
  );
  assert.equal(response.status, 429);
  assert.equal(response.headers.get("content-type"), "application/problem+json");
  assert.equal(response.headers.get("retry-after"), "3");
  assert.deepEqual(await response.json(), {
    type: "about:blank",
    title: "Too Many Requests",
    status: 429,
    detail: "busy",
  });
  assert.deepEqual(problemDetails(422, "bad", [fieldProblem("a.b", "wrong")]).errors, [
    { path: "a.b", pointer: "/a/b", detail: "wrong" },
  ]);
  assert.equal(problemDetails(422, "bad", []).errors, undefined);
});

Deno.test("toHttpError: user mistakes are 422 with their fields, bugs are not mapped", () => {
  const passed = new HttpError(413, "too large");
  assert.equal(toHttpError(passed), passed);

  const one = toHttpError(new ConfigError([{ path: "sweep.endLr", message: "too small" }]))!;
  assert.equal(one.status, 422);
  assert.equal(one.message, "sweep.endLr: too small");
  assert.deepEqual(one.errors, [{
    path: "sweep.endLr",
    pointer: "/sweep/endLr",
    detail: "too small",
  }]);

  const two = toHttpError(
    new ConfigError([{ path: "a", message: "x" }, { path: "", message: "y" }]),
  )!;
  assert.equal(two.message, "the request has 2 problems:\n  a: x\n  y");
  assert.equal(two.errors!.length, 2);

  const input = toHttpError(new InputError("data.x[2] must be a number", { field: "data.x" }))!;
  assert.equal(input.status, 422);
  assert.equal(input.message, "data.x[2] must be a number");
  assert.deepEqual(input.errors?.map((e) => e.pointer), ["/data/x"]);
  assert.equal(toHttpError(new InputError("no field"))!.errors, undefined);

  assert.equal(toHttpError(new TypeError("bug")), undefined);
  assert.equal(toHttpError("text"), undefined);
});
