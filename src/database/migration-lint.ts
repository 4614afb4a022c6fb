/**
 * Lints the pending SQL migrations with squawk (https://squawkhq.com), the PostgreSQL migration
 * linter: it reads the SQL and names the statements whose locks or rewrites hurt a live service
 * (a CREATE INDEX without CONCURRENTLY blocks writes; an ADD COLUMN with a volatile default rewrites
 * the table). perf-gate runs the binary with an argv array and reads its JSON report; the findings
 * are data here and are worded by the report.
 *
 * Where the binary comes from, first match wins: `squawk.path` in the config (or PERF_GATE_SQUAWK),
 * the npm package `squawk-cli`'s platform binary (`@squawk-cli/<os>-<arch>/bin/squawk`) in the
 * project's or perf-gate's node_modules, then `squawk` on PATH.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { errorMessage, InfrastructureError } from '../errors.js';

export interface LintFinding {
  /** The file as given to squawk (the migration's path). */
  file: string;
  line: number;
  column: number;
  lineEnd?: number;
  level: 'error' | 'warning';
  rule: string;
  message: string;
  help?: string;
}

export interface LintOptions {
  files: string[];
  squawk: string;
  /** The server's major version (squawk's rules differ, e.g. ADD COLUMN ... DEFAULT before 11). */
  postgresVersion?: string;
  /** squawk rule names to leave out (`--exclude`) and opt-in rules to add (`--include`). */
  exclude?: string[];
  include?: string[];
  /** perf-gate applies each transactional file in one transaction; squawk's rules depend on it. */
  assumeInTransaction: boolean;
  cwd: string;
  timeoutMs?: number;
}

export interface LintReport {
  squawkVersion: string;
  findings: LintFinding[];
}

/** squawk-cli's platform packages, by Node's process.platform and process.arch. */
const PLATFORM_PACKAGE: Record<string, string> = {
  'linux-x64': '@squawk-cli/linux-x64',
  'linux-arm64': '@squawk-cli/linux-arm64',
  'darwin-x64': '@squawk-cli/darwin-x64',
  'darwin-arm64': '@squawk-cli/darwin-arm64',
  'win32-x64': '@squawk-cli/win32-x64',
};

export interface SquawkLookup {
  /** An explicit path (config or PERF_GATE_SQUAWK): used as given, an error when missing. */
  explicit?: string;
  /** Folders whose node_modules may hold squawk-cli: the project's, then perf-gate's own. */
  searchRoots: string[];
  /** The PATH to search last. */
  pathVariable?: string;
  platform?: string;
  arch?: string;
}

/** The squawk binary to run, or undefined when none is installed anywhere perf-gate looks. */
export function findSquawk(lookup: SquawkLookup): string | undefined {
  if (lookup.explicit) return resolve(lookup.explicit);
  const platform = lookup.platform ?? process.platform;
  const exe = platform === 'win32' ? 'squawk.exe' : 'squawk';
  const pkg = PLATFORM_PACKAGE[`${platform}-${lookup.arch ?? process.arch}`];
  if (pkg) {
    for (const root of lookup.searchRoots) {
      const candidate = join(root, 'node_modules', pkg, 'bin', exe);
      if (existsSync(candidate)) return candidate;
    }
  }
  for (const dir of (lookup.pathVariable ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, exe))) return join(dir, exe);
  }
  return undefined;
}

/** What to tell a user who asked for linting and has no squawk. */
export const SQUAWK_MISSING =
  'squawk (the PostgreSQL migration linter) is not installed: add it with `npm install --save-dev squawk-cli`, ' +
  'set `migrations.lint.squawk` to its path, or turn the lint off with `migrations.lint.enabled: false`';

function run(
  file: string,
  args: string[],
  cwd: string,
  timeoutMs: number,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    execFile(
      file,
      args,
      { cwd, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024, encoding: 'utf8' },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') {
          reject(new InfrastructureError(`squawk could not be run (${file}): ${errorMessage(error)}`));
          return;
        }
        resolvePromise({ code: error ? (error.code as number) : 0, stdout, stderr });
      },
    );
  });
}

export async function squawkVersion(squawk: string, cwd: string): Promise<string> {
  const { code, stdout, stderr } = await run(squawk, ['--version'], cwd, 10_000);
  const version = /squawk\s+(\S+)/.exec(stdout)?.[1];
  if (code !== 0 || !version)
    throw new InfrastructureError(
      `'${squawk} --version' did not print a squawk version (exit ${code}): ${(stderr || stdout).trim().slice(0, 300)}`,
    );
  return version;
}

export async function lintMigrations(options: LintOptions): Promise<LintReport> {
  const version = await squawkVersion(options.squawk, options.cwd);
  if (options.files.length === 0) return { squawkVersion: version, findings: [] };
  const args = [
    '--reporter',
    'json',
    options.assumeInTransaction ? '--assume-in-transaction' : '--no-assume-in-transaction',
  ];
  if (options.postgresVersion) args.push('--pg-version', options.postgresVersion);
  if (options.exclude?.length) args.push(`--exclude=${options.exclude.join(',')}`);
  if (options.include?.length) args.push(`--include=${options.include.join(',')}`);
  // `--` ends the options: a migration file named "-x.sql" stays a path.
  args.push('--', ...options.files);
  const { code, stdout, stderr } = await run(options.squawk, args, options.cwd, options.timeoutMs ?? 60_000);
  // squawk exits 1 when it found something, 0 when not; anything else, or output that is not its
  // report, is squawk failing (an unknown rule name, a file it cannot read).
  // It also exits 1, with nothing on stdout, when it cannot find a file.
  if ((code !== 0 && code !== 1) || (code === 1 && stdout.trim() === '')) {
    throw new InfrastructureError(`squawk failed (exit ${code}): ${(stderr || stdout).trim().slice(0, 500)}`);
  }
  return { squawkVersion: version, findings: parseSquawkReport(stdout) };
}

/** squawk's `--reporter json` output: an array of violations. Anything else is an error naming the field. */
export function parseSquawkReport(text: string): LintFinding[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text.trim() === '' ? '[]' : text);
  } catch (error) {
    throw new InfrastructureError(`squawk's report is not JSON (${errorMessage(error)}): ${text.trim().slice(0, 200)}`);
  }
  if (!Array.isArray(parsed)) throw new InfrastructureError("squawk's report is not a list of findings");
  return parsed.map((raw, i) => {
    const item = raw as Record<string, unknown>;
    const field = <T>(name: string, check: (v: unknown) => v is T): T => {
      const value = item?.[name];
      if (!check(value))
        throw new InfrastructureError(`squawk's report, finding ${i}: field '${name}' is ${JSON.stringify(value)}`);
      return value;
    };
    const isString = (v: unknown): v is string => typeof v === 'string';
    const isLine = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0;
    const level = field('level', isString).toLowerCase();
    const lineEnd = item.line_end;
    const help = item.help;
    return {
      file: field('file', isString),
      // squawk counts lines and columns from 0 in its JSON report; editors and GitHub count from 1.
      line: field('line', isLine) + 1,
      column: field('column', isLine) + 1,
      ...(isLine(lineEnd) ? { lineEnd: lineEnd + 1 } : {}),
      level: level === 'error' ? 'error' : 'warning',
      rule: field('rule_name', isString),
      message: field('message', isString),
      ...(isString(help) && help !== '' ? { help } : {}),
    };
  });
}
