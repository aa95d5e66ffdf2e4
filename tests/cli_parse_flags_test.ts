import assert from "node:assert/strict";
import { parseFlags } from "../src/cli/parse_flags.ts";
import { InputError } from "../src/errors.ts";

const OPTIONS = {
  out: { type: "string", short: "o" },
  quiet: { type: "boolean", short: "q" },
} as const;

Deno.test("parseFlags returns the values of the given flags", () => {
  assert.deepEqual({ ...parseFlags(["-o", "dir", "--quiet"], OPTIONS, "") }, {
    out: "dir",
    quiet: true,
  });
  assert.deepEqual({ ...parseFlags([], OPTIONS, "") }, {});
});

Deno.test("parseFlags: unknown flags and positionals are one-line input errors with the fix", () => {
  for (const args of [["--nope"], ["extra"], ["--out"]]) {
    assert.throws(
      () => parseFlags(args, OPTIONS, " (see --help)"),
      (error: unknown) =>
        error instanceof InputError && !error.message.includes("\n") &&
        error.message.endsWith(" (see --help)"),
      args.join(" "),
    );
  }
});
