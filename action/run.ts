/**
 * What the Action does, free of the runner's globals: for each config, sweep (through
 * `runConfig`), write the reports, host the plot on the image branch, compare with the base
 * branch, append the job summary and update the sticky comment; or, in `comment-only` mode, do
 * the same for the results of the expected configs that another workflow swept, after checking
 * them as untrusted input. With `require-gpu` a sweep must run on WebGPU on a real GPU, whatever
 * the config asks. Errors are collected per config, each naming what to fix.
 * @module
 */
import { join, resolve } from "node:path";
import {
  type BackendInfo,
  type BackendRequest,
  describeGpuAdapter,
  setupBackend,
} from "../src/backend.ts";
import { loadConfig, type ResolvedConfig } from "../src/config.ts";
import { InputError, isInputError } from "../src/errors.ts";
import { formatLoss, formatLr, renderReport, writeRenderedReport } from "../src/report/mod.ts";
import type { LrFinderResult } from "../src/result.ts";
import { runConfig } from "../src/run.ts";
import { readResultsArtifact, type ResultEntry } from "./artifact.ts";
import { findBaseResult, pathSegment, retentionKey, storeResult } from "./assets.ts";
import { type TokenUser, tokenUser, upsertComment } from "./comment.ts";
import { comparisonLine } from "./comparison.ts";
import type { EventInfo } from "./event.ts";
import type { Octokit } from "./git_data.ts";
import type { ActionInputs } from "./inputs.ts";
import { apiMessage, writeFailure, type WriteKind } from "./permissions.ts";
import { commentBody, commentMarker } from "./report.ts";
import { printable } from "./result_schema.ts";
import { isTrusted } from "./verification_report.ts";

/** How the Action talks to the runner (`@actions/core` in production). */
export interface ActionIO {
  /** Logs a line. */
  info(message: string): void;
  /** Logs a warning annotation. */
  warning(message: string): void;
  /** Logs an error annotation. */
  error(message: string): void;
  /** Sets a step output. */
  setOutput(name: string, value: string): void;
  /** Appends Markdown to the job summary. */
  appendSummary(markdown: string): Promise<void>;
  /** Runs `fn` inside a collapsible log group. */
  group<T>(title: string, fn: () => Promise<T>): Promise<T>;
}

/** Everything the Action needs besides its inputs. */
export interface ActionContext {
  /** The workflow run. */
  event: EventInfo;
  /** REST client; absent without a token. */
  octokit?: Octokit;
  /** The runner. */
  io: ActionIO;
  /** Folder for the reports (under the runner's temp directory). */
  outDir: string;
}

/** One config's outcome. */
export interface ConfigOutcome {
  /** The result's name. */
  name: string;
  /** The result. */
  result: LrFinderResult;
  /** Path of the result JSON. */
  resultPath: string;
  /** Path of the PNG plot. */
  plotPath: string;
  /** Link to the sticky comment, when one was written. */
  commentUrl?: string;
}

/** What a run of the Action did. */
export interface ActionOutcome {
  /** Configs that produced a result, in input order. */
  results: ConfigOutcome[];
  /** Problems, each naming what to fix. */
  errors: string[];
  /** The first config (or result) failed, so the per-config outputs are empty. */
  firstFailed: boolean;
}

/** Runs the Action and sets its outputs; never throws for a user's mistake. */
export async function runAction(
  inputs: ActionInputs,
  context: ActionContext,
): Promise<ActionOutcome> {
  const outcome: ActionOutcome = { results: [], errors: [], firstFailed: false };
  const publisher = new Publisher(inputs, context, outcome);
  if (!context.octokit) {
    if (inputs.mode === "comment-only") {
      outcome.errors.push(
        "comment-only mode needs a github-token with pull-requests: write, got none",
      );
      outcome.firstFailed = true;
      setOutputs(context, outcome);
      return outcome;
    }
    context.io.info("no github-token: no comment and no image hosting");
  }
  if (inputs.mode === "comment-only") {
    await commentOnly(inputs, context, publisher, outcome);
  } else {
    await sweepAll(inputs, context, publisher, outcome);
  }
  setOutputs(context, outcome);
  return outcome;
}

async function sweepAll(
  inputs: ActionInputs,
  context: ActionContext,
  publisher: Publisher,
  outcome: ActionOutcome,
): Promise<void> {
  const { io } = context;
  if (inputs.configs.length === 0) {
    outcome.errors.push("input config lists no file: give the path of an lr-finder.json");
    outcome.firstFailed = true;
    return;
  }
  const names = new Map<string, string>();
  for (const [index, path] of inputs.configs.entries()) {
    const ok = await io.group(`LR Finder: ${path}`, async () => {
      try {
        const config = await loadActionConfig(path);
        const other = names.get(config.name);
        if (other !== undefined) {
          throw new InputError(
            `configs ${other} and ${path} are both named ${JSON.stringify(config.name)}: ` +
              "give each config a distinct name (it keys the comment and the stored results)",
            { field: "name" },
          );
        }
        names.set(config.name, path);
        const result = await sweep(config, inputs, io);
        const dir = join(context.outDir, pathSegment(result.name));
        const report = await renderReport(result);
        const files = await writeRenderedReport(report, dir);
        io.info(`wrote ${files.json}, ${files.png}, ${files.svg}, ${files.csv}, ${files.markdown}`);
        await publisher.publish({
          result,
          json: report.json,
          png: report.png,
          resultPath: files.json,
          plotPath: files.png,
        });
        return true;
      } catch (error) {
        outcome.errors.push(`${path}: ${describeError(error)}`);
        if (!isInputError(error) && error instanceof Error && error.stack) io.info(error.stack);
        return false;
      }
    });
    if (!ok && index === 0) outcome.firstFailed = true;
  }
}

/** Loads a config, with a message for a missing file that names the input to fix. */
async function loadActionConfig(path: string): Promise<ResolvedConfig> {
  try {
    await Deno.stat(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new InputError(
        `config file not found in ${Deno.cwd()}: set the Action's \`config\` input to the ` +
          "path of your lr-finder.json relative to the repository root (one path per line), " +
          "and check out the repository before this step",
        { field: "config" },
      );
    }
  }
  return await loadConfig(path);
}

/** Where `require-gpu` is explained and the runner setup is described. */
const RUNNER_SETUP_DOC = 'docs/action.md, section "Runner setup"';

/**
 * The names of the configs (from the checked-out base branch, trusted), which are the only
 * results comment-only mode accepts when `expected-names` is not set.
 */
async function configNames(paths: readonly string[]): Promise<string[]> {
  const names: string[] = [];
  for (const path of paths) {
    try {
      names.push((await loadActionConfig(path)).name);
    } catch (error) {
      throw new InputError(
        `comment-only mode accepts only the results of known configs, but config ${path} ` +
          `could not be read (${describeError(error)}): set expected-names to the config ` +
          "names, one per line, or check out the default branch before this step",
        { field: "expected-names" },
      );
    }
  }
  return names;
}

async function sweep(
  config: ResolvedConfig,
  inputs: ActionInputs,
  io: ActionIO,
): Promise<LrFinderResult> {
  const request: BackendRequest = inputs.backend === "auto" ? config.backend : inputs.backend;
  if (inputs.requireGpu && request !== "webgpu" && request !== "auto") {
    const source = inputs.backend === "auto"
      ? `the config names backend ${request}`
      : `the input backend is ${request}`;
    throw new InputError(
      `require-gpu is true but ${source}, so the sweep would run on the CPU: set the config's ` +
        "backend (or the Action's backend input) to webgpu or auto, or set require-gpu: false",
      { field: "require-gpu" },
    );
  }
  let backend: BackendInfo;
  try {
    backend = await setupBackend(request, {
      requireGpu: inputs.requireGpu,
      cpuKernels: config.cpuKernels,
      threads: config.threads,
    });
  } catch (error) {
    if (inputs.requireGpu && isInputError(error)) {
      throw new InputError(
        `${error.message} (run deno task gpu-check on the runner; see ${RUNNER_SETUP_DOC})`,
        { field: "require-gpu" },
      );
    }
    throw error;
  }
  if (inputs.requireGpu) assertOnGpu(backend.name, backend.adapter);
  // The report names the adapter found even when the config asked for a CPU backend.
  if (!backend.adapter) backend = { ...backend, adapter: await describeGpuAdapter() };
  const adapter = backend.adapter
    ? `, adapter found: ${backend.adapter.description}${
      backend.adapter.isFallbackAdapter ? " (software fallback)" : ""
    }`
    : "";
  io.info(`backend ${backend.name} (${backend.reason}${adapter})`);
  let nextLog = 0;
  let nextVerifyLog = 0;
  const result = await runConfig(config, {
    backend,
    onReady: (ready) => {
      io.info(
        `${config.name}: ${ready.params} parameters, ${ready.trainSize} training samples`,
      );
      for (const warning of ready.warnings) io.warning(`${config.name}: ${warning}`);
    },
    onStep: (p) => {
      const done = (p.run * p.numIters + p.step + 1) / (p.runs * p.numIters);
      if (done < nextLog && p.step + 1 < p.numIters) return;
      nextLog = done + 0.1;
      const run = p.runs > 1 ? `run ${p.run + 1}/${p.runs} ` : "";
      io.info(
        `${run}step ${p.step + 1}/${p.numIters}: lr ${formatLr(p.lr)}, loss ${
          formatLoss(p.loss)
        }, smoothed ${formatLoss(p.smoothed)}`,
      );
    },
    onVerify: (p) => {
      const done = p.done / p.planned;
      if (done < nextVerifyLog && p.done < p.planned) return;
      nextVerifyLog = done + 0.1;
      io.info(
        `verify: trial ${p.trial + 1}/${p.trials} at lr ${formatLr(p.lr)}, step ${p.step}; ` +
          `${p.done}/${p.planned} verification steps`,
      );
    },
  });
  // Whatever was asked for, the result must say that the sweep ran on a real GPU.
  if (inputs.requireGpu) assertOnGpu(result.settings.backend, result.settings.adapterFound);
  return result;
}

/** Throws unless a sweep runs (or ran) on WebGPU on a real, non-fallback adapter. */
function assertOnGpu(
  backend: string,
  adapter: { description: string; isFallbackAdapter?: boolean } | undefined,
): void {
  if (backend === "webgpu" && adapter && !adapter.isFallbackAdapter) return;
  const found = adapter
    ? `adapter ${JSON.stringify(adapter.description)}${
      adapter.isFallbackAdapter ? " (a software fallback)" : ""
    }`
    : "no adapter";
  throw new InputError(
    `require-gpu is true but the sweep ran on ${backend} with ${found}: expected webgpu on a ` +
      `real GPU (run deno task gpu-check on the runner; see ${RUNNER_SETUP_DOC})`,
    { field: "require-gpu" },
  );
}

async function commentOnly(
  inputs: ActionInputs,
  context: ActionContext,
  publisher: Publisher,
  outcome: ActionOutcome,
): Promise<void> {
  let artifact;
  try {
    const expectedNames = inputs.expectedNames.length > 0
      ? inputs.expectedNames
      : await configNames(inputs.configs);
    artifact = await readResultsArtifact(inputs.resultsDir, { expectedNames });
  } catch (error) {
    outcome.errors.push(describeError(error));
    outcome.firstFailed = true;
    return;
  }
  if (artifact.ignored.length > 0) {
    const shown = artifact.ignored.slice(0, 5).map((name) => JSON.stringify(name)).join(", ");
    const more = artifact.ignored.length > 5 ? ` and ${artifact.ignored.length - 5} more` : "";
    context.io.warning(
      `ignored ${artifact.ignored.length} entries of ${inputs.resultsDir} that are not an ` +
        `expected config's results: ${shown}${more}`,
    );
  }
  const pr = artifact.pullRequest;
  const expected = context.event.workflowRunHeadSha;
  if (expected !== undefined && pr.headSha !== expected) {
    outcome.errors.push(
      `the results in ${inputs.resultsDir} are for commit ${pr.headSha}, but the workflow run ` +
        `that produced them was for ${expected}: not commenting`,
    );
    outcome.firstFailed = true;
    return;
  }
  if (expected !== undefined && context.octokit) {
    // The artifact comes from untrusted code: check that the pull request really has this head.
    const { owner, repo } = context.event;
    let pull;
    try {
      pull = await context.octokit.rest.pulls.get({ owner, repo, pull_number: pr.number });
    } catch (error) {
      outcome.errors.push(
        `could not read pull request #${pr.number} of ${owner}/${repo}: ${apiMessage(error)}`,
      );
      outcome.firstFailed = true;
      return;
    }
    if (pull.data.head.sha !== expected) {
      context.io.warning(
        `pull request #${pr.number} is now at ${pull.data.head.sha.slice(0, 7)}, not at the ` +
          `swept commit ${expected.slice(0, 7)}: not commenting (the run for the new commit will)`,
      );
      outcome.firstFailed = true;
      return;
    }
  }
  publisher.event = { ...context.event, pullRequest: pr, commit: pr.headSha, branch: undefined };
  for (const entry of artifact.entries) {
    try {
      await publisher.publish(entry);
    } catch (error) {
      outcome.errors.push(`${entry.result.name}: ${describeError(error)}`);
    }
  }
}

/** Hosts, compares, summarises and comments, recording each outcome. */
class Publisher {
  event: EventInfo;
  #user?: TokenUser;
  readonly #warned = new Set<WriteKind>();

  constructor(
    readonly inputs: ActionInputs,
    readonly context: ActionContext,
    readonly outcome: ActionOutcome,
  ) {
    this.event = context.event;
  }

  async publish(entry: ResultEntry): Promise<void> {
    const { octokit, io } = this.context;
    const { result } = entry;
    const event = this.event;
    const pr = event.pullRequest;
    const target = { owner: event.owner, repo: event.repo };
    const branch = this.inputs.imageBranch;
    let imageUrl: string | undefined;
    if (octokit && branch && entry.png) {
      try {
        const stored = await storeResult(octokit, target, result.name, {
          branch,
          commit: event.commit,
          png: entry.png,
          json: entry.json,
          latestFor: event.branch,
          key: retentionKey({ pullRequest: pr?.number, branch: event.branch }),
          retention: this.inputs.retention,
          serverUrl: event.serverUrl,
        });
        imageUrl = stored.imageUrl;
        const dropped = stored.removed > 0
          ? `; dropped ${stored.removed} older result(s) beyond the retention of ${this.inputs.retention}`
          : "";
        io.info(
          `stored ${stored.imagePath} on ${branch} (commit ${stored.commit.slice(0, 7)})${dropped}`,
        );
      } catch (error) {
        this.#writeFailed("image", error);
      }
    }
    let comparison: string | undefined;
    if (pr && octokit && branch) {
      try {
        const base = await findBaseResult(octokit, { ...target, branch }, result.name, {
          sha: pr.baseSha,
          ref: pr.baseRef,
        });
        comparison = comparisonLine(result, base, {
          baseRef: pr.baseRef,
          commitUrl: base
            ? `${event.serverUrl}/${event.owner}/${event.repo}/commit/${base.commit}`
            : undefined,
        });
      } catch (error) {
        io.warning(`could not read the base branch's result: ${apiMessage(error)}`);
      }
    }
    const body = commentBody(result, {
      imageUrl,
      comparison,
      commit: event.commit,
      runUrl: event.runUrl,
    });
    await io.appendSummary(body);
    const found: ConfigOutcome = {
      name: result.name,
      result,
      resultPath: entry.resultPath,
      plotPath: entry.plotPath,
    };
    if (pr && this.inputs.comment && octokit) {
      try {
        this.#user ??= await tokenUser(octokit);
        const comment = await upsertComment(
          octokit,
          { ...target, issue: pr.number, user: this.#user },
          { marker: commentMarker(result.name), body },
        );
        found.commentUrl = comment.url;
        const folded = comment.removed > 0
          ? ` and deleted ${comment.removed} duplicate(s) left by runs that raced`
          : "";
        io.info(`${comment.created ? "created" : "updated"} comment ${comment.url}${folded}`);
      } catch (error) {
        this.#writeFailed("comment", error);
      }
    }
    this.outcome.results.push(found);
    logSuggestion(result, io);
  }

  #writeFailed(kind: WriteKind, error: unknown): void {
    const event = this.event;
    const failure = writeFailure(kind, error, {
      repository: `${event.owner}/${event.repo}`,
      branch: this.inputs.imageBranch,
      issue: event.pullRequest?.number,
      readOnlyToken: event.readOnlyToken,
    });
    if ("error" in failure) {
      this.outcome.errors.push(failure.error);
      return;
    }
    if (!this.#warned.has(kind)) this.context.io.warning(failure.warning);
    this.#warned.add(kind);
  }
}

/**
 * Logs the suggestion (a rate that cannot be trusted as such) and annotates each warning that
 * withdraws the trust. Text from a result may come from an untrusted artifact: it is made
 * printable, so no line of it reads as a workflow command.
 */
function logSuggestion(result: LrFinderResult, io: ActionIO): void {
  const s = result.suggestion;
  const name = printable(result.name, 200);
  const how = s.method === "verified" ? "verified by short training" : `${s.method} rule`;
  if (s.lr === null) {
    io.info(`${name}: no learning rate suggested (${printable(s.reason, 500)})`);
  } else if (isTrusted(result)) {
    io.info(`${name}: suggested ${formatLr(s.lr)} (${how})`);
  } else {
    io.info(
      `${name}: no learning rate you can trust; ${formatLr(s.lr)} (${how}) is not one to use`,
    );
  }
  for (const warning of result.warnings ?? []) {
    const text = `${name}: ${printable(warning.message, 500)} (${printable(warning.code, 64)})`;
    if (warning.severity === "untrusted") io.warning(text);
    else io.info(`caution: ${text}`);
  }
}

function setOutputs(context: ActionContext, outcome: ActionOutcome): void {
  const { io } = context;
  const first = outcome.firstFailed ? undefined : outcome.results[0];
  const lr = first?.result.suggestion.lr;
  io.setOutput("suggested-lr", lr === undefined || lr === null ? "" : String(lr));
  io.setOutput("trusted", first ? String(isTrusted(first.result)) : "");
  io.setOutput(
    "results",
    JSON.stringify(
      Object.fromEntries(outcome.results.map((r) => [r.name, r.result.suggestion.lr])),
    ),
  );
  io.setOutput("result-path", first?.resultPath ?? "");
  io.setOutput("plot-path", first?.plotPath ?? "");
  io.setOutput("comment-url", first?.commentUrl ?? "");
  io.setOutput("output-dir", resolve(context.outDir));
}

/** The message of an error; unexpected errors keep their type name. */
export function describeError(error: unknown): string {
  if (isInputError(error)) return error.message;
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
