import assert from "node:assert/strict";
import type { BaseResult } from "../action/assets.ts";
import { comparisonLine, ratioText, settingDifferences } from "../action/comparison.ts";
import type { LrFinderResult } from "../src/result.ts";
import { noSuggestionResult, tinyResult } from "./fixtures/lr_results.ts";
import {
  fallbackResult,
  sweepOnlyResult,
  untrustedResult,
  verifiedResult,
} from "./fixtures/verification_results.ts";

function withLr(lr: number): LrFinderResult {
  const result = tinyResult();
  result.suggestion = { lr, index: 3, method: "valley" };
  return result;
}

function base(result: LrFinderResult, source: BaseResult["source"] = "base-head"): BaseResult {
  return { result, commit: "f95f852bd8fca8fcc58a9a2d6c842781e32a215e", source };
}

Deno.test("ratioText gives two significant digits, or unchanged", () => {
  assert.equal(ratioText(2.1e-3, 1e-3), "x2.1");
  assert.equal(ratioText(4.8e-4, 1e-3), "x0.48");
  assert.equal(ratioText(1e-3, 1e-3), "unchanged");
  assert.equal(ratioText(1.02e-3, 1e-3), "unchanged", "changes that round to x1.0 are noise");
});

Deno.test("comparisonLine reports the change against the base branch's head", () => {
  assert.equal(
    comparisonLine(withLr(2.1e-3), base(withLr(1e-3)), {
      baseRef: "main",
      commitUrl: "https://github.com/o/r/commit/f95f852",
    }),
    "**Compared with main:** suggested 2.1e-3, was 1.0e-3 on main (x2.1), both by the valley " +
      "rule. Base result: [f95f852](https://github.com/o/r/commit/f95f852).",
  );
});

Deno.test("comparisonLine names the latest push when the base commit has no result", () => {
  assert.equal(
    comparisonLine(withLr(1e-3), base(withLr(1e-3), "latest"), { baseRef: "main" }),
    "**Compared with main:** suggested 1.0e-3, was 1.0e-3 on main (unchanged), both by the " +
      "valley rule. Base result: the latest result pushed to main, `f95f852` (the base commit " +
      "has none).",
  );
});

Deno.test("comparisonLine without a base result, or without suggestions", () => {
  assert.equal(
    comparisonLine(withLr(1e-3), undefined, { baseRef: "dev_1" }),
    "Compared with dev\\_1: no result stored for dev\\_1 yet (one is stored when this workflow " +
      "runs on a push to dev\\_1).",
  );
  assert.match(
    comparisonLine(noSuggestionResult(), base(withLr(1e-3)), { baseRef: "main" }),
    /no rate suggested, was 1\.0e-3 on main\./,
  );
  assert.match(
    comparisonLine(withLr(1e-3), base(noSuggestionResult()), { baseRef: "main" }),
    /suggested 1\.0e-3, none was suggested on main\./,
  );
});

Deno.test("settingDifferences lists the settings that shape the curve and changed", () => {
  const now = tinyResult();
  const before = tinyResult();
  assert.deepEqual(settingDifferences(now, before), []);
  before.settings = { ...before.settings, batchSize: 128, backend: "webgpu" };
  assert.deepEqual(settingDifferences(now, before), [
    `backend ${now.settings.backend} (was webgpu)`,
    `batch size ${now.settings.batchSize} (was 128)`,
  ]);
});

function withVerifiedLr(lr: number): LrFinderResult {
  const result = verifiedResult();
  result.suggestion = { lr, index: 3, method: "verified", trusted: true };
  return result;
}

Deno.test("comparisonLine compares two verified rates, and says when one is not trusted", () => {
  assert.equal(
    comparisonLine(withVerifiedLr(3e-3), base(withVerifiedLr(1e-2)), { baseRef: "main" }),
    "**Compared with main:** suggested 3.0e-3, was 1.0e-2 on main (x0.3), both verified. " +
      "Base result: `f95f852`.",
  );
  const doubtful = withVerifiedLr(3e-3);
  doubtful.suggestion.trusted = false;
  assert.match(
    comparisonLine(doubtful, base(withVerifiedLr(1e-2)), { baseRef: "main" }),
    /suggested 3\.0e-3 \(not trusted\), was 1\.0e-2 on main \(x0\.3\), both verified\./,
  );
  assert.match(
    comparisonLine(tinyResult(), base(untrustedResult()), { baseRef: "main" }),
    /suggested 3\.2e-3, was 3\.2e-3 \(not trusted\) on main \(unchanged\), both by the valley rule\./,
  );
});

Deno.test("comparisonLine compares like with like when only one side was verified", () => {
  const head = withVerifiedLr(3e-3);
  const main = sweepOnlyResult();
  main.suggestions.valley = { lr: 1e-3, index: 2, method: "valley" };
  main.suggestion = { ...main.suggestions.valley, trusted: true };
  assert.equal(
    comparisonLine(head, base(main), { baseRef: "main" }),
    "**Compared with main:** suggested 3.0e-3 (verified by short training), was 1.0e-3 " +
      "(valley rule, not verified) on main: only this branch's rate was verified, so the two " +
      "are not compared; like for like, the valley rule reads 3.2e-3 here and read 1.0e-3 on " +
      "main (x3.2). Base result: `f95f852`. Settings differ: verification on (was off).",
  );
  assert.match(
    comparisonLine(fallbackResult(), base(head), { baseRef: "main" }),
    /suggested 3\.2e-3 \(valley rule, not verified\), was 3\.0e-3 \(verified by short training\) on main: only main's rate was verified, so the two are not compared; like for like, the valley rule reads 3\.2e-3 here and read 3\.2e-3 on main \(unchanged\)\./,
  );
  const combined = tinyResult();
  combined.suggestion = { ...combined.suggestions.combined };
  assert.match(
    comparisonLine(combined, base(tinyResult()), { baseRef: "main" }),
    /\(combined rule, not verified\), was 3\.2e-3 \(valley rule, not verified\) on main: different rules chose them, so the two are not compared; like for like, the combined rule reads 1\.8e-3 here and read 1\.8e-3 on main/,
  );
});

Deno.test("settingDifferences names verification turned on or off, and its changed settings", () => {
  assert.deepEqual(settingDifferences(verifiedResult(), tinyResult()), [
    "verification on (was off)",
  ]);
  const longer = verifiedResult();
  longer.verification!.settings = { ...longer.verification!.settings, steps: 500 };
  assert.deepEqual(settingDifferences(longer, verifiedResult()), [
    "verification steps 500 (was 270)",
  ]);
});
