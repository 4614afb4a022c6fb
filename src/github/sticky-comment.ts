/**
 * One sticky comment per pull request and gate: found by a hidden HTML marker, edited in place,
 * never duplicated. Re-runs find the marker; two runs racing may both create one, so after a create
 * the list is read again and every marked comment but the oldest is deleted.
 *
 * Ours means written by the token's own identity AND starting with the exact marker. A marker alone
 * proves nothing: anyone can paste it into a comment (a fork's author, who could later edit "our"
 * comment to say ✅), a maintainer quoting it must not be deleted by `recreate`, and a report body
 * that quotes another gate's marker must not make the gates overwrite each other.
 */
import type { Logger } from '../log.js';
import type { GitHubClient } from './client.js';

export type CommentMode = 'update' | 'recreate' | 'off';

export interface StickyCommentTarget {
  owner: string;
  repo: string;
  issueNumber: number;
}

export interface StickyCommentResult {
  action: 'created' | 'updated' | 'unchanged' | 'recreated' | 'skipped';
  url?: string;
  id?: number;
}

/** The hidden marker that identifies our comment: keyed on workflow, job and an optional user key. */
export function commentMarker(parts: { workflow?: string; job?: string; key?: string }): string {
  const key = [parts.workflow ?? '', parts.job ?? '', parts.key ?? '']
    .map((p) => p.replace(/--/g, '-').replace(/[<>]/g, ''))
    .join(':');
  return `<!-- perf-gate:sticky-comment ${key} -->`;
}

interface IssueComment {
  id: number;
  body?: string | null;
  html_url: string;
  user?: { login: string } | null;
}

/** The author GITHUB_TOKEN writes as (REST comment.user.login, type Bot). */
export const GITHUB_ACTIONS_LOGIN = 'github-actions[bot]';

const loginOfClient = new WeakMap<GitHubClient, string>();

/**
 * The login the token acts as: the author of every comment it writes. REST `GET /user` refuses
 * installation tokens (GITHUB_TOKEN, GitHub Apps), and `GET /app` needs a JWT, but GraphQL's
 * `viewer` answers for every kind of token, with the spelling REST uses for comment.user.login:
 * "github-actions[bot]" for GITHUB_TOKEN, "<app-slug>[bot]" for an App, the user's login for a PAT.
 * (marocchino/sticky-pull-request-comment matches its comment on `viewer` the same way.)
 * When the question fails for another reason than a bad token, GITHUB_TOKEN's identity is assumed;
 * a wrong guess only costs a second comment, which the check after a create (matched on the author
 * GitHub reports for that create) then folds back into one.
 */
export async function tokenLogin(client: GitHubClient, log: Logger): Promise<string> {
  const known = loginOfClient.get(client);
  if (known) return known;
  let login = GITHUB_ACTIONS_LOGIN;
  try {
    const data = await client.graphql<{ viewer?: { login?: unknown } }>('query { viewer { login } }');
    if (typeof data.viewer?.login === 'string' && data.viewer.login) login = data.viewer.login;
  } catch (error) {
    if ((error as { status?: unknown } | null)?.status === 401) throw error;
    log.debug(
      `could not ask GitHub which account the token acts as (${(error as Error).message}); assuming ${GITHUB_ACTIONS_LOGIN}`,
    );
  }
  loginOfClient.set(client, login);
  return login;
}

function isOurs(comment: IssueComment, marker: string, login: string): boolean {
  const body = comment.body ?? '';
  return (
    (body === marker || body.startsWith(`${marker}\n`)) && comment.user?.login.toLowerCase() === login.toLowerCase()
  );
}

async function findMarked(
  client: GitHubClient,
  target: StickyCommentTarget,
  marker: string,
  login: string,
): Promise<IssueComment[]> {
  const comments = (await client.paginate(client.rest.issues.listComments, {
    owner: target.owner,
    repo: target.repo,
    issue_number: target.issueNumber,
    per_page: 100,
  })) as IssueComment[];
  return comments.filter((c) => isOurs(c, marker, login)).sort((a, b) => a.id - b.id);
}

/** A comment a concurrent run deleted first (404) is gone, which is all we wanted. */
async function deleteIfPresent(client: GitHubClient, target: StickyCommentTarget, commentId: number): Promise<void> {
  try {
    await client.rest.issues.deleteComment({ owner: target.owner, repo: target.repo, comment_id: commentId });
  } catch (error) {
    if ((error as { status?: unknown } | null)?.status !== 404) throw error;
  }
}

export async function upsertStickyComment(options: {
  client: GitHubClient;
  target: StickyCommentTarget;
  marker: string;
  body: string;
  mode: CommentMode;
  log: Logger;
}): Promise<StickyCommentResult> {
  const { client, target, marker, mode, log } = options;
  if (mode === 'off') return { action: 'skipped' };
  const body = `${marker}\n${options.body}`;
  const login = await tokenLogin(client, log);
  const existing = await findMarked(client, target, marker, login);
  const first = existing[0];

  if (first && mode === 'update') {
    if (first.body === body) {
      log.info(`PR comment unchanged: ${first.html_url}`);
      return { action: 'unchanged', url: first.html_url, id: first.id };
    }
    const { data } = await client.rest.issues.updateComment({
      owner: target.owner,
      repo: target.repo,
      comment_id: first.id,
      body,
    });
    log.info(`PR comment updated: ${data.html_url}`);
    return { action: 'updated', url: data.html_url, id: data.id };
  }

  if (mode === 'recreate') {
    for (const old of existing) await deleteIfPresent(client, target, old.id);
  }
  const { data } = await client.rest.issues.createComment({
    owner: target.owner,
    repo: target.repo,
    issue_number: target.issueNumber,
    body,
  });
  // A concurrent run may have created its own comment between our list and our create: keep the oldest.
  // GitHub names the author of what we just created: that is the token's identity, whatever was assumed.
  const author = data.user?.login ?? login;
  if (author !== login) loginOfClient.set(client, author);
  const after = await findMarked(client, target, marker, author);
  const keep = after[0];
  for (const extra of after.slice(1)) await deleteIfPresent(client, target, extra.id);
  if (keep && keep.id !== data.id) {
    await client.rest.issues.updateComment({ owner: target.owner, repo: target.repo, comment_id: keep.id, body });
    log.info(`PR comment updated (a concurrent run had created it): ${keep.html_url}`);
    return { action: 'updated', url: keep.html_url, id: keep.id };
  }
  const action = mode === 'recreate' && existing.length > 0 ? 'recreated' : 'created';
  log.info(`PR comment ${action}: ${data.html_url}`);
  return { action, url: data.html_url, id: data.id };
}
