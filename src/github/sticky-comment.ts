/**
 * One sticky comment per pull request and gate: found by a hidden HTML marker, edited in place,
 * never duplicated. Re-runs find the marker; two runs racing may both create one, so after a create
 * the list is read again and every marked comment but the oldest is deleted.
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
  const key = [parts.workflow ?? '', parts.job ?? '', parts.key ?? ''].map((p) => p.replace(/--/g, '-').replace(/[<>]/g, '')).join(':');
  return `<!-- perf-gate:sticky-comment ${key} -->`;
}

interface IssueComment {
  id: number;
  body?: string | null;
  html_url: string;
}

async function findMarked(client: GitHubClient, target: StickyCommentTarget, marker: string): Promise<IssueComment[]> {
  const comments = (await client.paginate(client.rest.issues.listComments, {
    owner: target.owner,
    repo: target.repo,
    issue_number: target.issueNumber,
    per_page: 100,
  })) as IssueComment[];
  return comments.filter((c) => c.body?.includes(marker)).sort((a, b) => a.id - b.id);
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
  const existing = await findMarked(client, target, marker);
  const first = existing[0];

  if (first && mode === 'update') {
    if (first.body === body) {
      log.info(`PR comment unchanged: ${first.html_url}`);
      return { action: 'unchanged', url: first.html_url, id: first.id };
    }
    const { data } = await client.rest.issues.updateComment({ owner: target.owner, repo: target.repo, comment_id: first.id, body });
    log.info(`PR comment updated: ${data.html_url}`);
    return { action: 'updated', url: data.html_url, id: data.id };
  }

  if (mode === 'recreate') {
    for (const old of existing) await deleteIfPresent(client, target, old.id);
  }
  const { data } = await client.rest.issues.createComment({ owner: target.owner, repo: target.repo, issue_number: target.issueNumber, body });
  // A concurrent run may have created its own comment between our list and our create: keep the oldest.
  const after = await findMarked(client, target, marker);
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
