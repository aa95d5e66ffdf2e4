import assert from "node:assert/strict";
import { join, resolve } from "node:path";
import { cliConfig, flagOverrides } from "../src/cli/config.ts";
import { parseCliArgs } from "../src/cli/flags.ts";
import { ConfigError } from "../src/validation.ts";
import { isInputError } from "../src/errors.ts";

const dir = await Deno.makeTempDir({ prefix: "lr_find_cli_config_" });
globalThis.addEventListener("unload", () => Deno.removeSync(dir, { recursive: true }));
const configPath = join(dir, "conf", "lr-finder.json");
await Deno.mkdir(join(dir, "conf"));
await Deno.writeTextFile(
  configPath,
  JSON.stringify({
    name: "base",
    model: "model.json",
    data: {
      train: { csv: "train.csv", label: "species" },
      validation: { x: "vx.npy", y: "vy.npy" },
    },
    optimizer: { name: "adam", beta1: 0.8 },
    sweep: { numIters: 50, startLr: 1e-6 },
  }),
);

function config(args: string[]) {
  return cliConfig(parseCliArgs(args), { cwd: dir });
}

async function rejects(args: string[], pattern: RegExp): Promise<Error> {
  let caught: Error | undefined;
  try {
    await config(args);
  } catch (error) {
    caught = error as Error;
  }
  assert.ok(caught && isInputError(caught), `expected an InputError for ${args.join(" ")}`);
  assert.match(caught.message, pattern);
  return caught;
}

Deno.test("without a config file, the flags alone make the config; paths from the working dir", async () => {
  const resolved = await config([
    "--model",
    "m/model.json",
    "--csv",
    "d.csv",
    "--label",
    "y",
    "--loss",
    "mse",
    "--steps",
    "30",
    "--time-budget",
    "1.5m",
  ]);
  assert.equal(resolved.model, resolve(dir, "m/model.json"));
  assert.deepEqual(resolved.data.train, { csv: resolve(dir, "d.csv"), label: "y" });
  assert.equal(resolved.loss, "meanSquaredError");
  assert.equal(resolved.sweep.numIters, 30);
  assert.equal(resolved.sweep.timeBudgetMs, 90_000);
  assert.equal(resolved.sweep.startLr, 1e-7, "defaults are filled in");
  assert.equal(resolved.name, "m", "the default name is the model's folder");
  assert.equal(resolved.baseDir, dir);
});

Deno.test("flags override the config file and keep what they do not name", async () => {
  const resolved = await config([
    "conf/lr-finder.json",
    "--steps",
    "80",
    "--optimizer",
    "adam",
    "--label",
    "kind",
    "--x",
    "x.npy",
    "--y",
    "y.npy",
  ]);
  assert.equal(resolved.configPath, configPath);
  assert.equal(resolved.sweep.numIters, 80);
  assert.equal(resolved.sweep.startLr, 1e-6, "kept from the file");
  assert.deepEqual(resolved.optimizer, { name: "adam", beta1: 0.8 }, "same name merges");
  assert.deepEqual(resolved.data.train, { x: join(dir, "x.npy"), y: join(dir, "y.npy") });
  assert.deepEqual(resolved.data.validation, {
    x: join(dir, "conf", "vx.npy"),
    y: join(dir, "conf", "vy.npy"),
  }, "file paths stay relative to the config file");
  assert.equal(resolved.model, join(dir, "conf", "model.json"));
});

Deno.test("--label alone changes the config's CSV label; --csv alone keeps it", async () => {
  const label = await config(["conf/lr-finder.json", "--label", "kind"]);
  assert.deepEqual(label.data.train, { csv: join(dir, "conf", "train.csv"), label: "kind" });
  const csv = await config(["conf/lr-finder.json", "--csv", "other.csv"]);
  assert.deepEqual(csv.data.train, { csv: join(dir, "other.csv"), label: "species" });
});

Deno.test("--optimizer takes a name or JSON; another name replaces the config's optimizer", async () => {
  const named = await config(["conf/lr-finder.json", "--optimizer", "sgd"]);
  assert.deepEqual(named.optimizer, { name: "sgd" });
  const json = await config([
    "conf/lr-finder.json",
    "--optimizer",
    '{"name":"rmsprop","decay":0.5}',
  ]);
  assert.deepEqual(json.optimizer, { name: "rmsprop", decay: 0.5 });
  await rejects(["conf/lr-finder.json", "--optimizer", "{oops"], /--optimizer:1:2: invalid JSON/);
});

Deno.test("schema errors from flags name the flag and its field", async () => {
  const error = await rejects(
    ["conf/lr-finder.json", "--steps", "5", "--smoothing", "1", "--mode", "log"],
    /^command-line flags has 3 problems:/,
  );
  assert.ok(error instanceof ConfigError);
  assert.deepEqual(error.issues.map((issue) => issue.path), [
    "--steps (sweep.numIters)",
    "--mode (sweep.mode)",
    "--smoothing (sweep.smoothing)",
  ]);
  await rejects(
    ["conf/lr-finder.json", "--runs", "two"],
    /--runs \(sweep\.runs\): expected a number, got "two"/,
  );
  await rejects(
    ["conf/lr-finder.json", "--optimizer", "adam", "--loss", "nope"],
    /--loss \(loss\): must be one of categoricalCrossentropy/,
  );
});

Deno.test("a conflict with a value from the file or a default names the flag that sets it", async () => {
  await rejects(
    ["conf/lr-finder.json", "--start-lr", "20"],
    /^command-line flags: sweep\.endLr \(set it with --end-lr\): must be greater than startLr \(20\), got 10$/,
  );
});

Deno.test("incomplete data flags say which flag is missing", async () => {
  await rejects(
    ["--model", "m.json", "--x", "x.npy"],
    /^--x needs --y: give the targets \.npy file too$/,
  );
  await rejects(["--model", "m.json", "--y", "y.npy"], /^--y needs --x/);
  await rejects(["--model", "m.json", "--csv", "d.csv"], /^--csv needs --label COLUMN/);
  await rejects(
    ["--model", "m.json", "--label", "y"],
    /--label names the target column .* add --csv FILE/,
  );
  await rejects(
    ["--model", "m.json", "--csv", "d.csv", "--x", "x.npy", "--label", "y"],
    /--csv cannot be combined with --x/,
  );
  await rejects(
    ["--model", "m.json", "--validation-x", "v.npy", "--csv", "d.csv", "--label", "y"],
    /--validation-x needs --validation-y/,
  );
  await rejects(["--csv", "d.csv", "--label", "y"], /^no model given/);
  await rejects(["--model", "m.json"], /^no training data given/);
});

Deno.test("a missing config file is an input error naming it", async () => {
  await rejects(["nope.json"], /nope\.json: config file not found/);
});

Deno.test("flagOverrides passes non-numbers through so the schema reports their type", () => {
  const overrides = flagOverrides({ "batch-size": "many", "start-lr": " 1e-5 ", seed: "" });
  assert.equal(overrides.batchSize, "many" as unknown as number);
  assert.equal(overrides.sweep?.startLr, 1e-5);
  assert.equal(overrides.sweep?.seed, "" as unknown as number);
});

Deno.test("--cpu-kernels and --threads override the config", () => {
  const overrides = flagOverrides(
    parseCliArgs(["--cpu-kernels", "blas", "--threads", "3"]).values,
  );
  assert.equal(overrides.cpuKernels, "blas");
  assert.equal(overrides.threads, 3);
});

Deno.test("--no-verify turns verification off; --verify-steps and --verify-candidates tune it", async () => {
  assert.equal((await config(["conf/lr-finder.json"])).verify, true, "on by default");
  assert.equal((await config(["conf/lr-finder.json", "--no-verify"])).verify, false);
  assert.deepEqual(
    (await config(["conf/lr-finder.json", "--verify-steps", "40", "--verify-candidates", "3"]))
      .verify,
    { steps: 40, candidates: 3 },
  );
  assert.equal(flagOverrides(parseCliArgs(["--verify"]).values).verify, true);
  assert.equal(flagOverrides(parseCliArgs([]).values).verify, undefined, "the config's stands");
  const offInFile = join(dir, "conf", "no-verify.json");
  await Deno.writeTextFile(
    offInFile,
    JSON.stringify({ model: "m.json", data: { train: { x: "x.npy", y: "y.npy" } }, verify: false }),
  );
  assert.equal((await config([offInFile])).verify, false);
  assert.equal((await config([offInFile, "--verify"])).verify, true);
  assert.deepEqual((await config([offInFile, "--verify-steps", "12"])).verify, { steps: 12 });
});

Deno.test("bad verification flags name the flag and its field, in one line", async () => {
  const cases: [string[], RegExp][] = [
    [
      ["--verify-candidates", "1"],
      /^command-line flags: --verify-candidates \(verify\.candidates\): must be at least 2, got 1$/,
    ],
    [
      ["--verify-steps", "0"],
      /^command-line flags: --verify-steps \(verify\.steps\): must be at least 1, got 0$/,
    ],
    [
      ["--verify-steps", "many"],
      /^command-line flags: --verify-steps \(verify\.steps\): expected a number, got "many"$/,
    ],
    [
      ["--verify-steps", "2.5"],
      /^command-line flags: --verify-steps \(verify\.steps\): expected an integer, got 2\.5$/,
    ],
    [
      ["--no-verify", "--verify-steps", "10"],
      /^--no-verify cannot be combined with --verify-steps: drop --no-verify/,
    ],
    [["--no-verify", "--verify"], /^--no-verify cannot be combined with --verify:/],
  ];
  for (const [flags, pattern] of cases) {
    const error = await rejects(["conf/lr-finder.json", ...flags], pattern);
    assert.equal(error.message.split("\n").length, 1, flags.join(" "));
  }
});
