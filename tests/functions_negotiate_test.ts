import assert from "node:assert/strict";
import { isJsonContentType, negotiateFormat } from "../functions/negotiate.ts";

Deno.test("negotiateFormat: JSON by default, the client's preference otherwise", () => {
  assert.equal(negotiateFormat(null), "json");
  assert.equal(negotiateFormat(""), "json");
  assert.equal(negotiateFormat("*/*"), "json");
  assert.equal(negotiateFormat("application/json"), "json");
  assert.equal(negotiateFormat("image/svg+xml"), "svg");
  assert.equal(negotiateFormat("image/png"), "png");
  assert.equal(negotiateFormat("image/*"), "svg");
  assert.equal(negotiateFormat("text/event-stream"), "events");
  assert.equal(negotiateFormat("application/json;q=0.5, image/png"), "png");
  assert.equal(negotiateFormat("text/html, */*;q=0.1"), "json");
  assert.equal(negotiateFormat("text/html"), undefined);
  assert.equal(negotiateFormat("image/png;q=0"), undefined);
});

Deno.test("isJsonContentType: application/json and +json, with parameters", () => {
  assert.ok(isJsonContentType("application/json"));
  assert.ok(isJsonContentType("Application/JSON; charset=utf-8"));
  assert.ok(isJsonContentType("application/vnd.api+json"));
  assert.ok(!isJsonContentType(null));
  assert.ok(!isJsonContentType("text/plain"));
  assert.ok(!isJsonContentType("application/x-www-form-urlencoded"));
  assert.ok(!isJsonContentType("text/json-ish"));
});
