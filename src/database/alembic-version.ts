/**
 * What Alembic left in a database: the revision in its `alembic_version` table. perf-gate reads it after
 * each `alembic upgrade` it runs, so a project whose env.py migrates some other database (alembic.ini's
 * sqlalchemy.url) or a baseline left at the candidate's revision is an error, not a quiet A/A gate.
 */
import { closeQuietly, connectClient } from './connection.js';

/** The revision(s) `alembic_version` holds, sorted and joined by "+"; null when the table does not exist. */
export async function alembicRevisionOf(url: string): Promise<string | null> {
  const client = await connectClient(url, { purpose: "reading Alembic's revision" });
  try {
    const table = await client.query<{ t: string | null }>("SELECT to_regclass('alembic_version')::text AS t");
    if (!table.rows[0]?.t) return null;
    const rows = await client.query<{ v: string }>('SELECT version_num AS v FROM alembic_version ORDER BY 1');
    return rows.rows.map((r) => r.v).join('+') || null;
  } finally {
    await closeQuietly(client);
  }
}

/** SQLAlchemy (and so Alembic's usual env.py) names the dialect `postgresql`; libpq and perf-gate accept `postgres` too. */
export function sqlalchemyUrl(url: string): string {
  return url.replace(/^postgres:\/\//, 'postgresql://');
}

/** The argv of `alembic upgrade REV` as the config says Alembic is started (its command and ini file). */
export function alembicUpgrade(alembic: { command: readonly string[]; iniFile: string }, revision: string): string[] {
  return [...alembic.command, '-c', alembic.iniFile, 'upgrade', revision];
}
