import assert from "node:assert/strict";
import { importUserFunction, loadDataModule } from "../src/data/module.ts";
import { InputError } from "../src/errors.ts";

async function withModule(source: string, fn: (path: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/data.ts`;
    await Deno.writeTextFile(path, source);
    await fn(path);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("module: loadData may return plain arrays and receives the split", async () => {
  const source = `export function loadData({ split }: { split: string }) {
    return split === "train"
      ? { x: [[1, 2], [3, 4]], y: ["b", "a"] }
      : { x: [[5, 6]], y: [1], classes: 2 };
  }`;
  await withModule(source, async (path) => {
    const train = await loadDataModule(path);
    assert.deepEqual(Array.from(train.x), [1, 2, 3, 4]);
    assert.deepEqual(Array.from(train.y), [1, 0]);
    assert.equal(train.source, path);
    const validation = await loadDataModule(path, { split: "validation" });
    assert.equal(validation.size, 1);
    assert.equal(validation.classes, 2);
  });
});

Deno.test("module: async loadData may return a Dataset of typed arrays", async () => {
  const source = `export async function loadData() {
    await new Promise((r) => setTimeout(r, 1));
    return { x: new Uint8Array([0, 255, 128, 1]), xShape: [2], xScale: 1 / 255,
      y: new Int32Array([1, 0]), yShape: [], classes: 2, size: 2 };
  }`;
  await withModule(source, async (path) => {
    const ds = await loadDataModule(path);
    assert.ok(ds.x instanceof Uint8Array);
    assert.equal(ds.xScale, 1 / 255);
    assert.equal(ds.classes, 2);
    assert.equal(ds.size, 2);
  });
});

Deno.test("module: mistakes are input errors naming the module", async () => {
  const cases: [string, (path: string) => string | RegExp][] = [
    [
      "export const other = 1;",
      (p) => `${p}: expected an exported function loadData(), found exports other`,
    ],
    [
      "export function loadData() { return 42; }",
      (p) => `${p}: loadData() must return a dataset or { x, y } arrays, got number`,
    ],
    [
      "export function loadData() { throw new Error('no network'); }",
      (p) => `${p}: loadData() failed: no network`,
    ],
    [
      "export function loadData() { return { x: [[1], ['q']], y: [1, 2] }; }",
      () => 'x[1][0] must be a finite number, got "q"',
    ],
    ["throw new Error('boom');", (p) => new RegExp(`^${p}: the module failed to load: .*boom`)],
    [
      "export function loadData() { return { x: new Float32Array([1, NaN]), xShape: [1], y: new Float32Array([1, 2]), yShape: [] }; }",
      (p) =>
        `${p}: sample 1 has a non-finite feature (NaN) at x[1][0]: remove or impute missing values`,
    ],
  ];
  for (const [source, expected] of cases) {
    await withModule(source, async (path) => {
      await assert.rejects(loadDataModule(path), (e: unknown) => {
        assert.ok(e instanceof InputError, String(e));
        const want = expected(path);
        if (typeof want === "string") assert.equal(e.message, want);
        else assert.match(e.message, want);
        return true;
      });
    });
  }
  await assert.rejects(
    loadDataModule("/nonexistent/data.ts"),
    (e: unknown) =>
      e instanceof InputError && e.message === "/nonexistent/data.ts: module not found",
  );
});

Deno.test("module: importUserFunction returns the named export, or names what there is instead", async () => {
  await withModule(
    "export function twice(n: number) { return 2 * n; }\nexport const k = 1;",
    async (path) => {
      const twice = await importUserFunction(path, "twice");
      assert.equal(twice(21), 42);
      await assert.rejects(
        importUserFunction(path, "k"),
        (error: Error) => {
          assert.ok(error instanceof InputError);
          assert.equal(
            error.message,
            `${path}: expected an exported function k(), found exports k, twice`,
          );
          return true;
        },
      );
    },
  );
  await withModule("", async (path) => {
    await assert.rejects(
      importUserFunction(path, "loadData"),
      new RegExp("expected an exported function loadData\\(\\), found no exports$"),
    );
  });
});
