import assert from "node:assert/strict";
import type { BaseResult } from "../action/assets.ts";
import { comparisonLine, ratioText, settingDifferences } from "../action/comparison.ts";
import type { LrFinderResult } from "../src/result.ts";
import { noSuggestionResult, tinyResult } from "./fixtures/lr_results.ts";

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
    "**Compared with main:** suggested 2.1e-3, was 1.0e-3 on main (x2.1). " +
      "Base result: [f95f852](https://github.com/o/r/commit/f95f852).",
  );
});

Deno.test("comparisonLine names the latest push when the base commit has no result", () => {
  assert.equal(
    comparisonLine(withLr(1e-3), base(withLr(1e-3), "latest"), { baseRef: "main" }),
    "**Compared with main:** suggested 1.0e-3, was 1.0e-3 on main (unchanged). " +
      "Base result: the latest result pushed to main, `f95f852` (the base commit has none).",
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
