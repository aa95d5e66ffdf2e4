/**
 * End-to-end tests of `action/main.ts`: each runs the Action in a new process as the runner
 * does, against the local server that speaks GitHub's REST API and checks every request
 * against GitHub's OpenAPI description.
 * @module
 */
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { join } from "node:path";
import { saveModel } from "../src/model_io.ts";
import {
  GitHubMock,
  PERSONAL_TOKEN,
  READ_ONLY_TOKEN,
  SECONDARY_RATE_LIMIT_MESSAGE,
  withGitHubMock,
  WORKFLOW_TOKEN,
} from "./github_mock/mod.ts";
import {
  addConfig,
  EXAMPLE_PR,
  examplePayload,
  pullRequestPayload,
  pushPayload,
  removeTempDirs,
  runAction,
  type RunnerResult,
  writeWorkspace,
} from "./github_mock/runner.ts";

const REPO = EXAMPLE_PR.repository;
const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const IMAGE_URL =
  /!\[[^\]]*\]\((https:\/\/github\.com\/Codertocat\/Hello-World\/blob\/([0-9a-f]{40})\/([^?)]+)\?raw=true)\)/;

function inputs(extra: Record<string, string> = {}): Record<string, string> {
  return {
    config: "lr-finder.json",
    backend: "cpu",
    "require-gpu": "false",
    "github-token": WORKFLOW_TOKEN,
    comment: "true",
    "image-branch": "lr-finder-assets",
    "fail-on-error": "true",
    ...extra,
  };
}

function assertSucceeded(run: RunnerResult): void {
  assert.equal(run.code, 0, `the step failed:\n${run.log}`);
}

/**
 * The comment shows what verification did with the run's result: the verified rate as the
 * headline, or an alert when it cannot be trusted; the trials table, one row per trial; each
 * warning; and the `trusted` output agrees. The log shows verification's progress.
 */
async function assertShowsVerification(body: string, run: RunnerResult): Promise<void> {
  const result = JSON.parse(await Deno.readTextFile(run.outputs["result-path"]));
  assert.ok(result.verification, "the sweep verified (on by default)");
  assert.equal(run.outputs.trusted, String(result.suggestion.trusted));
  if (result.suggestion.trusted) {
    const how = result.suggestion.method === "verified"
      ? "verified by short training"
      : `${result.suggestion.method} rule; not verified: `;
    assert.ok(
      body.includes(
        `**Suggested learning rate: ${result.suggestion.lr.toExponential(1)}** (${how}`,
      ),
      body,
    );
  } else {
    assert.match(body, /> \[!WARNING\]\n> \*\*No learning rate you can trust\.\*\*/);
    assert.doesNotMatch(body, /Suggested learning rate/);
  }
  const trials = result.trials ?? [];
  assert.equal(
    body.match(/^\| (\*\*)?\d\.\de[+-]\d+(\*\*)? \| \d+ \| /gm)?.length ?? 0,
    trials.length,
    "one row per trial",
  );
  for (const warning of result.warnings) {
    if (warning.code === "no-held-out" || warning.code === "verification-stopped") continue;
    assert.ok(body.includes(`(${warning.code})`), `warning ${warning.code} is shown`);
  }
  assert.match(run.log, /verify: trial 1\/\d+ at lr /);
}

function withMock(fn: (mock: GitHubMock) => Promise<void>): Promise<void> {
  return withGitHubMock({ repositories: [REPO] }, fn).finally(removeTempDirs);
}

async function pullRequestRun(
  mock: GitHubMock,
  workspace: string,
  payload = pullRequestPayload(),
  extra: Record<string, string> = {},
): Promise<RunnerResult> {
  return await runAction({
    inputs: inputs(extra),
    eventName: "pull_request",
    payload,
    apiUrl: mock.url,
    workspace,
  });
}

Deno.test("the first run on a pull request creates one comment whose image the server stored", async () => {
  await withMock(async (mock) => {
    const workspace = await writeWorkspace();
    const run = await pullRequestRun(mock, workspace);
    assertSucceeded(run);
    const comments = mock.repository(REPO).comments;
    assert.equal(comments.length, 1);
    const [comment] = comments;
    assert.equal(comment.issue, EXAMPLE_PR.number);
    assert.equal(comment.login, "github-actions[bot]");
    assert.ok(comment.body.startsWith("<!-- lr-finder:tiny-mlp -->\n"));
    assert.match(comment.body, /\| Rule \| Learning rate \| Step \| Note \|/);
    assert.match(comment.body, /<summary>Settings<\/summary>[\s\S]*\| Backend \| cpu \|/);
    assert.match(
      comment.body,
      /<details>\n<summary>Loss curve \(Mermaid\)<\/summary>\n\n```mermaid/,
    );
    assert.match(comment.body, /no result stored for master yet/);
    assert.ok(comment.body.length < 65_536);
    await assertShowsVerification(comment.body, run);

    const image = IMAGE_URL.exec(comment.body);
    assert.ok(image, "the comment embeds the plot from the image branch");
    const [, url, commit, path] = image;
    assert.equal(path, `results/${EXAMPLE_PR.headSha}/tiny-mlp/plot.png`);
    const stored = mock.fileAt(REPO, commit, path);
    assert.ok(stored, `${url} points at a blob the server stored`);
    assert.deepEqual([...stored.slice(0, 8)], PNG_SIGNATURE);
    assert.deepEqual(stored, await Deno.readFile(run.outputs["plot-path"]));
    const storedJson = mock.fileAt(
      REPO,
      commit,
      `results/${EXAMPLE_PR.headSha}/tiny-mlp/result.json`,
    );
    assert.equal(
      new TextDecoder().decode(storedJson),
      await Deno.readTextFile(run.outputs["result-path"]),
    );
    const repo = mock.repository(REPO);
    assert.equal(repo.refs.get("refs/heads/lr-finder-assets"), commit);
    assert.deepEqual(repo.commits.get(commit)?.parents, [], "an orphan branch");

    assert.equal(
      run.outputs["comment-url"],
      `https://github.com/${REPO}/pull/2#issuecomment-${comment.id}`,
    );
    assert.ok(run.summary.includes(comment.body), "the job summary holds the same report");
  });
});

Deno.test("a second run on a new commit updates the same comment and compares with the base", async () => {
  await withMock(async (mock) => {
    const workspace = await writeWorkspace();
    assertSucceeded(await pullRequestRun(mock, workspace));
    const first = mock.repository(REPO).comments[0];

    // The base branch gets a result: a push to master at the pull request's base commit.
    const push = await runAction({
      inputs: inputs(),
      eventName: "push",
      payload: pushPayload(EXAMPLE_PR.baseSha),
      sha: EXAMPLE_PR.baseSha,
      ref: "refs/heads/master",
      apiUrl: mock.url,
      workspace,
    });
    assertSucceeded(push);
    assert.equal(mock.repository(REPO).comments.length, 1, "a push only stores the result");
    assert.equal(push.outputs["comment-url"], "");
    const baseSuggestion = JSON.parse(await Deno.readTextFile(push.outputs["result-path"]))
      .suggestion;
    const baseLr = baseSuggestion.lr;
    const baseMethod = baseSuggestion.method;

    const newHead = "1234567890abcdef1234567890abcdef12345678";
    await addConfig(workspace, { config: { batchSize: 16 } });
    const second = await pullRequestRun(
      mock,
      workspace,
      pullRequestPayload({ action: "synchronize", headSha: newHead }),
    );
    assertSucceeded(second);
    const comments = mock.repository(REPO).comments;
    assert.equal(comments.length, 1, "the sticky comment is updated, not added");
    assert.equal(comments[0].id, first.id);
    assert.equal(comments[0].edits, 1);
    const body = comments[0].body;
    const now = JSON.parse(await Deno.readTextFile(second.outputs["result-path"])).suggestion;
    const lr = now.lr;
    const ratio = Number((lr / baseLr).toPrecision(2));
    assert.equal(now.method, baseMethod, "like with like: both verified (or both by one rule)");
    const both = now.method === "verified" ? "both verified" : `both by the ${now.method} rule`;
    const trust = now.trusted ? "" : " (not trusted)";
    assert.ok(
      body.includes(
        `**Compared with master:** suggested ${lr.toExponential(1)}${trust}, was ${
          baseLr.toExponential(1)
        }`,
      ) && body.includes(
        ` on master (${ratio === 1 ? "unchanged" : `x${ratio}`}), ${both}. ` +
          "Base result: [f95f852](",
      ),
      body,
    );
    assert.match(body, /Settings differ: batch size 16 \(was 32\)/);
    const image = IMAGE_URL.exec(body);
    assert.ok(image);
    assert.equal(image[3], `results/${newHead}/tiny-mlp/plot.png`);
    assert.ok(mock.fileAt(REPO, image[2], image[3]));
    assert.equal(
      second.outputs["comment-url"],
      `https://github.com/${REPO}/pull/2#issuecomment-${first.id}`,
    );

    // A base commit without a result of its own falls back to the latest push to master.
    const third = await pullRequestRun(
      mock,
      workspace,
      pullRequestPayload({ action: "synchronize", headSha: newHead, baseSha: "ab".repeat(20) }),
    );
    assertSucceeded(third);
    assert.match(
      mock.repository(REPO).comments[0].body,
      /Base result: the latest result pushed to master, \[f95f852\]\(https:\/\/github\.com\/Codertocat\/Hello-World\/commit\/f95f852b/,
    );
    const repo = mock.repository(REPO);
    const head = repo.refs.get("refs/heads/lr-finder-assets")!;
    let depth = 0;
    for (let c: string | undefined = head; c; c = repo.commits.get(c)?.parents[0]) depth++;
    assert.equal(depth, 4, "every run added one commit on top of the image branch");
  });
});

Deno.test("a pull request from a fork with a read-only token ends green with the summary written", async () => {
  await withMock(async (mock) => {
    const workspace = await writeWorkspace();
    const run = await pullRequestRun(
      mock,
      workspace,
      pullRequestPayload({ fork: true }),
      { "github-token": READ_ONLY_TOKEN },
    );
    assertSucceeded(run);
    const repo = mock.repository(REPO);
    assert.equal(repo.comments.length, 0);
    assert.equal(repo.refs.size, 0);
    const refused = mock.requests.filter((r) => r.status === 403).map((r) => r.operationId);
    assert.ok(refused.includes("git/create-blob"), "the image push was tried and refused");
    assert.ok(refused.includes("issues/create-comment"), "the comment was tried and refused");
    assert.match(run.log, /::warning::could not comment on the pull request \(403 /);
    assert.match(run.log, /two-workflow pattern/);
    assert.doesNotMatch(run.log, /::error::/);
    assert.match(run.summary, /### Learning-rate range test: tiny-mlp/);
    assert.match(run.summary, /no result stored for master yet/);
    assert.equal(run.outputs["comment-url"], "");
    assert.ok(Number(run.outputs["suggested-lr"]) > 0);
  });
});

Deno.test("a token without write permission on the same repository fails naming the permission", async () => {
  await withMock(async (mock) => {
    const workspace = await writeWorkspace();
    const run = await pullRequestRun(mock, workspace, pullRequestPayload(), {
      "github-token": READ_ONLY_TOKEN,
    });
    assert.equal(run.code, 1);
    assert.match(run.log, /permissions: contents: write/);
    assert.match(run.log, /permissions: pull-requests: write/);
    assert.match(
      run.summary,
      /### Learning-rate range test: tiny-mlp/,
      "the summary is still written",
    );
  });
});

Deno.test("a missing config fails with a message naming the input; fail-on-error false passes", async () => {
  await withMock(async (mock) => {
    const workspace = await writeWorkspace();
    const run = await pullRequestRun(mock, workspace, pullRequestPayload(), {
      config: "missing.json",
    });
    assert.equal(run.code, 1);
    assert.match(
      run.log,
      /::error::missing\.json: config file not found in .*: set the Action's `config` input/,
    );
    assert.equal(run.outputs["suggested-lr"], "");
    assert.equal(run.outputs.results, "{}");

    const lenient = await pullRequestRun(mock, workspace, pullRequestPayload(), {
      config: "missing.json",
      "fail-on-error": "false",
    });
    assert.equal(lenient.code, 0);
    assert.match(lenient.log, /::warning::missing\.json: config file not found/);
    assert.doesNotMatch(lenient.log, /::error::/);
    assert.equal(mock.requests.length, 0, "nothing was sent to GitHub");
  });
});

Deno.test("a missing model and a loss that is NaN at the first step fail with what to fix", async () => {
  await withMock(async (mock) => {
    const workspace = await writeWorkspace({
      file: "no-model.json",
      name: "no-model",
      config: { model: "models/absent/model.json" },
    });
    // A regression whose targets are so large that the squared error overflows float32.
    const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [4], units: 1 })] });
    await saveModel(model, join(workspace, "regression"));
    model.dispose();
    await addConfig(workspace, {
      file: "nan.json",
      name: "nan",
      config: {
        model: "regression/model.json",
        data: {
          train: { synthetic: { kind: "regression", features: 4, samples: 64, noise: 1e30 } },
        },
        loss: "meanSquaredError",
      },
    });
    const run = await pullRequestRun(mock, workspace, pullRequestPayload(), {
      config: "no-model.json\nnan.json",
    });
    assert.equal(run.code, 1);
    assert.match(
      run.log,
      /::error::no-model\.json: .*models\/absent\/model\.json: model file not found/,
    );
    assert.match(
      run.log,
      /::error::nan\.json: loss is not finite at the first step \(lr 0\.00001\): check your data scaling/,
    );
    assert.equal(mock.repository(REPO).comments.length, 0);
  });
});

Deno.test("outputs are parseable and match the result JSON, one comment per config", async () => {
  await withMock(async (mock) => {
    const workspace = await writeWorkspace();
    await addConfig(workspace, {
      file: "second.json",
      name: "second model",
      config: { batchSize: 16 },
    });
    const run = await pullRequestRun(mock, workspace, pullRequestPayload(), {
      config: "lr-finder.json\nsecond.json\n",
      "github-token": PERSONAL_TOKEN,
    });
    assertSucceeded(run);
    const result = JSON.parse(await Deno.readTextFile(run.outputs["result-path"]));
    assert.equal(result.version, 1);
    assert.equal(result.name, "tiny-mlp");
    assert.equal(Number(run.outputs["suggested-lr"]), result.suggestion.lr);
    const results = JSON.parse(run.outputs.results);
    assert.deepEqual(Object.keys(results), ["tiny-mlp", "second model"]);
    assert.equal(results["tiny-mlp"], result.suggestion.lr);
    const folders: string[] = [];
    for await (const entry of Deno.readDir(run.outputs["output-dir"])) folders.push(entry.name);
    const folder = folders.find((name) => /^second-model-[0-9a-f]{8}$/.test(name));
    assert.ok(folder, `a folder for "second model" in ${folders}`);
    const second = JSON.parse(
      await Deno.readTextFile(join(run.outputs["output-dir"], folder, "result.json")),
    );
    assert.equal(results["second model"], second.suggestion.lr);
    assert.deepEqual(
      [...(await Deno.readFile(run.outputs["plot-path"])).slice(0, 8)],
      PNG_SIGNATURE,
    );
    const comments = mock.repository(REPO).comments;
    assert.equal(comments.length, 2);
    assert.deepEqual(comments.map((c) => c.login), ["octocat", "octocat"]);
    assert.ok(comments[0].body.startsWith("<!-- lr-finder:tiny-mlp -->"));
    assert.ok(comments[1].body.startsWith("<!-- lr-finder:second model -->"));
    assert.equal(run.outputs["comment-url"].endsWith(`#issuecomment-${comments[0].id}`), true);
  });
});

/**
 * What the fork's unprivileged workflow does: sweep with a read-only token, nothing written to
 * GitHub, then add the event payload to the output folder (as lr-finder-cpu.yml does before
 * uploading it). The pull request's head is the swept commit. Returns the artifact folder.
 */
async function forkArtifact(mock: GitHubMock, workspace: string): Promise<string> {
  const fork = await pullRequestRun(mock, workspace, pullRequestPayload({ fork: true }), {
    "github-token": READ_ONLY_TOKEN,
    comment: "false",
    "image-branch": "",
  });
  assertSucceeded(fork);
  const artifact = fork.outputs["output-dir"];
  await Deno.writeTextFile(
    join(artifact, "event.json"),
    JSON.stringify(pullRequestPayload({ fork: true })),
  );
  mock.repository(REPO).pulls.set(EXAMPLE_PR.number, {
    headSha: EXAMPLE_PR.headSha,
    headRef: "changes",
    baseRef: "master",
  });
  return artifact;
}

/** The workflow_run workflow posting an artifact with `mode: comment-only`. */
async function commentOnlyRun(
  mock: GitHubMock,
  options: { workspace: string; artifact: string; headSha?: string },
  extra: Record<string, string> = {},
): Promise<RunnerResult> {
  return await runAction({
    inputs: {
      mode: "comment-only",
      "results-dir": options.artifact,
      "github-token": WORKFLOW_TOKEN,
      ...extra,
    },
    eventName: "workflow_run",
    payload: workflowRunPayload(options.headSha ?? EXAMPLE_PR.headSha),
    ref: "refs/heads/master",
    sha: EXAMPLE_PR.baseSha,
    apiUrl: mock.url,
    workspace: options.workspace,
  });
}

Deno.test("comment-only mode posts the results a fork's workflow uploaded, after checking them", async () => {
  await withMock(async (mock) => {
    const workspace = await writeWorkspace();
    const artifact = await forkArtifact(mock, workspace);
    assert.equal(mock.requests.length, 0, "the unprivileged run wrote nothing to GitHub");
    const commentOnly = (headSha: string) => commentOnlyRun(mock, { workspace, artifact, headSha });

    const forged = await commentOnly("cd".repeat(20));
    assert.equal(forged.code, 1);
    assert.match(
      forged.log,
      /are for commit ec26c3e5.*, but the workflow run .* was for cdcd.*: not commenting/,
    );
    assert.equal(mock.repository(REPO).comments.length, 0);

    const run = await commentOnly(EXAMPLE_PR.headSha);
    assertSucceeded(run);
    const comments = mock.repository(REPO).comments;
    assert.equal(comments.length, 1);
    const image = IMAGE_URL.exec(comments[0].body);
    assert.ok(image);
    assert.equal(image[3], `results/${EXAMPLE_PR.headSha}/tiny-mlp/plot.png`);
    assert.deepEqual(
      mock.fileAt(REPO, image[2], image[3]),
      await Deno.readFile(join(artifact, "tiny-mlp", "plot.png")),
    );
    assert.equal(
      run.outputs["comment-url"],
      `https://github.com/${REPO}/pull/2#issuecomment-${comments[0].id}`,
    );

    mock.repository(REPO).pulls.get(EXAMPLE_PR.number)!.headSha = "ef".repeat(20);
    const stale = await commentOnly(EXAMPLE_PR.headSha);
    assertSucceeded(stale);
    assert.match(
      stale.log,
      /::warning::pull request #2 is now at efefefe, not at the swept commit/,
    );
    assert.equal(mock.repository(REPO).comments[0].edits, 0);
  });
});

Deno.test("comment-only mode shows an artifact's untrusted rate as an alert, its text escaped and logged as one line", async () => {
  await withMock(async (mock) => {
    const workspace = await writeWorkspace();
    const artifact = await forkArtifact(mock, workspace);
    const resultPath = join(artifact, "tiny-mlp", "result.json");
    const result = JSON.parse(await Deno.readTextFile(resultPath));
    const evil = "<img src=https://attacker.example/a.gif> @octocat fixes #1\n::error::injected";
    result.suggestion = { ...result.suggestions.valley, trusted: false };
    result.verification = {
      ...result.verification,
      outcome: "fallback",
      reason: evil,
      best: undefined,
    };
    result.warnings = [
      { code: "flat-curve", message: evil, severity: "untrusted" },
      { code: "loss-above-chance", message: `caution ${evil}`, severity: "caution" },
    ];
    await Deno.writeTextFile(resultPath, JSON.stringify(result));
    const run = await commentOnlyRun(mock, { workspace, artifact });
    assertSucceeded(run);
    assert.equal(run.outputs.trusted, "false");
    const body = mock.repository(REPO).comments[0].body;
    assert.doesNotMatch(body, /Suggested learning rate/);
    const escaped = "\\<img src=https://attacker.example/a.gif\\> @&#8203;octocat fixes " +
      "\\#&#8203;1 ::error::injected";
    assert.ok(
      body.includes(
        "> [!WARNING]\n> **No learning rate you can trust.** The valley rule read " +
          `${result.suggestion.lr.toExponential(1)} from the curve (not verified: ${escaped}), ` +
          `which is not a rate to use as it is:\n> - ${escaped} (flat-curve)\n`,
      ),
      body,
    );
    assert.ok(body.includes(`**Cautions:**\n- caution ${escaped} (loss-above-chance)`), body);
    assert.doesNotMatch(body, /(^|[^\\])<img|(^|\s)@octocat|(?<!&)#1\b/);
    assert.doesNotMatch(run.log, /^::error::injected/m, "no workflow command from the artifact");
    assert.match(
      run.log,
      /^::warning::tiny-mlp: <img src=https:\/\/attacker\.example\/a\.gif> @octocat fixes #1\?::error::injected \(flat-curve\)$/m,
    );
    assert.match(
      run.log,
      /^tiny-mlp: no learning rate you can trust; \d\.\de[+-]\d+ \(valley rule\) is not one to use$/m,
    );
  });
});

function workflowRunPayload(headSha: string): Record<string, unknown> {
  const payload = examplePayload("workflow_run", (p) => p.action === "completed");
  const run = payload.workflow_run as Record<string, unknown>;
  run.head_sha = headSha;
  run.event = "pull_request";
  return payload;
}

Deno.test("without a token the sweep still reports; comment-only mode fails naming the token", async () => {
  await withMock(async (mock) => {
    const workspace = await writeWorkspace();
    const run = await pullRequestRun(mock, workspace, pullRequestPayload(), { "github-token": "" });
    assertSucceeded(run);
    assert.match(run.log, /no github-token: no comment and no image hosting/);
    assert.match(run.summary, /### Learning-rate range test: tiny-mlp/);
    const commentOnly = await pullRequestRun(mock, workspace, pullRequestPayload(), {
      "github-token": "",
      mode: "comment-only",
    });
    assert.equal(commentOnly.code, 1);
    assert.match(commentOnly.log, /::error::comment-only mode needs a github-token/);
    assert.equal(mock.requests.length, 0);
  });
});

Deno.test("502/503, a secondary rate limit (403 with retry-after) and a 429 still end green with one comment", async () => {
  await withMock(async (mock) => {
    const workspace = await writeWorkspace();
    mock.failNext("git/create-blob", { status: 502 });
    mock.failNext("git/create-tree", { status: 503 });
    mock.failNext("git/create-ref", { status: 502 });
    mock.failNext("issues/list-comments", {
      status: 429,
      message: SECONDARY_RATE_LIMIT_MESSAGE,
      headers: { "retry-after": "30" },
    });
    mock.failNext("issues/create-comment", {
      status: 403,
      message: SECONDARY_RATE_LIMIT_MESSAGE,
      headers: { "retry-after": "60" },
    });
    const started = Date.now();
    const run = await pullRequestRun(mock, workspace);
    assertSucceeded(run);
    const comments = mock.repository(REPO).comments;
    assert.equal(comments.length, 1);
    const image = IMAGE_URL.exec(comments[0].body);
    assert.ok(image && mock.fileAt(REPO, image[2], image[3]), "the plot was stored");
    // Leaving out the 404s of a first run (no branch, no base result) and GET /user's 403.
    const failed = mock.requests
      .filter((r) => r.status >= 400 && r.status !== 404)
      .filter((r) => r.operationId !== "users/get-authenticated")
      .map((r) => `${r.operationId} ${r.status}`);
    assert.deepEqual(failed, [
      "git/create-blob 502",
      "git/create-tree 503",
      "git/create-ref 502",
      "issues/list-comments 429",
      "issues/create-comment 403",
    ]);
    assert.match(run.log, /GitHub answered POST .*git\/blobs with 502: Bad Gateway/);
    assert.match(run.log, /GitHub's secondary rate limit refused GET .*: retrying in 30 s/);
    assert.match(run.log, /GitHub's secondary rate limit refused POST .*: retrying in 60 s/);
    assert.doesNotMatch(run.log, /::error::|::warning::/);
    // The waits ran a thousand times shorter (LR_FINDER_API_TIME_SCALE), not 90 s.
    assert.ok(Date.now() - started < 90_000);
  });
});

Deno.test("a rate limit that outlasts the retries fails as a rate limit, not as a permission", async () => {
  await withMock(async (mock) => {
    const workspace = await writeWorkspace();
    const hour = String(Math.floor(Date.now() / 1000) + 3600);
    mock.failNext("issues/create-comment", {
      status: 403,
      message: "API rate limit exceeded for installation ID 1.",
      headers: { "x-ratelimit-remaining": "0", "x-ratelimit-reset": hour },
    });
    const run = await pullRequestRun(mock, workspace);
    assert.equal(run.code, 1);
    assert.match(
      run.log,
      /::error::GitHub's rate limit refused writing the comment on Codertocat\/Hello-World \(403 API rate limit exceeded/,
    );
    assert.match(run.log, /this is not a permission problem/);
    assert.doesNotMatch(run.log, /permissions: pull-requests: write/);
    assert.match(run.summary, /### Learning-rate range test: tiny-mlp/);
  });
});

Deno.test("two runs on one pull request started at once end with one comment and one stored result", async () => {
  await withMock(async (mock) => {
    const workspace = await writeWorkspace();
    // Both runs list the comments before either creates one.
    mock.barrier("issues/list-comments", 2);
    const heads = [
      "1111111111111111111111111111111111111111",
      "2222222222222222222222222222222222222222",
    ];
    const runs = await Promise.all(
      heads.map((headSha) =>
        pullRequestRun(mock, workspace, pullRequestPayload({ action: "synchronize", headSha }), {
          retention: "1",
        })
      ),
    );
    for (const run of runs) assertSucceeded(run);
    const { comments, deleted } = mock.repository(REPO);
    assert.equal(comments.length, 1, "exactly one comment");
    assert.equal(deleted.length, 1, "the duplicate was deleted");
    assert.equal(comments[0].body, deleted[0].body, "the kept comment has the newest text");
    for (const run of runs) {
      assert.equal(run.outputs["comment-url"].endsWith(`#issuecomment-${comments[0].id}`), true);
    }
    assert.match(
      runs.map((r) => r.log).join("\n"),
      /deleted 1 duplicate\(s\) left by runs that raced/,
    );
    // retention 1: the image branch keeps one commit's results for the pull request.
    const repo = mock.repository(REPO);
    const head = repo.refs.get("refs/heads/lr-finder-assets")!;
    const stored = [...repo.trees.get(repo.commits.get(head)!.tree)!.keys()]
      .filter((path) => path.startsWith("results/"));
    assert.equal(stored.length, 2, `one plot and one result JSON: ${stored}`);
  });
});

Deno.test("require-gpu fails unless the sweep runs on WebGPU on a real GPU, whatever the config says", async () => {
  await withMock(async (mock) => {
    const workspace = await writeWorkspace({ config: { backend: "wasm" } });
    const wasm = await pullRequestRun(mock, workspace, pullRequestPayload(), {
      backend: "auto",
      "require-gpu": "true",
    });
    assert.equal(wasm.code, 1);
    assert.match(
      wasm.log,
      /::error::lr-finder\.json: require-gpu is true but the config names backend wasm, so the sweep would run on the CPU/,
    );
    const cpu = await pullRequestRun(mock, workspace, pullRequestPayload(), {
      backend: "cpu",
      "require-gpu": "true",
    });
    assert.match(cpu.log, /require-gpu is true but the input backend is cpu/);
    await addConfig(workspace, { config: { backend: "auto" } });
    const auto = await pullRequestRun(mock, workspace, pullRequestPayload(), {
      backend: "auto",
      "require-gpu": "true",
    });
    if (/backend webgpu \(auto: GPU adapter/.test(auto.log)) {
      assertSucceeded(auto); // a machine with a real GPU
    } else {
      assert.equal(auto.code, 1);
      assert.match(
        auto.log,
        /::error::lr-finder\.json: a GPU is required but .* \(run deno task gpu-check on the runner; see docs\/action\.md, section "Runner setup"\)/,
      );
    }
    assert.doesNotMatch(wasm.log + cpu.log, /step 1\/40/, "no sweep ran on the CPU");
    assert.equal(mock.repository(REPO).comments.length, 0);
  });
});

Deno.test("the comment says which backend ran and, apart, which GPU adapter was found", async () => {
  await withMock(async (mock) => {
    const workspace = await writeWorkspace({ config: { backend: "auto" } });
    const run = await pullRequestRun(mock, workspace, pullRequestPayload(), { backend: "auto" });
    assertSucceeded(run);
    const body = mock.repository(REPO).comments[0].body;
    const result = JSON.parse(await Deno.readTextFile(run.outputs["result-path"]));
    if (result.settings.backend === "webgpu") {
      assert.match(body, new RegExp(`\\| Backend \\| webgpu, `));
      return;
    }
    assert.match(body, /\| Backend \| wasm \|/);
    assert.equal(result.settings.adapter, undefined, "wasm did not run on any adapter");
    if (result.settings.adapterFound) {
      assert.ok(body.includes(`| GPU adapter found | ${result.settings.adapterFound.description}`));
      assert.match(body, /not used \(the sweep ran on wasm\)/);
    }
  });
});

Deno.test("comment-only mode trusts nothing in the artifact: injections, extra folders, a fake PNG, oversized files", async () => {
  await withMock(async (mock) => {
    const workspace = await writeWorkspace();
    const artifact = await forkArtifact(mock, workspace);
    const resultPath = join(artifact, "tiny-mlp", "result.json");
    const plotPath = join(artifact, "tiny-mlp", "plot.png");
    const original = JSON.parse(await Deno.readTextFile(resultPath));
    const plot = await Deno.readFile(plotPath);
    const commentOnly = (extra: Record<string, string> = {}) =>
      commentOnlyRun(mock, { workspace, artifact }, extra);

    // Injection strings in every free-text field the contract allows, and 25 extra folders.
    const evil =
      "<img src=https://attacker.example/a.gif> @octocat fixes #1 [x](https://e.example)";
    const injected = structuredClone(original);
    injected.settings.adapterFound = {
      description: evil,
      vendor: evil.slice(0, 100),
      architecture: evil.slice(0, 100),
      isFallbackAdapter: true,
    };
    injected.suggestions.slide = { lr: null, index: null, method: "slide", reason: evil };
    await Deno.writeTextFile(resultPath, JSON.stringify(injected));
    for (let i = 0; i < 25; i++) {
      await Deno.mkdir(join(artifact, `extra-${i}`));
      await Deno.writeTextFile(
        join(artifact, `extra-${i}`, "result.json"),
        JSON.stringify({ ...original, name: `extra-${i}` }),
      );
      await Deno.writeFile(join(artifact, `extra-${i}`, "plot.png"), plot);
    }
    const run = await commentOnly();
    assertSucceeded(run);
    const comments = mock.repository(REPO).comments;
    assert.equal(comments.length, 1, "one comment: the expected config's");
    const body = comments[0].body;
    assert.ok(!/(^|[^\\])<img/.test(body), "no raw HTML");
    assert.ok(!/(^|\s)@octocat/.test(body), "the mention is defused");
    assert.ok(!/(?<!&)#1\b/.test(body), "the reference is defused");
    assert.ok(body.includes("\\<img src=https://attacker.example/a.gif\\> @&#8203;octocat"));
    assert.match(
      run.log,
      /::warning::ignored 25 entries of .* that are not an expected config's results: "extra-0", /,
    );
    const repo = mock.repository(REPO);
    const head = repo.refs.get("refs/heads/lr-finder-assets")!;
    const files = [...repo.trees.get(repo.commits.get(head)!.tree)!.keys()];
    assert.deepEqual(
      files.filter((f) => f.startsWith("results/")).sort(),
      [
        `results/${EXAMPLE_PR.headSha}/tiny-mlp/plot.png`,
        `results/${EXAMPLE_PR.headSha}/tiny-mlp/result.json`,
      ],
      "2 files on the image branch, not 52",
    );
    const storedJson = new TextDecoder().decode(
      mock.fileAt(REPO, head, `results/${EXAMPLE_PR.headSha}/tiny-mlp/result.json`),
    );
    assert.deepEqual(JSON.parse(storedJson), JSON.parse(JSON.stringify(injected)));
    const commits = repo.commits.size;

    // A value outside the contract: nothing is published.
    await Deno.writeTextFile(
      resultPath,
      JSON.stringify({ ...original, settings: { ...original.settings, backend: evil } }),
    );
    const strict = await commentOnly();
    assert.equal(strict.code, 1);
    assert.match(
      strict.log,
      /::error::.*tiny-mlp\/result\.json is not a valid LR Finder result \(version 1\): settings\.backend: /,
    );

    // An HTML file named plot.png.
    await Deno.writeTextFile(resultPath, JSON.stringify(original));
    await Deno.writeTextFile(plotPath, "<html><img src=https://attacker.example/a.gif></html>");
    const fake = await commentOnly();
    assert.equal(fake.code, 1);
    assert.match(
      fake.log,
      /plot\.png is not a valid PNG plot: expected the PNG signature at the start/,
    );

    // Oversized files.
    await Deno.writeFile(plotPath, plot);
    await Deno.writeTextFile(resultPath, " ".repeat(4 * 1024 * 1024 + 1));
    const big = await commentOnly();
    assert.equal(big.code, 1);
    assert.match(big.log, /result\.json: expected at most 4194304 bytes/);
    assert.equal(repo.commits.size, commits, "nothing more was committed");
    assert.equal(repo.comments[0].edits, 0, "the comment was not touched");

    // The names come from the expected-names input when it is given.
    await Deno.writeTextFile(resultPath, JSON.stringify(original));
    const named = await commentOnly({ "expected-names": "extra-3\nextra-4" });
    assertSucceeded(named);
    assert.deepEqual(
      repo.comments.map((c) => c.body.split("\n")[0]),
      ["<!-- lr-finder:tiny-mlp -->", "<!-- lr-finder:extra-3 -->", "<!-- lr-finder:extra-4 -->"],
    );
  });
});
