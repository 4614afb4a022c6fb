/**
 * The GitHub client: @actions/github's Octokit with retries (5xx) and throttling (403 secondary
 * rate limits, 429 with Retry-After), as GitHub's REST guidance asks of integrations.
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
}

export function createGitHubClient(options: GitHubClientOptions): GitHubClient {
  const maxRetries = options.maxRetries ?? 3;
  options.log.addSecret(options.token);
  return getOctokit(
    options.token,
    {
      baseUrl: options.baseUrl ?? process.env.GITHUB_API_URL ?? 'https://api.github.com',
      // The retry count goes in `retry`, not `request.retries`: plugin-retry treats a request-level
      // `retries` as "retry this request on any error" (its README), which re-sent 403/404/422s.
      // 429 is left to the throttling plugin, which waits for Retry-After as GitHub asks; plugin-retry
      // would re-send after its own 1 s backoff instead.
      retry: { doNotRetry: [400, 401, 403, 404, 410, 422, 429, 451], retries: maxRetries },
      throttle: {
        onRateLimit: (retryAfter: number, request: { method: string; url: string }, _octokit: unknown, retryCount: number) => {
          options.log.warning(`GitHub rate limit on ${request.method} ${request.url}; retry ${retryCount + 1} of ${maxRetries} in ${retryAfter}s`);
          return retryCount < maxRetries;
        },
        onSecondaryRateLimit: (retryAfter: number, request: { method: string; url: string }, _octokit: unknown, retryCount: number) => {
          options.log.warning(`GitHub secondary rate limit on ${request.method} ${request.url}; retry ${retryCount + 1} of ${maxRetries} in ${retryAfter}s`);
          return retryCount < maxRetries;
        },
      },
    },
    retry,
    throttling,
  );
}
