import assert from "node:assert/strict";
import {
  GitHubMock,
  SECONDARY_RATE_LIMIT_MESSAGE,
  withGitHubMock,
  WORKFLOW_TOKEN,
} from "./github_mock/mod.ts";
import { bodyIssues, loadOpenApi, matchOperation } from "./github_mock/openapi.ts";

Deno.test("operations are found by method and path template, literal segments first", () => {
  const api = loadOpenApi();
  const match = (method: string, path: string) => {
    const found = matchOperation(api, method, path);
    return found && { id: found.operation.operationId, params: found.params };
  };
  assert.deepEqual(match("POST", "/repos/o/r/git/blobs"), {
    id: "git/create-blob",
    params: { owner: "o", repo: "r" },
  });
  assert.deepEqual(match("PATCH", "/repos/o/r/git/refs/heads%2Fassets"), {
    id: "git/update-ref",
    params: { owner: "o", repo: "r", ref: "heads/assets" },
  });
  assert.deepEqual(match("GET", "/repos/o/r/contents/results/a/b.json"), {
    id: "repos/get-content",
    params: { owner: "o", repo: "r", path: "results/a/b.json" },
  });
  assert.equal(match("GET", "/repos/o/r/issues/comments/5")?.id, "issues/get-comment");
  assert.equal(match("POST", "/repos/o/r/git/blobz"), undefined);
  assert.equal(match("DELETE", "/user"), undefined);
});

Deno.test("bodyIssues reports missing required fields and wrong types, nested too", () => {
  const api = loadOpenApi();
  const tree = matchOperation(api, "POST", "/repos/o/r/git/trees")!.operation;
  assert.deepEqual(bodyIssues(api, tree, undefined), ["the request body is required"]);
  assert.deepEqual(bodyIssues(api, tree, {}), ["body lacks required field tree"]);
  assert.deepEqual(
    bodyIssues(api, tree, { tree: [{ path: "a", mode: "100645", type: "blob", sha: 1 }] }),
    [
      'body.tree[0].mode must be one of ["100644","100755","040000","160000","120000"], got "100645"',
      "body.tree[0].sha must be of type string, got 1",
    ],
  );
  assert.deepEqual(bodyIssues(api, tree, { tree: [{ path: "a", sha: null }] }), []);
});

Deno.test("the server rejects and records requests outside GitHub's description", async () => {
  const mock = new GitHubMock({ repositories: ["o/r"] });
  try {
    const send = (method: string, path: string, body?: unknown) =>
      fetch(`${mock.url}${path}`, {
        method,
        headers: { authorization: `token ${WORKFLOW_TOKEN}` },
        body: body === undefined ? undefined : JSON.stringify(body),
      }).then(async (r) => ({ status: r.status, body: await r.json() }));
    assert.equal((await send("POST", "/repos/o/r/git/blobz", { content: "x" })).status, 404);
    assert.equal((await send("POST", "/repos/o/r/git/blobs", { encoding: "base64" })).status, 422);
    assert.equal((await send("GET", "/repos/o/r/issues/1/comments?perpage=5")).status, 422);
    assert.equal((await send("DELETE", "/repos/o/r/git/refs/heads%2Fx")).status, 501);
    assert.deepEqual(mock.violations, [
      "POST /repos/o/r/git/blobz: no such operation in the description",
      "POST /repos/o/r/git/blobs (git/create-blob): body lacks required field content",
      "GET /repos/o/r/issues/1/comments (issues/list-comments): query parameter perpage is not declared",
      "git/delete-ref: valid, but the mock does not implement it",
    ]);
    const ok = await send("POST", "/repos/o/r/git/blobs", { content: "hello" });
    assert.equal(ok.status, 201);
    assert.equal(ok.body.sha, "b6fc4c620b67d95f953a5c1c1230aaab5db5a1b0", "git's own blob SHA");
    const anonymous = await fetch(`${mock.url}/user`);
    assert.equal(anonymous.status, 401);
    await anonymous.body?.cancel();
  } finally {
    await mock.close();
  }
});

function sender(mock: GitHubMock) {
  return (method: string, path: string, body?: unknown) =>
    fetch(`${mock.url}${path}`, {
      method,
      headers: { authorization: `token ${WORKFLOW_TOKEN}` },
      body: body === undefined ? undefined : JSON.stringify(body),
    }).then(async (r) => ({ status: r.status, headers: r.headers, body: await r.text() }));
}

Deno.test("faults answer chosen requests in order, before or after handling them", async () => {
  await withGitHubMock({ repositories: ["o/r"] }, async (mock) => {
    const send = sender(mock);
    mock.failNext(
      "issues/create-comment",
      { status: 403, message: SECONDARY_RATE_LIMIT_MESSAGE, headers: { "retry-after": "7" } },
      { status: 502, afterHandling: true },
    );
    const limited = await send("POST", "/repos/o/r/issues/3/comments", { body: "x" });
    assert.equal(limited.status, 403);
    assert.equal(limited.headers.get("retry-after"), "7");
    assert.equal(JSON.parse(limited.body).message, SECONDARY_RATE_LIMIT_MESSAGE);
    assert.equal(mock.repository("o/r").comments.length, 0, "refused before handling");
    const lost = await send("POST", "/repos/o/r/issues/3/comments", { body: "x" });
    assert.equal(lost.status, 502);
    assert.equal(mock.repository("o/r").comments.length, 1, "handled, then the answer was lost");
    assert.equal((await send("POST", "/repos/o/r/issues/3/comments", { body: "y" })).status, 201);
    const id = mock.repository("o/r").comments[0].id;
    assert.equal((await send("DELETE", `/repos/o/r/issues/comments/${id}`)).status, 204);
    assert.equal((await send("DELETE", `/repos/o/r/issues/comments/${id}`)).status, 404);
    assert.deepEqual(mock.repository("o/r").deleted.map((c) => c.id), [id]);
  });
});

Deno.test("a barrier holds requests until enough have arrived; trees list top level or recursive", async () => {
  await withGitHubMock({ repositories: ["o/r"] }, async (mock) => {
    const send = sender(mock);
    mock.barrier("issues/list-comments", 2);
    let firstDone = false;
    const first = send("GET", "/repos/o/r/issues/1/comments").then((r) => {
      firstDone = true;
      return r;
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(firstDone, false, "the first request waits for the second");
    const [a, b] = await Promise.all([first, send("GET", "/repos/o/r/issues/1/comments")]);
    assert.deepEqual([a.status, b.status], [200, 200]);
    const commit = mock.commitFiles("o/r", { "a/b/c.txt": "x", "top.txt": "y" });
    const tree = mock.repository("o/r").commits.get(commit)!.tree;
    const paths = async (query: string) =>
      JSON.parse((await send("GET", `/repos/o/r/git/trees/${tree}${query}`)).body).tree
        .map((e: { path: string; type: string }) => `${e.type} ${e.path}`);
    assert.deepEqual(await paths(""), ["tree a", "blob top.txt"]);
    assert.deepEqual(await paths("?recursive=1"), [
      "tree a",
      "tree a/b",
      "blob a/b/c.txt",
      "blob top.txt",
    ]);
  });
});
