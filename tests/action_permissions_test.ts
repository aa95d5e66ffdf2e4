import assert from "node:assert/strict";
import {
  apiMessage,
  forkWarning,
  isForbidden,
  isRateLimited,
  permissionError,
  rateLimitError,
  writeFailure,
} from "../action/permissions.ts";

function apiError(status: number, message: string): Error & { status: number } {
  return Object.assign(new Error(message), { status });
}

const forbidden = apiError(
  403,
  "Resource not accessible by integration - https://docs.github.com/rest/issues/comments",
);

Deno.test("apiMessage keeps the status and the server's message, without the docs link", () => {
  assert.equal(apiMessage(forbidden), "403 Resource not accessible by integration");
  assert.equal(apiMessage(new Error("socket hang up")), "socket hang up");
  assert.ok(isForbidden(forbidden));
  assert.ok(!isForbidden(apiError(404, "Not Found")));
});

Deno.test("the fork warning points to the two-workflow pattern", () => {
  const warning = forkWarning("comment", forbidden);
  assert.match(warning, /^could not comment on the pull request \(403 Resource not accessible/);
  assert.match(warning, /pull requests from forks get a read-only token/);
  assert.match(warning, /workflow_run workflow posts them with mode: comment-only/);
  assert.match(forkWarning("image", forbidden), /^could not push the plot to the image branch/);
});

Deno.test("permission errors name the permission to grant or the input to change", () => {
  assert.equal(
    permissionError("comment", forbidden, { repository: "o/r", issue: 2 }),
    "github-token may not comment on o/r#2 (403 Resource not accessible by integration): give " +
      "the job `permissions: pull-requests: write`, or set `comment: false`",
  );
  assert.equal(
    permissionError("image", forbidden, { repository: "o/r", branch: "plots" }),
    "github-token may not push to branch plots of o/r (403 Resource not accessible by " +
      "integration): give the job `permissions: contents: write`, or set `image-branch: ''` to " +
      "disable image hosting",
  );
});

function withHeaders(error: Error & { status: number }, headers: Record<string, string>) {
  return Object.assign(error, { response: { headers } });
}

Deno.test("rate-limit 403s and 429s are told apart from permission 403s", () => {
  const secondary = apiError(403, "You have exceeded a secondary rate limit. Please wait.");
  const primary = withHeaders(apiError(403, "API rate limit exceeded for installation ID 1."), {
    "x-ratelimit-remaining": "0",
  });
  const waited = withHeaders(apiError(403, "Forbidden"), { "retry-after": "60" });
  const tooMany = apiError(429, "Too Many Requests");
  for (const error of [secondary, primary, waited, tooMany]) {
    assert.ok(isRateLimited(error), error.message);
    assert.ok(!isForbidden(error), `${error.message} is not about permissions`);
  }
  const permission = withHeaders(apiError(403, "Resource not accessible by integration"), {
    "x-ratelimit-remaining": "4999",
  });
  assert.ok(isForbidden(permission) && !isRateLimited(permission));
  assert.ok(!isRateLimited(apiError(502, "Bad Gateway")));
  const message = rateLimitError("comment", secondary, { repository: "o/r" });
  assert.match(
    message,
    /^GitHub's rate limit refused writing the comment on o\/r \(403 You have exceeded a secondary rate limit/,
  );
  assert.match(message, /this is not a permission problem; re-run the job once the limit resets/);
  assert.doesNotMatch(message, /permissions:/);
});

Deno.test("writeFailure: rate limits and permissions are errors, a fork's read-only token a warning", () => {
  const where = { repository: "o/r", branch: "plots", issue: 2 };
  const limited = apiError(429, "Too Many Requests");
  assert.deepEqual(writeFailure("comment", limited, where), {
    error: rateLimitError("comment", limited, where),
  });
  assert.deepEqual(writeFailure("comment", limited, { ...where, readOnlyToken: true }), {
    error: rateLimitError("comment", limited, where),
  });
  assert.deepEqual(writeFailure("image", forbidden, where), {
    error: permissionError("image", forbidden, where),
  });
  assert.deepEqual(writeFailure("image", forbidden, { ...where, readOnlyToken: true }), {
    warning: forkWarning("image", forbidden),
  });
  assert.deepEqual(writeFailure("comment", apiError(502, "Bad Gateway"), where), {
    error: "could not write the comment on o/r: 502 Bad Gateway",
  });
  assert.deepEqual(writeFailure("image", new Error("socket hang up"), where), {
    error: "could not store the plot on o/r: socket hang up",
  });
});
