/**
 * createGitHubClient's retry and throttling behaviour, observed on the wire: what GitHub asks of
 * integrations is to retry server errors, wait out Retry-After on rate limits, and never re-send
 * a request GitHub refused on purpose (403, 404, 422).
 * Waits are real (Retry-After: 1 and plugin-retry's backoff), so a few tests take a few seconds.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGitHubClient } from '../../src/github/client.js';
import { MemoryLogger } from '../../src/log.js';
import { type Kit, OWNER, PR, REPO, startKit } from '../helpers/github-client.js';

let kit: Kit;
beforeEach(async () => {
  kit = await startKit();
});
afterEach(async () => {
  await kit.api.close();
});

const createComment = (body = 'report') =>
  kit.client.rest.issues.createComment({ owner: OWNER, repo: REPO, issue_number: PR, body });

describe('createGitHubClient against a GitHub-shaped server', () => {
  it('waits for Retry-After on a 429 secondary rate limit, then succeeds, and says so in the log', async () => {
    kit.api.inject('createComment', { kind: 'secondary-rate-limit', retryAfterSeconds: 1 });
    const { data } = await createComment();
    expect(data.body).toBe('report');
    const posts = kit.api.requestsTo('createComment');
    expect(posts.map((r) => r.status)).toEqual([429, 201]);
    // Not a speed assertion: a lower bound that only a client ignoring Retry-After can break.
    expect(posts[1]!.receivedAt - posts[0]!.receivedAt).toBeGreaterThanOrEqual(950);
    expect(
      kit.log.lines.some((l) => l.startsWith('warning:') && l.includes('secondary rate limit') && l.includes('in 1s')),
    ).toBe(true);
  });

  it('treats a 403 secondary rate limit the same way (GitHub sends 403 or 429)', async () => {
    kit.api.inject('listComments', { kind: 'secondary-rate-limit', retryAfterSeconds: 1, status: 403 });
    const { data } = await kit.client.rest.issues.listComments({ owner: OWNER, repo: REPO, issue_number: PR });
    expect(data).toEqual([]);
    expect(kit.api.requestsTo('listComments').map((r) => r.status)).toEqual([403, 200]);
  });

  it('gives up after maxRetries rate limits and surfaces the 429', async () => {
    const api = kit.api;
    const client = createGitHubClient({ token: api.token, log: kit.log, baseUrl: api.baseUrl, maxRetries: 1 });
    api.inject('createComment', { kind: 'secondary-rate-limit', retryAfterSeconds: 1 }, 5);
    await expect(
      client.rest.issues.createComment({ owner: OWNER, repo: REPO, issue_number: PR, body: 'x' }),
    ).rejects.toMatchObject({ status: 429 });
    expect(api.requestsTo('createComment')).toHaveLength(2); // the first try and one retry
  });

  it('does not sleep an hour on a 429 with Retry-After: 3600: surfaces the 429 at once and says why', {
    timeout: 15_000,
  }, async () => {
    kit.api.inject('createComment', { kind: 'secondary-rate-limit', retryAfterSeconds: 3600 }, 3);
    await expect(createComment()).rejects.toMatchObject({ status: 429 });
    expect(kit.api.requestsTo('createComment')).toHaveLength(1);
    expect(
      kit.log.lines.some(
        (l) => l.startsWith('warning:') && l.includes('asks to wait 3600s') && l.includes('at most 60s'),
      ),
    ).toBe(true);
  });

  it('does not wait for a primary rate limit that resets in an hour (403, x-ratelimit-remaining 0)', {
    timeout: 15_000,
  }, async () => {
    kit.api.inject('listComments', { kind: 'rate-limit', resetInSeconds: 3600 }, 3);
    await expect(
      kit.client.rest.issues.listComments({ owner: OWNER, repo: REPO, issue_number: PR }),
    ).rejects.toMatchObject({ status: 403 });
    expect(kit.api.requestsTo('listComments')).toHaveLength(1);
  });

  it('caps the rate-limit waits of one client in total, across requests', { timeout: 15_000 }, async () => {
    const api = kit.api;
    const client = createGitHubClient({
      token: api.token,
      log: kit.log,
      baseUrl: api.baseUrl,
      maxRateLimitWaitSeconds: 2,
    });
    api.inject('createComment', { kind: 'secondary-rate-limit', retryAfterSeconds: 1 }, 1);
    await client.rest.issues.createComment({ owner: OWNER, repo: REPO, issue_number: PR, body: 'first' }); // waits 1 s of 2
    api.inject('createComment', { kind: 'secondary-rate-limit', retryAfterSeconds: 1 }, 2);
    await expect(
      client.rest.issues.createComment({ owner: OWNER, repo: REPO, issue_number: PR, body: 'second' }),
    ).rejects.toMatchObject({ status: 429 });
    // first: 429 then 201; second: 429, a wait of the last second, 429 again, and no third wait.
    expect(api.requestsTo('createComment').map((r) => r.status)).toEqual([429, 201, 429, 429]);
  });

  it('retries a 500 and succeeds on the next try', async () => {
    kit.api.inject('createCheckRun', { kind: 'server-error' });
    const { data } = await kit.client.rest.checks.create({
      owner: OWNER,
      repo: REPO,
      name: 'perf-gate',
      head_sha: 'a'.repeat(40),
      status: 'completed',
      conclusion: 'success',
    });
    expect(data.conclusion).toBe('success');
    expect(kit.api.requestsTo('createCheckRun').map((r) => r.status)).toEqual([500, 201]);
    expect(kit.api.checkRuns).toHaveLength(1);
  });

  it.each([
    ['403 (fork token)', { kind: 'forbidden-integration' } as const, 403],
    ['404', { kind: 'not-found' } as const, 404],
    ['422', { kind: 'validation-failed' } as const, 422],
  ])('does not re-send a request GitHub refused with %s', async (_label, fault, status) => {
    kit.api.inject('createComment', fault, Infinity);
    await expect(createComment()).rejects.toMatchObject({ status });
    expect(kit.api.requestsTo('createComment')).toHaveLength(1);
  });

  it("never writes the token to the log, and a wrong token gets GitHub's 401", async () => {
    kit.api.inject('createComment', { kind: 'secondary-rate-limit', retryAfterSeconds: 1 });
    await createComment();
    expect(kit.log.lines.length).toBeGreaterThan(0);
    expect(kit.log.lines.join('\n')).not.toContain(kit.api.token);
    const wrong = createGitHubClient({
      token: 'ghs_wrong_token_value',
      log: new MemoryLogger(),
      baseUrl: kit.api.baseUrl,
    });
    await expect(
      wrong.rest.issues.createComment({ owner: OWNER, repo: REPO, issue_number: PR, body: 'x' }),
    ).rejects.toMatchObject({ status: 401 });
  });
});
