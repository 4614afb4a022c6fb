/**
 * Which migration files to apply, decided from the files on disk and the rows of the tracking table.
 * Pure functions of data (no I/O); `loadMigrationDirectory` in migration-files.ts feeds them.
 */
import { createHash } from 'node:crypto';
import { InputError } from '../errors.js';
import { splitStatements, stripLeadingComments } from './sql-text.js';

/** First-line marker for a file that must run outside a transaction (CREATE INDEX CONCURRENTLY). */
export const NO_TRANSACTION_MARKER = /^\s*--\s*perf-gate:\s*no-transaction\b/i;

export interface MigrationFile {
  /** File name, e.g. "022_phase1_indexes.sql". */
  name: string;
  /** The numeric prefix as written, e.g. "022". */
  version: string;
  sql: string;
  /** "sha256:<hex>" of the normalised content. */
  checksum: string;
  transactional: boolean;
}

export interface AppliedMigration {
  name: string;
  version: string;
  checksum: string;
}

export interface MigrationPlan {
  /** Files to apply now, in order. */
  toApply: MigrationFile[];
  /** Files already applied with an unchanged checksum. */
  alreadyApplied: MigrationFile[];
  /** Files after the `to` version: left for later. */
  beyondTarget: MigrationFile[];
  /** Tracking rows with no file on disk (e.g. a migration deleted from the repo): worth a warning. */
  missingFiles: AppliedMigration[];
  /** Applied rows whose file was renamed (same version and checksum): worth a note. */
  renamed: { from: string; to: string }[];
}

const FILE_NAME = /^(\d+)_([^/\\]+)\.sql$/;
const ROLLBACK_FILE = /\.(down|undo|rollback)\.sql$/i;

/** "022_phase1.sql" -> version "022"; rollback scripts and non-.sql files -> 'ignore'; bad .sql names -> undefined. */
export function classifyMigrationFileName(name: string): { version: string } | 'ignore' | undefined {
  if (!name.toLowerCase().endsWith('.sql') || ROLLBACK_FILE.test(name)) return 'ignore';
  const match = FILE_NAME.exec(name);
  return match ? { version: match[1]! } : undefined;
}

/**
 * sha256 of the content with a BOM removed and CRLF folded to LF, so a Windows checkout
 * (git core.autocrlf) of an unchanged file does not look edited.
 */
export function migrationChecksum(sql: string): string {
  const normalised = sql.replace(/^\uFEFF/, '').replace(/\r\n/g, '\n');
  return `sha256:${createHash('sha256').update(normalised, 'utf8').digest('hex')}`;
}

/** Builds a MigrationFile from a name and its content; rejects a malformed non-transactional file. */
export function describeMigrationFile(name: string, content: string, dirLabel = 'migrations'): MigrationFile {
  const kind = classifyMigrationFileName(name);
  if (kind === undefined || kind === 'ignore') {
    throw new InputError(
      `${dirLabel}/${name}: not a migration file name; expected NNN_name.sql, e.g. 022_add_index.sql`,
    );
  }
  const sql = content.replace(/^\uFEFF/, '');
  const firstLine = sql.split('\n', 1)[0] ?? '';
  const transactional = !NO_TRANSACTION_MARKER.test(firstLine);
  if (!transactional) {
    const statements = splitStatements(sql);
    if (statements.length !== 1) {
      throw new InputError(
        `${dirLabel}/${name}: a "-- perf-gate: no-transaction" file must hold exactly one statement, found ` +
          `${statements.length}. Without a transaction a failure after the first statement would leave the file ` +
          `half-applied and unrecorded; split it into one file per statement`,
      );
    }
  } else {
    const control = splitStatements(sql)
      .map(stripLeadingComments)
      .find((statement) => TRANSACTION_CONTROL.test(statement));
    if (control) {
      throw new InputError(
        `${dirLabel}/${name}: contains ${JSON.stringify(control.split('\n', 1)[0])}; perf-gate runs each file in its ` +
          'own transaction together with its tracking row, and a COMMIT inside the file would break that. Remove ' +
          'the BEGIN/COMMIT lines (or mark the file "-- perf-gate: no-transaction" if it must manage transactions)',
      );
    }
  }
  return { name, version: kind.version, sql, checksum: migrationChecksum(content), transactional };
}

/** Top-level statements that end or start a transaction. `BEGIN ATOMIC` bodies never reach here. */
const TRANSACTION_CONTROL = /^(BEGIN|COMMIT|ROLLBACK(?!\s+TO\b)|END|ABORT|START\s+TRANSACTION)\b(?!\s+ATOMIC)/i;

function versionNumber(version: string): bigint {
  return BigInt(version);
}

/** Sorts by numeric version and rejects two files with the same version ("021_a.sql", "21_b.sql"). */
export function orderMigrationFiles(files: MigrationFile[], dirLabel = 'migrations'): MigrationFile[] {
  const sorted = [...files].sort((a, b) => {
    const d = versionNumber(a.version) - versionNumber(b.version);
    return d < 0n ? -1 : d > 0n ? 1 : a.name.localeCompare(b.name);
  });
  for (let i = 1; i < sorted.length; i += 1) {
    if (versionNumber(sorted[i]!.version) === versionNumber(sorted[i - 1]!.version)) {
      throw new InputError(
        `${dirLabel}: ${sorted[i - 1]!.name} and ${sorted[i]!.name} share version ${sorted[i]!.version}; ` +
          'each migration needs its own number',
      );
    }
  }
  return sorted;
}

export interface PlanInput {
  files: MigrationFile[];
  applied: AppliedMigration[];
  /** Apply up to and including this version ("022"); all files when absent. */
  to?: string;
  /** Apply a pending file numbered below an applied one instead of refusing (Flyway's outOfOrder). */
  allowOutOfOrder?: boolean;
  dirLabel?: string;
}

export function planMigrations(input: PlanInput): MigrationPlan {
  const dirLabel = input.dirLabel ?? 'migrations';
  const files = orderMigrationFiles(input.files, dirLabel);
  const target = input.to === undefined ? undefined : parseTarget(input.to, files);
  const appliedByVersion = new Map(input.applied.map((row) => [versionNumber(row.version), row]));
  const plan: MigrationPlan = { toApply: [], alreadyApplied: [], beyondTarget: [], missingFiles: [], renamed: [] };

  // Verify every applied file first: an edited file stops the run before anything is applied.
  for (const file of files) {
    const row = appliedByVersion.get(versionNumber(file.version));
    if (!row) continue;
    if (row.checksum !== file.checksum) {
      throw new InputError(
        `${dirLabel}/${file.name} was changed after it was applied (recorded as ${row.name}): recorded checksum ` +
          `${row.checksum}, file now ${file.checksum}. Restore the applied content and put the change in a new ` +
          'migration file; nothing was applied',
      );
    }
    if (row.name !== file.name) plan.renamed.push({ from: row.name, to: file.name });
  }
  const fileVersions = new Set(files.map((f) => versionNumber(f.version)));
  plan.missingFiles = input.applied.filter((row) => !fileVersions.has(versionNumber(row.version)));

  const highestApplied = input.applied.reduce<bigint | undefined>(
    (max, row) => (max === undefined || versionNumber(row.version) > max ? versionNumber(row.version) : max),
    undefined,
  );
  for (const file of files) {
    const version = versionNumber(file.version);
    if (appliedByVersion.has(version)) plan.alreadyApplied.push(file);
    else if (target !== undefined && version > target) plan.beyondTarget.push(file);
    else plan.toApply.push(file);
  }
  if (!input.allowOutOfOrder && highestApplied !== undefined) {
    const early = plan.toApply.filter((f) => versionNumber(f.version) < highestApplied);
    if (early.length > 0) {
      const newest = input.applied.find((row) => versionNumber(row.version) === highestApplied)!;
      throw new InputError(
        `${dirLabel}: ${early.map((f) => f.name).join(', ')} ${early.length === 1 ? 'is' : 'are'} not applied but ` +
          `numbered below ${newest.name}, which is; renumber it after ${newest.version} or allow out-of-order migrations`,
      );
    }
  }
  return plan;
}

function parseTarget(to: string, files: MigrationFile[]): bigint {
  if (!/^\d+$/.test(to.trim())) {
    throw new InputError(`migrations-to: got ${JSON.stringify(to)}; expected a migration number such as "022"`);
  }
  const target = BigInt(to.trim());
  if (!files.some((f) => versionNumber(f.version) === target)) {
    const known = files.map((f) => f.version).join(', ') || 'none';
    throw new InputError(`migrations-to: no migration file has number ${to}; numbers found: ${known}`);
  }
  return target;
}
