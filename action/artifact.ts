/**
 * Reading a results artifact for `mode: comment-only`: the folder that an unprivileged
 * `pull_request` workflow uploaded, holding `event.json` (the event payload) and one folder per
 * config with `result.json` and `plot.png`, as the Action's `output-dir` lays them out. The
 * content comes from untrusted code, so it is only ever parsed as data and checked: only the
 * folders of the expected config names are read (at most that many), only plain files (no
 * links), every file within a size cap, each result strictly against the result contract and
 * each plot as a PNG.
 * @module
 */
import { join } from "node:path";
import { InputError } from "../src/errors.ts";
import { REPORT_FILES, resultJson } from "../src/report/mod.ts";
import type { LrFinderResult } from "../src/result.ts";
import { pathSegment } from "./assets.ts";
import { pullRequestFromPayload, type PullRequestInfo } from "./event.ts";
import { checkPng, MAX_PNG_BYTES } from "./png.ts";
import { parseResult, printable } from "./result_schema.ts";

/** File name of the event payload in a results artifact. */
export const EVENT_FILE = "event.json";

/** Largest `event.json` accepted, in bytes (GitHub's payloads are well under). */
export const MAX_EVENT_BYTES = 1024 * 1024;

/** Largest `result.json` accepted, in bytes. */
export const MAX_RESULT_BYTES = 4 * 1024 * 1024;

/** Most entries read from the artifact's top folder. */
const MAX_TOP_ENTRIES = 1000;

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
  /** Results in the order of the expected names. */
  entries: ResultEntry[];
  /** Folders that are not an expected config's (ignored), printable and shortened. */
  ignored: string[];
}

/** Options of {@linkcode readResultsArtifact}. */
export interface ReadArtifactOptions {
  /** Config names the artifact may hold; nothing else is read. */
  expectedNames: readonly string[];
}

/** Reads and checks a results artifact. */
export async function readResultsArtifact(
  dir: string,
  options: ReadArtifactOptions,
): Promise<ResultsArtifact> {
  if (options.expectedNames.length === 0) {
    throw new InputError(
      "comment-only mode needs the config names to accept, got none: set expected-names, or " +
        "config to the base branch's config files",
      { field: "expected-names" },
    );
  }
  const eventPath = join(dir, EVENT_FILE);
  const eventText = await readText(
    eventPath,
    MAX_EVENT_BYTES,
    () =>
      `results-dir ${dir} has no ${EVENT_FILE}: the pull_request workflow must upload the ` +
      `event payload (cp "$GITHUB_EVENT_PATH" <output-dir>/${EVENT_FILE}) with the results, and ` +
      "this workflow must download that artifact into results-dir",
  );
  let payload: unknown;
  try {
    payload = JSON.parse(eventText ?? "");
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
  const expected = new Map(options.expectedNames.map((name) => [pathSegment(name), name]));
  const ignored: string[] = [];
  const folders = new Set<string>();
  let seen = 0;
  for await (const item of Deno.readDir(dir)) {
    if (++seen > MAX_TOP_ENTRIES) {
      throw new InputError(
        `results-dir ${dir} holds more than ${MAX_TOP_ENTRIES} entries: not an artifact of ` +
          "the Action's output-dir",
        { field: "results-dir" },
      );
    }
    // A link is neither a file nor a folder here, so nothing is read through one.
    if (item.isDirectory && expected.has(item.name)) folders.add(item.name);
    else if (item.name !== EVENT_FILE) ignored.push(printable(item.name, 60));
  }
  const entries: ResultEntry[] = [];
  for (const [folder, name] of expected) {
    if (!folders.has(folder)) continue;
    const resultPath = join(dir, folder, REPORT_FILES.json);
    const plotPath = join(dir, folder, REPORT_FILES.png);
    const text = await readText(resultPath, MAX_RESULT_BYTES, () => "");
    if (text === undefined) continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw new InputError(`${resultPath}: invalid JSON`, { field: "results-dir" });
    }
    const result = parseResult(value, resultPath);
    if (result.name !== name) {
      throw new InputError(
        `${resultPath} is named ${JSON.stringify(printable(result.name, 60))}, expected ${
          JSON.stringify(name)
        } (the config name its folder stands for)`,
        { field: "results-dir" },
      );
    }
    const png = await readFile(plotPath, MAX_PNG_BYTES);
    if (png) checkPng(png, plotPath);
    // What is published is the parsed result written anew, never the artifact's own text.
    entries.push({ result, json: resultJson(result), png, resultPath, plotPath });
  }
  if (entries.length === 0) {
    throw new InputError(
      `results-dir ${dir} holds no <name>/${REPORT_FILES.json} for the expected config ` +
        `names (${options.expectedNames.map((n) => JSON.stringify(n)).join(", ")}): upload ` +
        "the Action's output-dir",
      { field: "results-dir" },
    );
  }
  return { pullRequest, entries, ignored: ignored.sort() };
}

/**
 * The bytes of a plain file (not a link), or `undefined` when there is none; an
 * {@linkcode InputError} when it is larger than `maxBytes`.
 */
async function readFile(path: string, maxBytes: number): Promise<Uint8Array | undefined> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.lstat(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
  if (!info.isFile || info.isSymlink) {
    throw new InputError(`${path}: expected a plain file, not a link or a folder`, {
      field: "results-dir",
    });
  }
  if (info.size > maxBytes) {
    throw new InputError(`${path}: expected at most ${maxBytes} bytes, got ${info.size}`, {
      field: "results-dir",
    });
  }
  const file = await Deno.open(path, { read: true });
  try {
    // Read at most maxBytes + 1, whatever the size said, so a growing file cannot exhaust memory.
    const buffer = new Uint8Array(maxBytes + 1);
    let length = 0;
    while (length < buffer.length) {
      const n = await file.read(buffer.subarray(length));
      if (n === null) break;
      length += n;
    }
    if (length > maxBytes) {
      throw new InputError(`${path}: expected at most ${maxBytes} bytes`, {
        field: "results-dir",
      });
    }
    return buffer.slice(0, length);
  } finally {
    file.close();
  }
}

async function readText(
  path: string,
  maxBytes: number,
  missing: () => string,
): Promise<string | undefined> {
  const bytes = await readFile(path, maxBytes);
  if (bytes === undefined) {
    const message = missing();
    if (!message) return undefined;
    throw new InputError(message, { field: "results-dir" });
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new InputError(`${path}: expected UTF-8 text`, { field: "results-dir" });
  }
}
