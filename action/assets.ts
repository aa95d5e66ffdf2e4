/**
 * The layout of the image branch: each result's plot and JSON under
 * `results/<commit>/<name>/` (the commit the results belong to), and for branches (pushes) a
 * pointer `latest/<branch>/<name>.json` to the most recent result, which pull requests compare
 * with when their base commit has no result of its own.
 * @module
 */
import { createHash } from "node:crypto";
import type { LrFinderResult } from "../src/result.ts";
import { blobUrl, commitFiles, type Octokit, readFile, type RepoRef } from "./git_data.ts";

/** Where a result was stored. */
export interface StoredResult {
  /** Commit on the image branch that holds the files. */
  commit: string;
  /** Path of the plot on the image branch. */
  imagePath: string;
  /** Path of the result JSON on the image branch. */
  resultPath: string;
  /** URL that shows the plot (for Markdown). */
  imageUrl: string;
}

/** Options of {@linkcode storeResult}. */
export interface StoreResultOptions {
  /** The image branch. */
  branch: string;
  /** Commit the result belongs to. */
  commit: string;
  /** The plot as PNG. */
  png: Uint8Array;
  /** The result JSON text. */
  json: string;
  /** Also remember this result as the latest of this branch (pushes). */
  latestFor?: string;
  /** Server for the image URL (default `https://github.com`). */
  serverUrl?: string;
}

/** A result found for a pull request's base. */
export interface BaseResult {
  /** The result. */
  result: LrFinderResult;
  /** The base-branch commit it belongs to. */
  commit: string;
  /** `base-head`: the base's head commit at the time of the event; `latest`: the last push. */
  source: "base-head" | "latest";
}

/** Pointer file to the latest result of a branch. */
interface LatestPointer {
  version: 1;
  commit: string;
  result: string;
}

/**
 * A path segment for a name or branch: kept as it is when it only has letters, digits, `.`,
 * `_` and `-`; otherwise those characters plus a short hash of the original, so that distinct
 * names stay distinct.
 */
export function pathSegment(name: string): string {
  if (/^[A-Za-z0-9_-][A-Za-z0-9._-]*$/.test(name)) return name;
  const safe = name.replace(/[^A-Za-z0-9._-]+/g, "-").replace(/^[-.]+|[-.]+$/g, "");
  const hash = createHash("sha1").update(name).digest("hex").slice(0, 8);
  return safe ? `${safe}-${hash}` : hash;
}

/** Folder of a result on the image branch. */
export function resultFolder(commit: string, name: string): string {
  return `results/${pathSegment(commit)}/${pathSegment(name)}`;
}

/** Path of the pointer to a branch's latest result. */
export function latestPointerPath(branch: string, name: string): string {
  return `latest/${pathSegment(branch)}/${pathSegment(name)}.json`;
}

/** Commits a result's plot and JSON to the image branch and returns where they are. */
export async function storeResult(
  octokit: Octokit,
  target: RepoRef,
  name: string,
  options: StoreResultOptions,
): Promise<StoredResult> {
  const folder = resultFolder(options.commit, name);
  const imagePath = `${folder}/plot.png`;
  const resultPath = `${folder}/result.json`;
  const encode = (text: string) => new TextEncoder().encode(text);
  const files = [
    { path: imagePath, content: options.png },
    { path: resultPath, content: encode(options.json) },
  ];
  if (options.latestFor) {
    const pointer: LatestPointer = { version: 1, commit: options.commit, result: resultPath };
    files.push({
      path: latestPointerPath(options.latestFor, name),
      content: encode(JSON.stringify(pointer, null, 2) + "\n"),
    });
  }
  const commit = await commitFiles(
    octokit,
    { ...target, branch: options.branch },
    files,
    { message: `lr-finder: ${name} at ${options.commit.slice(0, 12)}` },
  );
  return {
    commit,
    imagePath,
    resultPath,
    imageUrl: blobUrl(options.serverUrl ?? "https://github.com", target, commit, imagePath),
  };
}

/**
 * The stored result for a pull request's base: the one of the base's head commit, else the
 * latest one pushed to the base branch; `undefined` when there is neither (or the image branch
 * does not exist).
 */
export async function findBaseResult(
  octokit: Octokit,
  target: RepoRef & { branch: string },
  name: string,
  base: { sha: string; ref: string },
): Promise<BaseResult | undefined> {
  const at = { owner: target.owner, repo: target.repo, ref: target.branch };
  const direct = await readJson(octokit, at, `${resultFolder(base.sha, name)}/result.json`);
  if (isResult(direct)) return { result: direct, commit: base.sha, source: "base-head" };
  const pointer = await readJson(octokit, at, latestPointerPath(base.ref, name));
  if (!isPointer(pointer)) return undefined;
  const latest = await readJson(octokit, at, pointer.result);
  return isResult(latest)
    ? { result: latest, commit: pointer.commit, source: "latest" }
    : undefined;
}

async function readJson(
  octokit: Octokit,
  target: RepoRef & { ref: string },
  path: string,
): Promise<unknown> {
  const bytes = await readFile(octokit, target, path);
  if (!bytes) return undefined;
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return undefined;
  }
}

/** True for a value shaped like a result JSON of version 1. */
export function isResult(value: unknown): value is LrFinderResult {
  const v = value as Partial<LrFinderResult> | null;
  return typeof v === "object" && v !== null && v.version === 1 && typeof v.name === "string" &&
    Array.isArray(v.lrs) && Array.isArray(v.losses) && Array.isArray(v.smoothed) &&
    typeof v.suggestion === "object" && v.suggestion !== null &&
    typeof v.suggestions === "object" && v.suggestions !== null &&
    typeof v.settings === "object" && v.settings !== null &&
    typeof v.timing === "object" && v.timing !== null &&
    typeof v.model === "object" && v.model !== null;
}

function isPointer(value: unknown): value is LatestPointer {
  const v = value as Partial<LatestPointer> | null;
  return typeof v === "object" && v !== null && v.version === 1 &&
    typeof v.commit === "string" && typeof v.result === "string";
}
