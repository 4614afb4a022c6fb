/**
 * `perf-gate history append|list|changes|drift` through the CLI entry, against real git: a bare
 * repository as the origin and a job's clone of it. Thirteen runs are appended, one per commit: twelve
 * on one runner, whose latency steps up 10 % at the seventh commit, and one on another runner.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import type { HistoryRecord } from '../../src/history/record.js';
import { MemoryLogger } from '../../src/log.js';
import type { Results } from '../../src/report/results.js';

const demo = JSON.parse(
  readFileSync(new URL('../fixtures/results/demo.results.json', import.meta.url), 'utf8'),
) as Results;
const IDENTITY = ['-c', 'user.name=Test Engineer', '-c', 'user.email=test@example.com'];
const METRIC = 'latency_p50';
/** Run-to-run noise of the candidate's median latency, in ms: small beside the 1 ms step. */
const NOISE = [0.02, -0.03, 0.01, 0.04, -0.02, 0, -0.01, 0.03, -0.04, 0.02, 0.01, -0.02];
/** The commit (index) whose change made latency_p50 10 % slower. */
const STEP = 6;
const OTHER_RUNNER_AFTER = 3;

let root: string;
let clone: string;
/** The commits measured on the main runner, in order, and the one measured on another runner. */
const commits: string[] = [];
let otherRunnerCommit = '';

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', [...IDENTITY, ...args], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

async function run(argv: string[], env: NodeJS.ProcessEnv = {}) {
  let stdout = '';
  const log = new MemoryLogger();
  const code = await main(argv, { stdout: (t) => (stdout += t), log, env });
  return { code, stdout, log: log.lines.join('\n') };
}

/** The demo's results.json as the run of commit `index` wrote it: its time, run id, latency and paired change. */
function resultsOf(index: number, runner: 'main' | 'other' = 'main'): Results {
  const value = (runner === 'other' ? 30 : index >= STEP ? 11 : 10) + NOISE[index % NOISE.length]!;
  const change = runner === 'other' ? 0 : index === STEP ? 0.1 : 0.01;
  const minute = String(index * 2 + (runner === 'other' ? 1 : 0)).padStart(2, '0');
  return {
    ...demo,
    runId: `run-${runner}-${index}`,
    finishedAt: `2026-11-20T10:${minute}:00.000Z`,
    metrics: demo.metrics.map((m) =>
      m.name === METRIC
        ? { ...m, candidate: value, baseline: value / (1 + change), change, ci: [change - 0.02, change + 0.02] }
        : m,
    ),
    environment: runner === 'other' ? { ...demo.environment, cpuModel: 'Intel Xeon', cpuCount: 4 } : demo.environment,
  };
}

async function appendRun(results: Results, env: NodeJS.ProcessEnv = {}): Promise<void> {
  const file = join(root, `${results.runId}.json`);
  writeFileSync(file, JSON.stringify(results));
  const appended = await run(['history', 'append', '--results', file, '--repo-dir', clone], env);
  expect(appended.log).not.toContain('error');
  expect(appended.code).toBe(0);
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'perf-gate-history-cli-'));
  const origin = join(root, 'acme', 'search.git');
  mkdirSync(join(root, 'acme'));
  git(root, 'init', '--quiet', '--bare', '--initial-branch=main', origin);
  clone = join(root, 'job');
  git(root, 'clone', '--quiet', `file://${origin}`, clone);
  for (let index = 0; index < 12; index += 1) {
    git(clone, 'commit', '--quiet', '--allow-empty', '-m', `Change ${index}`);
    git(clone, 'push', '--quiet', 'origin', 'HEAD:main');
    commits.push(git(clone, 'rev-parse', 'HEAD').trim());
    // The checkout says which commit and branch: no GitHub environment.
    await appendRun(resultsOf(index));
    if (index === OTHER_RUNNER_AFTER) {
      // A run on a bigger runner, inside Actions: the run context says where it was.
      otherRunnerCommit = 'abcdef0123456789abcdef0123456789abcdef01';
      await appendRun(resultsOf(index, 'other'), {
        GITHUB_REPOSITORY: 'acme/search',
        GITHUB_SHA: otherRunnerCommit,
        GITHUB_REF_NAME: 'release',
        GITHUB_SERVER_URL: 'https://github.com',
        GITHUB_RUN_ID: '4242',
        GITHUB_EVENT_NAME: 'push',
      });
    }
  }
}, 120_000);

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('perf-gate history', () => {
  it('append records each run with its commit, branch and repository, from the checkout or the GitHub run context', async () => {
    const listed = await run(['history', 'list', '--json', '--repo-dir', clone]);
    expect(listed.code).toBe(0);
    const records = JSON.parse(listed.stdout) as HistoryRecord[];
    expect(records).toHaveLength(13);
    const mainRuns = records.filter((r) => r.runner.cpuModel === 'AMD EPYC');
    expect(mainRuns.map((r) => r.sha)).toEqual(commits);
    expect(mainRuns.every((r) => r.branch === 'main' && r.repository === 'acme/search' && r.runUrl === null)).toBe(
      true,
    );
    const other = records.find((r) => r.runner.cpuModel === 'Intel Xeon');
    expect(other).toMatchObject({
      sha: otherRunnerCommit,
      branch: 'release',
      repository: 'acme/search',
      runUrl: 'https://github.com/acme/search/actions/runs/4242',
    });
    // The job's checkout is where it was: the data went to the data branch only.
    expect(git(clone, 'rev-parse', 'HEAD').trim()).toBe(commits.at(-1));
    expect(git(clone, 'status', '--porcelain')).toBe('');
  });

  it('list filters by metric, date and count, and prints a table of date, commit, estimate with interval and verdict', async () => {
    const json = await run([
      'history',
      'list',
      '--json',
      '--metric',
      METRIC,
      '--since',
      '2026-11-20T10:10:00Z',
      '--limit',
      '3',
      '--repo-dir',
      clone,
    ]);
    const records = JSON.parse(json.stdout) as HistoryRecord[];
    expect(records.map((r) => r.sha)).toEqual(commits.slice(-3));
    expect(records.every((r) => r.metrics.length === 1 && r.metrics[0]!.name === METRIC)).toBe(true);
    const table = await run(['history', 'list', '--metric', METRIC, '--limit', '2', '--repo-dir', clone]);
    expect(table.code).toBe(0);
    expect(table.stdout).toContain(`${METRIC} (ms, lower is better)`);
    expect(table.stdout).toMatch(
      new RegExp(
        `2026-11-20 10:22 +${commits[11]!.slice(0, 7)} +main +\\+1\\.0 % \\[-1\\.0, \\+3\\.0\\] % +inconclusive`,
      ),
    );
    expect(table.stdout).not.toContain(commits[9]!.slice(0, 7));
  });

  it('changes finds the 10 % step at the commit that made it, on one runner kind, and says what it left out', async () => {
    const result = await run(['history', 'changes', '--metric', METRIC, '--json', '--repo-dir', clone]);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.runner).toEqual({ cpuModel: 'AMD EPYC', cpuCount: 2 });
    expect(report).toMatchObject({
      runs: 12,
      leftOut: { otherRunners: 1, noValue: 0 },
      significance: 0.05,
      minSegmentSize: 5,
    });
    expect(report.changes).toHaveLength(1);
    expect(report.changes[0].sha).toBe(commits[STEP]);
    expect(report.changes[0].relativeChange).toBeCloseTo(0.1, 2);
    expect(report.changes[0].confidence).toBeGreaterThan(0.95);
    const text = await run(['history', 'changes', '--metric', METRIC, '--repo-dir', clone]);
    expect(text.stdout).toContain('12 runs on AMD EPYC × 2; 1 run on other runners left out');
    // The medians of the two segments, each with its noise: 10.005 ms before, 10.995 ms after.
    expect(text.stdout).toMatch(new RegExp(`${commits[STEP]!.slice(0, 7)} .* \\+9\\.9 % +10 → 11 ms +99\\.\\d %`));
  });

  it('changes with a segment longer than the history finds nothing and says how many runs it needs', async () => {
    const result = await run([
      'history',
      'changes',
      '--metric',
      METRIC,
      '--min-segment',
      '7',
      '--json',
      '--repo-dir',
      clone,
    ]);
    expect(JSON.parse(result.stdout)).toMatchObject({ tooFewRuns: true, changes: [] });
  });

  it('drift multiplies the chain of paired changes, with an interval, and names the step as the largest contributor', async () => {
    const result = await run(['history', 'drift', '--metric', METRIC, '--json', '--repo-dir', clone]);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    // Eleven changes of +1 %, one of +10 %, and the other runner's 0 %.
    expect(report.changes).toBe(13);
    expect(report.change).toBeCloseTo(1.01 ** 11 * 1.1 - 1, 10);
    expect(report.lower).toBeLessThan(report.change);
    expect(report.upper).toBeGreaterThan(report.change);
    expect(report.contributors[0].sha).toBe(commits[STEP]);
    const since = await run([
      'history',
      'drift',
      '--metric',
      METRIC,
      '--since',
      commits[STEP]!.slice(0, 10),
      '--json',
      '--repo-dir',
      clone,
    ]);
    const after = JSON.parse(since.stdout);
    expect(after.changes).toBe(5);
    expect(after.change).toBeCloseTo(1.01 ** 5 - 1, 10);
    const text = await run(['history', 'drift', '--metric', METRIC, '--repo-dir', clone]);
    expect(text.stdout).toContain(
      `${METRIC}: +${((1.01 ** 11 * 1.1 - 1) * 100).toFixed(1)} % over 13 changes (95 % interval`,
    );
    expect(text.stdout).toContain('largest contributors:');
  });

  it('drift --since last-release: from the newest v* tag before HEAD, as a release gate on the new tag asks', async () => {
    const sinceRelease = (...more: string[]) =>
      run(['history', 'drift', '--metric', METRIC, '--since', 'last-release', ...more, '--repo-dir', clone]);
    const none = await sinceRelease();
    expect(none.code).toBe(2);
    expect(none.log).toContain('--since: got "last-release"; expected a checkout with a v* tag before HEAD');
    git(clone, 'tag', 'v1.0.0', commits[STEP]!);
    git(clone, 'tag', 'v1.1.0', commits[9]!);
    // HEAD is commits[11]; a release gate tagging HEAD would see v1.1.0 as the release before it.
    git(clone, 'tag', 'v1.2.0', commits[11]!);
    try {
      const drift = await sinceRelease('--json');
      expect(drift.code, drift.log).toBe(0);
      const report = JSON.parse(drift.stdout);
      expect(report.release).toBe('v1.1.0');
      expect(report.since).toBe(commits[9]);
      expect(report.changes).toBe(2);
      expect(report.change).toBeCloseTo(1.01 ** 2 - 1, 10);
      const text = await sinceRelease();
      expect(text.stdout).toContain(`${METRIC} since v1.1.0 (${commits[9]!.slice(0, 7)}): +2.0 % over 2 changes`);
      // A release whose commit no gate recorded is named as such, by its tag.
      git(clone, 'commit', '--quiet', '--allow-empty', '-m', 'unrecorded release');
      git(clone, 'tag', 'v1.3.0');
      git(clone, 'commit', '--quiet', '--allow-empty', '-m', 'after the unrecorded release');
      const unrecorded = await sinceRelease();
      expect(unrecorded.code).toBe(2);
      expect(unrecorded.log).toContain(
        '--since: got "last-release"; expected a release whose commit has a recorded run; v1.3.0',
      );
      git(clone, 'tag', '-d', 'v1.3.0');
      git(clone, 'reset', '--quiet', '--hard', commits[11]!);
    } finally {
      git(clone, 'tag', '-d', 'v1.0.0', 'v1.1.0', 'v1.2.0');
    }
  });

  it('export: CSV of every run and metric, and one run as Bencher Metric Format (the latest, or by --sha)', async () => {
    const csv = await run(['history', 'export', '--metric', METRIC, '--repo-dir', clone]);
    expect(csv.code, csv.log).toBe(0);
    const lines = csv.stdout.trimEnd().split('\r\n');
    expect(lines[0]!.startsWith('time,repository,branch,sha,')).toBe(true);
    // 12 runs on main and one on the other runner, one metric each.
    expect(lines).toHaveLength(1 + 13);
    expect(lines.at(-1)).toContain(commits[11]);
    const since = await run([
      'history',
      'export',
      '--since',
      '2026-11-20T10:20:00Z',
      '--metric',
      METRIC,
      '--repo-dir',
      clone,
    ]);
    expect(since.stdout.trimEnd().split('\r\n')).toHaveLength(1 + 2);

    const latest = await run(['history', 'export', '--format', 'bmf', '--repo-dir', clone]);
    expect(latest.code, latest.log).toBe(0);
    const bmf = JSON.parse(latest.stdout) as Record<string, Record<string, { value: number; lower_value?: number }>>;
    expect(bmf[METRIC]!['change-percent']!.value).toBeCloseTo(1, 6);
    expect(bmf[METRIC]!['change-percent']!.lower_value).toBeCloseTo(-1, 6);
    const step = await run([
      'history',
      'export',
      '--format',
      'bmf',
      '--sha',
      commits[STEP]!.slice(0, 10),
      '--repo-dir',
      clone,
    ]);
    expect((JSON.parse(step.stdout) as typeof bmf)[METRIC]!['change-percent']!.value).toBeCloseTo(10, 6);

    for (const [argv, message] of [
      [['--format', 'xml'], "--format: got \"xml\"; expected 'csv' or 'bmf'"],
      [['--format', 'bmf', '--sha', 'not-hex'], '--sha: got "not-hex"'],
      [['--format', 'bmf', '--sha', 'ffffffff'], 'the commit of a recorded run'],
      [['--format', 'bmf', '--since', '2026-11-01'], 'which exports one run'],
    ] as const) {
      const bad = await run(['history', 'export', ...argv, '--repo-dir', clone]);
      expect(bad.code, bad.log).toBe(2);
      expect(bad.log).toContain(message);
    }
  });

  it('rejects bad input with exit 2, naming the flag, the value and what is allowed', async () => {
    const cases: [string[], string[]][] = [
      [['history', 'changes', '--repo-dir', clone], ['--metric: got nothing']],
      [
        ['history', 'drift', '--metric', 'latency_p59', '--repo-dir', clone],
        ['--metric: got "latency_p59"', `a metric the recorded runs measured: ${METRIC}`],
      ],
      [
        ['history', 'list', '--limit', '0', '--repo-dir', clone],
        ['--limit: got "0"', 'a whole number ≥ 1'],
      ],
      [
        ['history', 'list', '--since', 'last week', '--repo-dir', clone],
        ['--since: got "last week"', 'a date (2026-11-01)'],
      ],
      [
        ['history', 'changes', '--metric', METRIC, '--significance', '5', '--repo-dir', clone],
        ['--significance: got "5"', 'between 0 and 1'],
      ],
      [
        ['history', 'drift', '--metric', METRIC, '--since', 'fedcba9', '--repo-dir', clone],
        ['--since: got "fedcba9"', 'no recorded run measured a commit starting fedcba9'],
      ],
      [['history', 'append', '--results', join(root, 'missing.json'), '--repo-dir', clone], ['--results: cannot read']],
      [
        ['history', 'append', '--results', join(root, 'run-main-0.json'), '--store', 'postgres', '--repo-dir', clone],
        ['--store: got "postgres"', "'git-branch'"],
      ],
      [
        ['history', 'list', '--data-branch', '-x', '--repo-dir', clone],
        ['--data-branch: got "-x"', 'a branch name'],
      ],
    ];
    for (const [argv, messages] of cases) {
      const result = await run(argv);
      expect(result.code, argv.join(' ')).toBe(2);
      for (const message of messages) expect(result.log).toContain(message);
    }
  });

  it('exits 3 when git fails: a folder that is no checkout', async () => {
    const empty = mkdtempSync(join(root, 'not-a-checkout-'));
    const result = await run(['history', 'list', '--repo-dir', empty]);
    expect(result.code).toBe(3);
    expect(result.log).toContain('git ls-remote');
  });

  it('shows help for a subcommand', async () => {
    const result = await run(['history', 'changes', '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Usage: perf-gate history changes [flags]');
    expect(result.stdout).toContain('--min-segment');
    expect((await run(['help', 'history', 'drift'])).stdout).toContain('perf-gate history drift:');
  });
});
