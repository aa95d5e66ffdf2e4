/**
 * A local server that speaks the part of GitHub's REST API the Action uses, keeps state
 * (comments, blobs, trees, commits, refs) and checks every request against GitHub's published
 * OpenAPI description first: a method and path that the description does not have, an
 * undeclared query parameter or a JSON body that lacks a required field is answered with an
 * error and recorded in {@linkcode GitHubMock.violations}, so a test can assert there were none.
 *
 * Tokens stand for identities: the workflow token (`github-actions[bot]`, an installation token
 * for which `GET /user` answers 403), a read-only token as pull requests from forks get (every
 * write answers 403) and a personal token.
 * @module
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { Buffer } from "node:buffer";
import {
  bodyIssues,
  loadOpenApi,
  matchOperation,
  type OpenApiIndex,
  queryIssues,
} from "./openapi.ts";

/** Who a token belongs to and what it may do. */
export interface MockIdentity {
  /** Login shown as the author of comments. */
  login: string;
  /** Account type. */
  type: "User" | "Bot";
  /** May write (comments, git objects, refs). */
  write: boolean;
  /** An app installation token (the workflow token): `GET /user` answers 403. */
  installation: boolean;
}

/** The workflow token with write access. */
export const WORKFLOW_TOKEN = "ghs_workflow_token_with_write_access";
/** A read-only workflow token, as pull requests from forks get. */
export const READ_ONLY_TOKEN = "ghs_read_only_token_of_a_fork_pull_request";
/** A personal access token of `octocat`. */
export const PERSONAL_TOKEN = "ghp_personal_token_of_octocat";

/** Default identities by token. */
export const MOCK_TOKENS: Record<string, MockIdentity> = {
  [WORKFLOW_TOKEN]: { login: "github-actions[bot]", type: "Bot", write: true, installation: true },
  [READ_ONLY_TOKEN]: {
    login: "github-actions[bot]",
    type: "Bot",
    write: false,
    installation: true,
  },
  [PERSONAL_TOKEN]: { login: "octocat", type: "User", write: true, installation: false },
};

/** An issue or pull request comment as stored. */
export interface MockComment {
  /** Comment id. */
  id: number;
  /** Issue or pull request number. */
  issue: number;
  /** Markdown body. */
  body: string;
  /** Author's login. */
  login: string;
  /** Author's account type. */
  type: "User" | "Bot";
  /** Times the body was edited. */
  edits: number;
}

/** A tree entry (trees are stored flat: full path to entry). */
export interface MockTreeEntry {
  /** File mode. */
  mode: string;
  /** Object type. */
  type: "blob" | "tree" | "commit";
  /** Object SHA. */
  sha: string;
}

/** A commit as stored. */
export interface MockCommit {
  /** Tree SHA. */
  tree: string;
  /** Parent SHAs. */
  parents: string[];
  /** Commit message. */
  message: string;
}

/** A pull request known to `GET /pulls/{pull_number}`. */
export interface MockPull {
  /** Head commit SHA. */
  headSha: string;
  /** Head branch. */
  headRef: string;
  /** Base branch. */
  baseRef: string;
}

/** One repository's state. */
export interface MockRepository {
  /** Blob contents by SHA. */
  blobs: Map<string, Uint8Array>;
  /** Flat trees by SHA. */
  trees: Map<string, Map<string, MockTreeEntry>>;
  /** Commits by SHA. */
  commits: Map<string, MockCommit>;
  /** Refs (`refs/heads/NAME`) to commit SHAs. */
  refs: Map<string, string>;
  /** Comments in creation order. */
  comments: MockComment[];
  /** Comments deleted, in the order of deletion. */
  deleted: MockComment[];
  /** Pull requests by number. */
  pulls: Map<number, MockPull>;
}

/** A request as the server saw it. */
export interface MockRequest {
  /** HTTP method. */
  method: string;
  /** Path and query. */
  path: string;
  /** Matched operation id, if any. */
  operationId?: string;
  /** Response status. */
  status: number;
}

/** A failure the mock answers instead of (or after) handling a request. */
export interface MockFault {
  /** HTTP status of the answer (502, 503, 403, 429, ...). */
  status: number;
  /** The `message` of the JSON answer (default: the status's usual text). */
  message?: string;
  /** Extra response headers, e.g. `retry-after` or `x-ratelimit-remaining`. */
  headers?: Record<string, string>;
  /** Handle the request first, then answer the failure (a lost answer). Default false. */
  afterHandling?: boolean;
}

/** GitHub's message for a secondary rate limit. */
export const SECONDARY_RATE_LIMIT_MESSAGE =
  "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.";

/** Options of {@linkcode startGitHubMock}. */
export interface GitHubMockOptions {
  /** Repositories (`owner/name`) that exist. */
  repositories: string[];
  /** Identities by token (default {@linkcode MOCK_TOKENS}). */
  tokens?: Record<string, MockIdentity>;
}

type Handler = (request: ParsedRequest) => Response | Promise<Response>;

interface ParsedRequest {
  repo?: MockRepository;
  fullName?: string;
  params: Record<string, string>;
  query: URLSearchParams;
  body: Record<string, unknown>;
  identity: MockIdentity;
  url: URL;
}

/** The running mock; see the module documentation. */
export class GitHubMock {
  /** Base URL for `GITHUB_API_URL`. */
  readonly url: string;
  /** Requests that broke GitHub's OpenAPI description. */
  readonly violations: string[] = [];
  /** Every request with its answer. */
  readonly requests: MockRequest[] = [];
  /** Repository state by `owner/name`. */
  readonly repositories = new Map<string, MockRepository>();
  readonly #server: Deno.HttpServer<Deno.NetAddr>;
  readonly #api: OpenApiIndex;
  readonly #tokens: Record<string, MockIdentity>;
  readonly #before = new Map<string, (() => void)[]>();
  readonly #faults = new Map<string, MockFault[]>();
  readonly #barriers = new Map<string, { count: number; waiting: (() => void)[] }>();
  #nextCommentId = 1000;

  /** Starts listening on a free loopback port. */
  constructor(options: GitHubMockOptions) {
    this.#api = loadOpenApi();
    this.#tokens = options.tokens ?? MOCK_TOKENS;
    for (const name of options.repositories) this.repositories.set(name, emptyRepository());
    this.#server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen() {} },
      (request) => this.#handle(request),
    );
    this.url = `http://127.0.0.1:${this.#server.addr.port}`;
  }

  /** Stops the server. */
  async close(): Promise<void> {
    await this.#server.shutdown();
  }

  /** The state of a repository (throws when it does not exist). */
  repository(fullName: string): MockRepository {
    const repo = this.repositories.get(fullName);
    if (!repo) throw new Error(`no repository ${fullName}`);
    return repo;
  }

  /** Runs `fn` once, just before the next request with this operation id is handled. */
  beforeNext(operationId: string, fn: () => void): void {
    const list = this.#before.get(operationId) ?? [];
    list.push(fn);
    this.#before.set(operationId, list);
  }

  /**
   * Answers the next requests with this operation id with these faults, one per request, in
   * order; later requests are handled normally.
   */
  failNext(operationId: string, ...faults: MockFault[]): void {
    this.#faults.set(operationId, [...(this.#faults.get(operationId) ?? []), ...faults]);
  }

  /**
   * Holds requests with this operation id until `count` of them have arrived, then lets them
   * all through (once): two runs that both list before either writes.
   */
  barrier(operationId: string, count: number): void {
    this.#barriers.set(operationId, { count, waiting: [] });
  }

  /** Stores a blob, a tree holding it and a commit in a repository; returns the commit SHA. */
  commitFiles(
    fullName: string,
    files: Record<string, string | Uint8Array>,
    options: { parent?: string; message?: string; branch?: string } = {},
  ): string {
    const repo = this.repository(fullName);
    const entries = new Map(
      options.parent ? repo.trees.get(repo.commits.get(options.parent)!.tree)! : [],
    );
    for (const [path, content] of Object.entries(files)) {
      const bytes = typeof content === "string" ? new TextEncoder().encode(content) : content;
      entries.set(path, { mode: "100644", type: "blob", sha: storeBlob(repo, bytes) });
    }
    const tree = storeTree(repo, entries);
    const sha = storeCommit(repo, {
      tree,
      parents: options.parent ? [options.parent] : [],
      message: options.message ?? "test commit",
    });
    if (options.branch) repo.refs.set(`refs/heads/${options.branch}`, sha);
    return sha;
  }

  /** The bytes of the file at `path` in a commit, or `undefined`. */
  fileAt(fullName: string, commitSha: string, path: string): Uint8Array | undefined {
    const repo = this.repository(fullName);
    const commit = repo.commits.get(commitSha);
    const entry = commit ? repo.trees.get(commit.tree)?.get(path) : undefined;
    return entry ? repo.blobs.get(entry.sha) : undefined;
  }

  async #handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const rawPath = url.pathname;
    const record = (status: number, operationId?: string) =>
      this.requests.push({
        method: request.method,
        path: rawPath + url.search,
        operationId,
        status,
      });
    const match = matchOperation(this.#api, request.method, rawPath);
    if (!match) {
      this.violations.push(`${request.method} ${rawPath}: no such operation in the description`);
      record(404);
      return json(404, { message: "Not Found" });
    }
    const { operation, params } = match;
    const label = `${request.method} ${rawPath} (${operation.operationId})`;
    let body: unknown;
    const text = await request.text();
    if (text !== "") {
      try {
        body = JSON.parse(text);
      } catch {
        this.violations.push(`${label}: body is not JSON`);
        record(400, operation.operationId);
        return json(400, { message: "Problems parsing JSON" });
      }
    }
    const issues = [
      ...queryIssues(operation, url.searchParams),
      ...bodyIssues(this.#api, operation, body),
    ];
    if (issues.length > 0) {
      this.violations.push(...issues.map((issue) => `${label}: ${issue}`));
      record(422, operation.operationId);
      return json(422, { message: "Invalid request.", errors: issues });
    }
    const response = await this.#answer(operation.operationId, {
      params,
      query: url.searchParams,
      body: (body ?? {}) as Record<string, unknown>,
      url,
      identity: undefined as unknown as MockIdentity,
    }, request.headers.get("authorization"));
    record(response.status, operation.operationId);
    return response;
  }

  async #answer(
    operationId: string,
    parsed: ParsedRequest,
    authorization: string | null,
  ): Promise<Response> {
    const token = authorization?.replace(/^(token|bearer)\s+/i, "") ?? "";
    const identity = this.#tokens[token];
    if (!identity) return json(401, { message: "Bad credentials" });
    parsed.identity = identity;
    if (parsed.params.owner !== undefined) {
      parsed.fullName = `${parsed.params.owner}/${parsed.params.repo}`;
      parsed.repo = this.repositories.get(parsed.fullName);
      if (!parsed.repo) return json(404, { message: "Not Found" });
    }
    for (const fn of this.#before.get(operationId)?.splice(0) ?? []) fn();
    await this.#passBarrier(operationId);
    const fault = this.#faults.get(operationId)?.shift();
    if (fault && !fault.afterHandling) return faultResponse(fault);
    const handler = this.#handlers()[operationId];
    if (!handler) {
      this.violations.push(`${operationId}: valid, but the mock does not implement it`);
      return json(501, { message: `mock does not implement ${operationId}` });
    }
    const writes = !["users/get-authenticated"].includes(operationId) &&
      /\/(create|update|delete)-/.test(`/${operationId.split("/")[1]}`);
    if (writes && !identity.write) {
      return json(403, {
        message: "Resource not accessible by integration",
        documentation_url: "https://docs.github.com/rest",
        status: "403",
      });
    }
    const response = await handler(parsed);
    return fault ? faultResponse(fault) : response;
  }

  async #passBarrier(operationId: string): Promise<void> {
    const barrier = this.#barriers.get(operationId);
    if (!barrier) return;
    const arrived = new Promise<void>((resolve) => barrier.waiting.push(resolve));
    if (barrier.waiting.length >= barrier.count) {
      this.#barriers.delete(operationId);
      for (const release of barrier.waiting) release();
    }
    await arrived;
  }

  #handlers(): Record<string, Handler> {
    return {
      "users/get-authenticated": ({ identity }) =>
        identity.installation
          ? json(403, { message: "Resource not accessible by integration", status: "403" })
          : json(200, { login: identity.login, id: 1, type: identity.type }),
      "issues/list-comments": (r) => this.#listComments(r),
      "issues/create-comment": (r) => {
        const comment: MockComment = {
          id: this.#nextCommentId++,
          issue: Number(r.params.issue_number),
          body: String(r.body.body),
          login: r.identity.login,
          type: r.identity.type,
          edits: 0,
        };
        r.repo!.comments.push(comment);
        return json(201, commentJson(r.fullName!, comment));
      },
      "issues/delete-comment": (r) => {
        const comments = r.repo!.comments;
        const index = comments.findIndex((c) => c.id === Number(r.params.comment_id));
        if (index < 0) return json(404, { message: "Not Found" });
        r.repo!.deleted.push(...comments.splice(index, 1));
        return new Response(null, { status: 204 });
      },
      "issues/update-comment": (r) => {
        const comment = r.repo!.comments.find((c) => c.id === Number(r.params.comment_id));
        if (!comment) return json(404, { message: "Not Found" });
        comment.body = String(r.body.body);
        comment.edits++;
        return json(200, commentJson(r.fullName!, comment));
      },
      "git/create-blob": (r) => {
        const encoding = r.body.encoding ?? "utf-8";
        if (encoding !== "utf-8" && encoding !== "base64") {
          return json(422, { message: `encoding must be utf-8 or base64` });
        }
        const content = String(r.body.content);
        const bytes = encoding === "base64"
          ? decodeBase64(content)
          : new TextEncoder().encode(content);
        const sha = storeBlob(r.repo!, bytes);
        return json(201, { sha, url: `${this.url}/repos/${r.fullName}/git/blobs/${sha}` });
      },
      "git/get-blob": (r) => {
        const bytes = r.repo!.blobs.get(r.params.file_sha);
        if (!bytes) return json(404, { message: "Not Found" });
        return json(200, {
          sha: r.params.file_sha,
          size: bytes.length,
          encoding: "base64",
          content: encodeBase64(bytes),
        });
      },
      "git/create-tree": (r) => this.#createTree(r),
      "git/get-tree": (r) => {
        const tree = r.repo!.trees.get(r.params.tree_sha) ??
          r.repo!.trees.get(r.repo!.commits.get(r.params.tree_sha)?.tree ?? "");
        if (!tree) return json(404, { message: "Not Found" });
        const recursive = r.query.has("recursive");
        return json(200, {
          sha: r.params.tree_sha,
          tree: listTree(tree, recursive),
          truncated: false,
        });
      },
      "git/create-commit": (r) => {
        const tree = String(r.body.tree);
        const parents = (r.body.parents ?? []) as string[];
        if (!r.repo!.trees.has(tree)) return json(422, { message: "Tree SHA does not exist" });
        if (parents.some((p) => !r.repo!.commits.has(p))) {
          return json(422, { message: "Parent SHA does not exist or is not a commit object" });
        }
        const message = String(r.body.message);
        const sha = storeCommit(r.repo!, { tree, parents, message });
        return json(201, this.#commitJson(r.fullName!, sha, r.repo!.commits.get(sha)!));
      },
      "git/get-commit": (r) => {
        const commit = r.repo!.commits.get(r.params.commit_sha);
        if (!commit) return json(404, { message: "Not Found" });
        return json(200, this.#commitJson(r.fullName!, r.params.commit_sha, commit));
      },
      "git/get-ref": (r) => {
        const ref = `refs/${r.params.ref}`;
        const sha = r.repo!.refs.get(ref);
        if (!sha) return json(404, { message: "Not Found" });
        return json(200, refJson(this.url, r.fullName!, ref, sha));
      },
      "git/create-ref": (r) => {
        const ref = String(r.body.ref);
        const sha = String(r.body.sha);
        if (!/^refs\/[^/]+\/.+/.test(ref)) {
          return json(422, { message: `${ref} is not a valid ref name.` });
        }
        if (!r.repo!.commits.has(sha)) return json(422, { message: "Object does not exist" });
        if (r.repo!.refs.has(ref)) return json(422, { message: "Reference already exists" });
        r.repo!.refs.set(ref, sha);
        return json(201, refJson(this.url, r.fullName!, ref, sha));
      },
      "git/update-ref": (r) => {
        const ref = `refs/${r.params.ref}`;
        const sha = String(r.body.sha);
        const current = r.repo!.refs.get(ref);
        if (!current) return json(422, { message: "Reference does not exist" });
        if (!r.repo!.commits.has(sha)) return json(422, { message: "Object does not exist" });
        if (r.body.force !== true && !isAncestor(r.repo!, current, sha)) {
          return json(422, { message: "Update is not a fast forward" });
        }
        r.repo!.refs.set(ref, sha);
        return json(200, refJson(this.url, r.fullName!, ref, sha));
      },
      "repos/get-content": (r) => this.#getContent(r),
      "pulls/get": (r) => {
        const number = Number(r.params.pull_number);
        const pull = r.repo!.pulls.get(number);
        if (!pull) return json(404, { message: "Not Found" });
        return json(200, {
          number,
          state: "open",
          head: { sha: pull.headSha, ref: pull.headRef },
          base: { ref: pull.baseRef },
        });
      },
    };
  }

  #listComments(r: ParsedRequest): Response {
    const perPage = Math.min(100, Number(r.query.get("per_page") ?? 30));
    const page = Math.max(1, Number(r.query.get("page") ?? 1));
    const all = r.repo!.comments.filter((c) => c.issue === Number(r.params.issue_number));
    const pages = Math.max(1, Math.ceil(all.length / perPage));
    const items = all.slice((page - 1) * perPage, page * perPage);
    const links: string[] = [];
    const link = (p: number, rel: string) => {
      const next = new URL(r.url);
      next.searchParams.set("per_page", String(perPage));
      next.searchParams.set("page", String(p));
      links.push(`<${next.href}>; rel="${rel}"`);
    };
    if (page < pages) {
      link(page + 1, "next");
      link(pages, "last");
    }
    if (page > 1) {
      link(1, "first");
      link(page - 1, "prev");
    }
    const headers: Record<string, string> = links.length ? { link: links.join(", ") } : {};
    return json(200, items.map((c) => commentJson(r.fullName!, c)), headers);
  }

  #createTree(r: ParsedRequest): Response {
    const repo = r.repo!;
    const base = r.body.base_tree === undefined ? undefined : String(r.body.base_tree);
    if (base !== undefined && !repo.trees.has(base)) {
      return json(422, { message: "base_tree is not a valid tree oid" });
    }
    const entries = new Map(base ? repo.trees.get(base)! : []);
    for (const item of r.body.tree as Record<string, unknown>[]) {
      const path = String(item.path);
      if (item.sha === null) {
        entries.delete(path);
        continue;
      }
      if (item.sha !== undefined && item.content !== undefined) {
        return json(422, { message: "tree.sha and tree.content cannot both be given" });
      }
      const sha = item.content !== undefined
        ? storeBlob(repo, new TextEncoder().encode(String(item.content)))
        : String(item.sha);
      if (item.type === "blob" && !repo.blobs.has(sha)) {
        return json(422, { message: `tree.sha ${sha} is not a valid blob` });
      }
      entries.set(path, {
        mode: String(item.mode),
        type: item.type as MockTreeEntry["type"],
        sha,
      });
    }
    const sha = storeTree(repo, entries);
    return json(201, {
      sha,
      url: `${this.url}/repos/${r.fullName}/git/trees/${sha}`,
      tree: treeJson(entries),
      truncated: false,
    });
  }

  #getContent(r: ParsedRequest): Response {
    const repo = r.repo!;
    const ref = r.query.get("ref");
    const commitSha = ref === null
      ? repo.refs.get("refs/heads/main")
      : repo.refs.get(`refs/heads/${ref}`) ?? (repo.commits.has(ref) ? ref : undefined);
    const commit = commitSha ? repo.commits.get(commitSha) : undefined;
    if (!commit) return json(404, { message: `No commit found for the ref ${ref}` });
    const path = r.params.path;
    const entry = repo.trees.get(commit.tree)!.get(path);
    if (!entry) return json(404, { message: "Not Found" });
    const bytes = repo.blobs.get(entry.sha)!;
    const name = path.split("/").pop()!;
    const html = `https://github.com/${r.fullName}/blob/${ref}/${path}`;
    const self = `${this.url}/repos/${r.fullName}/contents/${path}?ref=${ref}`;
    const git = `${this.url}/repos/${r.fullName}/git/blobs/${entry.sha}`;
    return json(200, {
      type: "file",
      encoding: "base64",
      size: bytes.length,
      name,
      path,
      content: encodeBase64(bytes),
      sha: entry.sha,
      url: self,
      git_url: git,
      html_url: html,
      download_url: null,
      _links: { self, git, html },
    });
  }

  #commitJson(fullName: string, sha: string, commit: MockCommit): Record<string, unknown> {
    const person = { name: "github-actions[bot]", email: "actions@github.com", date: now() };
    return {
      sha,
      node_id: `C_${sha.slice(0, 12)}`,
      url: `${this.url}/repos/${fullName}/git/commits/${sha}`,
      html_url: `https://github.com/${fullName}/commit/${sha}`,
      author: person,
      committer: person,
      message: commit.message,
      tree: { sha: commit.tree, url: `${this.url}/repos/${fullName}/git/trees/${commit.tree}` },
      parents: commit.parents.map((p) => ({ sha: p, url: "", html_url: "" })),
      verification: { verified: false, reason: "unsigned", signature: null, payload: null },
    };
  }
}

/** Starts a mock server; close it with {@linkcode GitHubMock.close}. */
export function startGitHubMock(options: GitHubMockOptions): GitHubMock {
  return new GitHubMock(options);
}

function emptyRepository(): MockRepository {
  return {
    blobs: new Map(),
    trees: new Map(),
    commits: new Map(),
    refs: new Map(),
    comments: [],
    deleted: [],
    pulls: new Map(),
  };
}

function sha1(...parts: (string | Uint8Array)[]): string {
  const hash = createHash("sha1");
  for (const part of parts) hash.update(part);
  return hash.digest("hex");
}

function storeBlob(repo: MockRepository, bytes: Uint8Array): string {
  // The SHA git itself would give the blob.
  const sha = sha1(`blob ${bytes.length}\0`, bytes);
  repo.blobs.set(sha, bytes);
  return sha;
}

function storeTree(repo: MockRepository, entries: Map<string, MockTreeEntry>): string {
  const sorted = [...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const sha = sha1("tree ", JSON.stringify(sorted));
  repo.trees.set(sha, new Map(sorted));
  return sha;
}

let commitCounter = 0;

function storeCommit(repo: MockRepository, commit: MockCommit): string {
  const sha = sha1("commit ", JSON.stringify(commit), String(commitCounter++));
  repo.commits.set(sha, commit);
  return sha;
}

function isAncestor(repo: MockRepository, ancestor: string, sha: string): boolean {
  const seen = new Set<string>();
  const stack = [sha];
  while (stack.length > 0) {
    const next = stack.pop()!;
    if (next === ancestor) return true;
    if (seen.has(next)) continue;
    seen.add(next);
    stack.push(...(repo.commits.get(next)?.parents ?? []));
  }
  return false;
}

function treeJson(entries: Map<string, MockTreeEntry>): Record<string, unknown>[] {
  return [...entries].map(([path, e]) => ({ path, mode: e.mode, type: e.type, sha: e.sha }));
}

/**
 * A tree as `GET /git/trees` answers it: the top level only, or with `recursive` every blob and
 * every folder (as `tree` entries) with its full path.
 */
function listTree(entries: Map<string, MockTreeEntry>, recursive: boolean) {
  const folders = new Set<string>();
  for (const path of entries.keys()) {
    const parts = path.split("/");
    for (let i = 1; i < parts.length; i++) folders.add(parts.slice(0, i).join("/"));
  }
  const folderEntry = (path: string) => ({
    path,
    mode: "040000",
    type: "tree",
    sha: sha1("folder ", path, JSON.stringify([...entries])),
  });
  const all = [
    ...[...folders].map(folderEntry),
    ...treeJson(entries),
  ].sort((a, b) => (String(a.path) < String(b.path) ? -1 : 1));
  return recursive ? all : all.filter((e) => !String(e.path).includes("/"));
}

function refJson(base: string, fullName: string, ref: string, sha: string) {
  return {
    ref,
    node_id: `REF_${sha.slice(0, 12)}`,
    url: `${base}/repos/${fullName}/git/${ref}`,
    object: { type: "commit", sha, url: `${base}/repos/${fullName}/git/commits/${sha}` },
  };
}

function commentJson(fullName: string, c: MockComment): Record<string, unknown> {
  const time = now();
  return {
    id: c.id,
    node_id: `IC_${c.id}`,
    url: `https://api.github.com/repos/${fullName}/issues/comments/${c.id}`,
    html_url: `https://github.com/${fullName}/pull/${c.issue}#issuecomment-${c.id}`,
    issue_url: `https://api.github.com/repos/${fullName}/issues/${c.issue}`,
    body: c.body,
    user: { login: c.login, id: c.type === "Bot" ? 41898282 : 1, type: c.type },
    created_at: time,
    updated_at: time,
    author_association: c.type === "Bot" ? "NONE" : "OWNER",
  };
}

function now(): string {
  return new Date().toISOString().replace(/\.\d+Z$/, "Z");
}

const STATUS_TEXT: Record<number, string> = {
  403: "Forbidden",
  429: "Too Many Requests",
  500: "Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
};

function faultResponse(fault: MockFault): Response {
  return json(fault.status, {
    message: fault.message ?? STATUS_TEXT[fault.status] ?? "Error",
    documentation_url: "https://docs.github.com/rest",
    status: String(fault.status),
  }, fault.headers);
}

function json(status: number, value: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(value), {
    status,
    headers: { "content-type": "application/json; charset=utf-8", ...headers },
  });
}

function encodeBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("base64");
}

function decodeBase64(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, "base64"));
}

/**
 * Runs `fn` with a fresh mock made from `options`, then asserts that every request followed
 * GitHub's OpenAPI description, and closes the mock (also when `fn` throws).
 */
export async function withGitHubMock(
  options: GitHubMockOptions,
  fn: (mock: GitHubMock) => Promise<void>,
): Promise<void> {
  const mock = new GitHubMock(options);
  try {
    await fn(mock);
    assert.deepEqual(mock.violations, [], "every request follows GitHub's OpenAPI description");
  } finally {
    await mock.close();
  }
}
