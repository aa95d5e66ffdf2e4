import assert from "node:assert/strict";
import {
  isTrusted,
  methodText,
  notVerifiedText,
  verificationParts,
} from "../action/verification_report.ts";
import { noSuggestionResult, tinyResult } from "./fixtures/lr_results.ts";
import {
  fallbackResult,
  sweepOnlyResult,
  untrustedResult,
  verifiedResult,
} from "./fixtures/verification_results.ts";

Deno.test("isTrusted: a rate, not marked untrusted, and no untrusted warning", () => {
  assert.equal(isTrusted(verifiedResult()), true);
  assert.equal(isTrusted(fallbackResult()), true);
  assert.equal(isTrusted(tinyResult()), true, "a result from before verification");
  assert.equal(isTrusted(untrustedResult()), false);
  assert.equal(isTrusted(noSuggestionResult()), false);
  const marked = verifiedResult();
  marked.suggestion.trusted = false;
  assert.equal(isTrusted(marked), false);
  const warned = tinyResult();
  warned.warnings = [{ code: "flat-curve", message: "flat", severity: "untrusted" }];
  assert.equal(isTrusted(warned), false, "an untrusted warning counts without the flag");
});

Deno.test("methodText and notVerifiedText say how the headline's rate was made", () => {
  assert.equal(methodText(verifiedResult().suggestion), "verified by short training");
  assert.equal(methodText(tinyResult().suggestion), "valley rule");
  assert.equal(notVerifiedText(verifiedResult()), undefined);
  assert.equal(
    notVerifiedText(sweepOnlyResult()),
    "not verified: verification was off for this sweep",
  );
  assert.match(notVerifiedText(fallbackResult())!, /^not verified: the training data \(40 /);
  const asked = verifiedResult();
  asked.suggestion = { ...asked.suggestions.valley, trusted: true };
  assert.equal(
    notVerifiedText(asked),
    "as the config's suggest setting asks; verification's best trial was 1.0e-2",
  );
  const evil = fallbackResult();
  evil.verification!.reason = "<img src=x> @octocat #1";
  assert.equal(notVerifiedText(evil), "not verified: \\<img src=x\\> @&#8203;octocat \\#&#8203;1");
});

Deno.test("verificationParts: each piece is present only when it has something to say", () => {
  const verified = verificationParts(verifiedResult());
  assert.equal(
    verified.headline,
    "**Suggested learning rate: 3.2e-3** (verified by short training)",
  );
  assert.ok(verified.cautions && verified.verification && verified.trials && verified.settings);
  const off = verificationParts(sweepOnlyResult());
  assert.deepEqual(Object.keys(off), ["headline"]);
  const fallback = verificationParts(fallbackResult());
  assert.deepEqual(Object.keys(fallback).sort(), ["headline", "settings"]);
  const untrusted = verificationParts(untrustedResult());
  assert.ok(untrusted.headline.startsWith("> [!WARNING]\n> **No learning rate you can trust.**"));
  assert.doesNotMatch(untrusted.headline, /\*\*Suggested|\*\*3\.2e-3/);
  assert.equal(
    untrusted.cautions,
    "**Cautions:**\n- the loss starts at 2.3, far above 1.1 for a uniform guess: scale the " +
      "inputs (loss-above-chance)",
  );
});

Deno.test("the verified headline leaves out the runs' spread, which is the rules' and not its own", () => {
  const result = verifiedResult();
  result.uncertainty = { low: 1e-3, high: 1e-2, perRun: [1e-3, 1e-2], runsWithSuggestion: 2 };
  assert.equal(
    verificationParts(result).headline,
    "**Suggested learning rate: 3.2e-3** (verified by short training)",
  );
  const ruled = tinyResult();
  ruled.uncertainty = result.uncertainty;
  assert.match(verificationParts(ruled).headline, /, 1\.0e-3 to 1\.0e-2 over 2 of 2 runs$/);
});

Deno.test("without a horizon shift the suggestion is the best trial's rate", () => {
  const result = verifiedResult();
  result.verification!.settings.horizonShift = 0;
  result.verification!.heldOut = "validation";
  const text = verificationParts(result).verification!;
  assert.match(text, /scored on 51 held-out validation samples/);
  assert.match(text, /1\.0e-2 scored best\.$/);
});
