import assert from "node:assert/strict";
import { commentBody, commentMarker, MAX_COMMENT_LENGTH } from "../action/report.ts";
import type { Warning } from "../src/result.ts";
import { divergedResult, noSuggestionResult, tinyResult } from "./fixtures/lr_results.ts";
import {
  fallbackResult,
  sweepOnlyResult,
  untrustedResult,
  verifiedResult,
} from "./fixtures/verification_results.ts";

/** Asserts that `parts` occur in `text` in this order. */
function assertInOrder(text: string, parts: string[]): void {
  let at = -1;
  for (const part of parts) {
    const found = text.indexOf(part, at + 1);
    assert.ok(found > at, `${JSON.stringify(part)} follows in order in:\n${text}`);
    at = found;
  }
}

Deno.test("commentMarker is a one-line HTML comment that names cannot break out of", () => {
  assert.equal(commentMarker("fashion-mnist"), "<!-- lr-finder:fashion-mnist -->");
  const evil = commentMarker("a --> <b>\nc");
  assert.equal(evil, "<!-- lr-finder:a -__ _b__c -->");
  assert.equal(evil.indexOf("-->"), evil.length - 3);
});

Deno.test("commentBody holds marker, suggestion, comparison, image, rules, settings and chart", () => {
  const result = divergedResult();
  result.settings = { ...result.settings, backend: "webgpu", adapter: "NVIDIA H200" };
  const body = commentBody(result, {
    imageUrl: "https://github.com/o/r/blob/abc/results/x/plot.png?raw=true",
    comparison: "**Compared with main:** suggested 1.0e-3, was 1.0e-3 on main (unchanged).",
    commit: "1234567890abcdef",
    runUrl: "https://github.com/o/r/actions/runs/1",
  });
  const order = [
    "<!-- lr-finder:fashion-mnist-cnn -->",
    "### Learning-rate range test: fashion-mnist-cnn",
    "**Suggested learning rate: ",
    "**Compared with main:**",
    "![Loss against learning rate for fashion-mnist-cnn](https://github.com/o/r/blob/abc/results/x/plot.png?raw=true)",
    "| Rule | Learning rate | Step | Note |",
    "Stop: ",
    "<details>\n<summary>Settings</summary>",
    "| Backend | webgpu, NVIDIA H200 |",
    "<summary>Loss curve (Mermaid)</summary>\n\n```mermaid\nxychart-beta",
    "<sub>commit 1234567 · [workflow run](https://github.com/o/r/actions/runs/1) · LR Finder</sub>",
  ];
  let at = -1;
  for (const part of order) {
    const found = body.indexOf(part, at + 1);
    assert.ok(found > at, `${JSON.stringify(part)} follows in order`);
    at = found;
  }
});

Deno.test("commentBody leaves out the chart, then the settings, then cuts, to fit the limit", () => {
  const result = tinyResult();
  const full = commentBody(result);
  assert.ok(full.length < MAX_COMMENT_LENGTH);
  const noChart = commentBody(result, { maxLength: full.length - 1 });
  assert.ok(!noChart.includes("mermaid") && noChart.includes("<summary>Settings</summary>"));
  const noSettings = commentBody(result, { maxLength: noChart.length - 1 });
  assert.ok(!noSettings.includes("Settings") && noSettings.includes("| Rule |"));
  const cut = commentBody(result, { maxLength: 200 });
  assert.equal(cut.length, 200);
  assert.ok(cut.startsWith("<!-- lr-finder:tiny -->"));
  assert.ok(cut.endsWith("_(cut to fit GitHub's comment limit)_\n"));
  const long = tinyResult();
  long.name = "n".repeat(70_000);
  assert.ok(commentBody(long).length <= MAX_COMMENT_LENGTH);
});

/** Strings an attacker would put in a fork's result.json. */
const INJECTIONS = [
  "<img src=https://attacker.example/a.gif>",
  "@octocat @org/team",
  "fixes #1 and o/r#2",
  "[click](https://attacker.example)",
  "![x](https://attacker.example/x.png)",
  "</details><script>alert(1)</script>",
  "| a | b |\n| --- |",
  "`code` **bold** ~~strike~~",
  "&lt;img src=x&gt;",
];

Deno.test("every string from a result reaches the comment escaped: no HTML, mention or reference", () => {
  for (const evil of INJECTIONS) {
    const result = noSuggestionResult();
    result.settings = {
      ...result.settings,
      backend: "wasm",
      adapter: evil,
      adapterFound: {
        description: evil,
        vendor: evil,
        architecture: evil,
        isFallbackAdapter: true,
      },
      loss: evil,
      optimizer: { name: evil, [evil]: evil },
    };
    result.suggestion = { ...result.suggestion, lr: null, index: null, reason: evil };
    result.suggestions.slide = { lr: null, index: null, method: "slide", reason: evil };
    result.timing = { ...result.timing, startedAt: evil };
    result.warnings = [
      { code: evil as Warning["code"], message: evil, severity: "untrusted" },
      { code: "flat-curve", message: evil, severity: "caution" },
    ];
    result.trials = [{ lr: 1e-3, steps: 10, heldOutLoss: null, diverged: true }];
    result.verification = { ...fallbackResult().verification!, reason: evil };
    result.name = "tiny";
    const body = commentBody(result);
    // Remove what the comment itself writes as HTML; nothing else may look like a tag.
    const own = body.replace(/<!-- lr-finder:tiny -->|<\/?(details|summary|sub)>/g, "");
    // A backslash before `<` makes it text in Markdown.
    assert.doesNotMatch(own, /(^|[^\\])<[A-Za-z/!?]/, `${JSON.stringify(evil)} stays text`);
    assert.doesNotMatch(own, /(^|[^\\])&(?!#8203;)[a-z#]/, "no HTML entity from the result");
    assert.doesNotMatch(body, /(^|[^\\])\[click\]\(/, "no link from the result");
    assert.doesNotMatch(body, /(^|[\s(])@[A-Za-z]/, "no live mention");
    assert.doesNotMatch(body, /(?<!&)#\d/, "no live issue reference");
    assert.doesNotMatch(body, /```[^m\n]/, "no code fence opened by the result");
  }
});

Deno.test("the Backend row says what ran; the adapter found has its own row", () => {
  const wasm = tinyResult();
  wasm.settings = {
    ...wasm.settings,
    backend: "wasm",
    adapterFound: {
      description: "llvmpipe (LLVM 15.0.6, 256 bits)",
      vendor: "65541",
      architecture: "",
      isFallbackAdapter: true,
    },
  };
  const body = commentBody(wasm);
  assert.match(body, /\| Backend \| wasm \|/);
  assert.match(
    body,
    /\| GPU adapter found \| llvmpipe \(LLVM 15\.0\.6, 256 bits\), a software fallback, not used \(the sweep ran on wasm\) \|/,
  );
  const gpu = tinyResult();
  gpu.settings = {
    ...gpu.settings,
    backend: "webgpu",
    adapter: "NVIDIA H200",
    adapterFound: {
      description: "NVIDIA H200",
      vendor: "nvidia",
      architecture: "hopper",
      isFallbackAdapter: false,
    },
  };
  assert.match(
    commentBody(gpu),
    /\| Backend \| webgpu, NVIDIA H200 \|\n\| GPU adapter found \| NVIDIA H200 \|/,
  );
  // A result written before adapterFound existed named the adapter found on a wasm run.
  const old = tinyResult();
  old.settings = { ...old.settings, backend: "wasm", adapter: "llvmpipe" };
  assert.match(
    commentBody(old),
    /\| Backend \| wasm \|\n\| GPU adapter found \| llvmpipe, not used/,
  );
});

Deno.test("a verified rate heads the comment; cautions, verification and the trials table follow", () => {
  const body = commentBody(verifiedResult(), {
    comparison:
      "**Compared with main:** suggested 3.2e-3, was 1.0e-3 on main (x3.2), both verified.",
  });
  assertInOrder(body, [
    "### Learning-rate range test: verified-mlp\n\n" +
    "**Suggested learning rate: 3.2e-3** (verified by short training)\n\n",
    "**Cautions:**\n- the loss starts at 2.3, far above 1.1 for a uniform guess: scale the " +
    "inputs (loss-above-chance)\n\n",
    "**Compared with main:**",
    "**Verification:** 4 rates from 1.0e-4 to 1.0e-1 trained from the same initial weights at " +
    "constant rates for 485 steps in all (at most 270 each; successive halving stopped the " +
    "weaker ones early), in 2.4 s, and scored on 51 held-out training samples (the untrained " +
    "model's loss: 2.310). 1.0e-2 scored best; the suggestion sits 0.5 decades below it",
    [
      "| Learning rate | Steps | Held-out loss | Trial |",
      "| ---: | ---: | ---: | --- |",
      "| 1.0e-4 | 68 | 1.900 | pruned |",
      "| 1.0e-3 | 135 | 0.7500 | pruned |",
      "| **1.0e-2** | 270 | **0.3125** | **best** |",
      "| 1.0e-1 | 12 | n/a | diverged |",
    ].join("\n"),
    "| Rule | Learning rate | Step | Note |",
    "<summary>Settings</summary>",
    "Verification: up to 6 candidate rates 0.5 decades apart, 270 steps each, up to 1,024 " +
    "held-out samples, successive halving on, tolerance 1%, horizon shift 0.5 decades.",
    "Timing: ",
  ]);
  assert.doesNotMatch(body, /WARNING/);
});

Deno.test("a rate that cannot be trusted is not presented: an alert says why", () => {
  const body = commentBody(untrustedResult());
  assert.doesNotMatch(body, /Suggested learning rate/);
  assertInOrder(body, [
    "### Learning-rate range test: untrusted-mlp\n\n> [!WARNING]\n" +
    "> **No learning rate you can trust.** The valley rule read 3.2e-3 from the curve (not " +
    "verified: every trial diverged, even at rates below the lowest loss), which is not a rate " +
    "to use as it is:\n" +
    "> - the loss never falls by more than its noise (it falls by 0.01, the noise is 0.02): the " +
    "curve cannot support a rate; check the data, its scaling and the labels, or sweep a wider " +
    "range (flat-curve)\n\n",
    "**Cautions:**\n- the loss starts at 2.3",
    "No trial chose the rate: every trial diverged, even at rates below the lowest loss.",
    "| 1.0e-1 | 6 | n/a | diverged |",
  ]);
  assert.equal(
    body.split("every trial diverged").length - 1,
    2,
    "the fallback's own warning is not listed again",
  );
  // A verified rate can lose the trust too; the alert names it without presenting it.
  const verified = verifiedResult();
  verified.suggestion.trusted = false;
  verified.warnings = [{
    code: "no-improvement",
    message: "no rate tried lowered the held-out loss below the untrained model's",
    severity: "untrusted",
  }];
  assert.match(
    commentBody(verified),
    /> \[!WARNING\]\n> \*\*No learning rate you can trust\.\*\* Verification picked 3\.2e-3 by short training, which is not a rate to use as it is:\n> - no rate tried lowered the held-out loss below the untrained model's \(no-improvement\)\n/,
  );
  // Without a rate, the alert gives the reason.
  const none = noSuggestionResult();
  none.suggestion = { ...none.suggestion, trusted: false };
  none.warnings = untrustedResult().warnings!.filter((w) => w.code === "flat-curve");
  assert.match(
    commentBody(none),
    /> \[!WARNING\]\n> \*\*No learning rate suggested\*\* \(valley\): the loss never decreases in the search window:\n> - the loss never falls/,
  );
});

Deno.test("a fallback says not verified and why; a sweep without verification says it was off", () => {
  const fallback = commentBody(fallbackResult());
  assert.match(
    fallback,
    /\*\*Suggested learning rate: 3\.2e-3\*\* \(valley rule; not verified: the training data \(40 samples\) is too small to hold out 32 samples for scoring and still fill a batch of 16: give validation data or more samples\)\n/,
  );
  assert.equal(fallback.split("too small to hold out").length - 1, 1, "said once");
  assert.doesNotMatch(fallback, /Cautions|\*\*Verification:\*\*|\| Learning rate \| Steps \|/);
  assert.match(fallback, /Verification: up to 6 candidate rates/, "the settings it would use");
  const off = commentBody(sweepOnlyResult());
  assert.match(
    off,
    /\*\*Suggested learning rate: 3\.2e-3\*\* \(valley rule; not verified: verification was off for this sweep\)\n/,
  );
  assert.doesNotMatch(off, /Verification: up to/);
  // A result written before verification existed reads as before, with the rule.
  assert.match(
    commentBody(tinyResult()),
    /\*\*Suggested learning rate: 3\.2e-3\*\* \(valley rule; /,
  );
});

Deno.test("the trials table goes before the body is cut; the headline and warnings stay", () => {
  const result = untrustedResult();
  const full = commentBody(result);
  const noChart = commentBody(result, { maxLength: full.length - 1 });
  const noSettings = commentBody(result, { maxLength: noChart.length - 1 });
  assert.ok(!noSettings.includes("<details>") && noSettings.includes("| Learning rate | Steps |"));
  const noTrials = commentBody(result, { maxLength: noSettings.length - 1 });
  assert.doesNotMatch(noTrials, /\| Learning rate \| Steps \||cut to fit/);
  for (
    const kept of [/> \[!WARNING\]/, /\(flat-curve\)/, /\(loss-above-chance\)/, /No trial chose/]
  ) {
    assert.match(noTrials, kept);
  }
  const cut = commentBody(result, { maxLength: noTrials.length - 1 });
  assert.match(cut, /cut to fit/);
});
