/**
 * The two Logger implementations: one for GitHub Actions (workflow commands through @actions/core:
 * collapsible groups, masks, annotations) and one for a terminal or a plain CI log.
 */
import * as core from '@actions/core';
import { type Logger, SecretMasker } from '../log.js';
import { inertLogText } from '../log-line.js';

/**
 * Every message is masked, then made inert (src/log-line.ts): core.info prints it as it is, so a
 * line of it could otherwise be a workflow command.
 */
export class ActionsLogger implements Logger {
  private readonly masker = new SecretMasker();
  private text(message: string): string {
    return inertLogText(this.masker.mask(message));
  }
  info(message: string): void {
    core.info(this.text(message));
  }
  warning(message: string): void {
    core.warning(this.text(message));
  }
  error(message: string): void {
    core.error(this.text(message));
  }
  debug(message: string): void {
    core.debug(this.text(message));
  }
  async group<T>(title: string, fn: () => Promise<T>): Promise<T> {
    return core.group(this.text(title), fn);
  }
  addSecret(value: string): void {
    if (!value) return;
    this.masker.add(value);
    // The runner masks a registered value anywhere in the job log, inside words too: registering "app"
    // would print "applied" as "***lied" in every later step. Every line perf-gate prints already went
    // through its own masker (whole tokens), so only values long enough to be no word are registered.
    if (value.length >= RUNNER_MASK_MIN_LENGTH) core.setSecret(value);
  }
}

/** The shortest value registered with the runner's own masking (`::add-mask::`). */
export const RUNNER_MASK_MIN_LENGTH = 8;

export interface TerminalLoggerOptions {
  stream?: NodeJS.WritableStream & { isTTY?: boolean };
  quiet?: boolean;
  verbose?: boolean;
  now?: () => number;
}

/** Plain lines on stderr with the elapsed time; colour only when stderr is a terminal. */
export class TerminalLogger implements Logger {
  private readonly masker = new SecretMasker();
  private readonly stream: NodeJS.WritableStream & { isTTY?: boolean };
  private readonly started: number;
  private readonly now: () => number;
  private depth = 0;
  /** True while a progress bar occupies the last line of a terminal (to be cleared before other output). */
  private barShown = false;

  constructor(private readonly options: TerminalLoggerOptions = {}) {
    this.stream = options.stream ?? process.stderr;
    this.now = options.now ?? (() => Date.now());
    this.started = this.now();
  }

  private get colour(): boolean {
    return Boolean(this.stream.isTTY) && !process.env.NO_COLOR;
  }

  private write(prefix: string, message: string, colourCode?: string): void {
    this.clearBar();
    const elapsed = ((this.now() - this.started) / 1000).toFixed(1).padStart(6);
    const indent = '  '.repeat(this.depth);
    // Inert: in a CI log the runner reads stderr for workflow commands too (src/log-line.ts).
    const text = inertLogText(this.masker.mask(message));
    const body = colourCode && this.colour ? `\u001b[${colourCode}m${prefix}${text}\u001b[0m` : `${prefix}${text}`;
    this.stream.write(`[${elapsed}s] ${indent}${body}\n`);
  }

  info(message: string): void {
    if (!this.options.quiet) this.write('', message);
  }
  warning(message: string): void {
    this.write('warning: ', message, '33');
  }
  error(message: string): void {
    this.write('error: ', message, '31');
  }
  debug(message: string): void {
    if (this.options.verbose) this.write('debug: ', message, '2');
  }
  async group<T>(title: string, fn: () => Promise<T>): Promise<T> {
    if (!this.options.quiet) this.write('▸ ', title, '1');
    this.depth += 1;
    try {
      return await fn();
    } finally {
      this.depth -= 1;
    }
  }
  addSecret(value: string): void {
    if (value) this.masker.add(value);
  }

  /** On a terminal: one line redrawn in place, `[██████░░░░] 6/16 round 6/16 baseline: ...`. Elsewhere a plain line. */
  progress(done: number, total: number, text: string): void {
    if (!this.stream.isTTY) {
      this.info(text);
      return;
    }
    if (this.options.quiet) return;
    const width = 20;
    const filled = total > 0 ? Math.round((Math.min(done, total) / total) * width) : 0;
    const elapsed = ((this.now() - this.started) / 1000).toFixed(1).padStart(6);
    const columns = (this.stream as { columns?: number }).columns ?? 120;
    const line = `[${elapsed}s] ${'  '.repeat(this.depth)}[${'█'.repeat(filled)}${'░'.repeat(width - filled)}] ${done}/${total} ${inertLogText(this.masker.mask(text)).replace(/\n/g, ' ')}`;
    this.stream.write(`\r\u001b[2K${line.slice(0, Math.max(20, columns - 1))}`);
    this.barShown = true;
    if (done >= total) this.clearBar(true);
  }

  private clearBar(keep = false): void {
    if (!this.barShown) return;
    // Keep a finished bar as a line of the log; wipe an unfinished one before other output.
    this.stream.write(keep ? '\n' : '\r\u001b[2K');
    this.barShown = false;
  }
}

/**
 * What a command prints on stdout, made inert once here when running under GitHub Actions: the runner
 * reads stdout for workflow commands as it reads the log, and stdout carries text perf-gate did not
 * write (the SQL of `migrate --dry-run`, a config's targets and path in `validate`, what `init`
 * detected), where a `::stop-commands::` line would switch off the runner's command handling and masking.
 *
 * JSON (`--json`, `dashboard`) keeps its meaning exactly. No line JSON.stringify writes can start with
 * `::`: each holds blanks and then `{`, `}`, `[`, `]`, `"`, a number or a literal. A `##[` can only
 * be inside a string there (`#` is no JSON syntax), so it is written `#\u0023[`, the same characters to
 * any JSON reader; the zero-width space used for text would change the data.
 */
export function runnerSafeStdout(write: (text: string) => void, env: NodeJS.ProcessEnv): (text: string) => void {
  if (env.GITHUB_ACTIONS !== 'true') return write;
  return (text) => write(isJson(text) ? text.replace(/##\[/g, '#\\u0023[') : inertLogText(text));
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

export function createLogger(options: { quiet?: boolean; verbose?: boolean }, env: NodeJS.ProcessEnv): Logger {
  return env.GITHUB_ACTIONS === 'true' ? new ActionsLogger() : new TerminalLogger(options);
}
