import assert from "node:assert/strict";
import { BACKEND_REQUESTS, RULE_NAMES, STOP_REASONS, SUGGEST_METHODS } from "../src/vocabulary.ts";
import { isBackendRequest } from "../src/backend.ts";

Deno.test("the suggest values are auto and every rule, in the rules' order", () => {
  assert.deepEqual(SUGGEST_METHODS, ["auto", ...RULE_NAMES]);
  assert.deepEqual(RULE_NAMES, ["valley", "steepest", "minimum", "slide", "combined"]);
  assert.equal(new Set(SUGGEST_METHODS).size, SUGGEST_METHODS.length);
});

Deno.test("stop reasons are the five of the result contract", () => {
  assert.deepEqual(STOP_REASONS, ["completed", "diverged", "non-finite", "time-budget", "aborted"]);
});

Deno.test("the backend guard accepts exactly the listed requests", () => {
  for (const name of BACKEND_REQUESTS) assert.ok(isBackendRequest(name), name);
  assert.equal(isBackendRequest("gpu"), false);
});
