/**
 * A migration runner in its own process, so a test can SIGKILL it mid-migration.
 * Reads PERF_GATE_TEST_DATABASE_URL and PERF_GATE_TEST_MIGRATIONS_DIR; prints "done" when finished.
 */
import { MemoryLogger } from '../../src/log.js';
import { runMigrations } from '../../src/database/migrate.js';

const log = new MemoryLogger();
await runMigrations({
  databaseUrl: process.env.PERF_GATE_TEST_DATABASE_URL!,
  dir: process.env.PERF_GATE_TEST_MIGRATIONS_DIR!,
  log,
});
process.stdout.write('done\n');
