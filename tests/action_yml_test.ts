/**
 * Tests of `action.yml` and the example workflows: GitHub's metadata rules (with GitHub's own
 * parser and schemas, plus the rules it leaves to the runner), and the composite action's own
 * `run` steps executed with bash as the runner does, so the input mapping is tested too.
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { parse } from "yaml";
import { INPUT_DEFAULTS } from "../action/inputs.ts";
import { loadConfig } from "../src/config.ts";
import { metadataErrors } from "./github_mock/metadata.ts";
import { GitHubMock, WORKFLOW_TOKEN } from "./github_mock/mod.ts";
import {
  EXAMPLE_PR,
  parseOutputFile,
  prepareRunner,
  pullRequestPayload,
  removeTempDirs,
  REPO_ROOT,
  runStep,
  writeWorkspace,
} from "./github_mock/runner.ts";

interface Step {
  id?: string;
  name?: string;
  if?: string;
  uses?: string;
  run?: string;
  shell?: string;
  env?: Record<string, string>;
  with?: Record<string, string>;
}

interface ActionMetadata {
  name: string;
  description: string;
  branding?: { icon?: string; color?: string };
  inputs: Record<string, { description?: string; default?: string; required?: boolean }>;
  outputs: Record<string, { description?: string; value?: string }>;
  runs: { using: string; steps: Step[] };
}

const ACTION_TEXT = await Deno.readTextFile(join(REPO_ROOT, "action.yml"));
const ACTION = parse(ACTION_TEXT) as ActionMetadata;
const WORKFLOW_DIR = join(REPO_ROOT, ".github", "workflows");
const BRANDING_COLORS = [
  "white",
  "black",
  "yellow",
  "blue",
  "green",
  "orange",
  "red",
  "purple",
  "gray-dark",
];

Deno.test("action.yml passes GitHub's parser for action metadata", () => {
  assert.deepEqual(metadataErrors("action", "action.yml", ACTION_TEXT), []);
  assert.deepEqual(
    metadataErrors(
      "action",
      "bad.yml",
      "name: x\ndescription: y\nruns:\n  using: composite\n  steps:\n    - run: echo\n",
    ),
    ["bad.yml (Line: 6, Col: 7): Required property is missing: shell"],
    "the parser does reject a composite run step without a shell",
  );
});

Deno.test("action.yml follows the metadata rules the parser leaves to the runner", () => {
  assert.ok(ACTION.name && ACTION.description);
  assert.equal(ACTION.runs.using, "composite");
  assert.ok(ACTION.branding?.icon, "branding has an icon");
  assert.ok(BRANDING_COLORS.includes(ACTION.branding?.color ?? ""), "branding has a valid color");
  for (const [name, input] of Object.entries(ACTION.inputs)) {
    assert.match(name, /^[A-Za-z_][A-Za-z0-9_-]*$/);
    assert.ok(input.description?.trim(), `input ${name} has a description`);
  }
  const stepIds = new Set(ACTION.runs.steps.map((s) => s.id).filter(Boolean));
  for (const [name, output] of Object.entries(ACTION.outputs)) {
    assert.ok(output.description?.trim(), `output ${name} has a description`);
    const value = /^\$\{\{ steps\.([\w-]+)\.outputs\.([\w-]+) \}\}$/.exec(output.value ?? "");
    assert.ok(value, `output ${name} has a value from a step`);
    assert.ok(stepIds.has(value[1]), `output ${name} reads step ${value[1]}, which exists`);
  }
  for (const step of ACTION.runs.steps) {
    assert.ok(
      step.run !== undefined || step.uses !== undefined,
      `step ${step.name} runs something`,
    );
    if (step.run !== undefined) assert.equal(step.shell, "bash", `step ${step.name} has a shell`);
  }
  assert.deepEqual(
    Object.keys(ACTION.outputs).sort(),
    [
      "comment-url",
      "output-dir",
      "plot-path",
      "result-path",
      "results",
      "suggested-lr",
      "trusted",
    ],
  );
});

Deno.test("action.yml's inputs, defaults and environment mapping agree with action/inputs.ts", () => {
  const defaults: Record<string, string | undefined> = Object.fromEntries(
    Object.entries(ACTION.inputs).map(([name, input]) => [name, input.default]),
  );
  assert.deepEqual(
    defaults,
    {
      ...INPUT_DEFAULTS,
      "github-token": "${{ github.token }}",
      cache: "true",
      "deno-version": "2.9.6",
    },
    "action/inputs.ts uses action.yml's defaults; the rest are the composite steps' own",
  );
  const main = ACTION.runs.steps.find((s) => s.id === "lr-finder");
  assert.ok(main?.env);
  for (const name of Object.keys(ACTION.inputs)) {
    const variable = `INPUT_${name.toUpperCase()}`;
    assert.equal(main.env[variable], `\${{ inputs.${name} }}`, `${variable} carries ${name}`);
  }
  assert.match(
    main.run ?? "",
    /--lock="\$\{\{ github\.action_path \}\}\/action\/deno\.runtime\.lock" --frozen/,
  );
});

/** Replaces the expressions a composite step may use; any other expression fails the test. */
function substitute(text: string, values: Record<string, string>): string {
  return text.replace(/\$\{\{\s*([^}]*?)\s*\}\}/g, (_, expression: string) => {
    assert.ok(expression in values, `unsupported expression in a run step: ${expression}`);
    return values[expression];
  });
}

/**
 * Evaluates the `if:` forms action.yml uses: `steps.ID.outputs.NAME == 'VALUE'` (or `!=`) and
 * `inputs.NAME == 'VALUE'`.
 */
function condition(
  expression: string | undefined,
  steps: Record<string, Record<string, string>>,
  values: Record<string, string>,
) {
  if (expression === undefined) return true;
  const match = /^(steps\.([\w-]+)\.outputs\.([\w-]+)|inputs\.[\w-]+) (==|!=) '([^']*)'$/
    .exec(expression.trim());
  assert.ok(match, `unsupported if: ${expression}`);
  const value = match[2] ? steps[match[2]]?.[match[3]] ?? "" : values[match[1]];
  return match[4] === "==" ? value === match[5] : value !== match[5];
}

interface CompositeRun {
  code: number;
  log: string;
  outputs: Record<string, string>;
  skipped: string[];
  steps: Record<string, Record<string, string>>;
  summary: string;
}

/** Runs action.yml's steps as the runner does; `uses` steps must be skipped by their `if`. */
async function runComposite(
  inputs: Record<string, string>,
  options: { apiUrl: string; workspace: string },
): Promise<CompositeRun> {
  const files = await prepareRunner({
    eventName: "pull_request",
    payload: pullRequestPayload(),
    apiUrl: options.apiUrl,
    workspace: options.workspace,
  });
  const values: Record<string, string> = { "github.action_path": REPO_ROOT };
  for (const [name, input] of Object.entries(ACTION.inputs)) {
    const given = inputs[name] ?? input.default ?? "";
    values[`inputs.${name}`] = given === "${{ github.token }}" ? WORKFLOW_TOKEN : given;
  }
  const steps: Record<string, Record<string, string>> = {};
  const skipped: string[] = [];
  let log = "";
  let summary = "";
  for (const [index, step] of ACTION.runs.steps.entries()) {
    if (!condition(step.if, steps, values)) {
      skipped.push(step.name ?? String(index));
      continue;
    }
    assert.ok(step.run !== undefined, `step ${step.name} would run ${step.uses}, not a script`);
    const script = join(files.temp, `step-${index}.sh`);
    await Deno.writeTextFile(script, substitute(step.run, values));
    const outputFile = join(files.temp, `output-${index}.txt`);
    await Deno.writeTextFile(outputFile, "");
    const env: Record<string, string> = { ...files.env, GITHUB_OUTPUT: outputFile };
    for (const [name, value] of Object.entries(step.env ?? {})) {
      env[name] = substitute(value, values);
    }
    // How the runner starts `shell: bash`.
    const result = await runStep(
      { program: "bash", args: ["--noprofile", "--norc", "-eo", "pipefail", script] },
      { files: { ...files, outputFile }, workspace: options.workspace, env },
    );
    log += result.log;
    summary = result.summary;
    if (step.id) steps[step.id] = parseOutputFile(await Deno.readTextFile(outputFile));
    if (result.code !== 0) {
      return { code: result.code, log, outputs: {}, skipped, steps, summary };
    }
  }
  const outputs = Object.fromEntries(
    Object.entries(ACTION.outputs).map(([name, output]) => {
      const [, id, key] = /steps\.([\w-]+)\.outputs\.([\w-]+)/.exec(output.value ?? "")!;
      return [name, steps[id]?.[key] ?? ""];
    }),
  );
  return { code: 0, log, outputs, skipped, steps, summary };
}

Deno.test("action.yml's run steps, run with bash as the runner does, map every input", async () => {
  const mock = new GitHubMock({ repositories: [EXAMPLE_PR.repository] });
  try {
    const workspace = await writeWorkspace({ name: "composite" });
    await Deno.rename(join(workspace, "lr-finder.json"), join(workspace, "my config.json"));
    const run = await runComposite(
      {
        config: "my config.json",
        backend: "cpu",
        comment: "true",
        "image-branch": "plots",
        "deno-version": Deno.version.deno,
        cache: "false",
      },
      { apiUrl: mock.url, workspace },
    );
    assert.equal(run.code, 0, run.log);
    assert.deepEqual(run.steps.deno, { install: "false" }, "deno of this version is installed");
    assert.deepEqual(run.skipped, [
      "Install Deno",
      "Locate Deno's npm cache",
      "Cache Deno's npm packages",
    ]);
    const repo = mock.repository(EXAMPLE_PR.repository);
    assert.equal(repo.comments.length, 1, "github-token defaulted to the workflow token");
    assert.ok(repo.comments[0].body.startsWith("<!-- lr-finder:composite -->"));
    assert.ok(repo.refs.has("refs/heads/plots"), "image-branch reached the Action");
    assert.match(run.log, /backend cpu \(requested cpu[,)]/, "backend reached the Action");
    const result = JSON.parse(await Deno.readTextFile(run.outputs["result-path"]));
    assert.equal(Number(run.outputs["suggested-lr"]), result.suggestion.lr);
    assert.equal(run.outputs.trusted, String(result.suggestion.trusted));
    assert.deepEqual(JSON.parse(run.outputs.results), { composite: result.suggestion.lr });
    assert.equal(run.outputs["comment-url"].endsWith(`#issuecomment-${repo.comments[0].id}`), true);
    assert.match(run.summary, /### Learning-rate range test: composite/);
    assert.deepEqual(mock.violations, []);
  } finally {
    await mock.close();
    await removeTempDirs();
  }
});

Deno.test("action.yml installs Deno only when the wanted version is missing", async () => {
  const workspace = await writeWorkspace();
  const check = ACTION.runs.steps.find((s) => s.id === "deno")!;
  const script = check.run!;
  const run = async (wanted: string) => {
    const files = await prepareRunner({
      eventName: "push",
      payload: {},
      apiUrl: "http://127.0.0.1:9",
      workspace,
    });
    const file = join(files.temp, "check.sh");
    await Deno.writeTextFile(file, script);
    await new Deno.Command("bash", {
      args: ["--noprofile", "--norc", "-eo", "pipefail", file],
      env: { ...files.env, WANTED_DENO_VERSION: wanted },
      clearEnv: true,
      stdout: "null",
    }).output();
    return parseOutputFile(await Deno.readTextFile(files.outputFile));
  };
  assert.deepEqual(await run(Deno.version.deno), { install: "false" });
  assert.deepEqual(await run(`v${Deno.version.deno}`), { install: "false" });
  assert.deepEqual(await run("0.0.1"), { install: "true" });
  assert.deepEqual(await run(""), { install: "false" }, "empty accepts any installed deno");
  await removeTempDirs();
});

Deno.test("the example workflows pass GitHub's workflow parser and use the Action correctly", async () => {
  const files: string[] = [];
  for await (const entry of Deno.readDir(WORKFLOW_DIR)) {
    if (entry.name.endsWith(".yml")) files.push(entry.name);
  }
  files.sort();
  assert.deepEqual(files, ["lr-finder-comment.yml", "lr-finder-cpu.yml", "lr-finder-gpu.yml"]);
  for (const file of files) {
    const text = await Deno.readTextFile(join(WORKFLOW_DIR, file));
    assert.deepEqual(metadataErrors("workflow", file, text), [], file);
    const workflow = parse(text) as {
      jobs: Record<string, { steps: Step[]; strategy?: { matrix?: { config?: string[] } } }>;
    };
    for (const job of Object.values(workflow.jobs)) {
      for (const step of job.steps.filter((s) => s.uses === "./")) {
        for (const name of Object.keys(step.with ?? {})) {
          assert.ok(name in ACTION.inputs, `${file}: ${name} is an input of action.yml`);
        }
      }
      for (const config of job.strategy?.matrix?.config ?? []) {
        const loaded = await loadConfig(join(REPO_ROOT, config));
        assert.ok(loaded.name, `${file}: ${config} is a valid config`);
      }
    }
  }
  assert.deepEqual(
    metadataErrors(
      "workflow",
      "bad.yml",
      "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: echo\n        foo: 1\n",
    ),
    ["bad.yml (Line: 7, Col: 9): Unexpected value 'foo'"],
    "the parser does reject an unknown key",
  );
});

Deno.test("the GPU workflow runs on self-hosted GPU runners only for this repository's code", async () => {
  const workflow = parse(await Deno.readTextFile(join(WORKFLOW_DIR, "lr-finder-gpu.yml")));
  const job = workflow.jobs.sweep;
  assert.deepEqual(job["runs-on"], ["self-hosted", "gpu"]);
  assert.match(job.if, /github\.event\.pull_request\.head\.repo\.full_name == github\.repository/);
  assert.deepEqual(workflow.permissions, { contents: "write", "pull-requests": "write" });
  const comment = parse(await Deno.readTextFile(join(WORKFLOW_DIR, "lr-finder-comment.yml")));
  assert.deepEqual(Object.keys(comment.on), ["workflow_run"]);
  assert.equal(comment.permissions["pull-requests"], "write");
  const steps = comment.jobs.comment.steps as Step[];
  assert.equal(steps.find((s) => s.uses === "./")?.with?.mode, "comment-only");
  assert.ok(
    !steps.some((s) => s.uses?.startsWith("actions/checkout") && s.with?.ref),
    "the comment workflow never checks out the pull request's code",
  );
});

/** Every `uses:` line of a YAML text other than local actions and the placeholder OWNER/. */
function usesLines(text: string): { action: string; ref: string; comment?: string }[] {
  return [...text.matchAll(/^\s*(?:- )?uses: ([^\s@]+)@(\S+)(?:\s+#\s*(.*))?$/gm)]
    .filter((m) => !m[1].startsWith("OWNER/"))
    .map((m) => ({ action: m[1], ref: m[2], comment: m[3] }));
}

/** The ```yaml blocks of a Markdown file. */
function yamlBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^```yaml\n([\s\S]*?)^```$/gm)].map((m) => m[1]);
}

const README = await Deno.readTextFile(join(REPO_ROOT, "README.md"));
const ACTION_DOC = await Deno.readTextFile(join(REPO_ROOT, "docs", "action.md"));

async function workflowTexts(): Promise<Record<string, string>> {
  const texts: Record<string, string> = {};
  for await (const entry of Deno.readDir(WORKFLOW_DIR)) {
    texts[entry.name] = await Deno.readTextFile(join(WORKFLOW_DIR, entry.name));
  }
  return texts;
}

Deno.test("action.yml, the workflows and the snippets pin every action by commit SHA with its version", async () => {
  const sources: Record<string, string> = {
    "action.yml": ACTION_TEXT,
    ...await workflowTexts(),
    "README.md": yamlBlocks(README).join("\n"),
    "docs/action.md": yamlBlocks(ACTION_DOC).join("\n"),
  };
  const pins = new Map<string, string>();
  for (const [file, text] of Object.entries(sources)) {
    for (const use of usesLines(text)) {
      if (use.action === "./") continue;
      assert.match(use.ref, /^[0-9a-f]{40}$/, `${file}: ${use.action} is pinned by commit SHA`);
      assert.match(
        use.comment ?? "",
        /^v\d+\.\d+\.\d+$/,
        `${file}: ${use.action} names its version`,
      );
      const pin = `${use.ref} # ${use.comment}`;
      assert.equal(
        pins.get(use.action) ?? pin,
        pin,
        `${file}: ${use.action} is pinned alike everywhere`,
      );
      pins.set(use.action, pin);
    }
  }
  assert.deepEqual([...pins.keys()].sort(), [
    "actions/cache",
    "actions/checkout",
    "actions/download-artifact",
    "actions/upload-artifact",
    "denoland/setup-deno",
  ]);
  const install = ACTION.runs.steps.find((s) => s.name === "Install Deno");
  assert.match(install?.uses ?? "", /^denoland\/setup-deno@[0-9a-f]{40}$/);
});

Deno.test("action.yml caches Deno's npm packages keyed on the Action's lockfile", async () => {
  const locate = ACTION.runs.steps.find((s) => s.id === "deno-cache")!;
  assert.equal(locate.if, "inputs.cache == 'true'");
  const cache = ACTION.runs.steps.find((s) => s.uses?.startsWith("actions/cache@"))!;
  assert.equal(cache.if, "steps.deno-cache.outputs.key != ''");
  assert.deepEqual(cache.with, {
    path: "${{ steps.deno-cache.outputs.path }}",
    key: "${{ steps.deno-cache.outputs.key }}",
  });
  const order = ACTION.runs.steps.map((s) => s.id ?? s.name);
  assert.ok(
    order.indexOf("Install Deno") < order.indexOf("deno-cache") &&
      order.indexOf("Cache Deno's npm packages") < order.indexOf("lr-finder"),
    "the cache is restored after Deno is installed and before the sweep",
  );
  // The step itself, run with bash as the runner does.
  const workspace = await writeWorkspace();
  const files = await prepareRunner({
    eventName: "push",
    payload: {},
    apiUrl: "http://127.0.0.1:9",
    workspace,
  });
  const script = join(files.temp, "locate.sh");
  await Deno.writeTextFile(script, locate.run!);
  const lockfile = join(REPO_ROOT, "action", "deno.runtime.lock");
  const run = await new Deno.Command("bash", {
    args: ["--noprofile", "--norc", "-eo", "pipefail", script],
    cwd: workspace,
    env: { ...files.env, LOCKFILE: lockfile },
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(run.code, 0, new TextDecoder().decode(run.stderr));
  const outputs = parseOutputFile(await Deno.readTextFile(files.outputFile));
  const info = JSON.parse(
    new TextDecoder().decode(
      (await new Deno.Command(Deno.execPath(), { args: ["info", "--json"], env: files.env })
        .output()).stdout,
    ),
  );
  assert.equal(outputs.path, info.npmCache);
  const digest = new Uint8Array(
    await crypto.subtle.digest("SHA-256", await Deno.readFile(lockfile)),
  );
  const hash = Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
  assert.equal(
    outputs.key,
    `lr-finder-deno-npm-${Deno.build.os}-${Deno.build.arch}-${Deno.version.deno}-${hash}`,
  );
  await removeTempDirs();
});

interface WorkflowShape {
  on: Record<string, { branches?: string[] } | null>;
  concurrency?: { group: string; "cancel-in-progress": string | boolean };
  jobs: Record<string, { steps: Step[]; strategy?: { matrix?: { config?: string[] } } }>;
}

/** The concurrency group and trigger rules of a sweeping workflow or snippet. */
function assertSweepWorkflow(name: string, workflow: WorkflowShape): void {
  assert.deepEqual(workflow.on.push, { branches: ["main"] }, `${name}: a push trigger on main`);
  assert.ok("pull_request" in workflow.on, `${name}: runs on pull requests`);
  assert.ok(workflow.concurrency, `${name}: has a concurrency group`);
  assert.equal(
    workflow.concurrency.group,
    "${{ github.workflow }}-${{ github.event_name == 'pull_request' && " +
      "format('pr-{0}', github.event.pull_request.number) || github.run_id }}",
    `${name}: one group per pull request, one per run otherwise`,
  );
  assert.equal(
    workflow.concurrency["cancel-in-progress"],
    "${{ github.event_name == 'pull_request' }}",
    `${name}: cancels only for pull_request events`,
  );
}

Deno.test("the sweeping workflows and the snippets run on pushes to main and cancel only pull request runs", async () => {
  const texts = await workflowTexts();
  for (const file of ["lr-finder-cpu.yml", "lr-finder-gpu.yml"]) {
    assertSweepWorkflow(file, parse(texts[file]) as WorkflowShape);
  }
  for (const [doc, markdown] of [["README.md", README], ["docs/action.md", ACTION_DOC]]) {
    const snippets = yamlBlocks(markdown).filter((block) => /^jobs:/m.test(block));
    assert.ok(snippets.length >= 1, `${doc} has a workflow snippet`);
    for (const snippet of snippets) {
      assert.deepEqual(metadataErrors("workflow", doc, snippet), [], `${doc}'s snippet parses`);
      assertSweepWorkflow(doc, parse(snippet) as WorkflowShape);
    }
  }
  const comment = parse(texts["lr-finder-comment.yml"]) as WorkflowShape;
  assert.equal(comment.concurrency?.["cancel-in-progress"], false, "comments are never cancelled");
});

Deno.test("the GPU workflow checks the GPU before sweeping; the comment workflow accepts the swept configs only", async () => {
  const texts = await workflowTexts();
  const gpu = parse(texts["lr-finder-gpu.yml"]) as WorkflowShape;
  const steps = gpu.jobs.sweep.steps;
  const check = steps.findIndex((s) => s.run?.trim() === "deno task gpu-check");
  const sweep = steps.findIndex((s) => s.uses === "./");
  const setup = steps.findIndex((s) => s.uses?.startsWith("denoland/setup-deno@"));
  assert.ok(setup >= 0 && setup < check && check < sweep, "Deno, then gpu-check, then the sweep");
  assert.equal(steps[sweep].with?.["require-gpu"], true as unknown as string);
  const cpu = parse(texts["lr-finder-cpu.yml"]) as WorkflowShape;
  const comment = parse(texts["lr-finder-comment.yml"]) as WorkflowShape;
  const post = comment.jobs.comment.steps.find((s) => s.uses === "./")!;
  assert.deepEqual(
    (post.with?.config ?? "").trim().split("\n"),
    cpu.jobs.sweep.strategy?.matrix?.config,
    "the comment workflow accepts the names of the configs the CPU workflow sweeps",
  );
});
