import { describe, expect, it } from 'vitest';
import { boundedSlices } from '../../src/pipeline/stages/rehearse.js';
import { renderHtml } from '../../src/report/html.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import type { MigrationLintResult, MigrationRehearsalResult, Results } from '../../src/report/results.js';
import { parseResultsJson, validateResults } from '../../src/report/results-schema.js';
import { renderTerminal } from '../../src/report/terminal.js';
import { passResults } from '../helpers/results-fixtures.js';

const window = (p99: number, requests = 100, failed = 0) => ({
  requests,
  failed,
  errorRate: failed / requests,
  latencyMs: { p50: 3, p99, max: p99 * 1.1 },
});

function rehearsal(overrides: Partial<MigrationRehearsalResult> = {}): MigrationRehearsalResult {
  return {
    migrations: [{ name: '022_index.sql', durationMs: 3237 }],
    durationMs: 3237,
    blockedMaxMs: 2951,
    blockedSessions: 2,
    migrationWaitedMaxMs: 0,
    waits: [
      {
        side: 'blocked-by-migration',
        relation: 'events',
        mode: 'RowExclusiveLock',
        command: 'INSERT',
        startMs: 1600,
        durationMs: 2951,
        ongoing: false,
      },
      {
        side: 'blocked-by-migration',
        relation: 'events',
        mode: 'RowExclusiveLock',
        command: 'INSERT',
        startMs: 1650,
        durationMs: 2699,
        ongoing: false,
      },
    ],
    tables: [{ relation: 'events', rows: 1_500_000, bytes: 155_800_000 }],
    before: window(55.5),
    during: window(3043, 60),
    after: window(20.5, 120),
    rate: 100,
    sampling: { intervalMs: 25, samples: 130 },
    ...overrides,
  };
}

const lint: MigrationLintResult = {
  squawkVersion: '2.61.0',
  findings: [
    {
      file: 'migrations/022_index.sql',
      line: 8,
      column: 1,
      level: 'warning',
      rule: 'require-concurrent-index-creation',
      message: 'During normal index creation, table updates are blocked, but reads are still allowed.',
    },
  ],
};

function withMigration(extra: Pick<Results, 'rehearsal' | 'migrationLint'>): Results {
  return { ...passResults(), ...extra };
}

describe('the migration section of the report', () => {
  it('says how long requests waited on the migration, with the waits, the windows and the tables, and the squawk findings', () => {
    const md = renderMarkdown(withMigration({ rehearsal: rehearsal(), migrationLint: lint }));
    expect(md).toContain(
      "<summary>⚠️ Migration rehearsal: requests waited up to 2.95 s on the migration's locks</summary>",
    );
    expect(md).toContain('| p99 | 55.5 ms | 3.04 s | 20.5 ms |');
    expect(md).toContain('| 2.95 s | `INSERT` | `RowExclusiveLock` | `events` |');
    expect(md).toContain('`events` (1.5 M rows, 148.6 MiB)');
    expect(md).toContain('<summary>⚠️ Migration lint: squawk found 1 issue(s)</summary>');
    expect(md).toContain('| `migrations/022_index.sql:8` | `require-concurrent-index-creation` |');
  });

  it('a migration nothing waited on, and one that failed under traffic, read as such', () => {
    expect(
      renderMarkdown(withMigration({ rehearsal: rehearsal({ blockedMaxMs: 0, blockedSessions: 0, waits: [] }) })),
    ).toContain('<summary>Migration rehearsal: no request waited on the migration (3.24 s)</summary>');
    const failed = renderMarkdown(
      withMigration({
        rehearsal: rehearsal({
          error: 'migration 022_index.sql failed: canceling statement due to lock timeout (SQLSTATE 55P03)\nmore',
        }),
      }),
    );
    expect(failed).toContain('⚠️ Migration rehearsal: the migration failed under traffic');
    expect(failed).toContain(
      'The migration failed: `migration 022_index.sql failed: canceling statement due to lock timeout (SQLSTATE 55P03)`',
    );
  });

  it('strings from a results.json stay inert: no markup, no table break, no mention', () => {
    const hostile = '`| <img src=x> @admin [x](https://evil)';
    const md = renderMarkdown(
      withMigration({
        rehearsal: rehearsal({
          waits: [
            {
              side: 'blocked-by-migration',
              relation: hostile,
              mode: hostile,
              command: hostile,
              startMs: 0,
              durationMs: 10,
              ongoing: true,
            },
          ],
          tables: [{ relation: hostile, rows: 1, bytes: 1 }],
        }),
        migrationLint: {
          squawkVersion: hostile,
          findings: [{ ...lint.findings[0]!, file: hostile, rule: hostile, message: hostile }],
        },
      }),
    );
    // Every occurrence sits inside a code span (CommonMark: a run of n backticks closes at the next run of exactly n).
    const outside = md
      .split('\n')
      .map((line) => line.replace(/(`+)([\s\S]*?[^`])\1(?!`)/g, ''))
      .join('\n');
    expect(outside).not.toContain('<img');
    expect(outside).not.toContain('@admin');
    // Table rows keep their column count: the pipe in the value is escaped.
    const waitRow = md.split('\n').find((l) => l.startsWith('| 10.0 ms+'))!;
    expect(waitRow.replace(/\\\|/g, '').split('|').length).toBe(6);
  });

  it('results.json with both sections passes the schema `perf-gate comment` applies; a wrong lock side does not', () => {
    const results = withMigration({ rehearsal: rehearsal(), migrationLint: lint });
    const checked = validateResults(parseResultsJson(JSON.stringify(results)), 'test');
    expect(checked.rehearsal).toEqual(results.rehearsal);
    expect(checked.migrationLint).toEqual(lint);
    const bad = JSON.parse(JSON.stringify(results)) as { rehearsal: { waits: { side: string }[] } };
    bad.rehearsal.waits[0]!.side = 'sideways';
    expect(() => validateResults(bad, 'test')).toThrow(/rehearsal/);
  });
});

describe('the migration checks in the terminal and the HTML report', () => {
  it('the terminal gives one line each: how long requests waited, and the squawk findings by file and line', () => {
    const text = renderTerminal(withMigration({ rehearsal: rehearsal(), migrationLint: lint }));
    expect(text).toContain(
      'migration rehearsal: 022_index.sql applied in 3.24 s under 100 req/s; 2 session(s) waited on its locks, the longest 2.95 s; p99 55.5 ms before, 3.04 s during',
    );
    expect(text).toContain(
      'migration lint: squawk 2.61.0, 1 finding(s): migrations/022_index.sql:8 require-concurrent-index-creation',
    );
    expect(
      renderTerminal(
        withMigration({ migrationLint: { squawkVersion: null, findings: [], note: 'squawk is not installed' } }),
      ),
    ).toContain('migration lint: squawk is not installed');
  });

  it('the HTML report has both sections, with every string escaped', () => {
    const html = renderHtml(
      withMigration({
        rehearsal: rehearsal({ tables: [{ relation: '<script>x</script>', rows: 1, bytes: 1 }] }),
        migrationLint: lint,
      }),
    );
    expect(html).toContain('<h2 id="rehearsal-h">Migration rehearsal</h2>');
    expect(html).toContain('<h2 id="migration-lint-h">Migration lint (squawk)</h2>');
    expect(html).not.toContain('<script>x</script>');
    expect(html).toContain('&lt;script&gt;');
  });
});

describe('the rehearsal timeline in the HTML report', () => {
  const slice = (phase: 'before' | 'during' | 'after', startMs: number, p99Ms: number) => ({
    phase,
    startMs,
    durationMs: 500,
    requests: 50,
    failed: 0,
    p50Ms: 3,
    p99Ms,
    maxMs: p99Ms * 1.1,
  });
  const timeline = {
    migrationStartMs: 3000,
    samplerStartMs: 3010,
    slices: [
      slice('before', 0, 50),
      slice('before', 500, 55),
      slice('during', 3000, 900),
      slice('during', 3500, 3043),
      slice('after', 6500, 20),
    ],
  };
  const html = (r: MigrationRehearsalResult) => renderHtml({ ...passResults(), rehearsal: r });

  it('draws p50 and p99 per slice on a time axis, the migration shaded from its start, and one bar per wait it caused', () => {
    const page = html(rehearsal({ timeline }));
    const svg = /<svg[^>]*aria-labelledby="rehearsal-timeline-title[\s\S]*?<\/svg>/.exec(page)?.[0] ?? '';
    expect(svg).not.toBe('');
    expect(svg.match(/<polyline class="line s\d"/g)).toHaveLength(2);
    expect(svg).toContain('<title>migration (022_index.sql): 3 s to 6.24 s</title>');
    // Waits count from the sampler's start (3.01 s), not from the traffic's.
    const bars = svg.match(/<rect class="bar s1" [^>]*><title>[^<]*<\/title>/g) ?? [];
    expect(bars).toHaveLength(2);
    expect(bars[0]).toContain('INSERT waited 2.95 s for RowExclusiveLock on events');
    expect(page).toContain('<figcaption>Latency while the migration ran: 2 request session wait(s) on its locks');
  });

  it('the comment draws p99 per slice with the migration as bars, numbers only, grouped past 60 points', () => {
    const markdown = renderMarkdown({ ...passResults(), rehearsal: rehearsal({ timeline }) });
    const chart = /```mermaid\nxychart-beta\n {2}title "p99 latency per slice[\s\S]*?```/.exec(markdown)?.[0] ?? '';
    expect(chart).toContain('x-axis "seconds since the traffic started" ["0", "0.5", "3", "3.5", "6.5"]');
    expect(chart).toContain('bar [0, 0, 3043, 3043, 0]');
    expect(chart).toContain('line [50, 55, 900, 3043, 20]');
    const long = {
      ...timeline,
      slices: Array.from({ length: 150 }, (_, i) =>
        slice(i >= 60 && i < 90 ? 'during' : 'before', i * 500, i === 75 ? 4000 : 40),
      ),
    };
    const grouped = renderMarkdown({ ...passResults(), rehearsal: rehearsal({ timeline: long }) });
    const groupedChart = /title "p99 latency per slice[\s\S]*?```/.exec(grouped)![0];
    const line = /\n {2}line \[([^\]]*)\]/.exec(groupedChart)![1]!.split(', ');
    expect(line).toHaveLength(50);
    // Grouping keeps each group's worst slice, so the spike is not averaged away.
    expect(line).toContain('4000');
  });

  it('a results.json from before the timeline existed still renders, without the chart', () => {
    const page = html(rehearsal());
    expect(page).toContain('Migration rehearsal');
    expect(page).not.toContain('rehearsal-timeline');
  });

  it('hostile names from a results.json stay text in the chart', () => {
    const hostile = rehearsal({
      timeline,
      migrations: [{ name: '<img src=x onerror=alert(1)>.sql', durationMs: 10 }],
      waits: [
        {
          side: 'blocked-by-migration',
          relation: '</title><script>alert(1)</script>',
          mode: 'RowExclusiveLock"',
          command: 'INSERT',
          startMs: 0,
          durationMs: 5,
          ongoing: true,
        },
      ],
    });
    const page = html(hostile);
    expect(page).not.toContain('<script>alert(1)</script>');
    expect(page).not.toContain('<img src=x');
    expect(page).toContain('&lt;/title&gt;&lt;script&gt;alert(1)&lt;/script&gt;');
  });

  it('the schema takes the timeline and refuses a slice in an unknown phase (exit 2 naming the path)', () => {
    const ok = { ...passResults(), rehearsal: rehearsal({ timeline }) };
    expect(
      validateResults(parseResultsJson(JSON.stringify(ok)), 'results.json').rehearsal?.timeline?.slices,
    ).toHaveLength(5);
    const bad = JSON.parse(JSON.stringify(ok));
    bad.rehearsal.timeline.slices[2].phase = 'sometime';
    expect(() => validateResults(parseResultsJson(JSON.stringify(bad)), 'results.json')).toThrow(
      /rehearsal\.timeline\.slices\[2\]\.phase/,
    );
  });
});

describe('the timeline kept in results.json', () => {
  const slice = (i: number, phase: 'before' | 'during' | 'after', p99: number) => ({
    phase,
    startMs: i * 500,
    durationMs: 500,
    requests: 10,
    failed: i === 2500 ? 1 : 0,
    latencyMs: { p50: 3, p99, max: p99 + 1 },
  });

  it('a long rehearsal is merged, not cut: the whole span stays, counts add up and the worst slice of each group is kept', () => {
    const slices = Array.from({ length: 5000 }, (_, i) =>
      slice(i, i < 1000 ? 'before' : i < 4000 ? 'during' : 'after', i === 4999 ? 900 : 20),
    );
    const kept = boundedSlices(slices, 2000);
    expect(kept).toHaveLength(1667);
    expect(kept[0]!.startMs).toBe(0);
    const last = kept.at(-1)!;
    expect(last.startMs + last.durationMs).toBe(5000 * 500);
    expect(last.phase).toBe('after');
    expect(last.p99Ms).toBe(900);
    expect(kept.reduce((sum, s) => sum + s.requests, 0)).toBe(50_000);
    expect(kept.reduce((sum, s) => sum + s.failed, 0)).toBe(1);
    expect(kept.filter((s) => s.phase === 'during').length).toBeGreaterThanOrEqual(1000);
    expect(boundedSlices(slices.slice(0, 10), 2000)).toHaveLength(10);
  });
});
