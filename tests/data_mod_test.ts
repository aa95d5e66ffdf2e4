import assert from "node:assert/strict";
import { encodeNpy, loadDataSource, loadDataSplits, loadNpyDataset } from "../src/data/mod.ts";
import { InputError } from "../src/errors.ts";
import { withDir } from "./helpers.ts";

Deno.test("mod: npy sources resolve against baseDir; integer targets become classes", async () => {
  await withDir(async (dir) => {
    await Deno.writeFile(`${dir}/x.npy`, encodeNpy(new Uint8Array(12), [3, 2, 2]));
    await Deno.writeFile(`${dir}/y.npy`, encodeNpy(new Int32Array([0, 4, 1]), [3]));
    await Deno.writeFile(`${dir}/r.npy`, encodeNpy(new Float32Array([0.5, 1, 2]), [3]));
    const ds = await loadDataSource({ x: "x.npy", y: "y.npy" }, { baseDir: dir });
    assert.deepEqual(ds.xShape, [2, 2]);
    assert.equal(ds.xScale, 1 / 255);
    assert.equal(ds.classes, 5);
    assert.equal(ds.source, `${dir}/x.npy`);
    const regression = await loadDataSource({ x: `${dir}/x.npy`, y: "r.npy" }, { baseDir: dir });
    assert.equal(regression.classes, undefined);
    assert.ok(regression.y instanceof Float32Array);
  });
});

Deno.test("mod: npy sample counts must agree", async () => {
  await withDir(async (dir) => {
    await Deno.writeFile(`${dir}/x.npy`, encodeNpy(new Float32Array(6), [3, 2]));
    await Deno.writeFile(`${dir}/y.npy`, encodeNpy(new Float32Array(2), [2]));
    await assert.rejects(
      loadNpyDataset(`${dir}/x.npy`, `${dir}/y.npy`),
      (e: unknown) =>
        e instanceof InputError &&
        e.message ===
          `${dir}/x.npy has 3 samples but ${dir}/y.npy has 2: the first axes must match`,
    );
  });
});

Deno.test("mod: csv, synthetic and module sources", async () => {
  await withDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/d.csv`, "a,b,l\n1,2,x\n3,4,y\n");
    const csv = await loadDataSource({ csv: "d.csv", label: "l", oneHot: true }, { baseDir: dir });
    assert.deepEqual(csv.yShape, [2]);
    const synthetic = await loadDataSource({ synthetic: { samples: 10, seed: 1 } });
    assert.equal(synthetic.size, 10);
    await Deno.writeTextFile(
      `${dir}/m.ts`,
      "export const loadData = ({ split }: { split: string }) => ({ x: [[split.length]], y: [0] });",
    );
    const train = await loadDataSource({ module: "m.ts" }, { baseDir: dir });
    const validation = await loadDataSource({ module: "m.ts" }, {
      baseDir: dir,
      split: "validation",
    });
    assert.deepEqual(Array.from(train.x), [5]);
    assert.deepEqual(Array.from(validation.x), [10]);
  });
});

Deno.test("mod: loadDataSplits aligns class names and counts across splits", async () => {
  await withDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/train.csv`, "a,l\n1,cat\n2,dog\n3,emu\n");
    await Deno.writeTextFile(`${dir}/val.csv`, "a,l\n4,emu\n5,cat\n");
    const splits = await loadDataSplits(
      { train: { csv: "train.csv", label: "l" }, validation: { csv: "val.csv", label: "l" } },
      { baseDir: dir },
    );
    assert.deepEqual(Array.from(splits.validation!.y), [2, 0]);
    assert.equal(splits.validation!.classes, 3);
    const oneHot = await loadDataSplits(
      {
        train: { csv: "train.csv", label: "l", oneHot: true },
        validation: { csv: "val.csv", label: "l", oneHot: true },
      },
      { baseDir: dir },
    );
    assert.deepEqual(oneHot.validation!.yShape, [3]);
    assert.deepEqual(Array.from(oneHot.validation!.y), [0, 0, 1, 1, 0, 0]);

    await Deno.writeTextFile(`${dir}/bad.csv`, "a,l\n4,yak\n");
    await assert.rejects(
      loadDataSplits(
        { train: { csv: "train.csv", label: "l" }, validation: { csv: "bad.csv", label: "l" } },
        { baseDir: dir },
      ),
      (e: unknown) =>
        e instanceof InputError &&
        e.message ===
          'data.validation: classes "yak" do not occur in the training data (its classes: "cat", "dog", "emu")',
    );
  });
});

Deno.test("mod: loadDataSplits takes the larger class count and checks shapes", async () => {
  await withDir(async (dir) => {
    await Deno.writeFile(`${dir}/x.npy`, encodeNpy(new Float32Array(4), [2, 2]));
    await Deno.writeFile(`${dir}/y.npy`, encodeNpy(new Int32Array([0, 1]), [2]));
    await Deno.writeFile(`${dir}/vy.npy`, encodeNpy(new Int32Array([3, 0]), [2]));
    await Deno.writeFile(`${dir}/vx3.npy`, encodeNpy(new Float32Array(6), [2, 3]));
    const splits = await loadDataSplits(
      { train: { x: "x.npy", y: "y.npy" }, validation: { x: "x.npy", y: "vy.npy" } },
      { baseDir: dir },
    );
    assert.equal(splits.train.classes, 4);
    assert.equal(splits.validation!.classes, 4);
    await assert.rejects(
      loadDataSplits(
        { train: { x: "x.npy", y: "y.npy" }, validation: { x: "vx3.npy", y: "y.npy" } },
        { baseDir: dir },
      ),
      (e: unknown) =>
        e instanceof InputError &&
        e.message === "data.validation: samples have shape [3] but training samples have shape [2]",
    );
    const onlyTrain = await loadDataSplits({ train: { x: "x.npy", y: "y.npy" } }, { baseDir: dir });
    assert.equal(onlyTrain.validation, undefined);
  });
});
