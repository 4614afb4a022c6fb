/**
 * The history in PostgreSQL, for a team with many services or a fleet of repositories: one row per run
 * (`runs`, the whole record kept as jsonb so it reads back exactly) and one row per run and metric
 * (`metrics`, the columns a dashboard or a SQL query wants). perf-gate creates and upgrades the schema
 * itself with its own migration runner (src/database/migrate.ts), under an advisory lock, with its own
 * tracking table, so several jobs can start against a new database at once.
 *
 * A run is identified by its repository and run id: appending the same run twice keeps one row.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeQuietly, connectClient, maskerFor } from '../database/connection.js';
import { databaseSecrets, maskDatabaseUrl, parseDatabaseUrl } from '../database/database-url.js';
import { runMigrations } from '../database/migrate.js';
import { InfrastructureError, InputError } from '../errors.js';
import type { Logger } from '../log.js';
import { checkedQuery, type HistoryStore, type ReadQuery, selectRecords } from './month-files.js';
import { type HistoryRecord, historyRecordProblem } from './record.js';

export const HISTORY_SCHEMA = 'perf_gate_history';

/**
 * The schema's migrations, in order. Embedded (the bundled CLI carries no SQL files); written to a
 * temporary folder and applied by the same runner as a service's own migrations. Never edit one that
 * has shipped: add the next.
 */
export const HISTORY_MIGRATIONS: readonly { file: string; sql: string }[] = [
  {
    file: '001_runs_and_metrics.sql',
    sql: `CREATE TABLE ${HISTORY_SCHEMA}.runs (
  id bigserial PRIMARY KEY,
  repository text NOT NULL,
  run_id text NOT NULL,
  branch text NOT NULL,
  sha text NOT NULL,
  finished_at timestamptz NOT NULL,
  run_url text,
  runner jsonb NOT NULL,
  config_hash text NOT NULL,
  verdict text NOT NULL,
  mode text NOT NULL,
  record jsonb NOT NULL,
  UNIQUE (repository, run_id)
);
CREATE INDEX runs_repository_branch_time ON ${HISTORY_SCHEMA}.runs (repository, branch, finished_at);
CREATE TABLE ${HISTORY_SCHEMA}.metrics (
  run bigint NOT NULL REFERENCES ${HISTORY_SCHEMA}.runs (id) ON DELETE CASCADE,
  name text NOT NULL,
  unit text NOT NULL,
  direction text NOT NULL,
  estimate double precision,
  lower_bound double precision,
  upper_bound double precision,
  level double precision,
  baseline double precision,
  candidate double precision,
  pairs integer NOT NULL,
  PRIMARY KEY (run, name)
);
`,
  },
];

const RUNS_TABLE = `${HISTORY_SCHEMA}.runs`;

export class PostgresStore implements HistoryStore {
  private readonly url: string;
  private readonly log: Logger;
  private readonly input: string;
  private migrated = false;

  constructor(options: { url: string; log: Logger; input: string }) {
    parseDatabaseUrl(options.url, options.input);
    for (const secret of databaseSecrets(options.url)) options.log.addSecret(secret);
    this.url = options.url;
    this.log = options.log;
    this.input = options.input;
  }

  get description(): string {
    return `PostgreSQL ${maskDatabaseUrl(this.url)}`;
  }

  /** Creates or upgrades the schema: perf-gate's own migrations, applied by its own runner. */
  async migrate(): Promise<void> {
    if (this.migrated) return;
    const dir = mkdtempSync(join(tmpdir(), 'perf-gate-history-schema-'));
    try {
      for (const { file, sql } of HISTORY_MIGRATIONS) writeFileSync(join(dir, file), sql);
      // The runner creates the schema with its tracking table before the first file.
      await runMigrations({
        databaseUrl: this.url,
        dir,
        log: this.log,
        table: `${HISTORY_SCHEMA}.schema_migrations`,
        urlInputName: this.input,
      });
      this.migrated = true;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  async append(record: HistoryRecord): Promise<{ file: string }> {
    const problem = historyRecordProblem(record);
    if (problem) throw new InputError(`history record: ${problem.message}`);
    await this.migrate();
    const client = await this.connect('the history');
    try {
      await client.query('BEGIN');
      const inserted = await client.query<{ id: string }>(
        `INSERT INTO ${HISTORY_SCHEMA}.runs (repository, run_id, branch, sha, finished_at, run_url, runner, config_hash, verdict, mode, record)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
         ON CONFLICT (repository, run_id) DO NOTHING RETURNING id`,
        [
          record.repository,
          record.runId,
          record.branch,
          record.sha,
          record.time,
          record.runUrl,
          JSON.stringify(record.runner),
          record.configHash,
          record.verdict,
          record.mode,
          JSON.stringify(record),
        ],
      );
      const id = inserted.rows[0]?.id;
      if (id === undefined) this.log.info(`history: run ${record.runId} is already in ${this.description}`);
      else
        for (const m of record.metrics)
          await client.query(
            `INSERT INTO ${HISTORY_SCHEMA}.metrics (run, name, unit, direction, estimate, lower_bound, upper_bound, level, baseline, candidate, pairs)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
            [
              id,
              m.name,
              m.unit,
              m.direction,
              m.estimate,
              m.interval?.lower ?? null,
              m.interval?.upper ?? null,
              m.interval?.level ?? null,
              m.values.baseline,
              m.values.candidate,
              m.pairs,
            ],
          );
      await client.query('COMMIT');
      if (id !== undefined) this.log.info(`history: run ${record.runId} appended to ${this.description}`);
      return { file: `${HISTORY_SCHEMA}.runs` };
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw this.failure('append to', error);
    } finally {
      await closeQuietly(client);
    }
  }

  /** Reading never creates the schema (a read-only role may read): a store without it holds no runs. */
  async read(query: ReadQuery = {}): Promise<HistoryRecord[]> {
    const { since } = checkedQuery(query);
    const client = await this.connect('the history');
    try {
      const exists = await client.query<{ table: string | null }>(`SELECT to_regclass('${RUNS_TABLE}')::text AS table`);
      if (!exists.rows[0]?.table) return [];
      const rows = await client.query<{ record: unknown }>(
        `SELECT record FROM ${HISTORY_SCHEMA}.runs
          WHERE ($1::text IS NULL OR branch = $1) AND ($2::timestamptz IS NULL OR finished_at >= $2)
          ORDER BY finished_at, id`,
        [query.branch ?? null, since?.toISOString() ?? null],
      );
      const records: HistoryRecord[] = [];
      for (const { record } of rows.rows) {
        // The table is anyone's to edit with SQL: a row that is not a sound record is skipped, never trusted.
        const problem = historyRecordProblem(record);
        if (problem)
          this.log.warning(
            `history: a row of ${HISTORY_SCHEMA}.runs is not a history record (${problem.message}); skipped`,
          );
        else records.push(record as HistoryRecord);
      }
      return selectRecords(records, query);
    } catch (error) {
      throw this.failure('read', error);
    } finally {
      await closeQuietly(client);
    }
  }

  private connect(purpose: string) {
    return connectClient(this.url, { purpose, applicationName: 'perf-gate history' });
  }

  private failure(what: string, error: unknown): Error {
    if (error instanceof InputError || error instanceof InfrastructureError) return error;
    return new InfrastructureError(
      `history: could not ${what} ${this.description}: ${maskerFor(this.url).mask((error as Error).message ?? String(error))}`,
    );
  }
}
