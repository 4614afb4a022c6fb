/**
 * Opening `pg` connections with errors that say what failed and how to fix it, without ever
 * carrying the password: every message passes through a SecretMasker fed by databaseSecrets().
 */
import pg from 'pg';
import { InfrastructureError } from '../errors.js';
import { SecretMasker } from '../log.js';
import { databaseSecrets, maskDatabaseUrl } from './database-url.js';

export function maskerFor(...urls: string[]): SecretMasker {
  const masker = new SecretMasker();
  for (const url of urls) for (const secret of databaseSecrets(url)) masker.add(secret);
  return masker;
}

/** The fields of a PostgreSQL ErrorResponse that `pg` exposes on DatabaseError. */
export interface PostgresErrorFields {
  code?: string;
  message: string;
  detail?: string;
  hint?: string;
  position?: string;
  where?: string;
}

export function postgresErrorFields(error: unknown): PostgresErrorFields | undefined {
  if (error instanceof pg.DatabaseError) {
    return {
      code: error.code,
      message: error.message,
      detail: error.detail,
      hint: error.hint,
      position: error.position,
      where: error.where,
    };
  }
  return undefined;
}

/** Advice for the connection failures people actually hit, keyed by SQLSTATE or Node error code. */
function connectionAdvice(code: string | undefined): string {
  switch (code) {
    case '28P01':
      return 'check the password in the database URL (percent-encode special characters)';
    case '28000':
      return "the server rejected this user/host combination (pg_hba.conf); check the user and the server's access rules";
    case '3D000':
      return 'the database does not exist; create it first or fix the name in the URL';
    case '53300':
      return 'the server has no free connection slots; raise max_connections or close other clients';
    case '57P03':
      return 'the server is starting up or shutting down; retry when it is ready';
    case 'ECONNREFUSED':
      return 'nothing listens on that host and port; is PostgreSQL running and is the port right?';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'the host name does not resolve';
    case 'ETIMEDOUT':
      return 'the connection timed out; check the host, port and firewall';
    default:
      return '';
  }
}

export interface ConnectOptions {
  /** Why we connect, for the message: "migrations", "clone". */
  purpose: string;
  applicationName?: string;
  connectTimeoutMs?: number;
}

/** Connects a single client; failures become InfrastructureError with a masked URL and advice. */
export async function connectClient(url: string, options: ConnectOptions): Promise<pg.Client> {
  const client = new pg.Client({
    connectionString: url,
    application_name: options.applicationName ?? 'perf-gate',
    connectionTimeoutMillis: options.connectTimeoutMs ?? 15_000,
  });
  // An idle client whose server goes away emits 'error'; without a listener Node would crash the process.
  client.on('error', () => undefined);
  try {
    await client.connect();
    return client;
  } catch (error) {
    await client.end().catch(() => undefined);
    const masker = maskerFor(url);
    const code = (error as { code?: string }).code;
    const advice = connectionAdvice(code);
    const message = masker.mask((error as Error).message ?? String(error));
    // The original error is not attached as `cause`: whatever prints the cause would bypass the masker.
    throw new InfrastructureError(
      `could not connect to PostgreSQL at ${maskDatabaseUrl(url)} for ${options.purpose}: ${message}` +
        `${code ? ` (${/^[0-9A-Z]{5}$/.test(code) ? 'SQLSTATE ' : ''}${code})` : ''}${advice ? `; ${advice}` : ''}`,
    );
  }
}

/** "15.8" from the server, for reports. */
export async function serverVersion(client: pg.Client): Promise<string> {
  const result = await client.query<{ server_version: string }>('SHOW server_version');
  return result.rows[0]?.server_version ?? 'unknown';
}

export async function serverVersionNumber(client: pg.Client): Promise<number> {
  const result = await client.query<{ v: string }>("SELECT current_setting('server_version_num') AS v");
  return Number(result.rows[0]?.v ?? 0);
}

export async function closeQuietly(client: pg.Client | undefined): Promise<void> {
  if (client) await client.end().catch(() => undefined);
}
