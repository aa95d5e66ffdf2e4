import assert from "node:assert/strict";
import { parseJson, readError, readInputFile, readInputText } from "../src/data/read_file.ts";
import { InputError } from "../src/errors.ts";

Deno.test("read_file: reads bytes and UTF-8 text without a byte-order mark", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeFile(`${dir}/a.txt`, new Uint8Array([0xef, 0xbb, 0xbf, 0x68, 0xc3, 0xa9]));
    assert.deepEqual(
      await readInputFile(`${dir}/a.txt`),
      new Uint8Array([0xef, 0xbb, 0xbf, 0x68, 0xc3, 0xa9]),
    );
    assert.equal(await readInputText(`${dir}/a.txt`), "hé");
    await Deno.writeFile(`${dir}/latin1.csv`, new Uint8Array([0x68, 0xe9, 0x0a]));
    await assert.rejects(
      readInputText(`${dir}/latin1.csv`, { what: "CSV file" }),
      (e: unknown) =>
        e instanceof InputError &&
        e.message ===
          `${dir}/latin1.csv: expected UTF-8 text, found invalid byte sequences: save the file as UTF-8`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("read_file: missing files and directories name the path and what was expected", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await assert.rejects(
      readInputFile(`${dir}/none.bin`, { what: "weight shard" }),
      (e: unknown) =>
        e instanceof InputError && e.message === `${dir}/none.bin: weight shard not found`,
    );
    await assert.rejects(
      readInputText(dir, { what: "config file" }),
      (e: unknown) =>
        e instanceof InputError &&
        e.message === `${dir}: expected a config file, found a directory`,
    );
    const error = readError("x.npy", new Error("disk on fire"));
    assert.equal(error.message, "x.npy: file cannot be read: disk on fire");
    assert.equal(error.field, "x.npy");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("read_file: JSON syntax errors name the file, line and column", () => {
  assert.throws(
    () => parseJson('{\n  "model": "m.json",\n  data: {}\n}', "lr-finder.json"),
    (e: unknown) =>
      e instanceof InputError &&
      e.message === "lr-finder.json:3:3: invalid JSON: expected double-quoted property name",
  );
  assert.throws(
    () => parseJson('{"a": 1,}', "c.json"),
    (e: unknown) => e instanceof InputError && /^c\.json:1:9: invalid JSON: /.test(e.message),
  );
  assert.throws(
    () => parseJson("", "empty.json"),
    (e: unknown) =>
      e instanceof InputError && /^empty\.json:1:1: invalid JSON: unexpected end/.test(e.message),
  );
});
