import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { connectClient } from '../../src/database/connection.js';
import { parseDatabaseUrl } from '../../src/database/database-url.js';
import { runMigrations } from '../../src/database/migrate.js';
import { startThrowawayPostgres, stopThrowawayFromHandle } from '../../src/database/throwaway.js';
import { InfrastructureError } from '../../src/errors.js';
import { MemoryLogger } from '../../src/log.js';
import { sql } from '../helpers/databases.js';
import { probePostgres } from '../helpers/postgres.js';
import { requireService } from '../helpers/services.js';

const referenceDir = join(fileURLToPath(new URL('.', import.meta.url)), '../fixtures/migrations/reference');
const clusterAvailable = requireService('PostgreSQL', probePostgres());

describe.skipIf(!clusterAvailable)('throwaway cluster', () => {
  it('starts a password-protected loopback cluster, refuses a wrong password without printing secrets, and stop() removes it', async () => {
    const log = new MemoryLogger();
    const server = await startThrowawayPostgres({ log });
    try {
      expect(server.kind).toBe('cluster');
      const parsed = parseDatabaseUrl(server.url, 'url');
      expect(parsed.host).toBe('127.0.0.1');
      expect(parsed.password.length).toBeGreaterThanOrEqual(24);
      const settings = await sql(
        server.url,
        "SELECT current_setting('fsync') AS fsync, current_setting('max_connections')::int AS max, current_setting('listen_addresses') AS listen",
      );
      expect(settings[0]).toEqual({ fsync: 'off', max: 200, listen: '127.0.0.1' });
      expect(log.lines.join('\n')).not.toContain(parsed.password);

      const wrong = server.url.replace(encodeURIComponent(parsed.password), 'not-the-password-42');
      let error: Error | undefined;
      try {
        await connectClient(wrong, { purpose: 'migrations' });
      } catch (e) {
        error = e as Error;
      }
      process.stdout.write(`\n----- wrong password -----\n${error?.message}\n`);
      expect(error).toBeInstanceOf(InfrastructureError);
      expect(error!.message).toContain(
        'password authentication failed for user "postgres" (SQLSTATE 28P01); check the password',
      );
      expect(error!.message).not.toContain('not-the-password-42');
      expect(error!.message).not.toContain(parsed.password);
      // The same through runMigrations: the error, and every log line, are free of the secret.
      const runLog = new MemoryLogger();
      await expect(runMigrations({ databaseUrl: wrong, dir: referenceDir, log: runLog })).rejects.toThrow(/28P01/);
      expect(runLog.lines.join('\n')).not.toContain('not-the-password-42');
    } finally {
      await server.stop();
    }
    expect(existsSync(server.handle.dataDir!)).toBe(false);
  });

  it('can be stopped from its handle alone, as a cleanup step in another process would', async () => {
    const server = await startThrowawayPostgres({ log: new MemoryLogger() });
    const handle = JSON.parse(JSON.stringify(server.handle));
    await stopThrowawayFromHandle(handle, new MemoryLogger());
    expect(existsSync(handle.dataDir)).toBe(false);
    const client = new pg.Client({ connectionString: server.url, connectionTimeoutMillis: 2000 });
    client.on('error', () => undefined);
    await expect(client.connect()).rejects.toThrow();
    await expect(stopThrowawayFromHandle({ dataDir: '/etc' }, new MemoryLogger())).rejects.toThrow(
      /not a perf-gate throwaway cluster folder/,
    );
  });
});

describe('throwaway PGlite', () => {
  it('serves pg clients on loopback and runs the reference migrations', async () => {
    const server = await startThrowawayPostgres({ log: new MemoryLogger(), prefer: 'pglite' });
    try {
      expect(server.kind).toBe('pglite');
      const summary = await runMigrations({ databaseUrl: server.url, dir: referenceDir, log: new MemoryLogger() });
      expect(summary.applied.map((a) => a.name)).toEqual([
        '020_documents.sql',
        '021_chunks.sql',
        '022_phase1_pipeline.sql',
      ]);
      const again = await runMigrations({ databaseUrl: server.url, dir: referenceDir, log: new MemoryLogger() });
      expect(again.applied).toEqual([]);
      // Two pg clients at once (maxConnections > 1), multiplexed onto PGlite's single session.
      const [a, b] = await Promise.all([
        sql(server.url, 'SELECT count(*)::int AS n FROM pipeline_runs'),
        sql(server.url, 'SELECT 2 AS two'),
      ]);
      expect(a).toEqual([{ n: 1 }]);
      expect(b).toEqual([{ two: 2 }]);
    } finally {
      await server.stop();
    }
  }, 120_000);
});
