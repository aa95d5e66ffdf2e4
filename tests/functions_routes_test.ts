import assert from "node:assert/strict";
import { HttpError } from "../functions/problem.ts";
import { router } from "../functions/routes.ts";

const answer = (text: string) => () => Promise.resolve(new Response(text));
const route = router({
  "/v1/sweep": { POST: answer("sweep") },
  "/v1/health": { GET: answer("health") },
});

function call(method: string, path: string) {
  return route(new Request(`http://localhost${path}`, { method }));
}

function status(expected: number, check?: (error: HttpError) => void) {
  return (error: unknown) => {
    assert.ok(error instanceof HttpError, String(error));
    assert.equal(error.status, expected);
    check?.(error);
    return true;
  };
}

Deno.test("router: each path's methods; GET also answers HEAD", async () => {
  assert.equal(await (await call("POST", "/v1/sweep")).text(), "sweep");
  assert.equal(await (await call("GET", "/v1/health")).text(), "health");
  assert.equal(await (await call("HEAD", "/v1/health")).text(), "health", "Deno drops the body");
});

Deno.test("router: unknown paths are 404, even the object's own keys", async () => {
  for (const path of ["/nope", "/v1/sweep/", "/__proto__", "/constructor", "/toString"]) {
    await assert.rejects(call("GET", path), status(404), path);
  }
});

Deno.test("router: a method the path lacks is 405 with Allow; OPTIONS is 204 with Allow", async () => {
  await assert.rejects(
    call("GET", "/v1/sweep"),
    status(405, (e) => assert.equal(e.headers.allow, "POST, OPTIONS")),
  );
  await assert.rejects(
    call("DELETE", "/v1/health"),
    status(405, (e) => assert.equal(e.headers.allow, "GET, HEAD, OPTIONS")),
  );
  const options = await call("OPTIONS", "/v1/health");
  assert.equal(options.status, 204);
  assert.equal(options.headers.get("allow"), "GET, HEAD, OPTIONS");
});
