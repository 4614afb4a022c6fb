/**
 * The layout both history stores share: one JSON-lines file per month (records/2026-12.jsonl), one
 * record per line, and the reading rules (a line that is not a sound record is skipped with a warning,
 * never trusted: the files can be edited by hand). Pure but for the warnings.
 */
import { invalidValue } from '../errors.js';
import type { Logger } from '../log.js';
import { type HistoryRecord, historyRecordProblem } from './record.js';

export interface ReadQuery {
  /** Records at or after this time (an ISO date or time; a date alone is midnight UTC). */
  since?: string | Date;
  /** Only records of this code branch ("main"). */
  branch?: string;
  /** At most this many records: the most recent ones. */
  limit?: number;
}

/** What every history store does. */
export interface HistoryStore {
  /** Where the records are, for messages ("perf-gate-data on origin", "folder ./perf-history"). */
  readonly description: string;
  append(record: HistoryRecord): Promise<{ file: string }>;
  read(query?: ReadQuery): Promise<HistoryRecord[]>;
}

/** The query checked once; `sinceMonth` lets a store skip whole month files. */
export function checkedQuery(query: ReadQuery): { since: Date | undefined; sinceMonth: string | undefined } {
  const since = query.since === undefined ? undefined : new Date(query.since);
  if (since && Number.isNaN(since.getTime()))
    throw invalidValue('history since', query.since, 'an ISO date or time (2026-11-01)');
  if (query.limit !== undefined && !(Number.isInteger(query.limit) && query.limit > 0))
    throw invalidValue('history limit', query.limit, 'a whole number ≥ 1');
  return { since, sinceMonth: since?.toISOString().slice(0, 7) };
}

/** The sound records of one month file; `where` names the file in warnings. */
export function parseMonthFile(text: string, where: string, log: Logger): HistoryRecord[] {
  const records: HistoryRecord[] = [];
  for (const [index, line] of text.split('\n').entries()) {
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      log.warning(`history: ${where} line ${index + 1} is not JSON (${(error as Error).message}); skipped`);
      continue;
    }
    const problem = historyRecordProblem(value);
    if (problem) {
      log.warning(`history: ${where} line ${index + 1} is not a history record (${problem.message}); skipped`);
      continue;
    }
    records.push(value as HistoryRecord);
  }
  return records;
}

/**
 * The records a query asks for, oldest first. Lines are in append order; sorting by the run's time
 * (stable) puts a slow job's record where it ran.
 */
export function selectRecords(records: readonly HistoryRecord[], query: ReadQuery): HistoryRecord[] {
  const { since } = checkedQuery(query);
  const kept = records.filter(
    (r) =>
      (query.branch === undefined || r.branch === query.branch) && (!since || Date.parse(r.time) >= since.getTime()),
  );
  kept.sort((a, b) => Date.parse(a.time) - Date.parse(b.time));
  return query.limit === undefined ? kept : kept.slice(-query.limit);
}
