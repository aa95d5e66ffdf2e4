import assert from "node:assert/strict";
import { PAGE_ASSETS, PAGE_CSP } from "../functions/page.ts";
import type { PageReport } from "./functions_page_browser.ts";
import { smallData, startServer, workerMemory } from "./functions_server.ts";
import { CHROMIUM, requireResource } from "./resources.ts";

const ARTIFACTS = new URL("./artifacts/", import.meta.url);
const DRIVER = new URL("./functions_page_browser.ts", import.meta.url).pathname;
/** The driver imports playwright-core, a test-only package. */
const DEV_CONFIG = new URL("../deno.dev.json", import.meta.url).pathname;
const chromium = await requireResource(CHROMIUM);

Deno.test("the page's files are served with a strict CSP and no external URLs", async () => {
  const server = startServer();
  try {
    const page = await fetch(`${server.url}/`);
    assert.equal(page.status, 200);
    assert.equal(page.headers.get("content-type"), "text/html; charset=utf-8");
    assert.equal(page.headers.get("content-security-policy"), PAGE_CSP);
    assert.match(PAGE_CSP, /script-src 'self'/);
    assert.match(PAGE_CSP, /connect-src 'self'/);
    assert.equal(await page.text(), PAGE_ASSETS["/"].body);
    for (const path of ["/app.js", "/style.css"]) {
      const response = await fetch(`${server.url}${path}`);
      assert.equal(response.status, 200, path);
      assert.equal(response.headers.get("content-type"), PAGE_ASSETS[path].type);
      await response.body?.cancel();
    }
    for (const asset of Object.values(PAGE_ASSETS)) {
      assert.doesNotMatch(asset.body, /(src|href)="https?:/, "no external resource");
      assert.doesNotMatch(asset.body, /fetch\("https?:/, "no external fetch");
    }
    const head = await fetch(`${server.url}/`, { method: "HEAD" });
    assert.equal(head.status, 200);
    assert.equal(await head.text(), "");
  } finally {
    await server.close();
  }
});

Deno.test(chromium.test({
  name: "in Chromium: upload a CSV, watch the curve draw, see the suggestion and a bad CSV's error",
  async fn() {
    const server = startServer();
    const directory = await Deno.makeTempDir();
    await Deno.mkdir(ARTIFACTS, { recursive: true });
    let report: PageReport;
    try {
      const { x, y } = smallData(150);
      const csvPath = `${directory}/blobs.csv`;
      await Deno.writeTextFile(
        csvPath,
        ["f1,f2,label", ...x.map((r, i) => `${r[0]},${r[1]},${"abc"[y[i]]}`)].join("\n"),
      );
      const driver = await new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "-A",
          "--config",
          DEV_CONFIG,
          DRIVER,
          server.url,
          csvPath,
          ARTIFACTS.pathname,
        ],
        stdout: "piped",
        stderr: "piped",
      }).output();
      const stderr = new TextDecoder().decode(driver.stderr);
      assert.equal(driver.code, 0, `the browser driver failed:\n${stderr}`);
      report = JSON.parse(new TextDecoder().decode(driver.stdout));
      assert.deepEqual(await workerMemory(server), { tensors: 0, variables: 0 });
    } finally {
      await server.close();
      await Deno.remove(directory, { recursive: true });
    }
    assert.match(report.status, /backend wasm/);
    assert.match(
      report.suggestion,
      /^Suggested learning rate: [\d.e+-]+ \((valley|steepest|minimum|slide|combined) rule\)$/,
    );
    const recorded = Number(/after (\d+) of 150 steps/.exec(report.progress)![1]);
    assert.equal(report.points, recorded);
    assert.ok(report.points >= 10, `${report.points} points`);
    assert.equal(report.suggestionLines, 1);
    assert.ok(
      report.sizes.some((size) => size > 0 && size < report.points),
      `the curve was drawn while the sweep ran (sizes ${report.sizes.slice(0, 20)})`,
    );
    assert.equal(report.errorAfterGood, false);
    assert.match(report.error, /^Please check the data and settings: data\.csv: /);
    assert.match(report.error, /row 3, column "f2": "oops" is not a finite number/);
    assert.deepEqual(report.consoleErrors.filter((e) => !/422/.test(e)), []);
    for (const name of ["functions_page.png", "functions_page_error.png"]) {
      assert.ok((await Deno.stat(new URL(name, ARTIFACTS))).size > 10_000, name);
    }
  },
}));
