import assert from "node:assert/strict";
import { join } from "node:path";
import { gunzipIfNeeded, loadIdx, loadIdxDataset, parseIdx } from "../src/data/idx.ts";
import { InputError } from "../src/errors.ts";
import { FASHION_MNIST_FILES } from "../examples/fashion-mnist/main.ts";
import { FASHION_MNIST, requireResource } from "./resources.ts";

const fashion = await requireResource(FASHION_MNIST);

/** An IDX file: 0, 0, type code, number of dimensions, big-endian dimensions, data. */
function idxBytes(type: number, shape: number[], data: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + 4 * shape.length + data.length);
  out.set([0, 0, type, shape.length]);
  const view = new DataView(out.buffer);
  shape.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  out.set(data, 4 + 4 * shape.length);
  return out;
}

async function gzip(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream()
    .pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** Three 2x2 images whose pixels are 0, 20, 40, ... 220; labels 2, 0, 1. */
const IMAGES = idxBytes(0x08, [3, 2, 2], Uint8Array.from({ length: 12 }, (_, i) => i * 20));
const LABELS = idxBytes(0x08, [3], new Uint8Array([2, 0, 1]));

async function withFiles(
  files: Record<string, Uint8Array>,
  fn: (dir: string) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    for (const [name, bytes] of Object.entries(files)) {
      await Deno.writeFile(`${dir}/${name}`, bytes);
    }
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("idx: plain files become uint8 images scaled by 1/255 and class indices", async () => {
  await withFiles({ "img-idx3-ubyte": IMAGES, "lbl-idx1-ubyte": LABELS }, async (dir) => {
    const ds = await loadIdxDataset({
      images: `${dir}/img-idx3-ubyte`,
      labels: `${dir}/lbl-idx1-ubyte`,
    });
    assert.equal(ds.size, 3);
    assert.deepEqual(ds.xShape, [2, 2]);
    assert.ok(ds.x instanceof Uint8Array);
    assert.deepEqual(Array.from(ds.x), Array.from({ length: 12 }, (_, i) => i * 20));
    assert.equal(ds.xScale, 1 / 255);
    assert.ok(ds.y instanceof Int32Array);
    assert.deepEqual(Array.from(ds.y), [2, 0, 1]);
    assert.deepEqual(ds.yShape, []);
    assert.equal(ds.classes, 3);
    assert.equal(ds.source, `${dir}/img-idx3-ubyte`);
  });
});

Deno.test("idx: gzip files give the same data as plain files, and limit keeps the first samples", async () => {
  const files = { "i.gz": await gzip(IMAGES), "l.gz": await gzip(LABELS) };
  await withFiles(files, async (dir) => {
    const ds = await loadIdxDataset({ images: `${dir}/i.gz`, labels: `${dir}/l.gz` }, { limit: 2 });
    assert.equal(ds.size, 2);
    assert.deepEqual(Array.from(ds.x), Array.from({ length: 8 }, (_, i) => i * 20));
    assert.deepEqual(Array.from(ds.y), [2, 0]);
    assert.equal(ds.classes, 3, "classes count the whole label file, not only the kept samples");
  });
});

Deno.test("idx: big-endian int32 and float32 files", () => {
  const ints = new Uint8Array(8);
  new DataView(ints.buffer).setInt32(0, -5, false);
  new DataView(ints.buffer).setInt32(4, 70000, false);
  const a = parseIdx(idxBytes(0x0c, [2], ints));
  assert.equal(a.type, "int32");
  assert.deepEqual(Array.from(a.data), [-5, 70000]);
  const floats = new Uint8Array(4);
  new DataView(floats.buffer).setFloat32(0, 1.5, false);
  const b = parseIdx(idxBytes(0x0d, [1, 1], floats));
  assert.ok(b.data instanceof Float32Array);
  assert.deepEqual(Array.from(b.data), [1.5]);
});

Deno.test("idx: bad magic numbers, truncation and corrupt gzip name the file", async () => {
  const check = (bytes: Uint8Array, pattern: RegExp) =>
    assert.throws(() => parseIdx(bytes, { source: "f.idx" }), (e: unknown) => {
      assert.ok(e instanceof InputError);
      assert.match(e.message, pattern);
      return true;
    });
  check(
    new Uint8Array([1, 2, 8, 1, 0, 0, 0, 0]),
    /^f\.idx: not an IDX file: bad magic number 0x01020801/,
  );
  check(new Uint8Array([0, 0, 0x07, 1, 0, 0, 0, 0]), /^f\.idx: not an IDX file/);
  check(
    idxBytes(0x08, [3, 2, 2], new Uint8Array(10)),
    /^f\.idx: expected 12 bytes of uint8 data for shape \[3, 2, 2\], found 10: the file is truncated$/,
  );
  check(new Uint8Array([0, 0, 8, 3, 0]), /^f\.idx: file is truncated inside its header$/);
  const gz = await gzip(IMAGES);
  await assert.rejects(
    gunzipIfNeeded(gz.subarray(0, gz.length - 9), "cut.gz"),
    (e: unknown) => e instanceof InputError && /^cut\.gz: corrupt gzip data/.test(e.message),
  );
});

Deno.test("idx: image and label files must agree", async () => {
  const fewer = idxBytes(0x08, [2], new Uint8Array([0, 1]));
  await withFiles({ i: IMAGES, l: LABELS, l2: fewer }, async (dir) => {
    await assert.rejects(
      loadIdxDataset({ images: `${dir}/i`, labels: `${dir}/l2` }),
      (e: unknown) =>
        e instanceof InputError &&
        e.message === `${dir}/i has 3 images but ${dir}/l2 has 2 labels: use the label file that ` +
            "belongs to the image file",
    );
    await assert.rejects(
      loadIdxDataset({ images: `${dir}/l`, labels: `${dir}/i` }),
      (e: unknown) => e instanceof InputError && /is this the label file\?$/.test(e.message),
    );
    await assert.rejects(
      loadIdx(`${dir}/missing`),
      (e: unknown) => e instanceof InputError && e.message === `${dir}/missing: IDX file not found`,
    );
  });
});

Deno.test(fashion.test({
  name: "idx: the real Fashion-MNIST training set",
  fn: async () => {
    const ds = await loadIdxDataset({
      images: join(fashion.value!, FASHION_MNIST_FILES.trainImages),
      labels: join(fashion.value!, FASHION_MNIST_FILES.trainLabels),
    });
    assert.equal(ds.size, 60000);
    assert.deepEqual(ds.xShape, [28, 28]);
    assert.equal(ds.x.length, 60000 * 784);
    assert.equal(ds.classes, 10);
    assert.equal(ds.xScale, 1 / 255);
    // The first labels of the training set (ankle boot, T-shirt, T-shirt, dress, T-shirt).
    assert.deepEqual(Array.from(ds.y.subarray(0, 5)), [9, 0, 0, 3, 0]);
    const counts = new Array(10).fill(0);
    for (const label of ds.y) counts[label]++;
    assert.deepEqual(counts, new Array(10).fill(6000));
  },
}));
