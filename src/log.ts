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

/** Parts of a name that mark its value secret: DB_PASS, API_TOKEN, AWS_SECRET_ACCESS_KEY, DATABASE_URL. */
const SECRET_WORDS = 'PASS|SECRET|TOKEN|KEY|CREDENTIAL|AUTH|PRIVATE|DATABASE_URL';
const SECRET_NAME = new RegExp(`${SECRET_WORDS}|DSN$`, 'i');
/** Over-matching (AUTHOR, MONKEY) only hides a harmless value; under-matching leaks one. */
export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}
/** `DB_PASS=value`, `password=value` (a libpq DSN): a secret-like name assigned in printed text. */
const SECRET_ASSIGNMENT = new RegExp(`\\b([A-Za-z0-9_]*(?:${SECRET_WORDS}|DSN)[A-Za-z0-9_]*=)[^\\s&;,'"]+`, 'gi');
/** `scheme://user:password@`: the password of any URL, registered or not (up to the last @ before a /). */
const URL_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/[^\s:@/]*:)[^\s/]+@/gi;

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
  }

  mask(text: string): string {
    let out = text;
    // Longest first, so a secret that contains another is replaced whole.
    for (const secret of [...this.secrets].sort((a, b) => b.length - a.length)) {
      out = out.split(secret).join('***');
    }
    return out.replace(URL_PASSWORD, '$1***@').replace(SECRET_ASSIGNMENT, '$1***');
  }

  /** A copy of `value` with every string in it masked (keys too): for results before they are rendered. */
  maskAll<T>(value: T): T {
    if (typeof value === 'string') return this.mask(value) as T;
    if (Array.isArray(value)) return value.map((item) => this.maskAll(item)) as T;
    if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [this.mask(k), this.maskAll(v)])) as T;
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
