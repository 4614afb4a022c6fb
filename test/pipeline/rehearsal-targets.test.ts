/**
 * Targets on the migration rehearsal: read from the config beside the benchmark's targets, refused where no
 * rehearsal can run, judged on the one rehearsal's figures, and counted in the verdict, the headline and
 * results.json (checked against the published schema).
 */
import { describe, expect, it } from 'vitest';
import { evaluateTargets } from '../../src/gate/evaluate-targets.js';
import type { Target } from '../../src/gate/target.js';
import { CLIENT_METRICS, type MetricInfo } from '../../src/model/round-record.js';
import { buildResults } from '../../src/pipeline/build-results.js';
import { judgeRehearsalTargets } from '../../src/pipeline/rehearsal-targets.js';
import { renderHtml } from '../../src/report/html.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import type { MigrationRehearsalResult } from '../../src/report/results.js';
import { validateResults } from '../../src/report/results-schema.js';
import { renderTerminal } from '../../src/report/terminal.js';
import { inputErrorOf, parse, withSections } from '../helpers/config-text.js';
import { fixtureRounds } from '../helpers/results-fixtures.js';

const window = (requests: number, failed: number, p99: number) => ({
  requests,
  failed,
  errorRate: requests ? failed / requests : 0,
  latencyMs: { p50: p99 / 3, p99, max: p99 * 1.2 },
});

/** A plain CREATE INDEX on a table taking writes: 1.5 s of blocked inserts, p99 up from 20 to 900 ms. */
const REHEARSAL: MigrationRehearsalResult = {
  migrations: [{ name: '022_search_indexes.sql', durationMs: 1800 }],
  durationMs: 1800,
  blockedMaxMs: 1500,
  blockedSessions: 4,
  migrationWaitedMaxMs: 0,
  waits: [],
  tables: [{ relation: 'documents', rows: 200_000, bytes: 40_000_000 }],
  before: window(200, 0, 20),
  during: window(90, 2, 900),
  after: window(200, 0, 21),
  rate: 50,
  sampling: { intervalMs: 50, samples: 36 },
};

const SQL_DATABASE = {
  migrations: { dir: 'migrations' },
  baseline: { strategy: 'template-copy', before: '022' },
};

function targetsOf(...written: string[]) {
  return parse(withSections({ database: SQL_DATABASE, targets: ['error_rate <= 1%', ...written] }));
}

function judged(...written: string[]) {
  return judgeRehearsalTargets(targetsOf(...written).rehearsalTargets ?? [], REHEARSAL, '');
}

describe('rehearsal targets in the config', () => {
  it('are kept apart from the benchmark targets, in the order written', () => {
    const config = targetsOf(
      'migration_blocked_max < 1s',
      'migration_p99 worsens <= 100%',
      'migration_error_rate <= 0%',
    );
    expect(config.targets.map((t) => t.expression)).toEqual(['error_rate <= 1%']);
    expect(config.rehearsalTargets).toEqual([
      {
        kind: 'absolute',
        expression: 'migration_blocked_max < 1s',
        metric: 'migration_blocked_max',
        comparator: '<',
        threshold: 1000,
      },
      { kind: 'regression', expression: 'migration_p99 worsens <= 100%', metric: 'migration_p99', maxRegression: 1 },
      {
        kind: 'absolute',
        expression: 'migration_error_rate <= 0%',
        metric: 'migration_error_rate',
        comparator: '<=',
        threshold: 0,
      },
    ]);
    // The budget shares the error among the benchmark's targets only.
    expect(
      parse(withSections({ database: SQL_DATABASE, targets: ['error_rate <= 1%'] })).rehearsalTargets,
    ).toBeUndefined();
  });

  it('are refused where no rehearsal can run, naming the target and why', () => {
    const refused = (database: Record<string, unknown>, target = 'migration_blocked_max < 1s') =>
      inputErrorOf(() => parse(withSections({ database, targets: ['error_rate <= 1%', target] })));
    expect(refused({})).toBe(
      `config key 'targets': "migration_blocked_max < 1s" needs the migration rehearsal, which runs with migrations, a template-copy baseline, rehearse on and a baseline backend; here there are no migrations ('database.migrations')`,
    );
    // A migration command is rehearsed alone, on a copy taken right before it.
    expect(
      refused({
        migrations: { dir: 'migrations', command: ['python3', 'migrate_022.py'], version: '022' },
        baseline: { strategy: 'template-copy', before: '021' },
      }),
    ).toMatch(/'database\.migrations\.version' \(022\) is not 'database\.baseline\.before' \(021\)$/);
    expect(
      parse(
        withSections({
          database: {
            migrations: { dir: 'migrations', command: ['python3', 'migrate_022.py'], version: '022' },
            baseline: { strategy: 'template-copy' },
          },
          targets: ['error_rate <= 1%', 'migration_blocked_max < 1s'],
        }),
      ).rehearsalTargets,
    ).toHaveLength(1);
    expect(refused({ migrations: { dir: 'migrations' } })).toMatch(
      /here database\.baseline\.strategy is 'shared', not 'template-copy'$/,
    );
    expect(
      inputErrorOf(() =>
        parse(
          withSections({
            database: SQL_DATABASE,
            backend: { kind: 'url', url: 'http://127.0.0.1:18080', baseline: { kind: 'results', results: 'r.json' } },
            targets: ['error_rate <= 1%', 'migration_blocked_max < 1s'],
          }),
        ),
      ),
    ).toMatch(/here the baseline is a stored results file, with no backend to serve traffic during the migration$/);
    expect(refused({ ...SQL_DATABASE, migrations: { dir: 'migrations', rehearse: false } })).toMatch(
      /here 'database\.migrations\.rehearse' is false$/,
    );
    expect(refused(SQL_DATABASE, 'migration_blocked_max worsens <= 10%')).toBe(
      `config key 'targets': "migration_blocked_max worsens <= 10%" compares migration_blocked_max with a baseline, but it is one measurement of the migration rehearsal; write a threshold, e.g. "migration_blocked_max < 1s"`,
    );
    expect(refused(SQL_DATABASE, 'migration_p99 improves >= 10%')).toContain('or "migration_p99 worsens <= N%"');
    expect(
      inputErrorOf(() => parse(withSections({ database: SQL_DATABASE, targets: ['migration_duration < 30s'] }))),
    ).toBe(
      `config key 'targets': only migration rehearsal targets ("migration_duration < 30s"); add at least one target on the benchmark, e.g. "error_rate <= 1%"`,
    );
  });
});

describe('judging them on the rehearsal', () => {
  it('each figure against its threshold, with the figure in the note', () => {
    const [blocked, longer, errors, p99, duration] = judged(
      'migration_blocked_max < 1s',
      'migration_blocked_max < 2s',
      'migration_error_rate <= 1%',
      'migration_p99 worsens <= 100%',
      'migration_duration < 5s',
    );
    expect(blocked).toMatchObject({ status: 'fail', estimate: 1500, ci: null, threshold: 1000, unit: 'ms' });
    expect(blocked!.note).toBe(
      'migration_blocked_max < 1s: 1500 ms in one rehearsal, against the threshold 1000 ms (one measurement, no interval): fail.',
    );
    expect(longer!.status).toBe('pass');
    expect(errors).toMatchObject({ status: 'fail', unit: 'ratio' });
    expect(errors!.estimate).toBeCloseTo(2 / 90, 10);
    // 900 ms against 20 ms just before: +4400 %.
    expect(p99).toMatchObject({ status: 'fail', estimate: 44, threshold: 1 });
    expect(p99!.reason).toEqual({
      kind: 'rehearsal',
      status: 'fail',
      relative: true,
      unit: 'ms',
      threshold: 1,
      measured: 900,
      reference: 20,
    });
    expect(p99!.note).toContain('900 ms while the migration ran against 20 ms just before, change +4400.0 %');
    expect(duration!.status).toBe('pass');
  });

  it('no rehearsal: no data, saying why; a migration that failed under traffic fails every rehearsal target', () => {
    const [none] = judgeRehearsalTargets(
      targetsOf('migration_blocked_max < 1s').rehearsalTargets!,
      undefined,
      'no pending migrations',
    );
    expect(none).toMatchObject({ status: 'no-data', estimate: null });
    expect(none!.note).toBe(
      'migration_blocked_max < 1s: no data; the migration rehearsal did not run (no pending migrations).',
    );
    const failed = { ...REHEARSAL, blockedMaxMs: 0, error: 'canceling statement due to lock timeout\nCONTEXT: ...' };
    const [timedOut] = judgeRehearsalTargets(targetsOf('migration_blocked_max < 1s').rehearsalTargets!, failed, '');
    expect(timedOut).toMatchObject({ status: 'fail' });
    expect(timedOut!.note).toBe(
      'migration_blocked_max < 1s: fail; the migrations under test failed while the baseline served traffic: canceling statement due to lock timeout.',
    );
    const quiet = { ...REHEARSAL, during: window(0, 0, 0) };
    const [p99] = judgeRehearsalTargets(targetsOf('migration_p99 worsens <= 50%').rehearsalTargets!, quiet, '');
    expect(p99!.status).toBe('no-data');
    // A command whose sessions could not be recognised: no lock wait was watched, so none is claimed;
    // the figures that do not need its sessions (duration, latency) are still judged.
    const blind = { ...REHEARSAL, blockedMaxMs: 0, unattributed: "no database session named 'x' was seen" };
    const [blocked, duration] = judgeRehearsalTargets(
      targetsOf('migration_blocked_max < 1s', 'migration_duration < 60s').rehearsalTargets!,
      blind,
      '',
    );
    expect(blocked).toMatchObject({ status: 'no-data' });
    expect(blocked!.note).toContain("no database session named 'x' was seen");
    expect(duration!.status).not.toBe('no-data');
  });

  it('count in the verdict and the headline: a missed one fails a run whose benchmark targets passed', () => {
    const catalog: MetricInfo[] = [...CLIENT_METRICS];
    const targets: Target[] = [
      { kind: 'absolute', expression: 'error_rate <= 1%', metric: 'error_rate', comparator: '<=', threshold: 0.01 },
    ];
    const rounds = fixtureRounds(8);
    const build = (judgedApart: ReturnType<typeof judged>) =>
      buildResults({
        version: '0.1.0',
        runId: 'r1',
        startedAt: '2026-01-01T00:00:00Z',
        finishedAt: '2026-01-01T00:02:00Z',
        config: 'perf-gate.yml',
        rounds,
        catalog,
        evaluation: evaluateTargets(targets, rounds, catalog, { minPairs: 5 }),
        confidence: 0.95,
        plannedPairs: 8,
        stoppingReason: 'all targets decided',
        migration: null,
        environment: {},
        judgedApart,
      });
    const missed = build(judged('migration_blocked_max < 1s'));
    expect(missed.verdict).toBe('fail');
    expect(missed.headline).toBe('❌ perf-gate: 1 of 2 targets missed');
    expect(missed.targets.map((t) => t.expression)).toEqual(['error_rate <= 1%', 'migration_blocked_max < 1s']);
    expect(() => validateResults(JSON.parse(JSON.stringify(missed)), 'results.json')).not.toThrow();
    // Every report shows the row with the measured value and no interval.
    expect(renderMarkdown(missed)).toContain('| `migration_blocked_max < 1s` | — | — | 1.50 s | — | ❌ missed |');
    expect(renderTerminal(missed)).toMatch(/migration_blocked_max < 1s +— +— +1\.50 s +MISSED/);
    expect(renderHtml(missed)).toContain(
      'migration_blocked_max &lt; 1s: 1500 ms in one rehearsal, against the threshold 1000 ms (one measurement, no interval): fail.',
    );
    expect(build(judged('migration_blocked_max < 2s')).verdict).toBe('pass');
    const notRun = build(
      judgeRehearsalTargets(targetsOf('migration_blocked_max < 1s').rehearsalTargets!, undefined, 'x'),
    );
    expect(notRun.verdict).toBe('inconclusive');
    expect(() => validateResults(JSON.parse(JSON.stringify(notRun)), 'results.json')).not.toThrow();
  });
});
