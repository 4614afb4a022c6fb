/** Finds the PostgreSQL server binaries (initdb, pg_ctl, postgres) on this machine. */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';

export interface PostgresBinaries {
  dir: string;
  initdb: string;
  pgCtl: string;
  /** How it was found, for the log: "PG_BIN", "pg_config --bindir", "/usr/lib/postgresql", "PATH". */
  source: string;
}

const REQUIRED = ['initdb', 'pg_ctl', 'postgres'];

function complete(dir: string): boolean {
  return REQUIRED.every((name) => existsSync(join(dir, name)));
}

/**
 * Candidates in order: $PG_BIN, `pg_config --bindir`, /usr/lib/postgresql/<n>/bin newest first
 * (Debian/Ubuntu install server binaries there, off PATH), then PATH.
 */
export function findPostgresBinaries(env: NodeJS.ProcessEnv = process.env): PostgresBinaries | undefined {
  const candidates: { dir: string; source: string }[] = [];
  if (env.PG_BIN) candidates.push({ dir: env.PG_BIN, source: 'PG_BIN' });
  const pgConfig = spawnSync('pg_config', ['--bindir'], { encoding: 'utf8', env });
  if (pgConfig.status === 0 && pgConfig.stdout.trim())
    candidates.push({ dir: pgConfig.stdout.trim(), source: 'pg_config --bindir' });
  if (existsSync('/usr/lib/postgresql')) {
    const versions = readdirSync('/usr/lib/postgresql')
      .filter((v) => /^\d+(\.\d+)?$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
    for (const v of versions)
      candidates.push({ dir: join('/usr/lib/postgresql', v, 'bin'), source: '/usr/lib/postgresql' });
  }
  for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean)) candidates.push({ dir, source: 'PATH' });
  const found = candidates.find((c) => complete(c.dir));
  return found
    ? { dir: found.dir, initdb: join(found.dir, 'initdb'), pgCtl: join(found.dir, 'pg_ctl'), source: found.source }
    : undefined;
}
