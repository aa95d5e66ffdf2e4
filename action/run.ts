/**
 * What the Action does, free of the runner's globals: for each config, sweep (through
 * `runConfig`), write the reports, host the plot on the image branch, compare with the base
 * branch, append the job summary and update the sticky comment; or, in `comment-only` mode, do
 * the same for results swept by another workflow. Errors are collected per config, each naming
 * what to fix.
 * @module
 */
import { join, resolve } from "node:path";
import { type BackendRequest, setupBackend } from "../src/backend.ts";
import { loadConfig, type ResolvedConfig } from "../src/config.ts";
import { InputError, isInputError } from "../src/errors.ts";
import { formatLoss, formatLr, renderReport, writeRenderedReport } from "../src/report/mod.ts";
import type { LrFinderResult } from "../src/result.ts";
import { runConfig } from "../src/run.ts";
import { readResultsArtifact, type ResultEntry } from "./artifact.ts";
import { findBaseResult, pathSegment, storeResult } from "./assets.ts";
import { type TokenUser, tokenUser, upsertComment } from "./comment.ts";
import { comparisonLine } from "./comparison.ts";
import type { EventInfo } from "./event.ts";
import type { Octokit } from "./git_data.ts";
import type { ActionInputs } from "./inputs.ts";
import {
  apiMessage,
  forkWarning,
  isForbidden,
  permissionError,
  type WriteKind,
} from "./permissions.ts";
import { commentBody, commentMarker } from "./report.ts";

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

async function sweep(
  config: ResolvedConfig,
  inputs: ActionInputs,
  io: ActionIO,
): Promise<LrFinderResult> {
  const request: BackendRequest = inputs.backend === "auto" ? config.backend : inputs.backend;
  const backend = await setupBackend(request, { requireGpu: inputs.requireGpu });
  const adapter = backend.adapter
    ? `, adapter ${backend.adapter.description}${
      backend.adapter.isFallbackAdapter ? " (software fallback)" : ""
    }`
    : "";
  io.info(`backend ${backend.name} (${backend.reason}${adapter})`);
  let nextLog = 0;
  return await runConfig(config, {
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
  });
}

async function commentOnly(
  inputs: ActionInputs,
  context: ActionContext,
  publisher: Publisher,
  outcome: ActionOutcome,
): Promise<void> {
  let artifact;
  try {
    artifact = await readResultsArtifact(inputs.resultsDir);
  } catch (error) {
    outcome.errors.push(describeError(error));
    outcome.firstFailed = true;
    return;
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
    const pull = await context.octokit.rest.pulls.get({ owner, repo, pull_number: pr.number });
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
          serverUrl: event.serverUrl,
        });
        imageUrl = stored.imageUrl;
        io.info(`stored ${stored.imagePath} on ${branch} (commit ${stored.commit.slice(0, 7)})`);
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
        io.info(`${comment.created ? "created" : "updated"} comment ${comment.url}`);
      } catch (error) {
        this.#writeFailed("comment", error);
      }
    }
    this.outcome.results.push(found);
    const lr = result.suggestion.lr;
    io.info(
      `${result.name}: ${
        lr === null
          ? `no learning rate suggested (${result.suggestion.reason})`
          : `suggested ${formatLr(lr)} (${result.suggestion.method})`
      }`,
    );
  }

  #writeFailed(kind: WriteKind, error: unknown): void {
    const event = this.event;
    if (isForbidden(error) && event.readOnlyToken) {
      if (!this.#warned.has(kind)) this.context.io.warning(forkWarning(kind, error));
      this.#warned.add(kind);
      return;
    }
    const repository = `${event.owner}/${event.repo}`;
    this.outcome.errors.push(
      isForbidden(error)
        ? permissionError(kind, error, {
          repository,
          branch: this.inputs.imageBranch,
          issue: event.pullRequest?.number,
        })
        : `could not ${
          kind === "comment" ? "write the comment" : "store the plot"
        } on ${repository}: ${apiMessage(error)}`,
    );
  }
}

function setOutputs(context: ActionContext, outcome: ActionOutcome): void {
  const { io } = context;
  const first = outcome.firstFailed ? undefined : outcome.results[0];
  const lr = first?.result.suggestion.lr;
  io.setOutput("suggested-lr", lr === undefined || lr === null ? "" : String(lr));
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
