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
  collect,
  EXAMPLE_PR,
  parseOutputFile,
  prepareRunner,
  pullRequestPayload,
  removeTempDirs,
  REPO_ROOT,
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
    ["comment-url", "output-dir", "plot-path", "result-path", "results", "suggested-lr"],
  );
});

Deno.test("action.yml's inputs, defaults and environment mapping agree with action/inputs.ts", () => {
  const defaults: Record<string, string | undefined> = Object.fromEntries(
    Object.entries(ACTION.inputs).map(([name, input]) => [name, input.default]),
  );
  assert.deepEqual(defaults, {
    config: "lr-finder.json",
    backend: "auto",
    "require-gpu": "false",
    "github-token": "${{ github.token }}",
    comment: "true",
    "image-branch": "lr-finder-assets",
    "fail-on-error": "true",
    mode: "sweep",
    "results-dir": "lr-finder-results",
    "deno-version": "2.9.6",
  });
  for (const [name, value] of Object.entries(INPUT_DEFAULTS)) {
    assert.equal(
      ACTION.inputs[name]?.default,
      value,
      `action/inputs.ts uses action.yml's default of ${name}`,
    );
  }
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

/** Evaluates the `if:` forms action.yml uses: `steps.ID.outputs.NAME == 'VALUE'`. */
function condition(expression: string | undefined, steps: Record<string, Record<string, string>>) {
  if (expression === undefined) return true;
  const match = /^steps\.([\w-]+)\.outputs\.([\w-]+) == '([^']*)'$/.exec(expression.trim());
  assert.ok(match, `unsupported if: ${expression}`);
  return steps[match[1]]?.[match[2]] === match[3];
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
    if (!condition(step.if, steps)) {
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
    const output = await new Deno.Command("bash", {
      args: ["--noprofile", "--norc", "-eo", "pipefail", script],
      cwd: options.workspace,
      env,
      clearEnv: true,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const result = await collect({ ...files, outputFile }, output);
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
      },
      { apiUrl: mock.url, workspace },
    );
    assert.equal(run.code, 0, run.log);
    assert.deepEqual(run.steps.deno, { install: "false" }, "deno of this version is installed");
    assert.deepEqual(run.skipped, ["Install Deno"]);
    const repo = mock.repository(EXAMPLE_PR.repository);
    assert.equal(repo.comments.length, 1, "github-token defaulted to the workflow token");
    assert.ok(repo.comments[0].body.startsWith("<!-- lr-finder:composite -->"));
    assert.ok(repo.refs.has("refs/heads/plots"), "image-branch reached the Action");
    assert.match(run.log, /backend cpu \(requested cpu\)/, "backend reached the Action");
    const result = JSON.parse(await Deno.readTextFile(run.outputs["result-path"]));
    assert.equal(Number(run.outputs["suggested-lr"]), result.suggestion.lr);
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
