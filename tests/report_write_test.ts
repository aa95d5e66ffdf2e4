import assert from "node:assert/strict";
import { join } from "node:path";
import { decode } from "fast-png";
import { curveCsv } from "../src/report/csv.ts";
import { resultJson } from "../src/report/json.ts";
import {
  renderReport,
  REPORT_FILES,
  writeRenderedReport,
  writeReport,
} from "../src/report/write.ts";
import { multiRunResult } from "./fixtures/lr_results.ts";
import { withDir } from "./helpers.ts";

Deno.test("writeReport writes the five files into a new folder and returns their paths", async () => {
  const root = await Deno.makeTempDir({ prefix: "report_write_test_" });
  try {
    const dir = join(root, "nested", "out");
    const result = multiRunResult();
    const files = await writeReport(result, dir);
    assert.deepEqual(files, {
      json: join(dir, "result.json"),
      png: join(dir, "plot.png"),
      svg: join(dir, "plot.svg"),
      csv: join(dir, "curve.csv"),
      markdown: join(dir, "report.md"),
    });
    const names = [];
    for await (const entry of Deno.readDir(dir)) names.push(entry.name);
    assert.deepEqual(names.sort(), Object.values(REPORT_FILES).sort());
    assert.equal(await Deno.readTextFile(files.json), resultJson(result));
    assert.equal(await Deno.readTextFile(files.csv), curveCsv(result));
    const svg = await Deno.readTextFile(files.svg);
    assert.ok(svg.startsWith("<svg"));
    const png = decode(await Deno.readFile(files.png));
    assert.ok(png.width > 1400);
    const markdown = await Deno.readTextFile(files.markdown);
    assert.ok(markdown.includes("](plot.png)"));
    assert.ok(markdown.includes("```mermaid"));
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("writeReport replaces files from an earlier report", async () => {
  const dir = await Deno.makeTempDir({ prefix: "report_write_test_" });
  try {
    await Deno.writeTextFile(join(dir, "result.json"), "old");
    const files = await writeReport(multiRunResult(), dir, {
      scale: 1,
      markdown: { imageUrl: "https://example.test/p.png", mermaid: false },
    });
    assert.notEqual(await Deno.readTextFile(files.json), "old");
    const markdown = await Deno.readTextFile(files.markdown);
    assert.ok(markdown.includes("](https://example.test/p.png)"));
    assert.ok(!markdown.includes("```mermaid"));
    assert.ok(decode(await Deno.readFile(files.png)).width < 1000);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("renderReport holds in memory exactly what writeRenderedReport writes", async () => {
  await withDir(async (dir) => {
    const result = multiRunResult();
    const report = await renderReport(result, { markdown: { mermaid: false } });
    assert.equal(report.json, resultJson(result));
    assert.equal(report.csv, curveCsv(result));
    assert.ok(!report.markdown.includes("```mermaid"));
    const files = await writeRenderedReport(report, dir);
    assert.equal(await Deno.readTextFile(files.json), report.json);
    assert.equal(await Deno.readTextFile(files.svg), report.svg);
    assert.equal(await Deno.readTextFile(files.markdown), report.markdown);
    assert.deepEqual(await Deno.readFile(files.png), report.png);
  });
});
