/**
 * The history in a folder: the data branch's layout (records/<month>.jsonl) on disk, for a laptop, a
 * self-hosted runner with a persistent disk, or a folder a CI cache keeps between jobs. An append is
 * one write of one line to a file opened for appending, which the operating system does not interleave
 * with another process's append on a local disk.
 */
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { errorMessage, InfrastructureError, InputError, invalidValue } from '../errors.js';
import type { Logger } from '../log.js';
import { checkedQuery, type HistoryStore, parseMonthFile, type ReadQuery, selectRecords } from './month-files.js';
import { type HistoryRecord, historyRecordProblem, MONTH_FILE, monthFileOf } from './record.js';

export class DirectoryStore implements HistoryStore {
  readonly folder: string;
  private readonly log: Logger;

  /** `input` names where the folder came from, for the error when it is not one. */
  constructor(options: { folder: string; log: Logger; input: string }) {
    this.folder = resolve(options.folder);
    this.log = options.log;
    if (existsSync(this.folder) && !statSync(this.folder).isDirectory())
      throw invalidValue(
        options.input,
        options.folder,
        'a folder for the history (created when missing), or git-branch',
      );
  }

  get description(): string {
    return `folder ${this.folder}`;
  }

  async append(record: HistoryRecord): Promise<{ file: string }> {
    const problem = historyRecordProblem(record);
    if (problem) throw new InputError(`history record: ${problem.message}`);
    const file = monthFileOf(record.time);
    try {
      mkdirSync(join(this.folder, 'records'), { recursive: true });
      appendFileSync(join(this.folder, file), `${JSON.stringify(record)}\n`, { flag: 'a' });
    } catch (error) {
      throw new InfrastructureError(`history: could not append to ${join(this.folder, file)}: ${errorMessage(error)}`);
    }
    this.log.info(`history: run ${record.runId} appended to ${join(this.folder, file)}`);
    return { file };
  }

  async read(query: ReadQuery = {}): Promise<HistoryRecord[]> {
    const { sinceMonth } = checkedQuery(query);
    const dir = join(this.folder, 'records');
    if (!existsSync(dir)) return [];
    const records: HistoryRecord[] = [];
    try {
      for (const name of readdirSync(dir).sort()) {
        const month = MONTH_FILE.exec(`records/${name}`)?.[1];
        if (!month || (sinceMonth && month < sinceMonth)) continue;
        records.push(...parseMonthFile(readFileSync(join(dir, name), 'utf8'), join(dir, name), this.log));
      }
    } catch (error) {
      throw new InfrastructureError(`history: could not read ${dir}: ${errorMessage(error)}`);
    }
    return selectRecords(records, query);
  }
}
