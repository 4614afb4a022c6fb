/**
 * The sticky PR comment against a GitHub-shaped server on loopback, through the real Octokit
 * client: one comment per gate, found by its hidden marker across pages, edited in place.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGitHubClient } from '../../src/github/client.js';
import { commentMarker, upsertStickyComment } from '../../src/github/sticky-comment.js';
import { COMMENT_BODY_LIMIT, GITHUB_ACTIONS_BOT, user } from '../helpers/fake-github-api.js';
import { type Kit, OWNER, PR, REPO, startKit } from '../helpers/github-client.js';

const target = { owner: OWNER, repo: REPO, issueNumber: PR };
const marker = commentMarker({ workflow: 'perf', job: 'gate' });

let kit: Kit;
beforeEach(async () => {
  kit = await startKit();
});
afterEach(async () => {
  await kit.api.close();
});

function upsert(body: string, mode: 'update' | 'recreate' = 'update') {
  return upsertStickyComment({ client: kit.client, target, marker, body, mode, log: kit.log });
}

function marked() {
  return kit.api.commentsOn(OWNER, REPO, PR).filter((c) => c.body.includes(marker));
}

describe('upsertStickyComment', () => {
  it('creates the comment with the hidden marker on a PR that has none', async () => {
    kit.api.seedComments(OWNER, REPO, PR, ['LGTM', 'Could you rebase?']);
    const result = await upsert('## perf-gate\nall targets met');
    expect(result.action).toBe('created');
    const ours = marked();
    expect(ours).toHaveLength(1);
    expect(ours[0]!.body).toBe(`${marker}\n## perf-gate\nall targets met`);
    expect(ours[0]!.user.login).toBe(GITHUB_ACTIONS_BOT.login);
    expect(result.url).toBe(ours[0]!.html_url);
    expect(result.id).toBe(ours[0]!.id);
    expect(kit.api.commentsOn(OWNER, REPO, PR)).toHaveLength(3); // the humans' comments are untouched
  });

  it('finds its comment among more than 100 others by following the Link header, and edits it in place', async () => {
    const humans = user('reviewer', 7);
    kit.api.seedComments(
      OWNER,
      REPO,
      PR,
      Array.from({ length: 120 }, (_, i) => `review note ${i}`),
      humans,
    );
    const [ours] = kit.api.seedComments(OWNER, REPO, PR, [`${marker}\nold numbers`], GITHUB_ACTIONS_BOT);
    kit.api.seedComments(
      OWNER,
      REPO,
      PR,
      Array.from({ length: 30 }, (_, i) => `later note ${i}`),
      humans,
    );

    const result = await upsert('new numbers');

    expect(result).toMatchObject({ action: 'updated', id: ours!.id });
    const lists = kit.api.requestsTo('listComments');
    // 151 comments at 100 a page: two pages, the second fetched from GitHub's /repositories/{id}/ link.
    expect(lists.length).toBeGreaterThanOrEqual(2);
    expect(lists[1]!.path).toMatch(/^\/repositories\/\d+\/issues\/42\/comments$/);
    expect(lists[1]!.query).toMatchObject({ per_page: '100', page: '2' });
    expect(kit.api.requestsTo('createComment')).toHaveLength(0);
    expect(kit.api.requestsTo('updateComment')).toHaveLength(1);
    expect(marked()).toHaveLength(1);
    expect(marked()[0]!.body).toBe(`${marker}\nnew numbers`);
    expect(kit.api.commentsOn(OWNER, REPO, PR)).toHaveLength(151);
  });

  it('updates the existing comment on a re-run instead of adding a second one', async () => {
    await upsert('first run');
    const second = await upsert('second run');
    expect(second.action).toBe('updated');
    expect(marked()).toHaveLength(1);
    expect(marked()[0]!.body).toBe(`${marker}\nsecond run`);
    expect(kit.api.requestsTo('createComment')).toHaveLength(1);
  });

  it('does not write at all when the body is unchanged', async () => {
    await upsert('same numbers');
    const writesBefore = kit.api.requests.filter((r) => r.method !== 'GET').length;
    const again = await upsert('same numbers');
    expect(again.action).toBe('unchanged');
    expect(kit.api.requests.filter((r) => r.method === 'PATCH')).toHaveLength(0);
    expect(kit.api.requests.filter((r) => r.method !== 'GET').length).toBe(writesBefore);
  });

  it('recreate mode deletes the old comment and posts a new one (so it appears at the bottom of the PR)', async () => {
    const first = await upsert('first run');
    kit.api.seedComments(OWNER, REPO, PR, ['a reply below the report']);
    const second = await upsert('second run', 'recreate');
    expect(second.action).toBe('recreated');
    expect(second.id).not.toBe(first.id);
    expect(kit.api.requestsTo('deleteComment').map((r) => r.path)).toEqual([
      `/repos/${OWNER}/${REPO}/issues/comments/${first.id}`,
    ]);
    const all = kit.api.commentsOn(OWNER, REPO, PR);
    expect(all.at(-1)!.id).toBe(second.id);
    expect(marked()).toHaveLength(1);
  });

  it('keeps comments of other gates (a different marker) alone', async () => {
    const otherMarker = commentMarker({ workflow: 'perf', job: 'gate', key: 'nightly' });
    kit.api.seedComments(OWNER, REPO, PR, [`${otherMarker}\nnightly report`], GITHUB_ACTIONS_BOT);
    await upsert('pr report', 'recreate');
    const bodies = kit.api.commentsOn(OWNER, REPO, PR).map((c) => c.body);
    expect(bodies).toEqual([`${otherMarker}\nnightly report`, `${marker}\npr report`]);
  });

  it('two runs racing on a PR without a comment leave exactly one', async () => {
    const [a, b] = await Promise.all([upsert('run A'), upsert('run B')]);
    expect(marked()).toHaveLength(1);
    expect([a.id, b.id]).toContain(marked()[0]!.id);
  });

  it('two runs that both see both new comments still leave exactly one, and neither fails', async () => {
    // Worst interleaving: both list (none), both create, then both list again and see both comments.
    kit.api.hold('listComments', 2, { skip: 2 });
    const outcomes = await Promise.allSettled([upsert('run A'), upsert('run B')]);
    expect(outcomes.map((o) => (o.status === 'rejected' ? String(o.reason) : o.status))).toEqual([
      'fulfilled',
      'fulfilled',
    ]);
    expect(marked()).toHaveLength(1);
    expect(kit.api.requestsTo('createComment')).toHaveLength(2);
    expect(['run A', 'run B'].map((b) => `${marker}\n${b}`)).toContain(marked()[0]!.body);
  });

  it("rejects with GitHub's 404 when the pull request does not exist (or the token cannot see it)", async () => {
    kit.api.inject('listComments', { kind: 'not-found' });
    await expect(upsert('report')).rejects.toMatchObject({ status: 404 });
    expect(kit.api.requestsTo('listComments')).toHaveLength(1); // 404 is not retried
    expect(kit.api.requestsTo('createComment')).toHaveLength(0);
  });

  it("rejects with GitHub's 422 when the body is over 65,536 characters, and posts nothing", async () => {
    const tooLong = 'x'.repeat(COMMENT_BODY_LIMIT);
    await expect(upsert(tooLong)).rejects.toMatchObject({ status: 422 });
    expect(kit.api.requestsTo('createComment')).toHaveLength(1); // 422 is not retried
    expect(kit.api.commentsOn(OWNER, REPO, PR)).toHaveLength(0);
  });

  it('accepts a body right at the limit once the marker is counted', async () => {
    const fits = 'y'.repeat(COMMENT_BODY_LIMIT - marker.length - 1);
    const result = await upsert(fits);
    expect(result.action).toBe('created');
    expect(marked()[0]!.body.length).toBe(COMMENT_BODY_LIMIT);
  });
});

describe('upsertStickyComment owns only its own comment', () => {
  const forkAuthor = user('contributor', 4242);
  const maintainer = user('maintainer', 1001);

  it('does not edit a comment another account wrote with the marker at its start (a fork author could later make it say ✅)', async () => {
    const [planted] = kit.api.seedComments(OWNER, REPO, PR, [`${marker}\n✅ perf-gate: all targets met`], forkAuthor);
    const result = await upsert('❌ perf-gate: 2 of 3 targets missed');
    expect(result.action).toBe('created');
    expect(kit.api.requestsTo('updateComment')).toHaveLength(0);
    const comments = kit.api.commentsOn(OWNER, REPO, PR);
    expect(comments.find((c) => c.id === planted!.id)!.body).toBe(`${marker}\n✅ perf-gate: all targets met`);
    expect(comments.filter((c) => c.user.login === GITHUB_ACTIONS_BOT.login).map((c) => c.body)).toEqual([
      `${marker}\n❌ perf-gate: 2 of 3 targets missed`,
    ]);
    // The re-run finds its own comment, not the planted one.
    expect((await upsert('second run')).action).toBe('updated');
    expect(kit.api.commentsOn(OWNER, REPO, PR).find((c) => c.id === planted!.id)!.body).toContain('✅');
  });

  it("recreate does not delete a maintainer's comment that quotes the marker", async () => {
    await upsert('first run');
    const [quote] = kit.api.seedComments(
      OWNER,
      REPO,
      PR,
      [`Why is there a \`${marker}\` in the report?\n\n${marker}`],
      maintainer,
    );
    await upsert('second run', 'recreate');
    expect(kit.api.requestsTo('deleteComment')).toHaveLength(1);
    expect(kit.api.commentsOn(OWNER, REPO, PR).some((c) => c.id === quote!.id)).toBe(true);
  });

  it("another gate's comment that quotes this gate's marker in its body is not this gate's comment", async () => {
    const nightly = commentMarker({ workflow: 'perf', job: 'gate', key: 'nightly' });
    // The nightly gate's report carries a string from a results.json that holds the PR gate's marker.
    const [other] = kit.api.seedComments(OWNER, REPO, PR, [`${nightly}\nrun id: ${marker}`], GITHUB_ACTIONS_BOT);
    const result = await upsert('pr report');
    expect(result.action).toBe('created');
    expect(kit.api.commentsOn(OWNER, REPO, PR).find((c) => c.id === other!.id)!.body).toBe(
      `${nightly}\nrun id: ${marker}`,
    );
  });

  it("with a token that is not GITHUB_TOKEN (a GitHub App), finds the comments of that App, asked of GraphQL's viewer", async () => {
    const appBot = user('perf-reporter[bot]', 135_000, 'Bot');
    kit.api.addToken('ghs_appInstallationToken0123456789', appBot);
    const appClient = createGitHubClient({
      token: 'ghs_appInstallationToken0123456789',
      log: kit.log,
      baseUrl: kit.api.baseUrl,
    });
    // A marked comment by github-actions[bot] (another workflow's GITHUB_TOKEN) is not the App's.
    const [actionsComment] = kit.api.seedComments(
      OWNER,
      REPO,
      PR,
      [`${marker}\nfrom GITHUB_TOKEN`],
      GITHUB_ACTIONS_BOT,
    );
    const first = await upsertStickyComment({
      client: appClient,
      target,
      marker,
      body: 'app run 1',
      mode: 'update',
      log: kit.log,
    });
    const second = await upsertStickyComment({
      client: appClient,
      target,
      marker,
      body: 'app run 2',
      mode: 'update',
      log: kit.log,
    });
    expect(first.action).toBe('created');
    expect(second).toMatchObject({ action: 'updated', id: first.id });
    const comments = kit.api.commentsOn(OWNER, REPO, PR);
    expect(comments.find((c) => c.id === actionsComment!.id)!.body).toBe(`${marker}\nfrom GITHUB_TOKEN`);
    expect(comments.find((c) => c.id === first.id)).toMatchObject({
      body: `${marker}\napp run 2`,
      user: { login: 'perf-reporter[bot]' },
    });
    expect(kit.api.requestsTo('graphql')).toHaveLength(1); // asked once per client
  });

  it('when GitHub cannot say who the token is, the author of the comment it creates decides, and one comment remains', async () => {
    const appBot = user('perf-reporter[bot]', 135_000, 'Bot');
    kit.api.addToken('ghs_appInstallationToken0123456789', appBot);
    const [earlier] = kit.api.seedComments(OWNER, REPO, PR, [`${marker}\nearlier app run`], appBot);
    kit.api.inject('graphql', { kind: 'forbidden-integration' });
    const appClient = createGitHubClient({
      token: 'ghs_appInstallationToken0123456789',
      log: kit.log,
      baseUrl: kit.api.baseUrl,
    });
    const result = await upsertStickyComment({
      client: appClient,
      target,
      marker,
      body: 'app run',
      mode: 'update',
      log: kit.log,
    });
    expect(result).toMatchObject({ action: 'updated', id: earlier!.id });
    expect(kit.api.commentsOn(OWNER, REPO, PR).map((c) => c.body)).toEqual([`${marker}\napp run`]);
  });
});
