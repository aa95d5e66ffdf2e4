/**
 * Running the Action the way the GitHub runner does: a fresh process with `INPUT_*` variables,
 * an event payload file, empty `GITHUB_OUTPUT` and `GITHUB_STEP_SUMMARY` files and
 * `GITHUB_API_URL` pointing at the mock server; plus real webhook payloads from the npm package
 * `@octokit/webhooks-examples` to start from.
 * @module
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { actionRunArgs } from "../../docs/samples.ts";

/** The repository root. */
export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** A webhook example: event name plus payload. */
export type Payload = Record<string, unknown>;

let examples: { name: string; examples: Payload[] }[] | undefined;

const tempDirs: string[] = [];

/** A new temporary folder, removed by {@linkcode removeTempDirs}. */
export async function makeTempDir(prefix: string): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix });
  tempDirs.push(dir);
  return dir;
}

/** Removes the folders made by this module (runner temp folders and workspaces). */
export async function removeTempDirs(): Promise<void> {
  for (const dir of tempDirs.splice(0)) await Deno.remove(dir, { recursive: true });
}

/** A deep copy of the first example payload of an event with the given action (or any). */
export function examplePayload(event: string, predicate: (p: Payload) => boolean): Payload {
  examples ??= JSON.parse(
    Deno.readTextFileSync(fileURLToPath(import.meta.resolve("@octokit/webhooks-examples"))),
  ) as { name: string; examples: Payload[] }[];
  const found = examples.find((e) => e.name === event)?.examples.find(predicate);
  if (!found) throw new Error(`no ${event} example matches`);
  return structuredClone(found);
}

/** Options of a pull request payload. */
export interface PullRequestPayloadOptions {
  /** Event action (default `opened`). */
  action?: string;
  /** Head commit (default: the example's). */
  headSha?: string;
  /** Base commit (default: the example's). */
  baseSha?: string;
  /** Make the head repository a fork. */
  fork?: boolean;
}

/** The `pull_request` example of `Codertocat/Hello-World` #2 (base `master`), adjusted. */
export function pullRequestPayload(options: PullRequestPayloadOptions = {}): Payload {
  const action = options.action ?? "opened";
  const payload = examplePayload("pull_request", (p) => p.action === action);
  const pr = payload.pull_request as {
    head: { sha: string; repo: { full_name: string; fork: boolean; owner: { login: string } } };
    base: { sha: string };
  };
  if (options.headSha) pr.head.sha = options.headSha;
  if (options.baseSha) pr.base.sha = options.baseSha;
  if (options.fork) {
    pr.head.repo.full_name = "forker/Hello-World";
    pr.head.repo.fork = true;
    pr.head.repo.owner.login = "forker";
  }
  return payload;
}

/** The `push` example to `refs/heads/master` of `Codertocat/Hello-World`, at `sha`. */
export function pushPayload(sha: string): Payload {
  const payload = examplePayload("push", (p) => p.ref === "refs/heads/master");
  payload.after = sha;
  return payload;
}

/** Head and base of the example pull request. */
export const EXAMPLE_PR = {
  repository: "Codertocat/Hello-World",
  number: 2,
  headSha: "ec26c3e57ca3a959ca5aad62de7213c562f8c821",
  baseSha: "f95f852bd8fca8fcc58a9a2d6c842781e32a215e",
  baseRef: "master",
};

/** One run of the Action. */
export interface RunnerOptions {
  /** Inputs by name as in `action.yml` (`config`, `github-token`, ...). */
  inputs: Record<string, string>;
  /** Event name (`pull_request`, `push`, `workflow_run`). */
  eventName: string;
  /** Event payload. */
  payload: Payload;
  /** Mock server URL for `GITHUB_API_URL`. */
  apiUrl: string;
  /** `GITHUB_SHA` (default: a pull request's merge-like SHA or the push's `after`). */
  sha?: string;
  /** `GITHUB_REF`. */
  ref?: string;
  /** Working directory (the workspace). */
  workspace: string;
  /** `GITHUB_ACTOR` (default `Codertocat`). */
  actor?: string;
}

/** What a run left behind. */
export interface RunnerResult {
  /** Exit code. */
  code: number;
  /** Standard output and error, interleaved as far as the pipes allow. */
  log: string;
  /** Step outputs parsed from `GITHUB_OUTPUT`. */
  outputs: Record<string, string>;
  /** The job summary. */
  summary: string;
  /** `RUNNER_TEMP`. */
  temp: string;
}

/** Files and variables of the runner for one step; `env` has no `INPUT_*` variables. */
export interface RunnerFiles {
  /** Environment of the step (runner variables only). */
  env: Record<string, string>;
  /** `GITHUB_OUTPUT`. */
  outputFile: string;
  /** `GITHUB_STEP_SUMMARY`. */
  summaryFile: string;
  /** `RUNNER_TEMP`. */
  temp: string;
}

/** Prepares the runner's files and variables, as the runner does before a step. */
export async function prepareRunner(options: Omit<RunnerOptions, "inputs">): Promise<RunnerFiles> {
  const temp = await makeTempDir("lr-finder-runner-");
  const eventPath = join(temp, "event.json");
  const outputFile = join(temp, "output.txt");
  const summaryFile = join(temp, "summary.md");
  await Deno.writeTextFile(eventPath, JSON.stringify(options.payload));
  await Deno.writeTextFile(outputFile, "");
  await Deno.writeTextFile(summaryFile, "");
  const pr = options.payload.pull_request as { number: number } | undefined;
  const env: Record<string, string> = {
    CI: "true",
    GITHUB_ACTIONS: "true",
    GITHUB_EVENT_NAME: options.eventName,
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    GITHUB_API_URL: options.apiUrl,
    GITHUB_SERVER_URL: "https://github.com",
    GITHUB_GRAPHQL_URL: `${options.apiUrl}/graphql`,
    GITHUB_REPOSITORY: EXAMPLE_PR.repository,
    GITHUB_SHA: options.sha ?? String(options.payload.after ?? "0".repeat(40)),
    GITHUB_REF: options.ref ?? (pr ? `refs/pull/${pr.number}/merge` : "refs/heads/master"),
    GITHUB_WORKSPACE: options.workspace,
    GITHUB_RUN_ID: "4242",
    GITHUB_ACTOR: options.actor ?? "Codertocat",
    RUNNER_TEMP: temp,
    RUNNER_OS: "Linux",
    // Every wait on the API (backoff, retry-after, write pacing) a thousand times shorter.
    LR_FINDER_API_TIME_SCALE: "0.001",
    PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
    HOME: Deno.env.get("HOME") ?? temp,
  };
  for (const name of ["DENO_DIR", "XDG_CACHE_HOME"]) {
    const value = Deno.env.get(name);
    if (value) env[name] = value;
  }
  return { env, outputFile, summaryFile, temp };
}

/** The environment variable the runner sets for an input. */
export function inputVariable(name: string): string {
  return `INPUT_${name.replace(/ /g, "_").toUpperCase()}`;
}

/** Parses `GITHUB_OUTPUT` (`name=value` lines and `name<<DELIMITER` blocks). */
export function parseOutputFile(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const block = /^([^=<]+)<<(.+)$/.exec(line);
    if (block) {
      const value: string[] = [];
      for (i++; i < lines.length && lines[i] !== block[2]; i++) value.push(lines[i]);
      outputs[block[1]] = value.join("\n");
    } else if (line.includes("=")) {
      outputs[line.slice(0, line.indexOf("="))] = line.slice(line.indexOf("=") + 1);
    }
  }
  return outputs;
}

/** Collects a finished step's outputs and summary, then removes nothing (see `temp`). */
async function collect(files: RunnerFiles, output: Deno.CommandOutput): Promise<RunnerResult> {
  const decoder = new TextDecoder();
  return {
    code: output.code,
    log: decoder.decode(output.stdout) + decoder.decode(output.stderr),
    outputs: parseOutputFile(await Deno.readTextFile(files.outputFile)),
    summary: await Deno.readTextFile(files.summaryFile),
    temp: files.temp,
  };
}

/** Runs one step's program in the workspace with only `env`, as the runner does, and collects it. */
export async function runStep(
  command: { program: string; args: string[] },
  step: { files: RunnerFiles; workspace: string; env: Record<string, string> },
): Promise<RunnerResult> {
  const { workspace: cwd, env } = step;
  const output = await new Deno.Command(command.program, {
    args: command.args,
    cwd,
    env,
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).output();
  return await collect(step.files, output);
}

/** Runs `action/main.ts` in a new process, as the composite step does. */
export async function runAction(options: RunnerOptions): Promise<RunnerResult> {
  const files = await prepareRunner(options);
  const env = { ...files.env };
  for (const [name, value] of Object.entries(options.inputs)) env[inputVariable(name)] = value;
  const program = Deno.execPath();
  const args = actionRunArgs();
  return await runStep({ program, args }, { files, workspace: options.workspace, env });
}

/** Options of {@linkcode writeWorkspace}. */
export interface WorkspaceOptions {
  /** Config name (default `tiny-mlp`). */
  name?: string;
  /** Extra config fields. */
  config?: Record<string, unknown>;
  /** File name of the config (default `lr-finder.json`). */
  file?: string;
}

/**
 * A workspace folder with an `lr-finder.json` that sweeps the example model of
 * `examples/action/` on its CSV, short and on the cpu backend (fast in tests).
 */
export async function writeWorkspace(options: WorkspaceOptions = {}): Promise<string> {
  const dir = await makeTempDir("lr-finder-workspace-");
  await addConfig(dir, options);
  return dir;
}

/** Adds a config file to a workspace. */
export async function addConfig(dir: string, options: WorkspaceOptions = {}): Promise<void> {
  const example = join(REPO_ROOT, "examples", "action");
  const config = {
    name: options.name ?? "tiny-mlp",
    model: join(example, "model", "model.json"),
    data: { train: { csv: join(example, "data", "train.csv"), label: "label", oneHot: true } },
    loss: "categoricalCrossentropy",
    optimizer: { name: "adam" },
    batchSize: 32,
    sweep: { startLr: 1e-5, endLr: 10, numIters: 40 },
    backend: "cpu",
    ...options.config,
  };
  await Deno.writeTextFile(join(dir, options.file ?? "lr-finder.json"), JSON.stringify(config));
}
