/**
 * The layout of the image branch: each result's plot and JSON under
 * `results/<commit>/<name>/` (the commit the results belong to), for branches (pushes) a
 * pointer `latest/<branch>/<name>.json` to the most recent result, which pull requests compare
 * with when their base commit has no result of its own, and `index.json`, which records which
 * pull request or branch each result folder was stored for, in order. With a retention of N,
 * each commit rebuilds the tree without the results of all but the last N commits of each pull
 * request and branch (and of all but the most recent pull requests); history keeps the old
 * files, so images in older comments still show.
 * @module
 */
import { createHash } from "node:crypto";
import type { LrFinderResult } from "../src/result.ts";
import {
  blobUrl,
  commitChanges,
  createBlob,
  listFiles,
  type Octokit,
  readFile,
  type RepoRef,
  type TreeChange,
} from "./git_data.ts";
import { parseResult } from "./result_schema.ts";

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
  /** What the result was stored for, see {@linkcode retentionKey}; default `other`. */
  key?: string;
  /** Commits kept per pull request and per branch; 0 (the default) keeps everything. */
  retention?: number;
  /** Server for the image URL (default `https://github.com`). */
  serverUrl?: string;
}

/** Pull requests whose results are kept, most recently stored first, under a retention. */
export const MAX_PULL_REQUESTS_KEPT = 100;

/** Path of the index of stored results on the image branch. */
export const INDEX_PATH = "index.json";

/** One stored result in the index. */
export interface IndexEntry {
  /** What it was stored for: `pull/<number>`, `branch/<branch>` or `other`. */
  key: string;
  /** The commit the result belongs to. */
  commit: string;
  /** The config name. */
  name: string;
  /** Its files on the image branch. */
  paths: string[];
}

/** The index file. */
interface StoreIndex {
  version: 1;
  entries: IndexEntry[];
}

/** Which results a retention keeps. */
export interface RetentionPolicy {
  /** Commits kept per key (pull request or branch); 0 keeps everything. */
  commits: number;
  /** Pull requests kept, those stored most recently. */
  pullRequests: number;
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

/** The index key of an event: its pull request, else its branch. */
export function retentionKey(where: { pullRequest?: number; branch?: string }): string {
  if (where.pullRequest !== undefined) return `pull/${where.pullRequest}`;
  if (where.branch !== undefined) return `branch/${pathSegment(where.branch)}`;
  return "other";
}

/**
 * The entries a retention keeps (in index order) and the files of the others that no kept
 * entry uses. Per key the entries of the last `commits` commits stay; of the pull requests,
 * the `pullRequests` most recently stored.
 */
export function applyRetention(
  entries: readonly IndexEntry[],
  policy: RetentionPolicy,
): { kept: IndexEntry[]; removed: string[] } {
  if (policy.commits <= 0) return { kept: [...entries], removed: [] };
  const lastSeen = new Map<string, number>();
  const commitsByKey = new Map<string, string[]>();
  for (const [i, entry] of entries.entries()) {
    lastSeen.set(entry.key, i);
    const commits = (commitsByKey.get(entry.key) ?? []).filter((c) => c !== entry.commit);
    commits.push(entry.commit);
    commitsByKey.set(entry.key, commits);
  }
  const pulls = [...lastSeen].filter(([key]) => key.startsWith("pull/"))
    .sort((a, b) => b[1] - a[1]).slice(0, policy.pullRequests).map(([key]) => key);
  const keptPulls = new Set(pulls);
  const keep = (entry: IndexEntry) =>
    (!entry.key.startsWith("pull/") || keptPulls.has(entry.key)) &&
    commitsByKey.get(entry.key)!.slice(-policy.commits).includes(entry.commit);
  const kept = entries.filter(keep);
  const used = new Set(kept.flatMap((entry) => entry.paths));
  const removed = [
    ...new Set(entries.filter((e) => !keep(e)).flatMap((e) => e.paths)),
  ].filter((path) => !used.has(path));
  return { kept, removed };
}

/**
 * Commits a result's plot and JSON to the image branch and returns where they are. With a
 * retention the same commit drops the results it no longer keeps.
 */
export async function storeResult(
  octokit: Octokit,
  target: RepoRef,
  name: string,
  options: StoreResultOptions,
): Promise<StoredResult & { removed: number }> {
  const folder = resultFolder(options.commit, name);
  const imagePath = `${folder}/plot.png`;
  const resultPath = `${folder}/result.json`;
  const encode = (text: string) => new TextEncoder().encode(text);
  const files: TreeChange[] = [
    { path: imagePath, sha: await createBlob(octokit, target, options.png) },
    { path: resultPath, sha: await createBlob(octokit, target, encode(options.json)) },
  ];
  if (options.latestFor) {
    const pointer: LatestPointer = { version: 1, commit: options.commit, result: resultPath };
    const text = JSON.stringify(pointer, null, 2) + "\n";
    files.push({
      path: latestPointerPath(options.latestFor, name),
      sha: await createBlob(octokit, target, encode(text)),
    });
  }
  const entry: IndexEntry = {
    key: options.key ?? "other",
    commit: options.commit,
    name,
    paths: [imagePath, resultPath],
  };
  const policy = { commits: options.retention ?? 0, pullRequests: MAX_PULL_REQUESTS_KEPT };
  let removed: string[] = [];
  const commit = await commitChanges(
    octokit,
    { ...target, branch: options.branch },
    async (parent) => {
      const { entries, stale } = parent
        ? await readIndex(octokit, target, parent, policy.commits > 0)
        : { entries: [], stale: [] };
      const others = entries.filter((e) =>
        !(e.key === entry.key && e.commit === entry.commit && e.name === entry.name)
      );
      const retained = applyRetention([...others, entry], policy);
      removed = [...retained.removed, ...stale].filter((path) =>
        path.startsWith("results/") && !entry.paths.includes(path)
      );
      const index: StoreIndex = { version: 1, entries: retained.kept };
      const indexSha = await createBlob(
        octokit,
        target,
        encode(JSON.stringify(index, null, 1) + "\n"),
      );
      return [
        ...files,
        { path: INDEX_PATH, sha: indexSha },
        ...removed.map((path) => ({ path, sha: null })),
      ];
    },
    { message: `lr-finder: ${name} at ${options.commit.slice(0, 12)}` },
  );
  return {
    commit,
    imagePath,
    resultPath,
    imageUrl: blobUrl(options.serverUrl ?? "https://github.com", target, commit, imagePath),
    removed: new Set(removed.map((path) => path.split("/").slice(0, 3).join("/"))).size,
  };
}

/**
 * The index at a commit. A branch written before the index existed has none: then, when
 * `migrate` is set, its result files that no `latest/` pointer uses are returned as `stale`,
 * and the pointed-to results become entries of their branches.
 */
async function readIndex(
  octokit: Octokit,
  target: RepoRef,
  commit: string,
  migrate: boolean,
): Promise<{ entries: IndexEntry[]; stale: string[] }> {
  const at = { ...target, ref: commit };
  const index = await readJson(octokit, at, INDEX_PATH);
  if (isIndex(index)) return { entries: index.entries, stale: [] };
  if (!migrate) return { entries: [], stale: [] };
  const paths = await listFiles(octokit, target, commit);
  const entries: IndexEntry[] = [];
  for (const path of paths) {
    const match = /^latest\/([^/]+)\/([^/]+)\.json$/.exec(path);
    if (!match) continue;
    const pointer = await readJson(octokit, at, path);
    if (!isPointer(pointer)) continue;
    const folder = pointer.result.replace(/\/result\.json$/, "");
    const [, commitSegment, nameSegment] = folder.split("/");
    entries.push({
      key: `branch/${match[1]}`,
      commit: commitSegment,
      name: nameSegment,
      paths: paths.filter((p) => p.startsWith(`${folder}/`)),
    });
  }
  const kept = new Set(entries.flatMap((e) => e.paths));
  return { entries, stale: paths.filter((p) => p.startsWith("results/") && !kept.has(p)) };
}

function isIndex(value: unknown): value is StoreIndex {
  const v = value as Partial<StoreIndex> | null;
  return typeof v === "object" && v !== null && v.version === 1 && Array.isArray(v.entries) &&
    v.entries.every((e) =>
      typeof e === "object" && e !== null && typeof e.key === "string" &&
      typeof e.commit === "string" && typeof e.name === "string" && Array.isArray(e.paths) &&
      e.paths.every((p) => typeof p === "string")
    );
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
  const directPath = `${resultFolder(base.sha, name)}/result.json`;
  const direct = asResult(await readJson(octokit, at, directPath), directPath);
  if (direct) return { result: direct, commit: base.sha, source: "base-head" };
  const pointer = await readJson(octokit, at, latestPointerPath(base.ref, name));
  if (!isPointer(pointer)) return undefined;
  const latest = asResult(await readJson(octokit, at, pointer.result), pointer.result);
  return latest ? { result: latest, commit: pointer.commit, source: "latest" } : undefined;
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

/** A stored result parsed strictly, or `undefined` when there is none or it is not valid. */
function asResult(value: unknown, path: string): LrFinderResult | undefined {
  if (value === undefined) return undefined;
  try {
    return parseResult(value, path);
  } catch {
    return undefined;
  }
}

function isPointer(value: unknown): value is LatestPointer {
  const v = value as Partial<LatestPointer> | null;
  return typeof v === "object" && v !== null && v.version === 1 &&
    typeof v.commit === "string" && typeof v.result === "string";
}
