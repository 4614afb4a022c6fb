/** Finds the PostgreSQL server binaries (initdb, pg_ctl, postgres) on this machine. */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';

export interface PostgresBinaries {
  dir: string;
  /** The major version `postgres --version` reports (15 for 15.8); null when it could not be read. */
  major: number | null;
  initdb: string;
  pgCtl: string;
  /** How it was found, for the log: "PG_BIN", "pg_config --bindir", "/usr/lib/postgresql", "PATH". */
  source: string;
}

const REQUIRED = ['initdb', 'pg_ctl', 'postgres'];

function complete(dir: string): boolean {
  return REQUIRED.every((name) => existsSync(join(dir, name)));
}

/** The major version of the server binaries in `dir`, from `postgres --version` ("postgres (PostgreSQL) 15.8"). */
export function binariesMajor(dir: string): number | null {
  const out = spawnSync(join(dir, 'postgres'), ['--version'], { encoding: 'utf8' });
  const match = out.status === 0 ? /PostgreSQL\)?\s+(\d+)/.exec(out.stdout) : null;
  return match ? Number(match[1]) : null;
}

/**
 * Candidates in order: $PG_BIN, `pg_config --bindir`, /usr/lib/postgresql/<n>/bin newest first
 * (Debian/Ubuntu install server binaries there, off PATH, side by side), then PATH. With `major`, the
 * first complete one of that major version; `found` lists the versions seen, for the error.
 */
export function findPostgresBinaries(
  env: NodeJS.ProcessEnv = process.env,
  options: { major?: number } = {},
): PostgresBinaries | undefined {
  return searchPostgresBinaries(env, options).binaries;
}

export function searchPostgresBinaries(
  env: NodeJS.ProcessEnv,
  options: { major?: number },
): { binaries: PostgresBinaries | undefined; found: { dir: string; major: number | null }[] } {
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
  const found: { dir: string; major: number | null }[] = [];
  for (const c of candidates) {
    if (!complete(c.dir) || found.some((f) => f.dir === c.dir)) continue;
    const major = binariesMajor(c.dir);
    found.push({ dir: c.dir, major });
    if (options.major === undefined || major === options.major)
      return {
        binaries: { dir: c.dir, major, initdb: join(c.dir, 'initdb'), pgCtl: join(c.dir, 'pg_ctl'), source: c.source },
        found,
      };
  }
  return { binaries: undefined, found };
}
