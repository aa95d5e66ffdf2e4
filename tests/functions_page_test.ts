import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { chromium } from "playwright-core";
import { PAGE_ASSETS, PAGE_CSP } from "../functions/page.ts";
import { smallData, startServer, tensorCount } from "./functions_server.ts";

const CHROMIUM = "/usr/bin/chromium";
const ARTIFACTS = new URL("./artifacts/", import.meta.url);
const chromiumFound = await Deno.stat(CHROMIUM).then((s) => s.isFile, () => false);
if (!chromiumFound) {
  console.warn(`functions_page_test: ${CHROMIUM} not found (Debian package chromium), skipping`);
}

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

Deno.test({
  name: "in Chromium: upload a CSV, watch the curve draw, see the suggestion and a bad CSV's error",
  ignore: !chromiumFound,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const before = tensorCount();
    const server = startServer();
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
      const consoleErrors: string[] = [];
      page.on("console", (message) => {
        if (message.type() === "error") consoleErrors.push(message.text());
      });
      page.on("pageerror", (error) => consoleErrors.push(String(error)));
      // Remembers every size the smoothed curve had, to see it grow before the result.
      await page.addInitScript(() => {
        const sizes: number[] = [];
        (globalThis as unknown as { curveSizes: number[] }).curveSizes = sizes;
        new MutationObserver(() => {
          const path = document.querySelector("#chart path.smoothed");
          const done = document.querySelector("#suggestion")?.textContent;
          if (path && !done) sizes.push(Number(path.getAttribute("data-points")));
        }).observe(document, { subtree: true, childList: true });
      });
      await page.goto(`${server.url}/`);
      await page.waitForFunction(() =>
        document.querySelector("#server-status")?.textContent?.includes("backend wasm")
      );

      const { x, y } = smallData(150);
      const csv = ["f1,f2,label", ...x.map((r, i) => `${r[0]},${r[1]},${"abc"[y[i]]}`)].join("\n");
      await page.setInputFiles("#csv-file", {
        name: "blobs.csv",
        mimeType: "text/csv",
        buffer: Buffer.from(csv),
      });
      await page.waitForFunction(() =>
        (document.querySelector("#csv-text") as HTMLTextAreaElement).value.startsWith("f1,f2")
      );
      await page.selectOption("#model-size", "tiny");
      await page.selectOption("#optimizer", "sgd");
      await page.fill("#steps", "150");
      await page.click("#run");
      await page.waitForFunction(
        () => document.querySelector("#suggestion")?.textContent?.startsWith("Suggested"),
        undefined,
        { timeout: 60_000 },
      );
      const suggestion = await page.textContent("#suggestion");
      assert.match(
        suggestion!,
        /^Suggested learning rate: [\d.e+-]+ \((valley|steepest|minimum|slide) rule\)$/,
      );
      const points = Number(await page.getAttribute("#chart path.smoothed", "data-points"));
      const steps = await page.textContent("#progress");
      const recorded = Number(/after (\d+) of 150 steps/.exec(steps!)![1]);
      assert.equal(points, recorded);
      assert.ok(points >= 10, `${points} points`);
      assert.equal(await page.locator("#chart .suggestion-line").count(), 1);
      const sizes = await page.evaluate(() =>
        (globalThis as unknown as { curveSizes: number[] }).curveSizes
      );
      assert.ok(
        sizes.some((size) => size > 0 && size < points),
        `the curve was drawn while the sweep ran (sizes ${sizes.slice(0, 20)})`,
      );
      assert.equal(await page.isVisible("#error"), false);
      await Deno.mkdir(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: new URL("functions_page.png", ARTIFACTS).pathname });

      await page.fill("#csv-text", "f1,f2,label\n0.5,1.5,a\n2.5,oops,b\n1,2,c\n");
      await page.click("#run");
      await page.waitForSelector("#error", { state: "visible" });
      const error = await page.textContent("#error");
      assert.match(error!, /^Please check the data and settings: data\.csv: /);
      assert.match(error!, /row 3, column "f2": "oops" is not a finite number/);
      await page.screenshot({ path: new URL("functions_page_error.png", ARTIFACTS).pathname });
      assert.deepEqual(consoleErrors.filter((e) => !/422/.test(e)), []);
    } finally {
      await browser.close();
      await server.close();
    }
    assert.equal(tensorCount(), before);
  },
});
