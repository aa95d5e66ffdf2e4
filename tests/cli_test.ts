import assert from "node:assert/strict";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { setupBackend } from "../src/backend.ts";
import { defaultOutDir, EXIT_CODES, main, VERSION } from "../src/cli.ts";
import { FLAGS } from "../src/cli/flags.ts";
import { saveModel } from "../src/model_io.ts";
import type { LrFinderResult } from "../src/result.ts";
import { blobs, type DenoRunOutput, mlp, ROOT, runDeno, taskPermissions } from "./helpers.ts";
import { requireResource, SCRIPT } from "./resources.ts";

await setupBackend("cpu");

const CLI = join(ROOT, "src", "cli.ts");
/** The permissions of `deno task lr-find`, read from deno.json so the tests follow the task. */
const TASK_FLAGS = await taskPermissions("lr-find");
const SPECIES = ["setosa", "versicolor", "virginica"];

/** The arguments of `deno` that run the CLI as `deno task lr-find` does, then `args`. */
function cliArgs(args: string[], permissions = TASK_FLAGS): string[] {
  return ["run", ...permissions, "--config", join(ROOT, "deno.json"), CLI, ...args];
}

function runCli(args: string[], cwd: string, permissions = TASK_FLAGS): Promise<DenoRunOutput> {
  return runDeno("src/cli.ts", { args, cwd, permissions });
}

/** A folder with a saved model, a CSV training set, a valid config and some broken inputs. */
async function project(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "lr_find_cli_" });
  const model = mlp(4, 3, 8);
  await saveModel(model, join(dir, "model"));
  model.dispose();
  const data = blobs(240, 4, 3);
  const rows = ["a,b,c,d,species"];
  for (let i = 0; i < data.size; i++) {
    const features = Array.from(data.x.subarray(i * 4, i * 4 + 4), (v) => v.toFixed(4));
    rows.push(`${features.join(",")},${SPECIES[data.y[i]]}`);
  }
  await Deno.writeTextFile(join(dir, "train.csv"), rows.join("\n") + "\n");
  const bad = [...rows];
  bad[7] = bad[7].replace(/^[^,]*/, "n/a");
  await Deno.writeTextFile(join(dir, "bad.csv"), bad.join("\n") + "\n");
  await writeJson(join(dir, "lr-finder.json"), {
    name: "iris-like",
    model: "model/model.json",
    data: { train: { csv: "train.csv", label: "species" } },
    loss: "categoricalCrossentropy",
    batchSize: 32,
    sweep: { numIters: 20, seed: 1 },
    verify: { steps: 12, candidates: 3 },
    backend: "cpu",
  });
  return dir;
}

async function writeJson(path: string, value: unknown): Promise<void> {
  await Deno.writeTextFile(path, JSON.stringify(value, null, 2));
}

/** No stack trace or internal file location in a message meant for a person. */
function assertNoStackTrace(text: string): void {
  assert.doesNotMatch(text, /at file:\/\//);
  assert.doesNotMatch(text, /^\s+at /m);
  assert.doesNotMatch(text, /unexpected failure/);
}

/** The progress bar draws with carriage returns / ANSI codes and always shows ETA. */
function assertNoProgressBar(text: string): void {
  assert.ok(!text.includes("\r") && !text.includes("\x1b["), "no carriage returns or ANSI codes");
  assert.doesNotMatch(text, /ETA/);
}

const dir = await project();
globalThis.addEventListener("unload", () => Deno.removeSync(dir, { recursive: true }));

Deno.test("--help documents every flag, an example, the default --out folder and exit codes", async () => {
  const { code, stdout, stderr } = await runCli(["--help"], dir);
  assert.equal(code, 0, stderr);
  for (const flag of FLAGS) assert.match(stdout, new RegExp(`--${flag.name}\\b`), flag.name);
  assert.match(stdout, /Usage:\n {2}deno task lr-find \[config\.json\] \[flags\]/);
  assert.match(stdout, /Examples?:\n {2}deno task lr-find /);
  assert.match(stdout, /default lr-finder-out\/<name>/);
  assert.match(stdout, /Exit codes:\n {2}0 .*\n {2}2 .*bad input.*\n {2}1 /);
  assert.ok(stdout.split("\n").every((line) => line.length <= 100), "lines fit 100 columns");
});

Deno.test("docs/cli.md documents every flag and the exit codes", async () => {
  const doc = await Deno.readTextFile(join(ROOT, "docs", "cli.md"));
  for (const flag of FLAGS) {
    assert.match(doc, new RegExp(`\`(-\\w, )?--${flag.name}\\b`), flag.name);
  }
  assert.match(doc, /## Exit codes/);
  for (const code of [0, 1, 2]) assert.match(doc, new RegExp(`\\| ${code} +\\|`));
});

Deno.test("--version prints the version from deno.json", async () => {
  const { code, stdout } = await runCli(["--version"], dir);
  assert.equal(code, 0);
  assert.equal(stdout, `lr-find ${VERSION}\n`);
});

Deno.test("flags alone run a sweep; --json prints exactly result.json; all files are written", async () => {
  const out = join(dir, "flags-only");
  const { code, stdout, stderr } = await runCli([
    "--model",
    "model/model.json",
    "--csv",
    "train.csv",
    "--label",
    "species",
    "--loss",
    "categorical_crossentropy",
    "--steps",
    "15",
    "--runs",
    "2",
    "--backend",
    "cpu",
    "--verify-steps",
    "12",
    "--out",
    out,
    "--json",
  ], dir);
  assert.equal(code, 0, stderr);
  const result = JSON.parse(stdout) as LrFinderResult;
  assert.equal(stdout, await Deno.readTextFile(join(out, "result.json")));
  assert.equal(result.version, 1);
  assert.equal(result.name, "model");
  assert.equal(result.settings.numIters, 15);
  assert.equal(result.settings.runs, 2);
  assert.equal(result.settings.backend, "cpu");
  assert.equal(result.settings.loss, "categoricalCrossentropy");
  assert.equal(result.settings.trainSize, 240);
  assert.equal(
    result.verification?.settings.steps,
    12,
    "verified by default, as --verify-steps says",
  );
  assert.ok(Array.isArray(result.warnings));
  const png = await Deno.readFile(join(out, "plot.png"));
  assert.deepEqual([...png.subarray(0, 8)], [137, 80, 78, 71, 13, 10, 26, 10]);
  assert.match(await Deno.readTextFile(join(out, "plot.svg")), /^<svg/);
  const csv = (await Deno.readTextFile(join(out, "curve.csv"))).trim().split("\n");
  assert.equal(csv.length, result.lrs.length + 1);
  assert.match(await Deno.readTextFile(join(out, "report.md")), /!\[[^\]]*\]\(plot\.png\)/);
  assertNoProgressBar(stderr);
  assertNoStackTrace(stderr);
});

Deno.test("no progress bar when stderr is not a terminal, only status lines", async () => {
  const { code, stderr } = await runCli(["lr-finder.json", "--out", join(dir, "piped")], dir);
  assert.equal(code, 0, stderr);
  assertNoProgressBar(stderr);
  assert.match(stderr, /iris-like: 67 parameters, 240 training samples, backend cpu/);
});

Deno.test("--quiet prints nothing on stderr", async () => {
  const { code, stderr } = await runCli(["lr-finder.json", "-q", "--out", join(dir, "quiet")], dir);
  assert.equal(code, 0);
  assert.equal(stderr, "");
});

Deno.test("flags override the config; the default --out is lr-finder-out/<name>", async () => {
  const { code, stdout, stderr } = await runCli([
    "lr-finder.json",
    "--name",
    "tuned run",
    "--steps",
    "12",
    "--seed",
    "5",
    "--batch-size",
    "16",
    "--optimizer",
    '{"name":"momentum","momentum":0.8}',
    "--start-lr",
    "1e-5",
    "--end-lr",
    "1",
    "--suggest",
    "minimum",
  ], dir);
  assert.equal(code, 0, stderr);
  const out = join(dir, defaultOutDir("tuned run"));
  assert.equal(out, join(dir, "lr-finder-out", "tuned-run"));
  const result = JSON.parse(await Deno.readTextFile(join(out, "result.json"))) as LrFinderResult;
  assert.equal(result.name, "tuned run");
  assert.equal(result.settings.numIters, 12);
  assert.equal(result.settings.seed, 5);
  assert.equal(result.settings.batchSize, 16);
  assert.deepEqual(result.settings.optimizer, { name: "momentum", momentum: 0.8 });
  assert.equal(result.settings.startLr, 1e-5);
  assert.equal(result.settings.endLr, 1);
  assert.equal(result.settings.suggest, "minimum");
  assert.equal(result.settings.loss, "categoricalCrossentropy", "kept from the config");
  // The summary: the chart, every rule, the files, and the suggestion last.
  assert.match(stdout, /tuned run: (loss against learning rate|no suggestion)/);
  assert.match(stdout, /learning rate \(log scale\)/);
  for (const rule of ["valley", "steepest", "minimum", "slide"]) {
    assert.match(stdout, new RegExp(`^ {2}${rule} `, "m"));
  }
  assert.match(stdout, /Wrote lr-finder-out\/tuned-run\/\{result\.json, plot\.png/);
  const last = stdout.trimEnd().split("\n").at(-1)!;
  assert.match(
    last,
    /^(Suggested learning rate: \d\.\de[-+]\d+ \(minimum\)|No learning rate|No trustworthy suggestion: .*; the minimum rule read \d\.\de[-+]\d+$)/,
  );
});

Deno.test("a bad config exits 2 naming each field to fix, without a stack trace", async () => {
  await writeJson(join(dir, "bad-config.json"), {
    model: "model/model.json",
    data: { train: { csv: "train.csv", label: "species" } },
    sweep: { startLr: 1e-3, endLr: 1e-5, numIter: 50 },
    batchSize: "32",
  });
  const { code, stdout, stderr } = await runCli(["bad-config.json"], dir);
  assert.equal(code, EXIT_CODES.badInput);
  assert.equal(stdout, "");
  assert.match(stderr, /^error: .*bad-config\.json has 3 problems:/m);
  assert.match(stderr, /sweep\.numIter: unknown key, did you mean "numIters"\?/);
  assert.match(stderr, /sweep\.endLr: must be greater than startLr \(0\.001\), got 0\.00001/);
  assert.match(stderr, /batchSize: expected a number, got "32"/);
  assertNoStackTrace(stderr);
});

Deno.test("invalid JSON in the config exits 2 with the line and column", async () => {
  await Deno.writeTextFile(join(dir, "broken.json"), '{\n  "model": "m.json",\n  data: {}\n}');
  const { code, stderr } = await runCli(["broken.json"], dir);
  assert.equal(code, 2);
  assert.match(stderr, /broken\.json:3:3: invalid JSON/);
  assertNoStackTrace(stderr);
});

Deno.test("a missing data file exits 2 naming the file and where paths are resolved", async () => {
  const { code, stderr } = await runCli(["lr-finder.json", "--csv", "nowhere.csv"], dir);
  assert.equal(code, 2);
  assert.match(stderr, /error: .*nowhere\.csv: CSV file not found/);
  assert.match(stderr, /relative paths given as flags are resolved against the working directory/);
  assertNoStackTrace(stderr);
});

Deno.test("a missing config file or model exits 2 naming it", async () => {
  const config = await runCli(["no-such-config.json"], dir);
  assert.equal(config.code, 2);
  assert.match(config.stderr, /no-such-config\.json: config file not found/);
  const model = await runCli(["lr-finder.json", "--model", "gone/model.json"], dir);
  assert.equal(model.code, 2);
  assert.match(model.stderr, /gone\/model\.json: model file not found/);
  assertNoStackTrace(config.stderr + model.stderr);
});

Deno.test("a non-numeric CSV cell exits 2 naming the row, column and value", async () => {
  const { code, stderr } = await runCli(["lr-finder.json", "--csv", "bad.csv"], dir);
  assert.equal(code, 2);
  assert.match(stderr, /bad\.csv: expected a finite number in every feature cell/);
  // bad[7] is line 8 of the file (the header is line 1).
  assert.match(stderr, /row 8, column "a": "n\/a" is not a finite number/);
  assertNoStackTrace(stderr);
});

Deno.test("bad flag values exit 2 naming the flag and its config field", async () => {
  const steps = await runCli(["lr-finder.json", "--steps", "five"], dir);
  assert.equal(steps.code, 2);
  assert.match(
    steps.stderr,
    /error: command-line flags: --steps \(sweep\.numIters\): expected a number, got "five"/,
  );
  const endLr = await runCli(["lr-finder.json", "--end-lr", "1e-9"], dir);
  assert.equal(endLr.code, 2);
  assert.match(endLr.stderr, /--end-lr \(sweep\.endLr\): must be greater than startLr \(1e-7\)/);
  const budget = await runCli(["lr-finder.json", "--time-budget", "soon"], dir);
  assert.equal(budget.code, 2);
  assert.match(budget.stderr, /--time-budget .*expected a positive duration/);
  assertNoStackTrace(steps.stderr + endLr.stderr + budget.stderr);
});

Deno.test("--no-verify sweeps only: no verification, no trials, a curve rule's rate", async () => {
  const out = join(dir, "no-verify");
  const { code, stdout, stderr } = await runCli(
    ["lr-finder.json", "--no-verify", "--out", out],
    dir,
  );
  assert.equal(code, 0, stderr);
  const result = JSON.parse(await Deno.readTextFile(join(out, "result.json"))) as LrFinderResult;
  assert.equal(result.verification, undefined);
  assert.equal(result.trials, undefined);
  assert.notEqual(result.suggestion.method, "verified");
  assert.doesNotMatch(stdout, /^Trials \(/m);
  assert.doesNotMatch(stdout, /^(Verified|Not verified)/m);
  const verified = await runCli(["lr-finder.json", "--out", join(dir, "verified")], dir);
  assert.equal(verified.code, 0, verified.stderr);
  assert.match(verified.stdout, /^Trials \(held-out loss/m, "the config verifies by default");
});

Deno.test("bad verification flags and config values exit 2 in one line naming the field", async () => {
  const candidates = await runCli(["lr-finder.json", "--verify-candidates", "1"], dir);
  assert.equal(candidates.code, 2);
  assert.equal(
    candidates.stderr,
    "error: command-line flags: --verify-candidates (verify.candidates): must be at least 2, " +
      "got 1\n",
  );
  const both = await runCli(["lr-finder.json", "--no-verify", "--verify-steps", "9"], dir);
  assert.equal(both.code, 2);
  assert.match(both.stderr, /^error: --no-verify cannot be combined with --verify-steps: /);
  await writeJson(join(dir, "bad-verify.json"), {
    model: "model/model.json",
    data: { train: { csv: "train.csv", label: "species" } },
    verify: { steps: 0 },
  });
  const config = await runCli(["bad-verify.json"], dir);
  assert.equal(config.code, 2);
  assert.match(
    config.stderr,
    /^error: bad-verify\.json: verify\.steps: must be at least 1, got 0\n$/,
  );
  for (const output of [candidates, both, config]) {
    assert.equal(output.stderr.trimEnd().split("\n").length, 1, output.stderr);
    assertNoStackTrace(output.stderr);
  }
});

Deno.test("an unknown flag exits 2 and suggests the closest one", async () => {
  const { code, stderr } = await runCli(["lr-finder.json", "--stpes", "20"], dir);
  assert.equal(code, 2);
  assert.match(stderr, /error: unknown flag --stpes; did you mean --steps\?/);
  assertNoStackTrace(stderr);
});

Deno.test("without a config, missing model or data flags exit 2 saying what to pass", async () => {
  const noModel = await runCli(["--csv", "train.csv", "--label", "species"], dir);
  assert.equal(noModel.code, 2);
  assert.match(noModel.stderr, /no model given: pass a config file .* or --model PATH/);
  const noData = await runCli(["--model", "model/model.json"], dir);
  assert.equal(noData.code, 2);
  assert.match(noData.stderr, /no training data given: pass --csv FILE --label COLUMN/);
});

Deno.test("an --out folder that cannot be created exits 2 naming --out", async () => {
  await Deno.writeTextFile(join(dir, "a-file"), "");
  const { code, stderr } = await runCli(["lr-finder.json", "--out", "a-file/sub"], dir);
  assert.equal(code, 2);
  assert.match(stderr, /--out a-file\/sub: cannot write the report files there/);
  assertNoStackTrace(stderr);
});

/**
 * A model module for the Ctrl-C tests: it says on stderr when its `mark`th training step has
 * run, and from the next on every step takes at least 1 ms, so a million steps cannot end before
 * the signal (16 minutes at the least) however fast the machine is.
 */
function slowModel(mark: number): string {
  return `import * as tf from "@tensorflow/tfjs";
export function createModel() {
  const model = tf.sequential({
    layers: [tf.layers.dense({ inputShape: [4], units: 3, activation: "softmax" })],
  });
  const apply = model.apply.bind(model);
  let steps = 0;
  model.apply = (inputs, kwargs) => {
    if (kwargs?.training) {
      steps++;
      if (steps === ${mark}) Deno.stderr.writeSync(new TextEncoder().encode("\\n${
    stepMark(mark)
  }\\n"));
      const until = performance.now() + (steps > ${mark} ? 1 : 0);
      while (performance.now() < until);
    }
    return apply(inputs, kwargs);
  };
  return model;
}
`;
}

function stepMark(mark: number): string {
  return `slow-model: step ${mark} trained`;
}

/**
 * Runs the CLI on the slow model with `args`, presses Ctrl-C once its `mark`th training step has
 * run, and returns the exit status, what it printed and the result it wrote to `out`.
 */
async function interruptAt(mark: number, out: string, args: string[]) {
  const file = `slow_model_${mark}.ts`;
  await Deno.writeTextFile(join(dir, file), slowModel(mark));
  const child = new Deno.Command(Deno.execPath(), {
    args: cliArgs(["lr-finder.json", "--model", file, ...args, "--out", out]),
    cwd: dir,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const decoder = new TextDecoder();
  let stderr = "";
  const reader = child.stderr.getReader();
  while (!stderr.includes(stepMark(mark))) {
    const { value, done } = await reader.read();
    if (done) break;
    stderr += decoder.decode(value);
  }
  child.kill("SIGINT");
  // Only a safety net, so that a Ctrl-C that is ignored fails the test instead of hanging it.
  const watchdog = setTimeout(() => child.kill("SIGKILL"), 120_000);
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    stderr += decoder.decode(value);
  }
  const [status, stdout] = await Promise.all([
    child.status,
    new Response(child.stdout).text(),
  ]);
  clearTimeout(watchdog);
  assert.equal(status.signal, null, "the run stopped on Ctrl-C by itself");
  const result = JSON.parse(await Deno.readTextFile(join(out, "result.json"))) as LrFinderResult;
  return { status, stdout, stderr, result };
}

Deno.test("Ctrl-C stops the sweep, writes the partial result and exits 1", async () => {
  const { status, stdout, stderr, result } = await interruptAt(5, join(dir, "interrupted"), [
    "--steps",
    "1000000",
    "--end-lr",
    "1e-4",
  ]);
  assert.equal(status.code, EXIT_CODES.failed, stderr);
  assert.equal(result.stopReason, "aborted");
  assert.ok(result.lrs.length >= 5 && result.lrs.length < 1_000_000, `${result.lrs.length}`);
  assert.match(
    stderr,
    new RegExp(`stopped by Ctrl-C after ${result.lrs.length} of 1000000 steps; the partial`),
  );
  assert.match(stdout, /Stop: aborted after/);
  assert.equal(result.verification?.reason, "the sweep was aborted", "nothing was verified");
  assertNoStackTrace(stderr);
});

Deno.test("Ctrl-C during verification keeps the sweep, says verification stopped, exits 1", async () => {
  // 20 sweep steps, then verification: the mark falls on its fifth training step.
  const { status, stdout, stderr, result } = await interruptAt(25, join(dir, "interrupted-v"), [
    "--steps",
    "20",
    "--verify-steps",
    "1000000",
    "--verify-candidates",
    "2",
  ]);
  assert.equal(status.code, EXIT_CODES.failed, stderr);
  assert.equal(result.lrs.length, 20, "the whole sweep is kept");
  assert.notEqual(result.stopReason, "aborted");
  assert.equal(result.verification?.outcome, "fallback");
  assert.equal(result.verification?.reason, "verification was aborted");
  assert.ok(result.trials && result.trials.every((t) => t.steps < 1_000_000));
  assert.ok(result.warnings?.some((w) => w.code === "verification-stopped"));
  assert.notEqual(result.suggestion.method, "verified");
  assert.match(
    stderr,
    /stopped by Ctrl-C during verification after \d+ training steps; the \w+ rule chose the rate/,
  );
  assert.match(stdout, /caution: not verified: verification was aborted; the curve rule chose/);
  assertNoStackTrace(stderr);
});

const script = await requireResource(SCRIPT);

Deno.test(script.test({
  name: "the progress bar shows step, learning rate, loss and ETA when stderr is a terminal",
  fn: async () => {
    const shell = [
      "deno",
      ...cliArgs(["lr-finder.json", "--steps", "30", "--out", join(dir, "tty")]),
      ">/dev/null",
    ].map((part) => part.startsWith(">") ? part : `'${part}'`).join(" ");
    const output = await new Deno.Command(script.value!, {
      args: ["-qec", shell, "/dev/null"],
      cwd: dir,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      env: { PATH: `${join(Deno.execPath(), "..")}:${Deno.env.get("PATH") ?? ""}` },
    }).output();
    const text = new TextDecoder().decode(output.stdout);
    assert.equal(output.code, 0, text);
    assert.match(text, /step \d+\/30 \| lr \d\.\de[-+]\d+ \| loss [\d.]+ \| ETA \d+s/);
  },
}));

Deno.test("main() returns exit codes in-process: 0 for --help, 2 for a bad flag", async () => {
  const tensors = tf.memory().numTensors;
  assert.equal(await main(["--version"]), 0);
  assert.equal(await main(["--no-such-flag"]), 2);
  assert.equal(tf.memory().numTensors, tensors);
});

Deno.test("defaultOutDir makes a safe folder name", () => {
  assert.equal(defaultOutDir("mnist"), join("lr-finder-out", "mnist"));
  assert.equal(defaultOutDir("a/b c"), join("lr-finder-out", "a-b-c"));
  assert.equal(defaultOutDir("../up"), join("lr-finder-out", "up"));
  assert.equal(defaultOutDir(".."), join("lr-finder-out", "run"));
});

Deno.test("--cpu-kernels blas without --allow-ffi exits 2 naming the flag; auto falls back", async () => {
  const withoutFfi = TASK_FLAGS.filter((flag) => flag !== "--allow-ffi");
  const run = (kernels: string) =>
    runCli(
      [
        "lr-finder.json",
        "--backend",
        "wasm",
        "--cpu-kernels",
        kernels,
        "--json",
        "--quiet",
        "--out",
        join(dir, `no-ffi-${kernels}`),
      ],
      dir,
      withoutFfi,
    );
  const blas = await run("blas");
  assert.equal(blas.code, EXIT_CODES.badInput, blas.stderr);
  assert.match(blas.stderr, /^error: cpuKernels "blas" needs permission .*--allow-ffi/m);
  assertNoStackTrace(blas.stderr);
  const auto = await run("auto");
  assert.equal(auto.code, 0, auto.stderr);
  const result = JSON.parse(auto.stdout) as LrFinderResult;
  assert.deepEqual(result.settings.cpuKernels, {
    kernels: "wasm",
    requested: "auto",
    threads: 1,
    fallback: "Deno runs without --allow-ffi",
  });
});
