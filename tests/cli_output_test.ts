/**
 * How the command line reports errors (`src/cli/output.ts`): a user's mistake is one line and
 * exit code 2; an unexpected failure one line, a hint to rerun with `--debug` and exit code 1;
 * `--debug` adds the stack trace and its causes.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { ROOT, withDir } from "./helpers.ts";

/** Runs `reportError` on an error built by `errorSource` in a fresh process. */
async function report(errorSource: string, debug: boolean) {
  let result = { code: -1, stderr: "" };
  await withDir(async (dir) => {
    const script = join(dir, "report.ts");
    await Deno.writeTextFile(
      script,
      `import { reportError } from ${JSON.stringify(join(ROOT, "src", "cli", "output.ts"))};
import { InputError } from ${JSON.stringify(join(ROOT, "src", "errors.ts"))};
const error = ${errorSource};
Deno.exit(reportError(error, { task: "deno task lr-find", debug: ${debug} }));
`,
    );
    const output = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-read", script],
      env: { NO_COLOR: "1" },
      stdout: "null",
      stderr: "piped",
    }).output();
    result = { code: output.code, stderr: new TextDecoder().decode(output.stderr) };
  });
  return result;
}

const TF_FAILURE =
  `new Error("Size(576) must match the product of shape 64,3", { cause: new Error("inner") })`;

Deno.test("an unexpected failure is one line and a hint, without a stack trace", async () => {
  const { code, stderr } = await report(TF_FAILURE, false);
  assert.equal(code, 1);
  assert.equal(
    stderr,
    "error: unexpected failure: Size(576) must match the product of shape 64,3\n" +
      "(rerun with --debug for the stack trace, and please report it with that output)\n",
  );
});

Deno.test("--debug prints the stack trace and its causes", async () => {
  const { code, stderr } = await report(TF_FAILURE, true);
  assert.equal(code, 1);
  assert.match(stderr, /^error: unexpected failure: Size\(576\) must match/);
  assert.match(stderr, /\n\s+at .*report\.ts/);
  assert.match(stderr, /caused by: Error: inner/);
  assert.doesNotMatch(stderr, /rerun with --debug/);
});

Deno.test("a user's mistake is one line and exit code 2", async () => {
  const { code, stderr } = await report(`new InputError("loss: must be one of ...")`, false);
  assert.equal(code, 2);
  assert.equal(stderr, "error: loss: must be one of ...\n");
});
