/**
 * Reading a results artifact for `mode: comment-only`: the folder that an unprivileged
 * `pull_request` workflow uploaded, holding `event.json` (the event payload) and one folder per
 * config with `result.json` and `plot.png`, as the Action's `output-dir` lays them out. The
 * content comes from untrusted code, so it is only ever parsed as data and checked.
 * @module
 */
import { join } from "node:path";
import { InputError } from "../src/errors.ts";
import { REPORT_FILES } from "../src/report/mod.ts";
import type { LrFinderResult } from "../src/result.ts";
import { isResult } from "./assets.ts";
import { pullRequestFromPayload, type PullRequestInfo } from "./event.ts";

/** File name of the event payload in a results artifact. */
export const EVENT_FILE = "event.json";

/** Largest file read from an artifact (a result JSON or a plot). */
const MAX_FILE_BYTES = 16 * 1024 * 1024;

/** One config's result, ready to publish. */
export interface ResultEntry {
  /** The result. */
  result: LrFinderResult;
  /** The result JSON text. */
  json: string;
  /** The PNG plot, when there is one. */
  png?: Uint8Array;
  /** Path of the result JSON. */
  resultPath: string;
  /** Path of the PNG plot (may not exist). */
  plotPath: string;
}

/** A results artifact. */
export interface ResultsArtifact {
  /** The pull request the results belong to. */
  pullRequest: PullRequestInfo;
  /** Results in folder-name order. */
  entries: ResultEntry[];
}

/** Reads and checks a results artifact. */
export async function readResultsArtifact(dir: string): Promise<ResultsArtifact> {
  const eventPath = join(dir, EVENT_FILE);
  const eventText = await readSmallText(
    eventPath,
    () =>
      `results-dir ${dir} has no ${EVENT_FILE}: the pull_request workflow must upload the ` +
      `event payload (cp "$GITHUB_EVENT_PATH" <output-dir>/${EVENT_FILE}) with the results, and ` +
      "this workflow must download that artifact into results-dir",
  );
  let payload: unknown;
  try {
    payload = JSON.parse(eventText);
  } catch {
    throw new InputError(`${eventPath}: invalid JSON`, { field: "results-dir" });
  }
  const pullRequest = typeof payload === "object" && payload !== null
    ? pullRequestFromPayload(payload as Record<string, unknown>)
    : undefined;
  if (!pullRequest) {
    throw new InputError(
      `${eventPath} is not a pull_request event: comment-only mode comments on the pull ` +
        "request whose workflow uploaded the results",
      { field: "results-dir" },
    );
  }
  const folders: string[] = [];
  for await (const item of Deno.readDir(dir)) {
    if (item.isDirectory) folders.push(item.name);
  }
  folders.sort();
  const entries: ResultEntry[] = [];
  for (const folder of folders) {
    const resultPath = join(dir, folder, REPORT_FILES.json);
    const plotPath = join(dir, folder, REPORT_FILES.png);
    let json: string;
    try {
      json = await readSmallText(resultPath, () => "");
    } catch {
      continue;
    }
    let result: unknown;
    try {
      result = JSON.parse(json);
    } catch {
      throw new InputError(`${resultPath}: invalid JSON`, { field: "results-dir" });
    }
    if (!isResult(result)) {
      throw new InputError(`${resultPath}: not an LR Finder result (version 1)`, {
        field: "results-dir",
      });
    }
    let png: Uint8Array | undefined;
    try {
      png = await readSmallFile(plotPath);
    } catch {
      png = undefined;
    }
    entries.push({ result, json, png, resultPath, plotPath });
  }
  if (entries.length === 0) {
    throw new InputError(
      `results-dir ${dir} holds no <name>/${REPORT_FILES.json}: upload the Action's output-dir`,
      { field: "results-dir" },
    );
  }
  return { pullRequest, entries };
}

async function readSmallFile(path: string): Promise<Uint8Array> {
  const info = await Deno.stat(path);
  if (!info.isFile || info.size > MAX_FILE_BYTES) {
    throw new InputError(`${path}: expected a file of at most ${MAX_FILE_BYTES} bytes`);
  }
  return await Deno.readFile(path);
}

async function readSmallText(path: string, missing: () => string): Promise<string> {
  let bytes: Uint8Array;
  try {
    bytes = await readSmallFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new InputError(missing() || `${path} not found`, { field: "results-dir" });
    }
    throw error;
  }
  return new TextDecoder().decode(bytes);
}
