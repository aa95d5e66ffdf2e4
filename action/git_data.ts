/**
 * Committing files to a branch and reading them back through GitHub's Git Data API (blobs,
 * trees, commits, refs) and the contents API, without a checkout. A missing branch is created as
 * an orphan branch; a branch that moved meanwhile (another job pushed) is retried on top, with
 * the changes planned again for the new head.
 * @module
 */
import type { getOctokit } from "@actions/github";
import { Buffer } from "node:buffer";

/** The REST client of `@actions/github`. */
export type Octokit = ReturnType<typeof getOctokit>;

/** A repository. */
export interface RepoRef {
  /** Owner login. */
  owner: string;
  /** Repository name. */
  repo: string;
}

/** A file to commit. */
export interface FileToCommit {
  /** Path in the repository, `/`-separated. */
  path: string;
  /** Bytes of the file. */
  content: Uint8Array;
}

/** Options of {@linkcode commitFiles}. */
export interface CommitFilesOptions {
  /** Commit message. */
  message: string;
  /** Attempts when the branch moves between reading and updating it (default 5). */
  attempts?: number;
}

/** Status of an error from Octokit, when it has one. */
export function errorStatus(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === "number" ? status : undefined;
}

/** A change to a tree: a path set to a blob, or removed (`sha: null`). */
export interface TreeChange {
  /** Path in the repository, `/`-separated. */
  path: string;
  /** Blob SHA, or `null` to remove the file. */
  sha: string | null;
}

/**
 * Builds the changes for a commit on top of `parent` (the branch head, `undefined` for a new
 * branch); called again when the branch moved meanwhile.
 */
export type PlanChanges = (parent: string | undefined) => Promise<TreeChange[]>;

/** Stores bytes as a blob and returns its SHA. */
export async function createBlob(
  octokit: Octokit,
  target: RepoRef,
  content: Uint8Array,
): Promise<string> {
  const blob = await octokit.rest.git.createBlob({
    owner: target.owner,
    repo: target.repo,
    content: Buffer.from(content).toString("base64"),
    encoding: "base64",
  });
  return blob.data.sha;
}

/**
 * Adds (or replaces) files on `branch` in one commit on top of the branch's head, creating the
 * branch as an orphan when it does not exist. Returns the new commit's SHA.
 */
export async function commitFiles(
  octokit: Octokit,
  target: RepoRef & { branch: string },
  files: FileToCommit[],
  options: CommitFilesOptions,
): Promise<string> {
  const changes: TreeChange[] = [];
  for (const file of files) {
    changes.push({ path: file.path, sha: await createBlob(octokit, target, file.content) });
  }
  return await commitChanges(octokit, target, () => Promise.resolve(changes), options);
}

/**
 * Commits the changes `plan` gives for the branch's head, on top of it (an orphan commit when
 * the branch does not exist yet). When another job moved the branch meanwhile, the changes are
 * planned again on the new head. Returns the new commit's SHA.
 */
export async function commitChanges(
  octokit: Octokit,
  target: RepoRef & { branch: string },
  plan: PlanChanges,
  options: CommitFilesOptions,
): Promise<string> {
  const { owner, repo, branch } = target;
  const attempts = options.attempts ?? 5;
  for (let attempt = 1;; attempt++) {
    const parent = await branchHead(octokit, target);
    const baseTree = parent
      ? (await octokit.rest.git.getCommit({ owner, repo, commit_sha: parent })).data.tree.sha
      : undefined;
    const changes = await plan(parent);
    const tree = await octokit.rest.git.createTree({
      owner,
      repo,
      tree: changes.map((change) => ({
        path: change.path,
        mode: "100644" as const,
        type: "blob" as const,
        sha: change.sha,
      })),
      ...(baseTree ? { base_tree: baseTree } : {}),
    });
    const commit = await octokit.rest.git.createCommit({
      owner,
      repo,
      message: options.message,
      tree: tree.data.sha,
      parents: parent ? [parent] : [],
    });
    try {
      if (parent) {
        await octokit.rest.git.updateRef({
          owner,
          repo,
          ref: `heads/${branch}`,
          sha: commit.data.sha,
          force: false,
        });
      } else {
        await octokit.rest.git.createRef({
          owner,
          repo,
          ref: `refs/heads/${branch}`,
          sha: commit.data.sha,
        });
      }
      return commit.data.sha;
    } catch (error) {
      // 422: not a fast forward, or the branch was created meanwhile. Build on the new head.
      if (errorStatus(error) !== 422 || attempt >= attempts) throw error;
    }
  }
}

/** The paths of every file (blob) in a commit's tree; throws when GitHub truncated the list. */
export async function listFiles(
  octokit: Octokit,
  target: RepoRef,
  commit: string,
): Promise<string[]> {
  const { owner, repo } = target;
  const treeSha = (await octokit.rest.git.getCommit({ owner, repo, commit_sha: commit })).data.tree
    .sha;
  const tree = await octokit.rest.git.getTree({ owner, repo, tree_sha: treeSha, recursive: "1" });
  if (tree.data.truncated) {
    throw new Error(`the tree of ${commit} has too many files to list in one answer`);
  }
  return tree.data.tree.filter((e) => e.type === "blob" && e.path).map((e) => e.path!);
}

/** The commit SHA at the head of a branch, or `undefined` when the branch does not exist. */
export async function branchHead(
  octokit: Octokit,
  target: RepoRef & { branch: string },
): Promise<string | undefined> {
  try {
    const ref = await octokit.rest.git.getRef({
      owner: target.owner,
      repo: target.repo,
      ref: `heads/${target.branch}`,
    });
    return ref.data.object.sha;
  } catch (error) {
    if (errorStatus(error) === 404) return undefined;
    throw error;
  }
}

/**
 * Reads a file at a branch or commit; `undefined` when the file, the branch or the commit does
 * not exist.
 */
export async function readFile(
  octokit: Octokit,
  target: RepoRef & { ref: string },
  path: string,
): Promise<Uint8Array | undefined> {
  try {
    const response = await octokit.rest.repos.getContent({
      owner: target.owner,
      repo: target.repo,
      path,
      ref: target.ref,
    });
    const data = response.data as { type?: string; content?: string; encoding?: string };
    if (data.type !== "file" || typeof data.content !== "string") return undefined;
    if (data.encoding === "base64") return new Uint8Array(Buffer.from(data.content, "base64"));
    return new TextEncoder().encode(data.content);
  } catch (error) {
    if (errorStatus(error) === 404) return undefined;
    throw error;
  }
}

/**
 * A link to a file at a commit that GitHub serves raw (`?raw=true`); it also works in private
 * repositories for readers with access.
 */
export function blobUrl(serverUrl: string, target: RepoRef, commit: string, path: string): string {
  const encoded = path.split("/").map(encodeURIComponent).join("/");
  return `${serverUrl}/${target.owner}/${target.repo}/blob/${commit}/${encoded}?raw=true`;
}
