/**
 * PostgreSQL connection URLs: parsing with messages that never echo the password, masking for logs,
 * the secrets a logger must register, and a guard against pointing perf-gate at a production database.
 *
 * A URL can say where to connect in more than one place: `postgres://u@db-preview/app?host=db-prod`
 * connects node-postgres to db-prod, because pg-connection-string lets query parameters override the
 * URL's own parts. Everything here therefore reads the URL the way node-postgres does (by asking it),
 * and the guard judges every spelling a client might follow, not just the URL's host.
 *
 * No I/O; node-postgres reads PG* environment variables for fields a URL leaves out.
 */
import pg from 'pg';
import { InputError, invalidValue } from '../errors.js';

export interface DatabaseUrl {
  /** The URL as given (trimmed; still contains the password). */
  url: string;
  /** What node-postgres connects as and to: query parameters take precedence over the URL's parts. */
  user: string;
  /** Decoded password; '' when the URL carries none. */
  password: string;
  host: string;
  port: number;
  database: string;
  /** Query parameters such as sslmode or application_name (the last of repeated ones, as node-postgres reads them). */
  params: Record<string, string>;
}

const POSTGRES_SCHEMES = new Set(['postgres:', 'postgresql:']);

/**
 * `postgres://user@/db?host=/var/run/postgresql` (a Unix socket, no host in the authority) is not a
 * WHATWG URL; node-postgres parses it with a placeholder host, and so do we.
 */
const NO_HOST = 'perf-gate-no-host.invalid';

function parseUrlText(input: string): { parsed: URL; hostless: boolean } {
  try {
    return { parsed: new URL(input), hostless: false };
  } catch (error) {
    if (!input.includes('@/')) throw error;
    return { parsed: new URL(input.replace('@/', `@${NO_HOST}/`)), hostless: true };
  }
}

function formatUrl(parsed: URL, hostless: boolean): string {
  return hostless ? parsed.href.replace(`@${NO_HOST}`, '@') : parsed.href;
}

/** Parameters that only configure TLS; pg-connection-string reads the files some of them name, so they are left out when asking it where a URL leads. */
const TLS_PARAM = /^(ssl.*|uselibpqcompat)$/i;

/** Host, port, database, user and password exactly as node-postgres resolves them for `url`. */
function nodePostgresView(
  parsed: URL,
  hostless: boolean,
): { host: string; port: number; database: string; user: string; password: string } {
  const copy = new URL(parsed.href);
  for (const key of [...copy.searchParams.keys()]) if (TLS_PARAM.test(key)) copy.searchParams.delete(key);
  const text = copy.search === parsed.search ? formatUrl(parsed, hostless) : formatUrl(copy, hostless);
  const client = new pg.Client({ connectionString: text });
  return {
    host: client.host ?? '',
    port: client.port,
    database: client.database ?? '',
    user: client.user ?? '',
    password: typeof client.password === 'string' ? client.password : '',
  };
}

/**
 * Parses `input` (a postgres:// or postgresql:// URL). `inputName` is the config key, flag or action
 * input the value came from, so the message can say where to fix it.
 */
export function parseDatabaseUrl(input: string, inputName: string): DatabaseUrl {
  const shown = maskDatabaseUrl(input);
  const text = input.trim();
  let parsed: URL;
  let hostless: boolean;
  try {
    ({ parsed, hostless } = parseUrlText(text));
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
  const urlHost = hostless ? '' : decodeComponent(parsed.hostname, inputName, shown);
  if (!urlHost && !params.host) {
    throw invalidValue(inputName, shown, 'a URL naming a host, e.g. postgres://user@127.0.0.1:5432/app');
  }
  const path = decodeComponent(parsed.pathname.replace(/^\//, ''), inputName, shown);
  // node-postgres takes the database from the path only (?database= is overwritten, ?dbname= ignored) and
  // falls back to PGDATABASE or the user name: say it here rather than connect somewhere unnamed.
  if (!path) throw invalidValue(inputName, shown, 'a URL naming a database after the host, e.g. .../app');
  let view: ReturnType<typeof nodePostgresView>;
  try {
    view = nodePostgresView(parsed, hostless);
  } catch (error) {
    throw new InputError(
      `${inputName}: ${JSON.stringify(shown)} is not a URL node-postgres can use: ${maskerMessage((error as Error).message, input)}`,
    );
  }
  if (!Number.isInteger(view.port) || view.port < 1 || view.port > 65535) {
    throw invalidValue(inputName, shown, 'a port between 1 and 65535 (in the URL or its ?port= parameter)');
  }
  return {
    url: formatUrl(parsed, hostless),
    user: view.user,
    password: view.password,
    host: view.host.replace(/^\[(.*)\]$/, '$1'),
    port: view.port,
    database: view.database,
    params,
  };
}

/** An error text with every spelling of the URL's password replaced. */
function maskerMessage(message: string, url: string): string {
  let out = message;
  for (const secret of databaseSecrets(url).sort((a, b) => b.length - a.length)) out = out.split(secret).join('***');
  return out;
}

function decodeComponent(value: string, inputName: string, shown: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    throw new InputError(`${inputName}: ${JSON.stringify(shown)} contains a malformed percent-escape`);
  }
}

/** Query parameters that carry a secret: libpq's `password` and `sslpassword` (matched on the decoded key). */
const SECRET_PARAM = /password$/i;

function formDecode(text: string): string {
  // The decoding URLSearchParams (and so node-postgres) applies to a query key or value: '+' is a space.
  return [...new URLSearchParams(`k=${text}`)][0]?.[1] ?? text;
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
  // A password may also travel as a query parameter (?password=..., ?sslpassword=..., a key spelled
  // pass%77ord decodes to the same) or in a key=value DSN.
  return out.replace(/(^|[?&;\s])([^=&?#;\s]+)=([^&\s]*)/g, (whole, lead: string, key: string) =>
    SECRET_PARAM.test(formDecode(key)) ? `${lead}${key}=***` : whole,
  );
}

/** Values a logger must register with addSecret before anything about this URL is printed. */
export function databaseSecrets(url: string): string[] {
  const secrets = new Set<string>();
  const text = url.trim();
  let parsed: { parsed: URL; hostless: boolean } | undefined;
  try {
    parsed = parseUrlText(text);
  } catch {
    parsed = undefined;
  }
  if (parsed) {
    // Each secret as written in the URL and as decoded (what the server receives, what a script may print).
    const found: string[] = [];
    if (parsed.parsed.password) {
      found.push(parsed.parsed.password);
      try {
        found.push(decodeURIComponent(parsed.parsed.password));
      } catch {
        // An undecodable password is still masked in its raw form.
      }
    }
    // Every occurrence, not just the first: node-postgres uses the LAST ?password= of several.
    for (const piece of parsed.parsed.search.slice(1).split('&')) {
      const eq = piece.indexOf('=');
      if (eq < 0 || !SECRET_PARAM.test(formDecode(piece.slice(0, eq)))) continue;
      found.push(piece.slice(eq + 1), formDecode(piece.slice(eq + 1)));
    }
    if (found.some((s) => s.length > 0)) {
      // The raw URL only when it carries a password: masking a password-less URL would hide the host for nothing.
      secrets.add(url);
      secrets.add(text);
      for (const secret of found) secrets.add(secret);
      try {
        // And the password exactly as node-postgres will send it, whatever spelling got it there.
        const view = nodePostgresView(parsed.parsed, parsed.hostless);
        secrets.add(view.password);
      } catch {
        // A URL node-postgres refuses is refused before it is used; the spellings above are masked.
      }
    }
  } else {
    // Unparseable: mask what sits between "user:" and the last "@", as maskDatabaseUrl does.
    const schemeEnd = url.indexOf('//');
    const at = url.lastIndexOf('@');
    const colon = schemeEnd >= 0 ? url.indexOf(':', schemeEnd + 2) : -1;
    if (colon >= 0 && colon < at) {
      secrets.add(url);
      secrets.add(url.slice(colon + 1, at));
    }
    for (const match of url.matchAll(/(?:^|[?&;\s])[^=&?#;\s]*password=([^&\s]*)/gi)) {
      secrets.add(url);
      secrets.add(match[1]!);
    }
  }
  return [...secrets].filter((s) => s.length > 0);
}

/** Returns the same server and credentials with another database name (for clones, maintenance). */
export function withDatabase(url: string, database: string): string {
  const { parsed, hostless } = parseUrlText(url.trim());
  parsed.pathname = `/${encodeURIComponent(database)}`;
  return formatUrl(parsed, hostless);
}

/**
 * The one production pattern, for every entry point (the config's default, `migrate --dir`,
 * `verify-idempotent`). Matches "prod", "prd", "production" or "live" as a word, where anything but a
 * letter separates words: "db-prod.internal", "app_production", "prod2" and "/run/live/" match,
 * "products", "reproduce" and "delivery" do not.
 */
export const DEFAULT_PRODUCTION_PATTERN = /(?<![a-z])(prod|prd|production|live)(?![a-z])/i;

export interface ProductionGuardOptions {
  /** Host or database names matching this are refused. A string is compiled case-insensitively. */
  pattern?: RegExp | string;
  /** The explicit opt-out (`database.allowProduction: true`, `--allow-production`). */
  allow: boolean;
  /** The input the URL came from, for the message. */
  inputName?: string;
}

/** A place a client may take a URL to, and which part of the URL sends it there. */
export interface ConnectionDestination {
  kind: 'host' | 'database' | 'service';
  value: string;
  from: string;
}

/**
 * Every host, database and service a client may connect to for `url`: where node-postgres goes (query
 * parameters first), and the spellings other clients follow, since a migration command gets the same
 * URL: libpq (psql, psycopg) reads `?dbname=`, a comma-separated host list, `?hostaddr=` and
 * `?service=` (an entry in pg_service.conf), and a Unix socket directory is a host too.
 */
export function connectionDestinations(url: string, inputName = 'database-url'): ConnectionDestination[] {
  const target = parseDatabaseUrl(url, inputName);
  const { parsed, hostless } = parseUrlText(target.url);
  const out: ConnectionDestination[] = [];
  const add = (kind: ConnectionDestination['kind'], value: string, from: string, list = false) => {
    for (const part of list ? value.split(',') : [value]) {
      const v = part.trim().replace(/^\[(.*)\]$/, '$1');
      if (v && !out.some((d) => d.kind === kind && d.value === v)) out.push({ kind, value: v, from });
    }
  };
  add(
    'host',
    target.host,
    parsed.searchParams.has('host')
      ? 'its ?host= parameter, where node-postgres connects'
      : 'where node-postgres connects',
    true,
  );
  if (!hostless) add('host', safeDecode(parsed.hostname), "the URL's host", true);
  for (const key of ['host', 'hostaddr'])
    for (const value of parsed.searchParams.getAll(key)) add('host', value, `its ?${key}= parameter`, true);
  add('database', target.database, 'the database node-postgres opens');
  add('database', safeDecode(parsed.pathname.replace(/^\//, '')), "the URL's path");
  for (const key of ['dbname', 'database'])
    for (const value of parsed.searchParams.getAll(key)) add('database', value, `its ?${key}= parameter`);
  for (const value of parsed.searchParams.getAll('service')) add('service', value, 'its ?service= parameter');
  return out;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * perf-gate runs migrations and load against the database it is given: refuse one that looks like
 * production unless the user says otherwise, because a benchmark's writes are not something to undo.
 * Judges every destination of the URL (see connectionDestinations), not only the host it shows first.
 */
export function assertNotProduction(url: string, options: ProductionGuardOptions): void {
  const inputName = options.inputName ?? 'database-url';
  const pattern = compilePattern(options.pattern);
  const destinations = connectionDestinations(url, inputName);
  if (options.allow) return;
  const hits = destinations.filter((d) => pattern.test(d.value));
  if (hits.length === 0) return;
  const what = hits.map((d) => `${d.kind} ${JSON.stringify(d.value)} (${d.from})`).join(' and ');
  throw new InputError(
    `${inputName}: refusing ${maskDatabaseUrl(url.trim())} because its ${what} ${hits.length === 1 ? 'matches' : 'match'} the production ` +
      `pattern ${pattern}; perf-gate migrates and loads the database it is given. Point it at a preview database, ` +
      'or set database.allowProduction: true (--allow-production for migrate --dir/--command and verify-idempotent) if this really is intended',
  );
}

function compilePattern(pattern: RegExp | string | undefined): RegExp {
  if (pattern === undefined) return DEFAULT_PRODUCTION_PATTERN;
  if (pattern instanceof RegExp) return new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, ''));
  try {
    return new RegExp(pattern, 'i');
  } catch (error) {
    throw invalidValue(
      'production-database-pattern',
      pattern,
      `a valid regular expression (${(error as Error).message})`,
    );
  }
}

/**
 * The URL with `application_name` set in its query: every PostgreSQL client perf-gate has met reads it
 * there (libpq and psycopg as a connection parameter, asyncpg as a server setting, node-postgres), so
 * the server can tell a migration command's sessions from everyone else's.
 */
export function withApplicationName(url: string, name: string): string {
  // Appended to the text as it is: re-serialising the query would turn %20 into +, which libpq reads as a plus.
  const hash = url.indexOf('#');
  const [body, fragment] = hash === -1 ? [url, ''] : [url.slice(0, hash), url.slice(hash)];
  const query = body.indexOf('?');
  const base = query === -1 ? body : body.slice(0, query);
  const kept =
    query === -1
      ? []
      : body
          .slice(query + 1)
          .split('&')
          .filter((p) => p && !/^application_name=/i.test(p));
  return `${base}?${[...kept, `application_name=${encodeURIComponent(name)}`].join('&')}${fragment}`;
}
