/**
 * Entry point of the GitHub Action (`action.yml` runs it with `deno run`): reads the inputs and
 * the run's context with `@actions/core` and `@actions/github`, builds the REST client with
 * retries and throttling, runs the Action and reports
 * through the runner's outputs, job summary and annotations. With `fail-on-error: false` the
 * step never fails; errors become warnings.
 * @module
 */
import * as core from "@actions/core";
import { context } from "@actions/github";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { eventInfo, parseRepository } from "./event.ts";
import { type ActionInputs, booleanInput, readInputs } from "./inputs.ts";
import { createOctokit, TIME_SCALE_VARIABLE, timeScaleFromEnv } from "./octokit.ts";
import { type ActionIO, describeError, runAction } from "./run.ts";

/** The runner's side of {@linkcode ActionIO}, through `@actions/core`. */
export function coreIO(): ActionIO {
  return {
    info: (message) => core.info(message),
    warning: (message) => core.warning(message),
    error: (message) => core.error(message),
    setOutput: (name, value) => core.setOutput(name, value),
    appendSummary: async (markdown) => {
      if (!process.env.GITHUB_STEP_SUMMARY) return;
      await core.summary.addRaw(markdown, true).write();
      core.summary.emptyBuffer();
    },
    group: (title, fn) => core.group(title, fn),
  };
}

/** Reads an input; `undefined` when the runner did not set it at all. */
function getInput(name: string): string | undefined {
  const variable = `INPUT_${name.replace(/ /g, "_").toUpperCase()}`;
  return process.env[variable] === undefined ? undefined : core.getInput(name);
}

/** Runs the Action; returns the process exit code. */
export async function main(): Promise<number> {
  let inputs: ActionInputs | undefined;
  try {
    inputs = readInputs(getInput);
    if (inputs.token) core.setSecret(inputs.token);
    const event = eventInfo(
      {
        eventName: context.eventName,
        sha: context.sha,
        ref: context.ref,
        payload: context.payload as Record<string, unknown>,
        serverUrl: context.serverUrl,
        runId: context.runId,
        actor: context.actor,
      },
      parseRepository(process.env.GITHUB_REPOSITORY),
    );
    const outDir = join(process.env.RUNNER_TEMP || tmpdir(), "lr-finder");
    const outcome = await runAction(inputs, {
      event,
      octokit: inputs.token
        ? createOctokit(inputs.token, {
          timeScale: timeScaleFromEnv(process.env[TIME_SCALE_VARIABLE]),
          log: (message) => core.info(message),
        })
        : undefined,
      io: coreIO(),
      outDir,
    });
    return finish(outcome.errors, inputs.failOnError);
  } catch (error) {
    return finish([describeError(error)], inputs?.failOnError ?? failOnErrorFromEnv());
  }
}

/** Reports errors as annotations; fails the step when asked to. */
function finish(errors: string[], failOnError: boolean): number {
  if (errors.length === 0) return 0;
  if (!failOnError) {
    for (const message of errors) core.warning(message);
    core.warning(
      `LR Finder had ${errors.length} error(s); the step passes because fail-on-error is false`,
    );
    return 0;
  }
  if (errors.length > 1) { for (const message of errors) core.error(message); }
  core.setFailed(
    errors.length === 1 ? errors[0] : `LR Finder had ${errors.length} errors (see above)`,
  );
  return 1;
}

/** `fail-on-error` when the other inputs could not be read; true unless it says false. */
function failOnErrorFromEnv(): boolean {
  try {
    return booleanInput("fail-on-error", getInput("fail-on-error")?.trim() || "true");
  } catch {
    return true;
  }
}

if (import.meta.main) {
  const code = await main();
  Deno.exit(code);
}
