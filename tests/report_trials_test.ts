import assert from "node:assert/strict";
import {
  headline,
  headlineParts,
  orderedWarnings,
  suggestionTrusted,
  trialsTable,
  verificationLine,
  WARNING_TITLES,
  warningLine,
  warningLines,
  warningTitle,
} from "../src/report/trials.ts";
import { WARNING_CODES } from "../src/vocabulary.ts";
import {
  divergedResult,
  fallbackResult,
  multiRunResult,
  noSuggestionResult,
  stoppedVerificationResult,
  untrustedResult,
  verifiedResult,
} from "./fixtures/lr_results.ts";

Deno.test("headline: a verified rate, a curve rule's with its range, or why there is none", () => {
  assert.equal(headline(verifiedResult()), "Suggested learning rate: 3.2e-4 (verified)");
  assert.equal(headline(divergedResult()), "Suggested learning rate: 7.6e-4 (valley)");
  assert.match(
    headline(multiRunResult()),
    /^Suggested learning rate: \d\.\de-\d \(valley\), \d\.\de-\d to \d\.\de-\d over 3 of 3 runs$/,
  );
  assert.equal(
    headline(noSuggestionResult()),
    "No learning rate suggested (valley): the loss never decreases in the search window",
  );
  // A verified rate is not a curve rule's: the runs' range of the rule is left out.
  const verifiedRuns = multiRunResult();
  verifiedRuns.suggestion = { lr: 1e-3, index: 50, method: "verified", trusted: true };
  assert.equal(headline(verifiedRuns), "Suggested learning rate: 1.0e-3 (verified)");
});

Deno.test("headline: an untrusted rate is not presented as a suggestion; it says why", () => {
  const text = headline(untrustedResult());
  assert.equal(
    text,
    "No trustworthy suggestion: not verified: every trial diverged, even at rates below the " +
      "lowest loss; the curve rule chose the rate; the combined rule read 1.1e-3",
  );
  assert.doesNotMatch(text, /^Suggested/);
  const parts = headlineParts(untrustedResult());
  assert.equal(parts.lead, "No trustworthy suggestion");
  assert.equal(parts.trusted, false);
  assert.equal(parts.lead + parts.detail, text);
  // A verified rate whose trust a warning withdraws names what verification chose.
  const verified = verifiedResult();
  verified.warnings = [{
    code: "no-improvement",
    message: "no rate tried lowered the held-out loss below the untrained model's",
    severity: "untrusted",
  }];
  assert.equal(
    headline(verified),
    "No trustworthy suggestion: no rate tried lowered the held-out loss below the untrained " +
      "model's; verification chose 3.2e-4",
  );
  // `trusted: false` alone is enough.
  const marked = divergedResult();
  marked.suggestion = { ...marked.suggestion, trusted: false };
  assert.match(headline(marked), /^No trustworthy suggestion: .*; the valley rule read 7\.6e-4$/);
});

Deno.test("headline: a fallback says it was not verified, and why", () => {
  assert.equal(
    headline(fallbackResult()),
    "Suggested learning rate: 1.1e-3 (combined); not verified: the training data (100 " +
      "samples) is too small to hold out 32 samples for scoring and still fill a batch of 64: " +
      "give validation data or more samples",
  );
  assert.equal(headlineParts(fallbackResult()).lead, "Suggested learning rate: 1.1e-3");
});

Deno.test("suggestionTrusted: a rate, not marked false, no warning that withdraws the trust", () => {
  assert.equal(suggestionTrusted(verifiedResult()), true, "a caution qualifies, not withdraws");
  assert.equal(suggestionTrusted(divergedResult()), true, "a result without warnings");
  assert.equal(suggestionTrusted(untrustedResult()), false);
  assert.equal(suggestionTrusted(noSuggestionResult()), false);
  const warned = divergedResult();
  warned.warnings = [{ code: "flat-curve", message: "flat", severity: "untrusted" }];
  assert.equal(suggestionTrusted(warned), false, "a warning alone withdraws it");
});

Deno.test("trialsTable: one row per trial, chosen, trained, pruned and diverged marked", () => {
  const rows = trialsTable(verifiedResult());
  assert.deepEqual(
    rows.map((r) => [r.lr, r.steps, r.heldOutLoss, r.outcome]),
    [
      [3.16228e-5, 68, 1.918, "pruned"],
      [1e-4, 68, 1.3104, "pruned"],
      [3.16228e-4, 270, 0.40215, "trained"],
      [1e-3, 270, 0.37702, "chosen"],
      [3.16228e-3, 135, 0.9532, "pruned"],
      [1e-2, 30, null, "diverged"],
    ],
  );
  assert.deepEqual(trialsTable(divergedResult()), [], "no trials without verification");
  assert.deepEqual(trialsTable(untrustedResult()).map((r) => r.outcome), ["diverged", "diverged"]);
});

Deno.test("trialsTable: trials cut short by a stopped verification read stopped, none chosen", () => {
  assert.deepEqual(
    trialsTable(stoppedVerificationResult()).map((r) => r.outcome),
    ["stopped", "stopped", "trained", "stopped", "stopped", "diverged"],
  );
});

Deno.test("verificationLine: how verification ran, why it fell back, nothing without it", () => {
  assert.equal(
    verificationLine(verifiedResult()),
    "Verified: 6 rates tried, 2 trained all 270 steps (841 steps in 2.5 s), scored on 1024 " +
      "held-out training samples, untrained loss 2.310; best 1.0e-3, suggested half a decade " +
      "below it for training longer than the trials.",
  );
  assert.equal(
    verificationLine(untrustedResult()),
    "Not verified: every trial diverged, even at rates below the lowest loss (2 rates tried, " +
      "15 training steps in 310 ms); the combined rule chose the rate.",
  );
  assert.match(verificationLine(fallbackResult())!, /^Not verified: the training data \(100 /);
  assert.equal(verificationLine(divergedResult()), null);
  const sgd = verifiedResult();
  sgd.verification!.settings.horizonShift = 0;
  sgd.verification!.heldOut = "validation";
  assert.match(verificationLine(sgd)!, /held-out validation samples, .*; best 1\.0e-3\.$/);
});

Deno.test("warnings: untrusted first, one line each, a short title for every code", () => {
  const result = untrustedResult();
  assert.deepEqual(orderedWarnings(result).map((w) => w.code), [
    "trials-diverged",
    "capped-at-minimum",
  ]);
  assert.deepEqual(warningLines(result), [
    "not trusted: not verified: every trial diverged, even at rates below the lowest loss; the " +
    "curve rule chose the rate",
    "caution: the combined rule suggested 0.02, at or above the rate of the lowest loss",
  ]);
  assert.equal(
    warningLine({ code: "flat-curve", message: "m", severity: "caution" }),
    "caution: m",
  );
  assert.deepEqual(warningLines(divergedResult()), []);
  assert.deepEqual(Object.keys(WARNING_TITLES).sort(), [...WARNING_CODES].sort());
  assert.equal(warningTitle(result.warnings![0]), "rule capped below the minimum");
});
