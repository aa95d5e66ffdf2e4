/**
 * One sticky comment per config on a pull request: found by its hidden marker among all
 * comments (every page), written earlier by the same token user, and updated in place; created
 * when there is none.
 * @module
 */
import { errorStatus, type Octokit, type RepoRef } from "./git_data.ts";

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
    if (status === 403 || status === 404) {
      return { login: WORKFLOW_TOKEN_LOGIN, installation: true };
    }
    throw error;
  }
}

/**
 * Creates or updates the comment holding `marker` on an issue or pull request. The comment to
 * update is the oldest one with the marker written by the token's user; for installation tokens
 * that are not the workflow token (another app's bot), any bot's comment with the marker.
 * Comments of people are never touched.
 */
export async function upsertComment(
  octokit: Octokit,
  target: RepoRef & { issue: number; user: TokenUser },
  options: { marker: string; body: string },
): Promise<StickyComment> {
  const { owner, repo, issue, user } = target;
  const comments = await octokit.paginate(octokit.rest.issues.listComments, {
    owner,
    repo,
    issue_number: issue,
    per_page: 100,
  });
  const marked = comments.filter((c) => (c.body ?? "").includes(options.marker));
  const mine = marked.find((c) => c.user?.login === user.login) ??
    (user.installation ? marked.find((c) => c.user?.type === "Bot") : undefined);
  if (mine) {
    const updated = await octokit.rest.issues.updateComment({
      owner,
      repo,
      comment_id: mine.id,
      body: options.body,
    });
    return { id: updated.data.id, url: updated.data.html_url, created: false };
  }
  const created = await octokit.rest.issues.createComment({
    owner,
    repo,
    issue_number: issue,
    body: options.body,
  });
  return { id: created.data.id, url: created.data.html_url, created: true };
}
