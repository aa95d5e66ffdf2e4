import assert from "node:assert/strict";
import {
  bearerAuth,
  compose,
  cors,
  type Handler,
  type Middleware,
  problemBoundary,
  securityHeaders,
} from "../functions/middleware.ts";
import { HttpError } from "../functions/problem.ts";
import { InputError } from "../src/errors.ts";

const ok: Handler = () => Promise.resolve(new Response("ok"));

function request(headers: Record<string, string> = {}, method = "GET") {
  return new Request("http://localhost/v1/sweep", { method, headers });
}

Deno.test("compose: the first wrapper is outermost, each may change request and response", async () => {
  const order: string[] = [];
  const tag = (name: string): Middleware => async (req, next) => {
    order.push(`${name} in`);
    const response = await next(req);
    order.push(`${name} out`);
    response.headers.append("x-tags", name);
    return response;
  };
  const response = await compose([tag("a"), tag("b")], ok)(request());
  assert.deepEqual(order, ["a in", "b in", "b out", "a out"]);
  assert.equal(response.headers.get("x-tags"), "b, a");
});

Deno.test("problemBoundary: HTTP errors and user mistakes keep their status, bugs are 500", async () => {
  const failing = (error: unknown): Handler => () => Promise.reject(error);
  const teapot = await problemBoundary(request(), failing(new HttpError(418, "no")));
  assert.equal(teapot.status, 418);
  assert.equal(teapot.headers.get("content-type"), "application/problem+json");
  const input = await problemBoundary(request(), failing(new InputError("bad", { field: "a.b" })));
  assert.equal(input.status, 422);
  assert.equal((await input.json()).errors[0].pointer, "/a/b");
  const originalError = console.error;
  console.error = () => {};
  try {
    const bug = await problemBoundary(request(), failing(new TypeError("secret detail")));
    assert.equal(bug.status, 500);
    assert.doesNotMatch(await bug.text(), /secret detail/);
  } finally {
    console.error = originalError;
  }
});

Deno.test("securityHeaders: nosniff and no referrer on every answer", async () => {
  const response = await securityHeaders(request(), ok);
  assert.equal(response.headers.get("x-content-type-options"), "nosniff");
  assert.equal(response.headers.get("referrer-policy"), "no-referrer");
});

Deno.test("cors: only configured origins get the headers; preflights get methods and headers", async () => {
  const wrap = cors(["https://a.example"]);
  const allowed = await wrap(request({ origin: "https://a.example" }), ok);
  assert.equal(allowed.headers.get("access-control-allow-origin"), "https://a.example");
  assert.equal(allowed.headers.get("vary"), "origin");
  assert.equal(allowed.headers.get("access-control-allow-methods"), null);
  const other = await wrap(request({ origin: "https://b.example" }), ok);
  assert.equal(other.headers.get("access-control-allow-origin"), null);
  const preflight = await wrap(request({ origin: "https://a.example" }, "OPTIONS"), ok);
  assert.match(preflight.headers.get("access-control-allow-methods")!, /POST/);
  assert.match(preflight.headers.get("access-control-allow-headers")!, /authorization/);
  const any = await cors(["*"])(request({ origin: "https://b.example" }), ok);
  assert.equal(any.headers.get("access-control-allow-origin"), "*");
  assert.equal(any.headers.get("vary"), null);
  const none = await cors([])(request({ origin: "https://a.example" }), ok);
  assert.equal(none.headers.get("access-control-allow-origin"), null);
});

Deno.test("bearerAuth: the right token passes, a missing or wrong one is 401", async () => {
  const wrap = bearerAuth("s3cret");
  assert.equal((await wrap(request({ authorization: "Bearer s3cret" }), ok)).status, 200);
  assert.equal((await wrap(request({ authorization: "bearer  s3cret " }), ok)).status, 200);
  const headers: Record<string, string>[] = [
    {},
    { authorization: "Bearer s3cre" },
    { authorization: "Basic s3cret" },
  ];
  for (const header of headers) {
    await assert.rejects(wrap(request(header), ok), (error: unknown) => {
      assert.ok(error instanceof HttpError);
      assert.equal(error.status, 401);
      assert.equal(error.headers["www-authenticate"], 'Bearer realm="lr-finder"');
      return true;
    });
  }
  assert.equal((await bearerAuth(undefined)(request(), ok)).status, 200);
});
