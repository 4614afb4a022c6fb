/**
 * PostgreSQL connection URLs: parsing with messages that never echo the password, masking for logs,
 * the secrets a logger must register, and a guard against pointing perf-gate at a production database.
 *
 * Pure functions of their arguments: no I/O.
 */
import { InputError, invalidValue } from '../errors.js';

export interface DatabaseUrl {
  /** The URL as given, normalised by WHATWG URL parsing (still contains the password). */
  url: string;
  user: string;
  /** Decoded password; '' when the URL carries none. */
  password: string;
  host: string;
  port: number;
  database: string;
  /** Query parameters such as sslmode or application_name. */
  params: Record<string, string>;
}

const POSTGRES_SCHEMES = new Set(['postgres:', 'postgresql:']);

/**
 * Parses `input` (a postgres:// or postgresql:// URL). `inputName` is the config key, flag or action
 * input the value came from, so the message can say where to fix it.
 */
export function parseDatabaseUrl(input: string, inputName: string): DatabaseUrl {
  const shown = maskDatabaseUrl(input);
  let parsed: URL;
  try {
    parsed = new URL(input.trim());
  } catch {
    throw new InputError(
      `${inputName}: ${JSON.stringify(shown)} is not a valid PostgreSQL URL; expected ` +
        `postgres://user:password@host:port/database (percent-encode special characters such as @ : / # in the password)`,
    );
  }
  if (!POSTGRES_SCHEMES.has(parsed.protocol)) {
    throw invalidValue(inputName, maskDatabaseUrl(parsed.href), 'a URL starting with postgres:// or postgresql://');
  }
  const params: Record<string, string> = {};
  for (const [key, value] of parsed.searchParams) params[key] = value;
  const host = decodeComponent(parsed.hostname, inputName, shown) || params.host || '';
  if (!host) throw invalidValue(inputName, maskDatabaseUrl(parsed.href), 'a URL naming a host, e.g. postgres://user@127.0.0.1:5432/app');
  const database = decodeComponent(parsed.pathname.replace(/^\//, ''), inputName, shown);
  if (!database) throw invalidValue(inputName, maskDatabaseUrl(parsed.href), 'a URL naming a database after the host, e.g. .../app');
  const port = parsed.port ? Number(parsed.port) : 5432;
  return {
    url: parsed.href,
    user: decodeComponent(parsed.username, inputName, shown) || params.user || '',
    password: decodeComponent(parsed.password, inputName, shown) || params.password || '',
    host: host.replace(/^\[(.*)\]$/, '$1'),
    port,
    database,
    params,
  };
}

function decodeComponent(value: string, inputName: string, shown: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    throw new InputError(`${inputName}: ${JSON.stringify(shown)} contains a malformed percent-escape`);
  }
}

/**
 * Replaces the password in a URL-ish string with ***. Works on strings that do not parse as URLs too,
 * because the most common reason a URL fails to parse is an unencoded character in its password.
 */
export function maskDatabaseUrl(url: string): string {
  let out = url;
  const schemeEnd = out.indexOf('//');
  if (schemeEnd >= 0) {
    const authorityStart = schemeEnd + 2;
    // The password ends at the LAST '@': an unencoded '@' inside the password is the classic mistake.
    const at = out.lastIndexOf('@');
    if (at > authorityStart) {
      const colon = out.indexOf(':', authorityStart);
      if (colon >= 0 && colon < at) out = `${out.slice(0, colon + 1)}***${out.slice(at)}`;
    }
  }
  // A password may also travel as a query parameter (?password=...) or in a key=value DSN.
  return out.replace(/(password=)([^&\s]*)/gi, '$1***');
}

/** Values a logger must register with addSecret before anything about this URL is printed. */
export function databaseSecrets(url: string): string[] {
  const secrets = new Set<string>();
  try {
    const parsed = new URL(url.trim());
    if (parsed.password) {
      // The raw URL only when it carries a password: masking a password-less URL would hide the host for nothing.
      secrets.add(url);
      secrets.add(parsed.password);
      try {
        secrets.add(decodeURIComponent(parsed.password));
      } catch {
        // An undecodable password is still masked in its raw form above.
      }
    }
    const fromQuery = parsed.searchParams.get('password');
    if (fromQuery) {
      secrets.add(url);
      secrets.add(fromQuery);
    }
  } catch {
    // Unparseable: mask what sits between "user:" and the last "@", as maskDatabaseUrl does.
    const schemeEnd = url.indexOf('//');
    const at = url.lastIndexOf('@');
    const colon = schemeEnd >= 0 ? url.indexOf(':', schemeEnd + 2) : -1;
    if (colon >= 0 && colon < at) {
      secrets.add(url);
      secrets.add(url.slice(colon + 1, at));
    }
  }
  return [...secrets].filter((s) => s.length > 0);
}

/** Returns the same server and credentials with another database name (for clones, maintenance). */
export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${encodeURIComponent(database)}`;
  return parsed.href;
}

/**
 * Matches "prod", "prd" or "production" as a whole word, where '-', '_' and '.' separate words:
 * "db-prod.internal" and "app_production" match, "products" and "reproduce" do not.
 */
export const DEFAULT_PRODUCTION_PATTERN = /(?<![a-z0-9])(prod|prd|production)(?![a-z0-9])/i;

export interface ProductionGuardOptions {
  /** Host or database names matching this are refused. A string is compiled case-insensitively. */
  pattern?: RegExp | string;
  /** The explicit opt-out (e.g. `allow-production-database: true`). */
  allow: boolean;
  /** The input the URL came from, for the message. */
  inputName?: string;
}

/**
 * perf-gate runs migrations and load against the database it is given: refuse one that looks like
 * production unless the user says otherwise, because a benchmark's writes are not something to undo.
 */
export function assertNotProduction(url: string, options: ProductionGuardOptions): void {
  const inputName = options.inputName ?? 'database-url';
  const pattern = compilePattern(options.pattern);
  const parsed = parseDatabaseUrl(url, inputName);
  if (options.allow) return;
  const hits = [
    ['host', parsed.host],
    ['database', parsed.database],
  ].filter(([, value]) => pattern.test(value!));
  if (hits.length === 0) return;
  const what = hits.map(([kind, value]) => `${kind} ${JSON.stringify(value)}`).join(' and ');
  throw new InputError(
    `${inputName}: refusing ${maskDatabaseUrl(parsed.url)} because its ${what} matches the production pattern ` +
      `${pattern}; perf-gate migrates and loads the database it is given. Point it at a preview database, ` +
      `or set allow-production-database: true if this really is intended`,
  );
}

function compilePattern(pattern: RegExp | string | undefined): RegExp {
  if (pattern === undefined) return DEFAULT_PRODUCTION_PATTERN;
  if (pattern instanceof RegExp) return new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, ''));
  try {
    return new RegExp(pattern, 'i');
  } catch (error) {
    throw invalidValue('production-database-pattern', pattern, `a valid regular expression (${(error as Error).message})`);
  }
}
