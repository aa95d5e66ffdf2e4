import assert from "node:assert/strict";
import { z } from "zod";
import { InputError } from "../src/errors.ts";
import {
  closestKey,
  ConfigError,
  configIssues,
  strictObject,
  unionForms,
} from "../src/validation.ts";

function issuesOf(schema: z.ZodType, value: unknown) {
  const parsed = schema.safeParse(value, { reportInput: true });
  assert.ok(!parsed.success, "expected the value to be refused");
  return configIssues(parsed.error.issues, value);
}

Deno.test("closestKey: case, separators and a typo or two", () => {
  const known = ["startLr", "endLr", "numIters", "divergeThreshold"];
  assert.equal(closestKey("start_lr", known), "startLr");
  assert.equal(closestKey("numIter", known), "numIters");
  assert.equal(closestKey("divergeTreshold", known), "divergeThreshold");
  assert.equal(closestKey("banana", known), undefined);
});

Deno.test("strictObject: each unknown key is its own issue with a hint", () => {
  const schema = strictObject({ alpha: z.number().optional(), beta: z.number().optional() });
  assert.deepEqual(issuesOf(schema, { alpa: 1, zzz: 2 }), [
    { path: "alpa", message: 'unknown key, did you mean "alpha"?' },
    { path: "zzz", message: "unknown key; expected one of alpha, beta" },
  ]);
  const owned = strictObject({ name: z.literal("sgd"), learningRate: z.number() }, "sgd");
  assert.deepEqual(issuesOf(owned, { name: "sgd", learningRate: 1, momentum: 0.9 }), [
    { path: "momentum", message: "not a parameter of sgd; sgd takes learningRate" },
  ]);
});

Deno.test("configIssues: dotted paths and plain messages", () => {
  const schema = z.object({ sweep: z.object({ runs: z.int().min(1), items: z.array(z.int()) }) });
  assert.deepEqual(issuesOf(schema, { sweep: { runs: 0, items: [1, "a"] } }), [
    { path: "sweep.runs", message: "must be at least 1, got 0" },
    { path: "sweep.items[1]", message: 'expected a number, got "a"' },
  ]);
});

Deno.test("unions: the branch the input meant, its own forms, or the types expected", () => {
  const forms = z.union(
    [strictObject({ x: z.string() }), strictObject({ csv: z.string() })],
    unionForms("expected one of {x}, {csv}"),
  );
  assert.deepEqual(issuesOf(z.object({ data: forms }), { data: { csv: 3 } }), [
    { path: "data.csv", message: "expected a string, got 3" },
  ]);
  assert.deepEqual(issuesOf(z.object({ data: forms }), { data: { y: 1 } }), [
    { path: "data", message: "expected one of {x}, {csv}, got an object with keys y" },
  ]);
  assert.deepEqual(issuesOf(z.object({ data: forms }), {}), [
    { path: "data", message: "is missing, expected one of {x}, {csv}" },
  ]);
  const size = z.union([z.int().min(1), z.tuple([z.int().min(1)])]);
  assert.deepEqual(issuesOf(z.object({ kernelSize: size }), { kernelSize: "3" }), [
    { path: "kernelSize", message: 'expected a number or an array, got "3"' },
  ]);
});

Deno.test("ConfigError: one line, or a count and one line per problem", () => {
  const one = new ConfigError(
    [{ path: "sweep.endLr", message: "must be greater than 1" }],
    "c.json",
  );
  assert.ok(one instanceof InputError);
  assert.equal(one.message, "c.json: sweep.endLr: must be greater than 1");
  assert.equal(one.field, "sweep.endLr");
  const two = new ConfigError([
    { path: "a", message: "is missing" },
    { path: "", message: "expected a JSON object" },
  ]);
  assert.equal(
    two.message,
    "the config has 2 problems:\n  a: is missing\n  expected a JSON object",
  );
});
