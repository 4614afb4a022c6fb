/**
 * The logger every module receives. The action passes one backed by @actions/core (groups, masks,
 * annotations); the CLI passes a plain one that writes to stderr. Modules never write to the console.
 */
export interface Logger {
  info(message: string): void;
  warning(message: string): void;
  error(message: string): void;
  debug(message: string): void;
  /** Runs `fn` inside a collapsible group (a `::group::` in Actions, an indented block in a terminal). */
  group<T>(title: string, fn: () => Promise<T>): Promise<T>;
  /** Registers a value that must never be printed (a password, a token). */
  addSecret(value: string): void;
  /**
   * Reports progress through a counted stage (benchmark rounds). A terminal draws a bar that redraws
   * in place; loggers without it (CI logs, Actions) get the same text as a plain line.
   */
  progress?(done: number, total: number, text: string): void;
}

/** Progress through the logger's bar when it has one, else as a plain line. */
export function logProgress(log: Logger, done: number, total: number, text: string): void {
  if (log.progress) log.progress(done, total, text);
  else log.info(text);
}

/**
 * The words of a name that mark its value secret. A name is split into words at `_`, `-`, `.` and
 * camelCase humps, and one word must be one of these, so DB_PASS, API_KEY, GITHUB_TOKEN, apiKey and
 * AUTH_MODE count but bypass, monkey, author, keyframes and AUTHOR_NAME do not.
 */
const SECRET_WORD =
  /^(PASS|PASSWD|PASSWORD|PASSPHRASE|PWD|PW|SECRET|TOKEN|KEY|APIKEY|CREDENTIAL|CREDENTIALS|AUTH|AUTHORIZATION|PRIVATE|DSN|COOKIE)$/i;
/**
 * Names written as one word that end in a secret word: PGPASSWORD, DBPASS, MYSQLPWD, APITOKEN,
 * CLIENTSECRET, SECRETKEY, PRIVATEKEY. A bare KEY ending is not among these, or MONKEY and TURNKEY
 * would count; nor is PASS after BY, COM or SUR (bypass, compass, surpass).
 */
const SECRET_ENDING = /(PASSWORD|PASSWD|(?<!BY|COM|SUR)PASS|PWD|TOKEN|SECRET|SECRETKEY|PRIVATEKEY|APIKEY)$/i;
/** The shell's working-folder variables: PWD names a folder, not a password. */
const NOT_SECRET = /^(OLD)?PWD$/i;

/** True for a name whose value must never be printed: DB_PASS, API_TOKEN, PGPASSWORD, DATABASE_URL. */
export function isSecretName(name: string): boolean {
  if (NOT_SECRET.test(name)) return false;
  if (/^DATABASE_URL$/i.test(name) || SECRET_ENDING.test(name)) return true;
  const words = name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').split(/[_.-]+/);
  return words.some((word) => SECRET_WORD.test(word));
}

/**
 * Values that only say how much or whether ("20", "true", "none"): masking each of them would hide
 * the numbers a report exists for, and such a value is no credential, whatever its name.
 */
const PLAIN_SETTING = /^(-?\d{1,6}(\.\d+)?|true|false|on|off|yes|no|none|null|enabled|disabled)$/i;
export function isPlainSetting(value: string): boolean {
  return PLAIN_SETTING.test(value.trim());
}

/**
 * `DB_PASS=value`, `password=value` (a libpq DSN), `--db-password=value`, `-Dspring.datasource.password=value`:
 * a NAME=value in printed text, masked when the name is secret. A flag's dashes may stand before the name.
 */
const ASSIGNMENT = /(?<![A-Za-z0-9_.])([A-Za-z][A-Za-z0-9_.-]*)=([^\s&;,'"]+)/g;
/** `scheme://user:password@`: the password of any URL, registered or not (up to the last @ before a /). */
const URL_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/[^\s:@/]*:)[^\s/]+@/gi;
/** A registered secret this long is matched anywhere: no ordinary word is that long and equal to it. */
const SUBSTRING_MATCH_LENGTH = 16;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * A pattern for `secret` as a whole token: not preceded or followed by a letter, digit or `_`, so a
 * secret "app" hides "app" in "dbname=app" but not in "applied" or "application_name". An edge of
 * the secret that is itself punctuation needs no boundary.
 */
function tokenPattern(secret: string): string {
  if (secret.length >= SUBSTRING_MATCH_LENGTH) return escapeRegExp(secret);
  const before = /^[A-Za-z0-9_]/.test(secret) ? '(?<![A-Za-z0-9_])' : '';
  const after = /[A-Za-z0-9_]$/.test(secret) ? '(?![A-Za-z0-9_])' : '';
  return `${before}${escapeRegExp(secret)}${after}`;
}

/**
 * Replaces every registered secret in `text` with `***`, and any URL password or secret-like
 * `NAME=value`. Used by every logger implementation, and on reports and backend logs.
 */
export class SecretMasker {
  private readonly secrets = new Set<string>();

  static of(secrets: Iterable<string>): SecretMasker {
    const masker = new SecretMasker();
    for (const secret of secrets) masker.add(secret);
    return masker;
  }

  add(value: string): void {
    if (value.length >= 3) this.secrets.add(value);
    const encoded = encodeURIComponent(value);
    if (encoded !== value && encoded.length >= 3) this.secrets.add(encoded);
    this.pattern = undefined;
  }

  private pattern: RegExp | null | undefined;

  mask(text: string): string {
    if (this.pattern === undefined) {
      // Longest first, so a secret that contains another is replaced whole.
      const secrets = [...this.secrets].sort((a, b) => b.length - a.length);
      this.pattern = secrets.length ? new RegExp(secrets.map(tokenPattern).join('|'), 'g') : null;
    }
    const out = this.pattern ? text.replace(this.pattern, '***') : text;
    return out
      .replace(URL_PASSWORD, '$1***@')
      .replace(ASSIGNMENT, (whole, name: string, value: string) =>
        isSecretName(name) && !isPlainSetting(value) ? `${name}=***` : whole,
      );
  }

  /**
   * A copy of `value` with every string value in it masked. Keys are names a program reads and stay
   * as they are; use it only on free-form text (src/report/mask-results.ts picks those fields).
   */
  maskAll<T>(value: T): T {
    if (typeof value === 'string') return this.mask(value) as T;
    if (Array.isArray(value)) return value.map((item) => this.maskAll(item)) as T;
    if (value && typeof value === 'object')
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.maskAll(v)])) as T;
    return value;
  }
}

/** A logger that records lines in memory: for tests, and for capturing a stage's output. */
export class MemoryLogger implements Logger {
  readonly lines: string[] = [];
  private readonly masker = new SecretMasker();

  info(message: string): void {
    this.lines.push(this.masker.mask(message));
  }
  warning(message: string): void {
    this.lines.push(`warning: ${this.masker.mask(message)}`);
  }
  error(message: string): void {
    this.lines.push(`error: ${this.masker.mask(message)}`);
  }
  debug(message: string): void {
    this.lines.push(`debug: ${this.masker.mask(message)}`);
  }
  async group<T>(title: string, fn: () => Promise<T>): Promise<T> {
    this.lines.push(`group: ${this.masker.mask(title)}`);
    try {
      return await fn();
    } finally {
      this.lines.push('endgroup');
    }
  }
  addSecret(value: string): void {
    this.masker.add(value);
  }
}
