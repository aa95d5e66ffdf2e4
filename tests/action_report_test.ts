import assert from "node:assert/strict";
import { commentBody, commentMarker, MAX_COMMENT_LENGTH } from "../action/report.ts";
import { divergedResult, noSuggestionResult, tinyResult } from "./fixtures/lr_results.ts";

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
