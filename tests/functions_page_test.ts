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
  name: "in Chromium: upload a CSV, watch the curve draw and the trials run, see the suggestion, " +
    "the trials and the warnings; an untrusted curve; without verification; a bad CSV's error",
  async fn() {
    const server = startServer();
    const directory = await Deno.makeTempDir();
    await Deno.mkdir(ARTIFACTS, { recursive: true });
    let report: PageReport;
    try {
      const { x, y } = smallData(300);
      const csvPath = `${directory}/blobs.csv`;
      await Deno.writeTextFile(
        csvPath,
        ["f1,f2,label", ...x.map((r, i) => `${r[0]},${r[1]},${"abc"[y[i]]}`)].join("\n"),
      );
      const noisePath = `${directory}/noise.csv`;
      await Deno.writeTextFile(noisePath, noiseCsv(300));
      const driver = await new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "-A",
          "--config",
          DEV_CONFIG,
          DRIVER,
          server.url,
          csvPath,
          noisePath,
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
      /^Suggested learning rate: [\d.e+-]+ \(verified by short training\)$/,
    );
    assert.match(
      report.verdict,
      /^Verified: (\d+) rates trained from the same start, up to 270 steps each, scored on 60 held-out samples\.$/,
    );
    assert.ok(report.trials.length >= 2, `${report.trials.length} trials`);
    assert.equal(report.trialMarkers, report.trials.length);
    assert.equal(report.verdict.split(" ")[1], String(report.trials.length));
    assert.equal(report.trials.filter((row) => row[3] === "chosen").length, 1);
    for (const [lr, steps, loss] of report.trials) {
      assert.match(lr, /^[\d.e+-]+$/);
      assert.ok(Number(steps) >= 1 && Number(steps) <= 270, steps);
      assert.match(loss, /^([\d.e+-]+|—)$/);
    }
    assert.ok(report.verifyLines.length > 0, "verification's progress was shown");
    const done = report.verifyLines.map((line) => {
      const match =
        /^Verifying: trial \d+ of \d+ at [\d.e+-]+, step \d+; (\d+) of \d+ steps planned$/
          .exec(line);
      assert.ok(match, line);
      return Number(match[1]);
    });
    assert.deepEqual(done, [...done].sort((a, b) => a - b), "verification moved forward");
    assert.match(report.progress, /; verification trained \d+ steps in [\d.]+ s\.$/);
    assert.ok(
      report.warnings.every((w) => /^caution /.test(w)),
      `only cautions on a good curve: ${report.warnings}`,
    );

    assert.match(report.untrusted.suggestion, /^No rate to trust: /);
    assert.match(report.untrusted.suggestion, /\(and 1 more below\)$/);
    assert.doesNotMatch(report.untrusted.suggestion, /Suggested learning rate/);
    assert.match(
      report.untrusted.verdict,
      /^(Verification chose|The \w+ rule read) [\d.e+-]+; the warnings say why it is not a rate to use as is\./,
    );
    assert.equal(report.untrusted.suggestionLines, 0, "no suggestion drawn on the chart");
    assert.ok(report.untrusted.warnings.some((w) => /^untrusted .*flat-curve$/.test(w)));
    assert.ok(report.untrusted.trialsShown);

    assert.match(
      report.unverified.suggestion,
      /^Suggested learning rate: [\d.e+-]+ \((valley|steepest|minimum|slide|combined) rule\)$/,
    );
    assert.equal(report.unverified.verdict, "");
    assert.equal(report.unverified.trialsShown, false);
    assert.doesNotMatch(report.unverified.progress, /verification/);

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
    for (
      const name of [
        "functions_page.png",
        "functions_page_untrusted.png",
        "functions_page_error.png",
      ]
    ) {
      assert.ok((await Deno.stat(new URL(name, ARTIFACTS))).size > 10_000, name);
    }
  },
}));

/** Three classes whose labels do not depend on the two features (seeded): no rate trains. */
function noiseCsv(rows: number): string {
  let state = 7;
  const random = () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
  const lines = ["n1,n2,label"];
  for (let i = 0; i < rows; i++) {
    lines.push(`${random().toFixed(3)},${random().toFixed(3)},${"abc"[Math.floor(random() * 3)]}`);
  }
  return lines.join("\n");
}
