import assert from "node:assert/strict";
import { loadCsv, parseCsv } from "../src/data/csv.ts";
import { InputError } from "../src/errors.ts";

function csvError(text: string, options: Parameters<typeof parseCsv>[1]): string {
  try {
    parseCsv(text, options);
  } catch (error) {
    assert.ok(error instanceof InputError, `expected an InputError, got ${error}`);
    return error.message;
  }
  throw new assert.AssertionError({ message: "expected parseCsv to throw" });
}

const IRIS = `sepal_length,sepal_width,species
5.1,3.5,setosa
7.0,3.2,versicolor
6.3,3.3,virginica
4.9,3.0,setosa
`;

Deno.test("csv: string labels become sorted classes, features stay in column order", () => {
  const ds = parseCsv(IRIS, { label: "species", source: "iris.csv" });
  assert.equal(ds.size, 4);
  assert.deepEqual(ds.xShape, [2]);
  assert.ok(ds.x instanceof Float32Array);
  assert.deepEqual(
    Array.from(ds.x),
    Array.from(new Float32Array([5.1, 3.5, 7, 3.2, 6.3, 3.3, 4.9, 3])),
  );
  assert.deepEqual(ds.classNames, ["setosa", "versicolor", "virginica"]);
  assert.equal(ds.classes, 3);
  assert.deepEqual(ds.yShape, []);
  assert.ok(ds.y instanceof Int32Array);
  assert.deepEqual(Array.from(ds.y), [0, 1, 2, 0]);
  assert.deepEqual(ds.featureNames, ["sepal_length", "sepal_width"]);
  assert.equal(ds.source, "iris.csv");
});

Deno.test("csv: one-hot labels, label column anywhere", () => {
  const ds = parseCsv("kind,a,b\ncat,1,2\ndog,3,4\ncat,5,6\n", { label: "kind", oneHot: true });
  assert.deepEqual(ds.yShape, [2]);
  assert.equal(ds.classes, undefined);
  assert.deepEqual(ds.classNames, ["cat", "dog"]);
  assert.deepEqual(Array.from(ds.y), [1, 0, 0, 1, 1, 0]);
  assert.deepEqual(Array.from(ds.x), [1, 2, 3, 4, 5, 6]);
});

Deno.test("csv: numeric labels are regression targets unless classification is asked for", () => {
  const text = "x1,x2,y\n1,2,0.5\n3,4,-1.25\n";
  const regression = parseCsv(text, { label: "y" });
  assert.ok(regression.y instanceof Float32Array);
  assert.deepEqual(Array.from(regression.y), [0.5, -1.25]);
  assert.equal(regression.classes, undefined);

  const classes = parseCsv("x,y\n1,2\n3,0\n4,1\n", { label: "y", classification: true });
  assert.ok(classes.y instanceof Int32Array);
  assert.deepEqual(Array.from(classes.y), [2, 0, 1]);
  assert.equal(classes.classes, 3);
  assert.equal(classes.classNames, undefined);

  const oneHot = parseCsv("x,y\n1,1\n3,0\n", { label: "y", oneHot: true });
  assert.deepEqual(oneHot.yShape, [2]);
  assert.deepEqual(Array.from(oneHot.y), [0, 1, 1, 0]);

  assert.equal(
    csvError(text, { label: "y", classification: true, source: "r.csv" }),
    'r.csv: class labels in column "y" must be non-negative integers, found:\n' +
      '  row 2: "0.5"\n  row 3: "-1.25"',
  );
});

Deno.test("csv: every bad cell is reported with its row (header = row 1) and column", () => {
  const text = "a,b,label\n1,2,x\n3,abc,y\n,4,x\n5,NaN,y\n";
  assert.equal(
    csvError(text, { label: "label", source: "d.csv" }),
    "d.csv: expected a finite number in every feature cell and a label in every row, found 3 " +
      'bad cells:\n  row 3, column "b": "abc" is not a finite number\n' +
      '  row 4, column "a": empty cell\n' +
      '  row 5, column "b": "NaN" is not a finite number',
  );
});

Deno.test("csv: at most five bad cells are listed, the rest counted", () => {
  const rows = Array.from({ length: 8 }, (_, i) => `${i},?,z`).join("\n");
  const message = csvError(`a,b,label\n${rows}\n`, { label: "label", source: "m.csv" });
  const lines = message.split("\n");
  assert.equal(lines.length, 7);
  assert.match(lines[0], /found 8 bad cells:$/);
  assert.equal(lines[1], '  row 2, column "b": "?" is not a finite number');
  assert.equal(lines[5], '  row 6, column "b": "?" is not a finite number');
  assert.equal(lines[6], "  ... and 3 more");
});

Deno.test("csv: numbers in any notation, quotes, spaces, CRLF and a BOM are accepted", () => {
  const text = '\ufeff"a", b ,label\r\n1e3, -.5 ,"x"\r\n+2.,0,y\r\n\r\n';
  const ds = parseCsv(text, { label: "label" });
  assert.deepEqual(Array.from(ds.x), [1000, -0.5, 2, 0]);
  assert.deepEqual(ds.featureNames, ["a", "b"]);
  assert.equal(ds.size, 2);
});

Deno.test("csv: hex, Infinity and words are not numbers", () => {
  const message = csvError("a,b,c,l\n0x10,Infinity,1_000,q\n", { label: "l", source: "h.csv" });
  assert.match(message, /found 3 bad cells/);
  assert.match(message, /column "a": "0x10"/);
  assert.match(message, /column "b": "Infinity"/);
  assert.match(message, /column "c": "1_000"/);
});

Deno.test("csv: structural problems name the file", () => {
  assert.equal(
    csvError("a,b\n1,2\n", { label: "y", source: "s.csv" }),
    's.csv: label column "y" not found; the header has "a", "b"',
  );
  assert.equal(
    csvError("a,b,y\n1,2,3\n4,5\n", { label: "y", source: "s.csv" }),
    "s.csv: row 3 has 2 cells, expected 3 like the header row",
  );
  assert.equal(
    csvError("a,y\n", { label: "y", source: "s.csv" }),
    "s.csv: no data rows after the header row",
  );
  assert.equal(
    csvError("", { label: "y", source: "s.csv" }),
    "s.csv: the file is empty, expected a header row and data rows",
  );
  assert.equal(
    csvError("y\n1\n", { label: "y", source: "s.csv" }),
    "s.csv: expected at least one feature column besides the label",
  );
  assert.equal(
    csvError("a,a,y\n1,2,3\n", { label: "y", source: "s.csv" }),
    's.csv: column "a" appears twice in the header row',
  );
  assert.match(
    csvError('a,y\n"1,2\n', { label: "y", source: "s.csv" }),
    /^s\.csv: malformed CSV: the parsing is finished with an opening quote at line 2$/,
  );
  assert.equal(
    csvError("a,y\n1,\n", { label: "y", source: "s.csv" }),
    "s.csv: expected a finite number in every feature cell and a label in every row, found 1 " +
      'bad cell:\n  row 2, column "y": empty label',
  );
});

Deno.test("csv: loadCsv reads a file without changing it", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/t.csv`;
    await Deno.writeTextFile(path, IRIS);
    const before = await Deno.stat(path);
    const ds = await loadCsv(path, { label: "species" });
    assert.equal(ds.source, path);
    assert.equal(ds.size, 4);
    assert.equal((await Deno.stat(path)).mtime?.getTime(), before.mtime?.getTime());
    assert.equal(await Deno.readTextFile(path), IRIS);
    await assert.rejects(
      loadCsv(`${dir}/none.csv`, { label: "y" }),
      (e: unknown) =>
        e instanceof InputError && e.message === `${dir}/none.csv: CSV file not found`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("csv: mixed CRLF, LF and CR line endings read as one row per line", () => {
  const text = "a,b,label\r\n1,2,x\n3,4,y\r\n5,6,z\r7,8,x\n9,n/a,y\r\n";
  const message = csvError(text, { label: "label", source: "mixed.csv" });
  assert.match(message, /row 6, column "b": "n\/a" is not a finite number/);
  const ds = parseCsv(text.replace("n/a", "0"), { label: "label" });
  assert.equal(ds.size, 5);
  assert.deepEqual(Array.from(ds.x), [1, 2, 3, 4, 5, 6, 7, 8, 9, 0]);
  assert.deepEqual(Array.from(ds.y), [0, 1, 2, 0, 1]);
  assert.deepEqual(ds.classNames, ["x", "y", "z"]);
});
