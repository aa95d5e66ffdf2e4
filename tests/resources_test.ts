import assert from "node:assert/strict";
import { join } from "node:path";
import { ROOT } from "./helpers.ts";
import {
  fashionMnistDir,
  REQUIRE_ALL,
  requireResource,
  requiringAll,
  type Resource,
} from "./resources.ts";

const fn = () => {};
const present: Resource<string> = {
  what: "a thing at /here",
  install: "apt-get install thing",
  find: () => Promise.resolve("/here"),
};
const absent: Resource<string> = { ...present, find: () => Promise.resolve(undefined) };

function env(values: Record<string, string>) {
  return { get: (name: string) => values[name] };
}

Deno.test("a resource that is there: its value, and its tests run as declared, silently", async () => {
  const warnings: string[] = [];
  const found = await requireResource(present, { env: env({}), warn: (m) => warnings.push(m) });
  assert.equal(found.value, "/here");
  const definition = { name: "uses the thing", fn };
  assert.deepEqual(found.test(definition), definition);
  assert.deepEqual(warnings, []);
});

Deno.test("a missing resource locally: its tests are skipped with a message saying what to install", async () => {
  const warnings: string[] = [];
  const missing = await requireResource(absent, { env: env({}), warn: (m) => warnings.push(m) });
  assert.equal(missing.value, undefined);
  assert.equal(missing.test({ name: "uses the thing", fn }).ignore, true);
  assert.deepEqual(warnings, [
    `skipping the tests that need a thing at /here: not found (apt-get install thing); ` +
    `${REQUIRE_ALL}=1 makes this a failure`,
  ]);
});

Deno.test("a missing resource with LR_FINDER_REQUIRE_ALL=1: its tests fail naming it", async () => {
  const warnings: string[] = [];
  const missing = await requireResource(absent, {
    env: env({ [REQUIRE_ALL]: "1" }),
    warn: (m) => warnings.push(m),
  });
  const definition = missing.test({ name: "uses the thing", fn });
  assert.notEqual(definition.ignore, true);
  assert.equal(definition.name, "uses the thing");
  assert.throws(
    () => definition.fn!({} as Deno.TestContext),
    new Error(
      `missing test resource: a thing at /here (apt-get install thing); ${REQUIRE_ALL}=1 ` +
        "does not allow skipping the tests that need it",
    ),
  );
  assert.deepEqual(warnings, []);
});

Deno.test("LR_FINDER_REQUIRE_ALL: 1 or true switches it on; unset, empty, 0 or false off", () => {
  for (const on of ["1", "true", "yes", " 1 "]) assert.ok(requiringAll(env({ [REQUIRE_ALL]: on })));
  for (const off of ["", "0", "false", "FALSE"]) {
    assert.ok(!requiringAll(env({ [REQUIRE_ALL]: off })), off);
  }
  assert.ok(!requiringAll(env({})));
});

Deno.test("the Fashion-MNIST folder: LR_FINDER_FASHION_MNIST_DIR, else Debian's", () => {
  assert.equal(fashionMnistDir(env({})), "/usr/share/datasets/fashion-mnist");
  assert.equal(fashionMnistDir(env({ LR_FINDER_FASHION_MNIST_DIR: "/data/fm" })), "/data/fm");
});

Deno.test("no test module skips on its own: every skip for a resource goes through resources.ts", async () => {
  const offenders: string[] = [];
  for await (const entry of Deno.readDir(join(ROOT, "tests"))) {
    if (!entry.isFile || !entry.name.endsWith(".ts") || entry.name === "resources.ts") continue;
    const text = await Deno.readTextFile(join(ROOT, "tests", entry.name));
    if (/\bignore:|Deno\.test\.ignore|\.ignore\(/.test(text)) offenders.push(entry.name);
  }
  assert.deepEqual(offenders, []);
});
