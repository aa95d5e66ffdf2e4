/**
 * The three Deno configs agree: `deno.json` (what the demo, `lr-find`, `serve` and library users
 * install: runtime packages only), `deno.dev.json` (the tests, benchmarks and checks: the same
 * pins plus test-only packages) and `action/deno.runtime.json` (the Action: the runtime pins plus
 * GitHub's packages). A package pinned in more than one of them is pinned, and locked, alike.
 */
import assert from "node:assert/strict";
import { dirname, join, resolve } from "node:path";
import { ROOT } from "./helpers.ts";

interface DenoConfig {
  path: string;
  imports: Record<string, string>;
  tasks?: Record<string, string>;
  compilerOptions?: unknown;
  lock?: string;
}

interface LockFile {
  specifiers: Record<string, string>;
  npm: Record<string, unknown>;
}

async function readJson<T>(path: string): Promise<T> {
  return JSON.parse(await Deno.readTextFile(join(ROOT, path))) as T;
}

async function config(path: string): Promise<DenoConfig> {
  return { ...await readJson<Omit<DenoConfig, "path">>(path), path };
}

const RUNTIME = await config("deno.json");
const DEV = await config("deno.dev.json");
const ACTION = await config("action/deno.runtime.json");
const LOCKS: Record<string, LockFile> = {
  "deno.lock": await readJson("deno.lock"),
  "deno.dev.lock": await readJson("deno.dev.lock"),
  "action/deno.runtime.lock": await readJson("action/deno.runtime.lock"),
};

/** What an import map entry points to: an npm specifier as is, a local path made absolute. */
function target(config: DenoConfig, name: string): string {
  const specifier = config.imports[name];
  return specifier.startsWith(".") ? resolve(ROOT, dirname(config.path), specifier) : specifier;
}

Deno.test("a package in several configs is pinned alike, and the dev config holds the runtime's", () => {
  for (const other of [DEV, ACTION]) {
    for (const name of Object.keys(other.imports)) {
      if (!(name in RUNTIME.imports)) continue;
      assert.equal(
        target(other, name),
        target(RUNTIME, name),
        `${other.path} pins ${name} as deno.json does`,
      );
    }
  }
  for (const name of Object.keys(RUNTIME.imports)) {
    assert.ok(name in DEV.imports, `deno.dev.json lists deno.json's ${name}`);
  }
  for (const name of Object.keys(ACTION.imports)) {
    assert.ok(name in DEV.imports, `deno.dev.json lists the Action's ${name}`);
    assert.equal(
      target(ACTION, name),
      target(DEV, name),
      `the Action pins ${name} as deno.dev.json`,
    );
  }
  assert.deepEqual(DEV.compilerOptions, RUNTIME.compilerOptions);
  assert.deepEqual(ACTION.compilerOptions, RUNTIME.compilerOptions);
  assert.equal(DEV.lock, "deno.dev.lock");
});

Deno.test("a package in several lockfiles resolves alike", () => {
  const seen = new Map<string, { lock: string; entry: unknown }>();
  for (const [lock, { npm }] of Object.entries(LOCKS)) {
    for (const [name, entry] of Object.entries(npm)) {
      const first = seen.get(name);
      if (first) {
        assert.deepEqual(
          entry,
          first.entry,
          `${name} resolves in ${lock} as in ${first.lock}; regenerate ${lock} (README, Development)`,
        );
      } else {
        seen.set(name, { lock, entry });
      }
    }
  }
});

Deno.test("deno.json and deno.lock hold runtime packages only", () => {
  const pinned = Object.values(RUNTIME.imports).filter((s) => s.startsWith("npm:"));
  assert.deepEqual(
    Object.keys(LOCKS["deno.lock"].specifiers).sort(),
    pinned.sort(),
    "deno.lock locks exactly deno.json's packages",
  );
  const testOnly = Object.keys(DEV.imports).filter((name) => !(name in RUNTIME.imports));
  assert.ok(testOnly.includes("@octokit/openapi") && testOnly.includes("playwright-core"));
  for (const name of Object.keys(LOCKS["deno.lock"].npm)) {
    const bare = name.replace(/^(@?[^@]+)@.*$/, "$1");
    assert.ok(!testOnly.includes(bare), `deno.lock holds the test-only package ${bare}`);
    assert.notEqual(bare, "core-js", "core-js (a build-script warning) is not installed");
  }
});

interface ModuleInfo {
  specifier: string;
  error?: string;
  dependencies?: { specifier: string; code?: { error?: string } }[];
}

Deno.test("the demo, lr-find, serve and the library resolve with deno.json alone", async () => {
  const entries = ["src/demo.ts", "src/cli.ts", "src/mod.ts", "functions/main.ts"];
  const modules: ModuleInfo[] = [];
  for (const entry of entries) {
    const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args: ["info", "--config", "deno.json", "--frozen", "--json", entry],
      cwd: ROOT,
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(code, 0, new TextDecoder().decode(stderr));
    modules.push(
      ...(JSON.parse(new TextDecoder().decode(stdout)) as { modules: ModuleInfo[] }).modules,
    );
  }
  const errors = modules.flatMap((m) => [
    ...(m.error ? [`${m.specifier}: ${m.error}`] : []),
    ...(m.dependencies ?? []).flatMap((d) => d.code?.error ? [d.code.error] : []),
  ]);
  assert.deepEqual(errors, [], "every run-time import resolves with deno.json");
  assert.ok(modules.some((m) => m.specifier.endsWith("/src/tfjs.ts")));
});

Deno.test("the tests, benchmarks and checks run with deno.dev.json", () => {
  const tasks = RUNTIME.tasks ?? {};
  for (const name of ["test", "bench"]) {
    assert.match(tasks[name], /^deno (test|run) --config deno\.dev\.json /, `task ${name}`);
  }
  assert.match(tasks.check, /deno check --config deno\.dev\.json /);
  for (const name of ["demo", "lr-find", "serve"]) {
    assert.doesNotMatch(
      tasks[name],
      /deno\.dev\.json/,
      `task ${name} installs runtime packages only`,
    );
  }
});
