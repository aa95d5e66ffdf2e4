import assert from "node:assert/strict";
import { booleanInput, INPUT_DEFAULTS, readInputs } from "../action/inputs.ts";
import { InputError } from "../src/errors.ts";

function from(values: Record<string, string>) {
  return (name: string) => values[name];
}

Deno.test("readInputs splits configs by line and applies action.yml's defaults", () => {
  const inputs = readInputs(from({ config: " a.json\n\n  b/c.json \r\n", "github-token": "t" }));
  assert.deepEqual(inputs, {
    configs: ["a.json", "b/c.json"],
    backend: "auto",
    requireGpu: false,
    token: "t",
    comment: true,
    imageBranch: "lr-finder-assets",
    failOnError: true,
    mode: "sweep",
    resultsDir: "lr-finder-results",
    expectedNames: [],
    retention: 10,
  });
  assert.deepEqual(readInputs(from({})).configs, [INPUT_DEFAULTS.config]);
  assert.equal(readInputs(from({})).token, "");
});

Deno.test("an empty image-branch disables hosting; an unset one takes the default", () => {
  assert.equal(readInputs(from({ "image-branch": "" })).imageBranch, "");
  assert.equal(readInputs(from({ "image-branch": "plots/lr" })).imageBranch, "plots/lr");
  assert.equal(readInputs(from({})).imageBranch, "lr-finder-assets");
});

Deno.test("bad inputs are InputErrors naming the input and what it accepts", () => {
  assert.throws(
    () => readInputs(from({ backend: "gpu" })),
    {
      name: "InputError",
      message: 'input backend must be one of auto, webgpu, wasm, cpu, got "gpu"',
    },
  );
  assert.throws(
    () => readInputs(from({ "require-gpu": "yes" })),
    { name: "InputError", message: 'input require-gpu must be true or false, got "yes"' },
  );
  assert.throws(
    () => readInputs(from({ mode: "comment" })),
    { name: "InputError", message: 'input mode must be sweep or comment-only, got "comment"' },
  );
  assert.throws(
    () => readInputs(from({ "image-branch": "bad..name" })),
    /input image-branch must be a valid branch name/,
  );
});

Deno.test("retention is a bounded whole number and expected-names one name per line", () => {
  assert.equal(readInputs(from({ retention: "0" })).retention, 0);
  assert.equal(readInputs(from({ retention: " 25 " })).retention, 25);
  for (const bad of ["-1", "2.5", "ten", "1001"]) {
    assert.throws(
      () => readInputs(from({ retention: bad })),
      {
        name: "InputError",
        message: `input retention must be a whole number from 0 (keep everything) to 1000, got ${
          JSON.stringify(bad)
        }`,
      },
    );
  }
  assert.deepEqual(
    readInputs(from({ "expected-names": "tiny-mlp\n\n second model \n" })).expectedNames,
    ["tiny-mlp", "second model"],
  );
});

Deno.test("booleanInput accepts the YAML 1.2 core spellings only", () => {
  for (const value of ["true", "True", "TRUE"]) assert.equal(booleanInput("x", value), true);
  for (const value of ["false", "False", "FALSE"]) assert.equal(booleanInput("x", value), false);
  assert.throws(() => booleanInput("x", "1"), InputError);
});
