/**
 * Shared set-up for the src/github integration tests: a fake GitHub API on loopback and a real
 * client (createGitHubClient: Octokit with the retry and throttling plugins) pointed at it.
 */
import { createGitHubClient, type GitHubClient } from '../../src/github/client.js';
import { MemoryLogger } from '../../src/log.js';
import type { Results, Verdict } from '../../src/report/results.js';
import { FakeGitHubApi } from './fake-github-api.js';

export const OWNER = 'acme';
export const REPO = 'rag-backend';
export const PR = 42;
export const HEAD_SHA = '9f1c2b7d4e5a6f708192a3b4c5d6e7f8091a2b3c';

export interface Kit {
  api: FakeGitHubApi;
  log: MemoryLogger;
  client: GitHubClient;
}

export async function startKit(options: { maxRetries?: number } = {}): Promise<Kit> {
  const api = await FakeGitHubApi.start();
  const log = new MemoryLogger();
  const client = createGitHubClient({ token: api.token, log, baseUrl: api.baseUrl, maxRetries: options.maxRetries });
  return { api, log, client };
}

/** A results.json with one target, enough for the Check's headline and conclusion. */
export function resultsWith(verdict: Verdict): Results {
  const status = verdict === 'pass' ? 'pass' : verdict === 'fail' ? 'fail' : 'inconclusive';
  return {
    schemaVersion: 1,
    tool: { name: 'perf-gate', version: '0.1.0' },
    runId: 'run-1',
    startedAt: '2025-01-15T12:00:00Z',
    finishedAt: '2025-01-15T12:10:00Z',
    config: 'perf-gate.yml',
    verdict,
    headline: '',
    targets: [
      {
        expression: 'pipeline_p50 improves by >= 20%',
        metric: 'pipeline_p50',
        kind: 'improvement',
        status: status as Results['targets'][number]['status'],
        estimate: -0.24,
        ci: [-0.3, -0.18],
        unit: 'ms',
        threshold: -0.2,
      },
    ],
    metrics: [],
    rounds: [],
    decision: null,
    migration: null,
    environment: {},
  } as Results;
}
