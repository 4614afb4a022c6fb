/**
 * A baseline read from an earlier run's results.json instead of measured now: the post-deploy check of
 * a running app against the release before it. The earlier run's valid candidate rounds become this
 * run's baseline rounds, the k-th of them paired with this run's pair k. These pairs are not
 * interleaved in time, so a change of machine or load between the two runs is not cancelled: the report
 * says so, and a live baseline (kind 'url', the previous release kept running) is the better design
 * whenever one can be had.
 */
import { resolve } from 'node:path';
import { InputError } from '../errors.js';
import { readResultsFile } from '../github/publish-from-results.js';
import type { RoundRecord } from '../model/round-record.js';

export const STORED_BASELINE_FLAG = 'stored-baseline';

export interface StoredBaseline {
  path: string;
  runId: string;
  finishedAt: string;
  rounds: RoundRecord[];
}

export function loadStoredBaseline(path: string, baseDir: string): StoredBaseline {
  const full = resolve(baseDir, path);
  const results = readResultsFile(full);
  const rounds = results.rounds
    .filter((r) => r.variant === 'candidate' && r.valid)
    .map((r, k): RoundRecord => ({ ...r, variant: 'baseline', pair: k, flags: [...r.flags, STORED_BASELINE_FLAG] }));
  if (rounds.length === 0) {
    throw new InputError(
      `config key 'backend.baseline.results': ${path} holds no valid candidate rounds to use as the baseline (run ${results.runId}, verdict ${results.verdict})`,
    );
  }
  return { path: full, runId: results.runId, finishedAt: results.finishedAt, rounds };
}

/** This run's measured rounds followed by the stored baseline rounds, indexed after them. */
export function withStoredBaseline(measured: RoundRecord[], stored: StoredBaseline | undefined): RoundRecord[] {
  if (!stored) return measured;
  // The stored run's starts of its backends (load.processes) have nothing to do with this run's: dropped.
  return [
    ...measured,
    ...stored.rounds.map(({ process: _process, ...r }, i) => ({ ...r, index: measured.length + i })),
  ];
}
