/**
 * Drives the page in headless Chromium with playwright-core and prints what it saw as JSON:
 * `deno run -A tests/functions_page_browser.ts <server url> <csv file> <artifacts dir>`.
 * `functions_page_test.ts` runs it in a child process, because playwright-core reads `/proc` when
 * it is imported, which needs more permissions than the test suite has.
 * @module
 */
import { chromium } from "playwright-core";

/** What the browser saw. */
export interface PageReport {
  /** The server line at the top of the page. */
  status: string;
  /** The suggestion line after the sweep. */
  suggestion: string;
  /** The progress line after the sweep. */
  progress: string;
  /** Points of the smoothed curve at the end. */
  points: number;
  /** Points of the smoothed curve each time it was drawn before the result came. */
  sizes: number[];
  /** Dashed suggestion lines on the chart. */
  suggestionLines: number;
  /** Whether the error box was visible after the good sweep. */
  errorAfterGood: boolean;
  /** The error box's text after the bad CSV. */
  error: string;
  /** Console errors and uncaught exceptions of the page. */
  consoleErrors: string[];
}

const [url, csvPath, artifacts] = Deno.args;
const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
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
  await page.goto(`${url}/`);
  await page.waitForFunction(() =>
    document.querySelector("#server-status")?.textContent?.startsWith("Server:")
  );
  const status = (await page.textContent("#server-status"))!;

  await page.setInputFiles("#csv-file", csvPath);
  await page.waitForFunction(() =>
    (document.querySelector("#csv-text") as HTMLTextAreaElement).value.length > 0
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
  const report: PageReport = {
    status,
    suggestion: (await page.textContent("#suggestion"))!,
    progress: (await page.textContent("#progress"))!,
    points: Number(await page.getAttribute("#chart path.smoothed", "data-points")),
    sizes: await page.evaluate(() =>
      (globalThis as unknown as { curveSizes: number[] }).curveSizes
    ),
    suggestionLines: await page.locator("#chart .suggestion-line").count(),
    errorAfterGood: await page.isVisible("#error"),
    error: "",
    consoleErrors,
  };
  await page.screenshot({ path: `${artifacts}/functions_page.png` });

  await page.fill("#csv-text", "f1,f2,label\n0.5,1.5,a\n2.5,oops,b\n1,2,c\n");
  await page.click("#run");
  await page.waitForSelector("#error", { state: "visible" });
  report.error = (await page.textContent("#error"))!;
  await page.screenshot({ path: `${artifacts}/functions_page_error.png` });
  console.log(JSON.stringify(report));
} finally {
  await browser.close();
}
