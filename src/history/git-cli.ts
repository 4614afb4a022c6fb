/**
 * The one place the history store runs the `git` binary. Same shape as src/backend/docker-cli.ts:
 * an argv array (never a shell string), and a non-zero exit becomes an InfrastructureError that names
 * the git command and carries git's stderr.
 *
 * Credentials: a remote URL may hold them (`https://x-access-token:TOKEN@github.com/...`, or a bare
 * `https://TOKEN@host/...`). Every command line and every message this class produces goes through
 * `maskUrlCredentials` first, and registered secrets are masked as in the loggers.
 */
import { spawn } from 'node:child_process';
import { InfrastructureError } from '../errors.js';
import { SecretMasker } from '../log.js';

export interface GitResult {
  stdout: string;
  /** stdout as git wrote it: a blob's bytes, exact even when they are not UTF-8. */
  stdoutBytes: Buffer;
  stderr: string;
  exitCode: number;
}

export interface GitExecOptions {
  /** Written to git's stdin (hash-object --stdin). */
  input?: string | Buffer;
  /** Extra environment for this command (GIT_INDEX_FILE, the commit identity). */
  env?: Record<string, string>;
  /** Return the result instead of throwing on a non-zero exit. */
  allowFailure?: boolean;
  timeoutMs?: number;
}

/** `scheme://anything@`: the user and password (or token) of a URL, whatever its form. */
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@]+@/gi;

/** Replaces the credentials of every URL in `text` with `***`: `https://***@github.com/o/r`. */
export function maskUrlCredentials(text: string): string {
  return text.replace(URL_USERINFO, '$1***@');
}

/** Renders argv for a message; arguments with spaces or quotes are JSON-quoted so the split is visible. */
export function formatGitCommand(args: readonly string[]): string {
  return ['git', ...args].map((arg) => (/^[\w@%+=:,./^-]+$/.test(arg) ? arg : JSON.stringify(arg))).join(' ');
}

/**
 * The environment every git command gets: never prompt for a password (a prompt would hang a CI job
 * until its timeout), and speak C so that the push status lines parsed below read the same everywhere.
 */
const FIXED_ENV = { GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C', LANGUAGE: 'C' };

export class GitCli {
  readonly cwd: string;
  private readonly masker = new SecretMasker();
  private readonly defaultTimeoutMs: number;

  /** `cwd`: the repository every command runs in (the job's checkout). */
  constructor(options: { cwd: string; timeoutMs?: number }) {
    this.cwd = options.cwd;
    this.defaultTimeoutMs = options.timeoutMs ?? 120_000;
  }

  /** Registers a value that must never appear in an error this class raises. */
  addSecret(value: string): void {
    this.masker.add(value);
  }

  /** Masks URL credentials and registered secrets in `text`. */
  mask(text: string): string {
    return this.masker.mask(maskUrlCredentials(text));
  }

  /** Runs `git <args>` in the repository; throws an InfrastructureError naming the command and its stderr on failure. */
  exec(args: readonly string[], options: GitExecOptions = {}): Promise<GitResult> {
    const command = this.mask(formatGitCommand(args));
    const env = { ...process.env, ...FIXED_ENV, ...options.env };
    return new Promise((resolve, reject) => {
      const child = spawn('git', [...args], {
        cwd: this.cwd,
        env,
        stdio: ['pipe', 'pipe', 'pipe'],
        timeout: options.timeoutMs ?? this.defaultTimeoutMs,
      });
      const stdout: Buffer[] = [];
      const stderr: Buffer[] = [];
      child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
      child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
      // A git that exits before reading all of stdin makes the write fail with EPIPE; its exit status says why.
      child.stdin.on('error', () => undefined);
      child.stdin.end(options.input ?? '');
      child.once('error', (error) =>
        reject(new InfrastructureError(this.mask(`${command} could not run: ${error.message}`), { cause: error })),
      );
      child.once('close', (code, signal) => {
        const bytes = Buffer.concat(stdout);
        const result = {
          stdout: bytes.toString('utf8'),
          stdoutBytes: bytes,
          stderr: Buffer.concat(stderr).toString('utf8'),
          exitCode: code ?? -1,
        };
        if (result.exitCode === 0 || (options.allowFailure && !signal)) return resolve(result);
        const why = signal
          ? `was killed by ${signal} (timeout ${options.timeoutMs ?? this.defaultTimeoutMs} ms?)`
          : `failed (exit ${result.exitCode})`;
        reject(
          new InfrastructureError(
            this.mask(`${command} ${why}: ${result.stderr.trim() || result.stdout.trim() || 'no output'}`),
          ),
        );
      });
    });
  }

  /** `git <args>` and its stdout. */
  async output(args: readonly string[], options: GitExecOptions = {}): Promise<string> {
    return (await this.exec(args, options)).stdout;
  }
}
