/**
 * One sticky comment per config on a pull request: found by its hidden marker among all
 * comments (every page), written earlier by the same token user, and updated in place; created
 * when there is none; duplicates from runs that raced are folded into the oldest.
 * @module
 */
import { errorStatus, type Octokit, type RepoRef } from "./git_data.ts";
import { isRateLimited } from "./permissions.ts";

/** Who the token writes comments as. */
export interface TokenUser {
  /** Login of the token's user; `github-actions[bot]` for the workflow token. */
  login: string;
  /** True when `GET /user` was not available (an app installation token). */
  installation: boolean;
}

/** The login of the workflow token, which cannot ask `GET /user` who it is. */
export const WORKFLOW_TOKEN_LOGIN = "github-actions[bot]";

/** A comment that was created or updated. */
export interface StickyComment {
  /** Comment id. */
  id: number;
  /** Link to the comment. */
  url: string;
  /** True when the comment was new. */
  created: boolean;
  /** Duplicate comments with the same marker that were deleted. */
  removed: number;
}

/**
 * Who the token is. App installation tokens (the workflow token among them) may not read
 * `GET /user`; they write as a bot, by default `github-actions[bot]`.
 */
export async function tokenUser(octokit: Octokit): Promise<TokenUser> {
  try {
    const user = await octokit.rest.users.getAuthenticated();
    return { login: user.data.login, installation: false };
  } catch (error) {
    const status = errorStatus(error);
    if ((status === 403 && !isRateLimited(error)) || status === 404) {
      return { login: WORKFLOW_TOKEN_LOGIN, installation: true };
    }
    throw error;
  }
}

/**
 * Creates or updates the comment holding `marker` on an issue or pull request, and leaves
 * exactly one. The comment to update is the oldest one with the marker written by the token's
 * user; for installation tokens that are not the workflow token (another app's bot), any bot's
 * comment with the marker. Comments of people are never touched.
 *
 * Two runs on the same pull request may both find no comment and both create one (and a create
 * retried after a lost answer may create two): after creating, the comments are listed again,
 * and when more than one carries the marker the oldest is kept, the newest text is carried into
 * it and the others are deleted. Duplicates left by earlier versions are folded the same way.
 */
export async function upsertComment(
  octokit: Octokit,
  target: RepoRef & { issue: number; user: TokenUser },
  options: { marker: string; body: string },
): Promise<StickyComment> {
  const { owner, repo } = target;
  const found = await markedComments(octokit, target, options.marker);
  if (found.length > 0) {
    const [oldest, ...rest] = found;
    const updated = await octokit.rest.issues.updateComment({
      owner,
      repo,
      comment_id: oldest.id,
      body: options.body,
    });
    const removed = await deleteComments(octokit, target, rest);
    return { id: updated.data.id, url: updated.data.html_url, created: false, removed };
  }
  const created = await octokit.rest.issues.createComment({
    owner,
    repo,
    issue_number: target.issue,
    body: options.body,
  });
  const after = await markedComments(octokit, target, options.marker);
  if (after.length <= 1) {
    return { id: created.data.id, url: created.data.html_url, created: true, removed: 0 };
  }
  const [oldest, ...rest] = after;
  const newest = rest[rest.length - 1];
  if (oldest.body !== newest.body) {
    await octokit.rest.issues.updateComment({
      owner,
      repo,
      comment_id: oldest.id,
      body: newest.body ?? options.body,
    });
  }
  const removed = await deleteComments(octokit, target, rest);
  return {
    id: oldest.id,
    url: oldest.html_url,
    created: oldest.id === created.data.id,
    removed,
  };
}

/** The token user's comments that carry the marker, oldest first (every page). */
async function markedComments(
  octokit: Octokit,
  target: RepoRef & { issue: number; user: TokenUser },
  marker: string,
) {
  const { owner, repo, issue, user } = target;
  const comments = await octokit.paginate(octokit.rest.issues.listComments, {
    owner,
    repo,
    issue_number: issue,
    per_page: 100,
  });
  const marked = comments.filter((c) => (c.body ?? "").includes(marker));
  const mine = marked.filter((c) => c.user?.login === user.login);
  const ours = mine.length > 0 || !user.installation
    ? mine
    : marked.filter((c) => c.user?.type === "Bot");
  return ours.sort((a, b) => a.id - b.id);
}

/** Deletes comments; one already deleted (by a concurrent run) counts as done. */
async function deleteComments(
  octokit: Octokit,
  target: RepoRef,
  comments: { id: number }[],
): Promise<number> {
  for (const comment of comments) {
    try {
      await octokit.rest.issues.deleteComment({
        owner: target.owner,
        repo: target.repo,
        comment_id: comment.id,
      });
    } catch (error) {
      if (errorStatus(error) !== 404) throw error;
    }
  }
  return comments.length;
}
