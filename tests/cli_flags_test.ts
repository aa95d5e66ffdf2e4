import assert from "node:assert/strict";
import { configSchema } from "../src/config.ts";
import { flagForField, FLAGS, helpText, parseCliArgs } from "../src/cli/flags.ts";
import { isInputError } from "../src/errors.ts";

function inputError(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (error: Error) => {
    assert.ok(isInputError(error), `expected an InputError, got ${error.name}`);
    assert.match(error.message, pattern);
    return true;
  });
}

Deno.test("parseCliArgs takes one config file and flags by long name, = form and short alias", () => {
  const parsed = parseCliArgs(["cfg.json", "--steps", "200", "--start-lr=1e-6", "-q", "--json"]);
  assert.equal(parsed.configPath, "cfg.json");
  assert.equal(parsed.values.steps, "200");
  assert.equal(parsed.values["start-lr"], "1e-6");
  assert.equal(parsed.values.quiet, true);
  assert.equal(parsed.values.json, true);
  assert.equal(parseCliArgs(["--model", "m.json"]).configPath, undefined);
});

Deno.test("an unknown flag suggests the closest flag: typos, swapped letters, other spelling", () => {
  inputError(
    () => parseCliArgs(["--stpes", "3"]),
    /^unknown flag --stpes; did you mean --steps\?$/,
  );
  inputError(() => parseCliArgs(["--batchSize", "3"]), /did you mean --batch-size\?/);
  inputError(() => parseCliArgs(["--lable=y"]), /unknown flag --lable; did you mean --label\?/);
  inputError(() => parseCliArgs(["--frobnicate"]), /unknown flag --frobnicate; run with --help/);
  inputError(() => parseCliArgs(["-z"]), /unknown flag -z; run with --help/);
});

Deno.test("missing values, values on switches and extra positionals are explained", () => {
  inputError(() => parseCliArgs(["--model"]), /^--model needs a value \(PATH\), found none$/);
  inputError(
    () => parseCliArgs(["--model", "--csv", "d.csv"]),
    /--model needs a value \(PATH\) but is followed by another flag; .* --model=VALUE/,
  );
  inputError(() => parseCliArgs(["--json=yes"]), /--json is a switch and takes no value/);
  inputError(
    () => parseCliArgs(["a.json", "b.json"]),
    /expected at most one config file, got 2 arguments: "a\.json", "b\.json"/,
  );
});

Deno.test("every flag with a field names a real config field; fields map back to flags", () => {
  const shape = configSchema.shape as Record<string, unknown>;
  for (const flag of FLAGS.filter((f) => f.field)) {
    const top = flag.field!.split(".")[0];
    assert.ok(top in shape, `${flag.name} -> ${flag.field}`);
    assert.equal(flagForField(flag.field!), flag);
  }
  assert.equal(flagForField("sweep.numIters")?.name, "steps");
  assert.equal(flagForField("nothing"), undefined);
});

Deno.test("the flags mirror the config's settings, as the issue lists them", () => {
  const names = FLAGS.map((flag) => flag.name);
  for (
    const name of [
      "model",
      "x",
      "y",
      "csv",
      "label",
      "loss",
      "optimizer",
      "batch-size",
      "start-lr",
      "end-lr",
      "steps",
      "runs",
      "seed",
      "backend",
      "suggest",
      "out",
      "help",
      "name",
      "mode",
      "evaluate",
      "time-budget",
      "quiet",
      "json",
      "version",
      "require-gpu",
    ]
  ) {
    assert.ok(names.includes(name), name);
  }
  assert.equal(new Set(names).size, names.length, "no duplicates");
});

Deno.test("helpText lists every flag with its value and help, wrapped to 96 columns", () => {
  const text = helpText("9.9.9");
  assert.match(text, /^lr-find 9\.9\.9: /);
  for (const flag of FLAGS) {
    assert.ok(text.includes(`--${flag.name}${flag.value ? ` ${flag.value}` : ""}`), flag.name);
  }
  assert.ok(text.split("\n").every((line) => line.length <= 96));
  assert.match(text, /-o, --out DIR/);
});

Deno.test("the verification flags: --verify, --no-verify and the commonest options", () => {
  const parsed = parseCliArgs(["--no-verify", "--verify-steps=40", "--verify-candidates", "3"]);
  assert.equal(parsed.values["no-verify"], true);
  assert.equal(parsed.values["verify-steps"], "40");
  assert.equal(parsed.values["verify-candidates"], "3");
  assert.equal(flagForField("verify.steps")?.name, "verify-steps");
  assert.equal(flagForField("verify.candidates")?.name, "verify-candidates");
  assert.equal(flagForField("verify")?.name, "verify");
  const help = helpText("1.0.0");
  assert.match(help, /Verification \(override the config file\):\n {6}--verify /);
  assert.match(help, /--no-verify +the sweep alone, without verification/);
  assert.match(help, /--verify-steps N +training steps [^-]*\(default 270\)/);
});
