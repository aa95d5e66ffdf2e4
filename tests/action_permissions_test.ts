import assert from "node:assert/strict";
import { apiMessage, forkWarning, isForbidden, permissionError } from "../action/permissions.ts";

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
