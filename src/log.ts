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

/** Replaces every registered secret in `text` with `***`. Used by every logger implementation. */
export class SecretMasker {
  private readonly secrets = new Set<string>();

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
    return out;
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
