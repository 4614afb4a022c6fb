/**
 * The PostgreSQL history store against a real PostgreSQL 15: the schema created by perf-gate's own
 * migration runner (concurrent first uses included), records that read back exactly, one row per run
 * and metric for SQL and dashboards, the same run appended once, rows edited by hand skipped, and the
 * store through the CLI (`run`'s --history and `history list --store`), its password never printed.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HISTORY_PANEL_SQL, historyDashboard } from '../../src/dashboard/history-dashboard.js';
import { HISTORY_SCHEMA, PostgresStore } from '../../src/history/postgres-store.js';
import { configHash, type HistoryRecord, recordFromResults } from '../../src/history/record.js';
import { MemoryLogger } from '../../src/log.js';
import type { Results } from '../../src/report/results.js';
import { runCli } from '../helpers/cli-run.js';
import { freshDatabase, sql } from '../helpers/databases.js';
import { probePostgres, startTestCluster, type TestCluster } from '../helpers/postgres.js';
import { requireService } from '../helpers/services.js';

const demo = JSON.parse(
  readFileSync(new URL('../fixtures/results/demo.results.json', import.meta.url), 'utf8'),
) as Results;

function record(sha: string, minute: number, branch = 'main'): HistoryRecord {
  const r = recordFromResults(demo, { repository: 'acme/search', branch, sha, configHash: configHash('t') });
  return { ...r, runId: `run-${sha}`, time: new Date(Date.UTC(2026, 11, 2, 9, minute)).toISOString() };
}

let cluster: TestCluster | undefined;
beforeAll(async () => {
  if (!requireService('PostgreSQL server binaries', probePostgres())) return;
  cluster = await startTestCluster();
}, 60_000);
afterAll(async () => {
  await cluster?.stop();
});

describe('PostgresStore', () => {
  it('creates its schema with its own migration runner, even when several jobs start at once, and records read back exactly', async (ctx) => {
    if (!cluster) return ctx.skip();
    const { url } = await freshDatabase(cluster, 'hist');
    const stores = Array.from(
      { length: 4 },
      () => new PostgresStore({ url, log: new MemoryLogger(), input: '--history' }),
    );
    const records = [record('1111111', 1), record('2222222', 2), record('3333333', 3, 'feature'), record('4444444', 4)];
    await Promise.all(stores.map((store, i) => store.append(records[i]!)));
    const applied = await sql<{ name: string }>(url, `SELECT name FROM ${HISTORY_SCHEMA}.schema_migrations`);
    expect(applied.map((r) => r.name)).toEqual(['001_runs_and_metrics.sql']);
    const store = stores[0]!;
    expect(await store.read()).toEqual(records);
    expect((await store.read({ branch: 'main' })).map((r) => r.sha)).toEqual(['1111111', '2222222', '4444444']);
    expect((await store.read({ since: '2026-12-02T09:02:00Z', limit: 2 })).map((r) => r.sha)).toEqual([
      '3333333',
      '4444444',
    ]);
    // One row per run and metric, for SQL and dashboards.
    const rows = await sql<{ sha: string; candidate: number }>(
      url,
      `SELECT r.sha, m.candidate FROM ${HISTORY_SCHEMA}.metrics m JOIN ${HISTORY_SCHEMA}.runs r ON r.id = m.run WHERE m.name = 'pipeline_time' ORDER BY r.finished_at`,
    );
    expect(rows.map((r) => r.sha)).toEqual(['1111111', '2222222', '3333333', '4444444']);
    expect(rows[0]!.candidate).toBeCloseTo(demo.metrics.find((m) => m.name === 'pipeline_time')!.candidate!, 9);
  });

  it('keeps one row for a run appended twice, and skips a row edited into something that is not a record', async (ctx) => {
    if (!cluster) return ctx.skip();
    const { url } = await freshDatabase(cluster, 'hist');
    const log = new MemoryLogger();
    const store = new PostgresStore({ url, log, input: '--history' });
    await store.append(record('1111111', 1));
    await store.append(record('1111111', 1));
    expect(await store.read()).toHaveLength(1);
    await sql(url, `UPDATE ${HISTORY_SCHEMA}.runs SET record = jsonb_set(record, '{sha}', '"not hex"')`);
    expect(await store.read()).toEqual([]);
    expect(log.lines.join('\n')).toMatch(/is not a history record .*skipped/);
  });

  it('through the CLI: history list reads the store, and a wrong password exits 3 without printing it', async (ctx) => {
    if (!cluster) return ctx.skip();
    const { url } = await freshDatabase(cluster, 'hist');
    await new PostgresStore({ url, log: new MemoryLogger(), input: '--history' }).append(record('abcdef1', 1));
    const listed = await runCli([
      'history',
      'list',
      '--store',
      url,
      '--metric',
      'pipeline_time',
      '--repository',
      'acme/search',
    ]);
    expect(listed.code, listed.log).toBe(0);
    expect(listed.stdout).toContain('abcdef1');
    // A store shared by several repositories: another repository's runs are not this one's.
    const other = await runCli(['history', 'list', '--store', url, '--repository', 'acme/billing']);
    expect(other.stdout).toContain('no recorded runs');
    const wrong = url.replace('postgres@', 'postgres:s3cret-pw-42@').replace(/\/[^/]+$/, '/no_such_db');
    const failed = await runCli(['history', 'list', '--store', wrong]);
    expect(failed.code).toBe(3);
    expect(`${failed.stdout}${failed.log}`).not.toContain('s3cret-pw-42');
  });
});

describe('the history dashboard over the PostgreSQL store', () => {
  /** Grafana's macros as Grafana expands them: the time filter, and sqlstring-quoted variables. */
  function expand(sql: string, variables: Record<string, string>): string {
    return sql
      .replace(/\$__timeFilter\(([^)]+)\)/g, "$1 BETWEEN '2026-01-01T00:00:00Z' AND '2027-01-01T00:00:00Z'")
      .replace(/\$\{(\w+):sqlstring\}/g, (_, name: string) => `'${variables[name]!.replace(/'/g, "''")}'`);
  }

  it('its panels run against the schema perf-gate creates, and answer what was recorded', async (ctx) => {
    if (!cluster) return ctx.skip();
    const { url } = await freshDatabase(cluster, 'hist');
    const store = new PostgresStore({ url, log: new MemoryLogger(), input: '--history' });
    for (const [i, sha] of ['1111111', '2222222', '3333333'].entries()) await store.append(record(sha, i));
    await store.append(record('4444444', 4, 'feature'));
    const variables = { repository: 'acme/search', branch: 'main', metric: 'pipeline_time' };
    const values = await sql<{ time: Date; value: number }>(url, expand(HISTORY_PANEL_SQL.value, variables));
    expect(values).toHaveLength(3);
    expect(values[0]!.value).toBeCloseTo(demo.metrics.find((m) => m.name === 'pipeline_time')!.candidate!, 9);
    const changes = await sql<{ change: number; lower: number; upper: number }>(
      url,
      expand(HISTORY_PANEL_SQL.change, variables),
    );
    expect(changes[0]!.lower).toBeLessThanOrEqual(changes[0]!.change);
    expect(changes[0]!.change).toBeLessThanOrEqual(changes[0]!.upper);
    const runs = await sql<{ commit: string }>(url, expand(HISTORY_PANEL_SQL.runs, variables));
    expect(runs.map((r) => r.commit)).toEqual(['3333333', '2222222', '1111111']);
    // A quote in a variable stays inside its string literal.
    expect(await sql(url, expand(HISTORY_PANEL_SQL.value, { ...variables, branch: "main' OR '1'='1" }))).toEqual([]);
    const dashboard = historyDashboard();
    const panelSql = (dashboard.panels as { targets: { rawSql: string }[] }[]).map((p) => p.targets[0]!.rawSql);
    expect(panelSql).toEqual([HISTORY_PANEL_SQL.value, HISTORY_PANEL_SQL.change, HISTORY_PANEL_SQL.runs]);
    expect(JSON.stringify(dashboard)).not.toMatch(/'\$\{?\w+\}?'/);
  });
});
