/**
 * The sample outputs the docs quote, made by real runs: each sample is a command run as a user
 * would run it, and its output goes between the sample's markers in the docs:
 *
 * ````md
 * <!-- sample demo -->
 *
 * ```text
 * (what the command printed)
 * ```
 *
 * <!-- /sample -->
 * ````
 *
 * `deno task docs` runs every sample and rewrites the blocks; `deno task docs --check` only
 * compares. `tests/doc_samples_test.ts` runs them too and fails when a doc differs from what the
 * commands print now. Timing figures are left out of the comparison ({@linkcode normalizeTiming});
 * temporary folders read `/home/me/proj`.
 * @module
 */
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository's root folder. */
export const ROOT: string = fileURLToPath(new URL("..", import.meta.url));

/** Where the Fashion-MNIST sample reads its data (the Debian package's folder). */
const FASHION_MNIST_DIR = "/usr/share/datasets/fashion-mnist";

/** A folder name samples print instead of their temporary working folder. */
export const PROJECT_DIR = "/home/me/proj";

/** One sample output. */
export interface Sample {
  /** Its name in the docs' markers. */
  id: string;
  /** The docs (relative to the root) that quote it. */
  docs: string[];
  /** Data it needs beyond the repository (the tests skip or fail through tests/resources.ts). */
  needs?: "fashion-mnist";
  /** Why it cannot run here (missing data), or undefined when it can. */
  unavailable?: () => Promise<string | undefined>;
  /** Runs it and returns the text the docs show. */
  run: () => Promise<string>;
}

/** The `--allow-*` flags of a `deno.json` task, so that scripts run as `deno task` runs them. */
export async function taskPermissions(task: string): Promise<string[]> {
  const config = JSON.parse(await Deno.readTextFile(join(ROOT, "deno.json")));
  return (config.tasks[task] as string).split(/\s+/).filter((part) => part.startsWith("--allow"));
}

/** What a finished `deno run` printed and its exit code. */
export interface DenoRunOutput {
  /** Exit code. */
  code: number;
  /** Standard output. */
  stdout: string;
  /** Standard error. */
  stderr: string;
}

/** Where and how {@linkcode runDeno} runs a script. */
export interface RunDenoOptions {
  /** The working folder. */
  cwd: string;
  /** The script's arguments. */
  args?: string[];
  /** The `--allow-*` flags. */
  permissions?: string[];
}

/**
 * Runs `deno run` on `script` (relative to the root) with the repository's `deno.json`, no
 * colours and no input, and returns what it printed.
 */
export async function runDeno(script: string, options: RunDenoOptions): Promise<DenoRunOutput> {
  const { permissions = [], args = [] } = options;
  return await runCommand(
    ["run", ...permissions, "--config", join(ROOT, "deno.json"), join(ROOT, script), ...args],
    { cwd: options.cwd, env: { NO_COLOR: "1" } },
  );
}

/** Runs `deno` with `args` in `cwd`, `env` added to the environment, and no input. */
async function runCommand(
  args: string[],
  options: { cwd: string; env: Record<string, string> },
): Promise<DenoRunOutput> {
  const output = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: options.cwd,
    env: options.env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

/**
 * The `deno` arguments of the Action's step in `action.yml`: the Action's own config and
 * lockfile, its permissions and its entry point.
 */
export function actionRunArgs(): string[] {
  return [
    "run",
    `--config=${join(ROOT, "action", "deno.runtime.json")}`,
    `--lock=${join(ROOT, "action", "deno.runtime.lock")}`,
    "--frozen",
    "--allow-read",
    "--allow-write",
    "--allow-env",
    "--allow-net",
    "--allow-sys",
    "--allow-ffi",
    join(ROOT, "action", "main.ts"),
  ];
}

/** Runs `script` as `deno task <task>` runs it (with the task's permissions). */
export async function runAsTask(
  task: string,
  script: string,
  options: Omit<RunDenoOptions, "permissions">,
): Promise<DenoRunOutput> {
  return await runDeno(script, { ...options, permissions: await taskPermissions(task) });
}

/** Runs `fn` in a fresh temporary folder; its path reads {@linkcode PROJECT_DIR} in the text. */
async function inProject(fn: (dir: string) => Promise<string>): Promise<string> {
  const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "lr-finder-docs-" }));
  try {
    return (await fn(dir)).replaceAll(dir, PROJECT_DIR);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function expectCode(what: string, output: DenoRunOutput, code: number): DenoRunOutput {
  if (output.code !== code) {
    throw new Error(`${what} exited ${output.code}, expected ${code}:\n${output.stderr}`);
  }
  return output;
}

/** Copies the in-repository example (a small model and a CSV) into `dir`. */
async function copyActionExample(dir: string): Promise<void> {
  const from = join(ROOT, "examples", "action");
  for (const file of ["model/model.json", "model/group1-shard1of1.bin", "data/train.csv"]) {
    await Deno.mkdir(join(dir, dirname(file)), { recursive: true });
    await Deno.copyFile(join(from, file), join(dir, file));
  }
}

/**
 * Runs the Action's entry point as its `action.yml` step does (the Action's own config and
 * lockfile), on a push to `main` without a token (no comment, no image hosting), in `dir`; the
 * job summary, which holds the comment's text, goes to `dir/summary.md`.
 */
async function runActionStep(dir: string, inputs: Record<string, string>): Promise<DenoRunOutput> {
  // The runner creates these files before a step starts.
  for (const file of ["summary.md", "output.txt"]) await Deno.writeTextFile(join(dir, file), "");
  await Deno.writeTextFile(join(dir, "event.json"), "{}");
  return await runCommand(actionRunArgs(), {
    cwd: dir,
    env: {
      NO_COLOR: "1",
      "INPUT_GITHUB-TOKEN": "",
      ...inputs,
      GITHUB_STEP_SUMMARY: join(dir, "summary.md"),
      GITHUB_OUTPUT: join(dir, "output.txt"),
      RUNNER_TEMP: dir,
      GITHUB_EVENT_NAME: "push",
      GITHUB_EVENT_PATH: join(dir, "event.json"),
      GITHUB_SHA: "0123456789abcdef0123456789abcdef01234567",
      GITHUB_REF: "refs/heads/main",
      GITHUB_REPOSITORY: "OWNER/REPO",
      GITHUB_SERVER_URL: "https://github.com",
      GITHUB_RUN_ID: "1",
    },
  });
}

/** Every sample the docs quote. */
export const SAMPLES: readonly Sample[] = [
  {
    id: "demo",
    docs: ["README.md"],
    run: () =>
      inProject(async (dir) =>
        expectCode(
          "deno task demo",
          await runAsTask("demo", "src/demo.ts", { args: ["--quiet"], cwd: dir }),
          0,
        )
          .stdout
      ),
  },
  {
    id: "lr-find",
    docs: ["docs/cli.md"],
    run: () =>
      inProject(async (dir) => {
        const config = join(ROOT, "examples", "action", "lr-finder.json");
        const args = [config, "--backend", "wasm", "--quiet"];
        const output = await runAsTask("lr-find", "src/cli.ts", { args, cwd: dir });
        return expectCode("deno task lr-find", output, 0).stdout;
      }),
  },
  {
    id: "lr-find-errors",
    docs: ["docs/cli.md"],
    run: () =>
      inProject(async (dir) => {
        await copyActionExample(dir);
        const csv = await Deno.readTextFile(join(dir, "data", "train.csv"));
        const rows = csv.trimEnd().split("\n");
        const cells = rows[7].split(",");
        cells[1] = "n/a";
        rows[7] = cells.join(",");
        await Deno.writeTextFile(join(dir, "data", "bad.csv"), rows.join("\n") + "\n");
        const write = (name: string, config: unknown) =>
          Deno.writeTextFile(join(dir, name), JSON.stringify(config, null, 2));
        const data = { train: { csv: "data/train.csv", label: "label" } };
        await write("lr-finder.json", {
          model: "model/model.json",
          data,
          sweep: { numIter: 200, startLr: 1e-3, endLr: 1e-5 },
        });
        await write("labels.json", {
          model: "model/model.json",
          data: { train: { ...data.train, oneHot: false } },
          loss: "categoricalCrossentropy",
        });
        const runs = [
          ["lr-finder.json"],
          ["--model", "model/model.json", "--csv", "data.csv", "--label", "label"],
          ["--model", "model/model.json", "--csv", "data/bad.csv", "--label", "label"],
          ["labels.json"],
        ];
        let text = "";
        for (const args of runs) {
          const output = await runAsTask("lr-find", "src/cli.ts", {
            args: [...args, "--quiet"],
            cwd: dir,
          });
          text += expectCode(`lr-find ${args.join(" ")}`, output, 2).stderr;
        }
        return text;
      }),
  },
  {
    id: "action-comment",
    docs: ["docs/action.md"],
    run: () =>
      inProject(async (dir) => {
        const output = await runActionStep(dir, {
          INPUT_CONFIG: join(ROOT, "examples", "action", "lr-finder.json"),
          INPUT_BACKEND: "wasm",
        });
        expectCode("the Action", output, 0);
        const summary = await Deno.readTextFile(join(dir, "summary.md"));
        // The settings and the chart are collapsed, and name this machine's GPU adapter.
        return summary.slice(0, summary.indexOf("<details>")).trimEnd() + "\n";
      }),
  },
  {
    id: "fashion-mnist",
    docs: ["examples/fashion-mnist/README.md"],
    needs: "fashion-mnist",
    unavailable: async () => {
      try {
        await Deno.stat(join(FASHION_MNIST_DIR, "train-images-idx3-ubyte.gz"));
        return undefined;
      } catch {
        return `the Fashion-MNIST files are missing from ${FASHION_MNIST_DIR} ` +
          "(Debian package dataset-fashion-mnist)";
      }
    },
    run: () =>
      inProject(async (dir) => {
        // The permissions the example's README gives.
        const permissions = ["--allow-read", "--allow-write", "--allow-env", "--allow-sys"];
        const script = "examples/fashion-mnist/main.ts";
        const output = await runDeno(script, { permissions, args: ["--quiet"], cwd: dir });
        return expectCode("the Fashion-MNIST example", output, 0).stdout;
      }),
  },
];

/** A sample's block, with the blank lines `deno fmt` keeps around the fence. */
const BLOCK = /(<!-- sample ([\w-]+) -->\n\n?```text\n)([\s\S]*?)(```\n\n?<!-- \/sample -->)/g;

/** The sample blocks of a Markdown text: id and content. */
export function sampleBlocks(markdown: string): { id: string; text: string }[] {
  return [...markdown.matchAll(BLOCK)].map((m) => ({ id: m[2], text: m[3] }));
}

/** The Markdown text with each sample's block holding `outputs[id]` (others unchanged). */
export function withSamples(markdown: string, outputs: ReadonlyMap<string, string>): string {
  return markdown.replace(BLOCK, (whole, open: string, id: string, _text, close: string) => {
    const text = outputs.get(id);
    if (text === undefined) return whole;
    return `${open}${text.endsWith("\n") ? text : `${text}\n`}${close}`;
  });
}

/**
 * The text with timing figures replaced by `<time>`: durations (`12 ms`, `3.4s`, `1.5 min`),
 * so that samples compare equal however fast the machine was.
 */
export function normalizeTiming(text: string): string {
  return text.replace(/\b\d+(?:\.\d+)?\s?(?:ms|s|min|m|h)\b/g, "<time>");
}

/** Runs the samples that can run here; the others are listed with the reason. */
export async function runSamples(
  ids?: readonly string[],
): Promise<{ outputs: Map<string, string>; skipped: Map<string, string> }> {
  const outputs = new Map<string, string>();
  const skipped = new Map<string, string>();
  for (const sample of SAMPLES) {
    if (ids && !ids.includes(sample.id)) continue;
    const reason = await sample.unavailable?.();
    if (reason) skipped.set(sample.id, reason);
    else outputs.set(sample.id, await sample.run());
  }
  return { outputs, skipped };
}

if (import.meta.main) {
  const check = Deno.args.includes("--check");
  const ids = Deno.args.filter((arg) => !arg.startsWith("--"));
  const { outputs, skipped } = await runSamples(ids.length ? ids : undefined);
  for (const [id, reason] of skipped) console.error(`skipped sample ${id}: ${reason}`);
  let stale = 0;
  const docs = new Set(SAMPLES.flatMap((sample) => sample.docs));
  for (const doc of docs) {
    const path = join(ROOT, doc);
    const before = await Deno.readTextFile(path);
    const after = withSamples(before, outputs);
    if (normalizeTiming(after) === normalizeTiming(before)) continue;
    stale++;
    if (check) console.error(`${doc}: a sample differs from what its command prints now`);
    else {
      await Deno.writeTextFile(path, after);
      console.error(`wrote ${relative(ROOT, path)}`);
    }
  }
  if (check && stale > 0) {
    console.error("run deno task docs to write the samples");
    Deno.exit(1);
  }
}
