/**
 * The GitHub client: @actions/github's Octokit with retries (5xx) and throttling (403 secondary
 * rate limits, 429 with Retry-After), as GitHub's REST guidance asks of integrations.
 *
 * Waits are bounded: GitHub may ask for an hour (Retry-After: 3600, or x-ratelimit-reset an hour
 * away on the primary limit), and a gate that sleeps that long holds the runner for nothing. One
 * client waits at most `maxRateLimitWaitSeconds` in all; past that the request fails with GitHub's
 * 403/429, which comment-and-check.ts reports as "rate limited", a warning and not a failed gate.
 */
import { getOctokit } from '@actions/github';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import type { Logger } from '../log.js';

export type GitHubClient = ReturnType<typeof getOctokit>;

export interface GitHubClientOptions {
  token: string;
  log: Logger;
  /** GITHUB_API_URL on GitHub Enterprise and in tests; api.github.com otherwise. */
  baseUrl?: string;
  /** Retries after a rate limit or a server error before giving up. */
  maxRetries?: number;
  /** The longest this client sleeps on rate limits, summed over all its requests (default 60 s). */
  maxRateLimitWaitSeconds?: number;
}

export const DEFAULT_MAX_RATE_LIMIT_WAIT_SECONDS = 60;

export function createGitHubClient(options: GitHubClientOptions): GitHubClient {
  const maxRetries = options.maxRetries ?? 3;
  const maxWait = options.maxRateLimitWaitSeconds ?? DEFAULT_MAX_RATE_LIMIT_WAIT_SECONDS;
  let waited = 0;
  options.log.addSecret(options.token);
  // plugin-throttling sleeps `retryAfter` seconds when the handler returns true; false surfaces the error.
  const onLimit =
    (kind: string) =>
    (retryAfter: number, request: { method: string; url: string }, _octokit: unknown, retryCount: number): boolean => {
      const what = `GitHub ${kind} on ${request.method} ${request.url}`;
      if (retryCount >= maxRetries) {
        options.log.warning(`${what}; gave up after ${maxRetries} retries`);
        return false;
      }
      if (waited + retryAfter > maxWait) {
        options.log.warning(
          `${what} asks to wait ${retryAfter}s; perf-gate waits at most ${maxWait}s in all (${waited}s so far): not retrying`,
        );
        return false;
      }
      waited += retryAfter;
      options.log.warning(`${what}; retry ${retryCount + 1} of ${maxRetries} in ${retryAfter}s`);
      return true;
    };
  return getOctokit(
    options.token,
    {
      baseUrl: options.baseUrl ?? 'https://api.github.com',
      // The retry count goes in `retry`, not `request.retries`: plugin-retry treats a request-level
      // `retries` as "retry this request on any error" (its README), which re-sent 403/404/422s.
      // 429 is left to the throttling plugin, which waits for Retry-After as GitHub asks; plugin-retry
      // would re-send after its own 1 s backoff instead.
      retry: { doNotRetry: [400, 401, 403, 404, 410, 422, 429, 451], retries: maxRetries },
      throttle: { onRateLimit: onLimit('rate limit'), onSecondaryRateLimit: onLimit('secondary rate limit') },
    },
    retry,
    throttling,
  );
}

/**
 * A request GitHub refused for a rate limit (docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api):
 * 429, or 403 with x-ratelimit-remaining 0 (primary) or a "secondary rate limit" message.
 */
export function isRateLimited(error: unknown): boolean {
  const e = error as { status?: unknown; message?: unknown; response?: { headers?: Record<string, unknown> } } | null;
  if (e?.status === 429) return true;
  if (e?.status !== 403) return false;
  return e.response?.headers?.['x-ratelimit-remaining'] === '0' || /\brate limit\b/i.test(String(e.message));
}
