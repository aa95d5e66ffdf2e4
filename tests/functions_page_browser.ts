/**
 * Drives the page in headless Chromium with playwright-core and prints what it saw as JSON:
 * `deno run -A tests/functions_page_browser.ts <server url> <csv file> <noise csv file> <artifacts dir>`
 * (the noise CSV's labels do not depend on its features: a curve that supports no rate).
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
  /** The line under the headline: how verification went. */
  verdict: string;
  /** Rows of the trials table: learning rate, steps, held-out loss, note. */
  trials: string[][];
  /** Trial markers on the chart. */
  trialMarkers: number;
  /** The warnings' texts. */
  warnings: string[];
  /** Progress lines seen while verification ran. */
  verifyLines: string[];
  /** What the page showed for the noise CSV. */
  untrusted: {
    suggestion: string;
    verdict: string;
    warnings: string[];
    suggestionLines: number;
    trialsShown: boolean;
  };
  /** What the page showed with verification unchecked. */
  unverified: { suggestion: string; verdict: string; trialsShown: boolean; progress: string };
  /** Whether the error box was visible after the good sweep. */
  errorAfterGood: boolean;
  /** The error box's text after the bad CSV. */
  error: string;
  /** Console errors and uncaught exceptions of the page. */
  consoleErrors: string[];
}

const [url, csvPath, noisePath, artifacts] = Deno.args;
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
    const verifyLines: string[] = [];
    const seen = globalThis as unknown as { curveSizes: number[]; verifyLines: string[] };
    seen.curveSizes = sizes;
    seen.verifyLines = verifyLines;
    new MutationObserver(() => {
      const path = document.querySelector("#chart path.smoothed");
      const done = document.querySelector("#suggestion")?.textContent;
      if (path && !done) sizes.push(Number(path.getAttribute("data-points")));
      const progress = document.querySelector("#progress")?.textContent ?? "";
      if (progress.startsWith("Verifying") && verifyLines.at(-1) !== progress) {
        verifyLines.push(progress);
      }
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
    verdict: (await page.textContent("#verdict"))!,
    trials: await page.$$eval(
      "#trials tbody tr",
      (rows) => rows.map((row) => [...row.children].map((cell) => cell.textContent ?? "")),
    ),
    trialMarkers: await page.locator("#chart .trial-marker").count(),
    warnings: await page.$$eval("#warning-list li", (items) => items.map((i) => i.textContent!)),
    verifyLines: await page.evaluate(() =>
      (globalThis as unknown as { verifyLines: string[] }).verifyLines
    ),
    untrusted: {
      suggestion: "",
      verdict: "",
      warnings: [],
      suggestionLines: 0,
      trialsShown: false,
    },
    unverified: { suggestion: "", verdict: "", trialsShown: false, progress: "" },
    errorAfterGood: await page.isVisible("#error"),
    error: "",
    consoleErrors,
  };
  await page.screenshot({ path: `${artifacts}/functions_page.png`, fullPage: true });

  /** Runs the form as it stands and waits for the headline. */
  const runToEnd = async () => {
    await page.click("#run");
    await page.waitForFunction(
      () => document.querySelector("#download")?.hasAttribute("hidden") === false,
      undefined,
      { timeout: 60_000 },
    );
  };
  await page.setInputFiles("#csv-file", noisePath);
  await page.waitForFunction(() =>
    (document.querySelector("#csv-text") as HTMLTextAreaElement).value.startsWith("n1,n2,label")
  );
  await page.selectOption("#optimizer", "adam");
  await page.fill("#steps", "100");
  await runToEnd();
  report.untrusted = {
    suggestion: (await page.textContent("#suggestion"))!,
    verdict: (await page.textContent("#verdict"))!,
    warnings: await page.$$eval("#warning-list li", (items) => items.map((i) => i.textContent!)),
    suggestionLines: await page.locator("#chart .suggestion-line").count(),
    trialsShown: await page.isVisible("#trials"),
  };
  await page.screenshot({ path: `${artifacts}/functions_page_untrusted.png`, fullPage: true });

  await page.setInputFiles("#csv-file", csvPath);
  await page.waitForFunction(() =>
    (document.querySelector("#csv-text") as HTMLTextAreaElement).value.startsWith("f1,f2,label")
  );
  await page.uncheck("#verify");
  await runToEnd();
  report.unverified = {
    suggestion: (await page.textContent("#suggestion"))!,
    verdict: (await page.textContent("#verdict"))!,
    trialsShown: await page.isVisible("#trials"),
    progress: (await page.textContent("#progress"))!,
  };

  await page.fill("#csv-text", "f1,f2,label\n0.5,1.5,a\n2.5,oops,b\n1,2,c\n");
  await page.click("#run");
  await page.waitForSelector("#error", { state: "visible" });
  report.error = (await page.textContent("#error"))!;
  await page.screenshot({ path: `${artifacts}/functions_page_error.png` });
  console.log(JSON.stringify(report));
} finally {
  await browser.close();
}
