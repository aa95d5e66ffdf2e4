import assert from "node:assert/strict";
import { configJsonSchemaText } from "../schema/generate.ts";

Deno.test("schema: the committed JSON Schema is up to date (run `deno task schema`)", async () => {
  const committed = await Deno.readTextFile(
    new URL("../schema/lr-finder.schema.json", import.meta.url),
  );
  assert.equal(
    committed,
    configJsonSchemaText(),
    "schema/lr-finder.schema.json is out of date: run deno task schema",
  );
});

Deno.test("schema: the JSON Schema describes the input: defaults, enums, strict objects", () => {
  const schema = JSON.parse(configJsonSchemaText());
  assert.equal(schema.$schema, "https://json-schema.org/draft/2020-12/schema");
  assert.deepEqual(schema.required, ["model", "data"]);
  assert.equal(schema.additionalProperties, false);
  assert.equal(schema.properties.sweep.properties.startLr.default, 1e-7);
  assert.equal(schema.properties.batchSize.default, 64);
  assert.ok(schema.properties.loss.enum.includes("sparse_categorical_crossentropy"));
  assert.equal(schema.properties.data.properties.train.anyOf.length, 5);
  const [spec, name] = schema.properties.optimizer.anyOf;
  assert.equal(spec.oneOf.length, 7, "an object per optimizer");
  assert.equal(name.enum.length, 7, "or the optimizer's name");
  assert.equal(schema.properties.verify.default, true);
  const [flag, options] = schema.properties.verify.anyOf;
  assert.equal(flag.type, "boolean");
  assert.equal(options.additionalProperties, false);
  assert.equal(options.properties.candidates.minimum, 2);
});
