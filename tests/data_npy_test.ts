import assert from "node:assert/strict";
import { encodeNpy, loadNpy, parseNpy } from "../src/data/npy.ts";
import { InputError } from "../src/errors.ts";

/** Builds an .npy file by hand: magic, version, header length, padded header, data bytes. */
function npyBytes(version: 1 | 2 | 3, header: string, data: Uint8Array): Uint8Array {
  const lengthBytes = version === 1 ? 2 : 4;
  const prefix = 8 + lengthBytes;
  let text = header;
  while ((prefix + text.length + 1) % 64 !== 0) text += " ";
  text += "\n";
  const headerBytes = new TextEncoder().encode(text);
  const out = new Uint8Array(prefix + headerBytes.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const view = new DataView(out.buffer);
  if (version === 1) view.setUint16(8, headerBytes.length, true);
  else view.setUint32(8, headerBytes.length, true);
  out.set(headerBytes, prefix);
  out.set(data, prefix + headerBytes.length);
  return out;
}

function bytesOf(array: ArrayBufferView): Uint8Array {
  return new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
}

function header(descr: string, shape: string, fortran = "False"): string {
  return `{'descr': '${descr}', 'fortran_order': ${fortran}, 'shape': ${shape}, }`;
}

function rejects(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof InputError, `expected an InputError, got ${error}`);
    assert.match(error.message, pattern);
    return true;
  });
}

Deno.test("npy: reads every dtype in every format version", () => {
  const cases = [
    { descr: "<f4", values: new Float32Array([1.5, -2.25, 3, 4, 5, 6]), type: Float32Array },
    { descr: "<f8", values: new Float64Array([1e-300, -2, 3, 4, 5, Math.PI]), type: Float64Array },
    { descr: "|u1", values: new Uint8Array([0, 1, 2, 253, 254, 255]), type: Uint8Array },
    {
      descr: "<i4",
      values: new Int32Array([-2147483648, -1, 0, 1, 7, 2147483647]),
      type: Int32Array,
    },
  ];
  for (const version of [1, 2, 3] as const) {
    for (const { descr, values, type } of cases) {
      const file = npyBytes(version, header(descr, "(2, 3)"), bytesOf(values));
      const array = parseNpy(file, { source: "a.npy" });
      assert.deepEqual(array.shape, [2, 3]);
      assert.equal(array.dtype, descr.slice(1));
      assert.ok(array.data instanceof type, `${descr} v${version} gives ${type.name}`);
      assert.deepEqual(Array.from(array.data), Array.from(values));
    }
  }
});

Deno.test("npy: int64 becomes Int32Array when it fits, exact Float64Array otherwise", () => {
  const small = new BigInt64Array([1n, -2n, 2147483647n, -2147483648n]);
  const a = parseNpy(npyBytes(1, header("<i8", "(4,)"), bytesOf(small)));
  assert.ok(a.data instanceof Int32Array);
  assert.deepEqual(Array.from(a.data), [1, -2, 2147483647, -2147483648]);

  const large = new BigInt64Array([2n ** 40n, -(2n ** 53n) + 1n, 2n ** 53n - 1n]);
  const b = parseNpy(npyBytes(1, header("<i8", "(3,)"), bytesOf(large)));
  assert.ok(b.data instanceof Float64Array);
  assert.deepEqual(Array.from(b.data), [2 ** 40, -(2 ** 53) + 1, 2 ** 53 - 1]);
});

Deno.test("npy: int64 outside the safe integer range is an error naming the file and index", () => {
  const values = new BigInt64Array([0n, 2n ** 53n]);
  rejects(
    () => parseNpy(npyBytes(1, header("<i8", "(2,)"), bytesOf(values)), { source: "y.npy" }),
    /^y\.npy: value at flat index 1 does not fit/,
  );
});

Deno.test("npy: scalar, empty and Python 2 style headers", () => {
  const scalar = parseNpy(npyBytes(1, header("<f8", "()"), bytesOf(new Float64Array([2.5]))));
  assert.deepEqual(scalar.shape, []);
  assert.deepEqual(Array.from(scalar.data), [2.5]);
  const empty = parseNpy(npyBytes(1, header("<f4", "(0, 3)"), new Uint8Array(0)));
  assert.deepEqual(empty.shape, [0, 3]);
  assert.equal(empty.data.length, 0);
  const py2 = parseNpy(
    npyBytes(
      1,
      `{"shape": (2L,), "fortran_order": False, "descr": "<i4"}`,
      bytesOf(new Int32Array([4, 5])),
    ),
  );
  assert.deepEqual(Array.from(py2.data), [4, 5]);
});

Deno.test("npy: big-endian data is a clear error", () => {
  rejects(
    () => parseNpy(npyBytes(1, header(">f4", "(2,)"), new Uint8Array(8)), { source: "be.npy" }),
    /^be\.npy: dtype ">f4" is big-endian, expected little-endian: convert it with a\.astype\('<f4'\)$/,
  );
  // A single byte has no byte order.
  const u1 = parseNpy(npyBytes(1, header(">u1", "(2,)"), new Uint8Array([7, 8])));
  assert.deepEqual(Array.from(u1.data), [7, 8]);
});

Deno.test("npy: Fortran order is a clear error, except where it equals C order", () => {
  rejects(
    () =>
      parseNpy(npyBytes(1, header("<f8", "(2, 3)", "True"), new Uint8Array(48)), {
        source: "f.npy",
      }),
    /^f\.npy: array is stored in Fortran \(column-major\) order, expected C order/,
  );
  const column = parseNpy(npyBytes(1, header("<f4", "(3, 1)", "True"), new Uint8Array(12)));
  assert.deepEqual(column.shape, [3, 1]);
});

Deno.test("npy: unsupported dtypes and malformed files name the file", () => {
  rejects(
    () => parseNpy(npyBytes(1, header("<i2", "(2,)"), new Uint8Array(4)), { source: "s.npy" }),
    /^s\.npy: unsupported dtype "<i2"/,
  );
  rejects(
    () => parseNpy(npyBytes(1, header("|O", "(2,)"), new Uint8Array(16)), { source: "o.npy" }),
    /^o\.npy: unsupported dtype "\|O"/,
  );
  rejects(
    () =>
      parseNpy(
        npyBytes(
          1,
          `{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }`,
          new Uint8Array(4),
        ),
        { source: "r.npy" },
      ),
    /^r\.npy: structured \(record\) arrays are not supported/,
  );
  rejects(
    () => parseNpy(new TextEncoder().encode("hello world"), { source: "t.npy" }),
    /^t\.npy: not an \.npy file/,
  );
  rejects(
    () => parseNpy(new Uint8Array([0x50, 0x4b, 3, 4, 0, 0, 0, 0, 0, 0])),
    /^array\.npy: this is an \.npz archive/,
  );
  rejects(
    () => parseNpy(npyBytes(1, header("<f4", "(4,)"), new Uint8Array(12)), { source: "short.npy" }),
    /^short\.npy: expected 16 bytes of data for shape \(4\) and dtype f4, found 12: the file is truncated$/,
  );
  rejects(
    () =>
      parseNpy(npyBytes(1, "{'descr': '<f4', 'shape': (4,) 'x': 1}", new Uint8Array(16)), {
        source: "h.npy",
      }),
    /^h\.npy: malformed header/,
  );
  rejects(
    () =>
      parseNpy(npyBytes(1, "{'descr': '<f4', 'fortran_order': False}", new Uint8Array(16)), {
        source: "h.npy",
      }),
    /^h\.npy: malformed header: 'shape' must be a tuple/,
  );
  const bad = npyBytes(1, header("<f4", "(1,)"), new Uint8Array(4));
  bad[6] = 4;
  rejects(
    () => parseNpy(bad, { source: "v.npy" }),
    /^v\.npy: unsupported \.npy format version 4\.0/,
  );
});

Deno.test("npy: encodeNpy output round-trips through parseNpy, 64-byte aligned", () => {
  for (const version of [1, 2, 3] as const) {
    const values = new Float32Array([1, 2, 3, 4, 5, 6]);
    const bytes = encodeNpy(values, [3, 2], { version });
    const headerEnd = bytes.length - values.byteLength;
    assert.equal(headerEnd % 64, 0);
    const array = parseNpy(bytes);
    assert.deepEqual(array.shape, [3, 2]);
    assert.deepEqual(Array.from(array.data), Array.from(values));
  }
  const ints = parseNpy(encodeNpy([3, 4, 5], [3], { dtype: "i4" }));
  assert.ok(ints.data instanceof Int32Array);
  assert.throws(() => encodeNpy([1, 2, 3], [2, 2]), RangeError);
});

Deno.test("npy: loadNpy reads a file and names a missing one", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/x.npy`;
    await Deno.writeFile(path, encodeNpy(new Uint8Array([9, 8, 7]), [3]));
    const array = await loadNpy(path);
    assert.deepEqual(Array.from(array.data), [9, 8, 7]);
    await assert.rejects(
      loadNpy(`${dir}/missing.npy`),
      (error: unknown) =>
        error instanceof InputError && error.message === `${dir}/missing.npy: .npy file not found`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
