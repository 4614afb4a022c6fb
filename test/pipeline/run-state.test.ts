/** The run state: which stage, if any, did not finish, and a state file checked when it is read. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import {
  currentStage,
  newRunState,
  type RunState,
  readRunState,
  unfinishedStage,
  writeRunState,
} from '../../src/pipeline/run-state.js';

function stateWith(stages: RunState['stages'], bench?: RunState['bench']): RunState {
  const state = newRunState({
    configPath: null,
    overrides: {},
    reportDir: 'report',
    now: new Date('2026-01-01T00:00:00Z'),
  });
  return { ...state, stages, ...(bench ? { bench } : {}) };
}

const done = { startedAt: '2026-01-01T00:00:00Z', finishedAt: '2026-01-01T00:01:00Z' };
const started = { startedAt: '2026-01-01T00:02:00Z' };

describe('unfinishedStage', () => {
  it('is undefined when migrate, boot and bench all finished with complete rounds', () => {
    expect(unfinishedStage(stateWith({ migrate: done, boot: done, bench: done }, { complete: true }))).toBeUndefined();
  });

  it('names a stage that started and never finished (its process was killed) as an infrastructure error', () => {
    const failure = unfinishedStage(stateWith({ migrate: done, boot: done, bench: started }, { complete: false }));
    expect(failure).toMatchObject({ stage: 'bench', exitCode: 3 });
    expect(failure!.message).toContain('did not finish');
  });

  it('names the first stage that never ran', () => {
    const failure = unfinishedStage(stateWith({ migrate: done }));
    expect(failure).toMatchObject({ stage: 'boot', exitCode: 3 });
    expect(failure!.message).toContain("run 'perf-gate boot'");
  });

  it('does not trust a finished bench whose rounds are marked incomplete', () => {
    expect(unfinishedStage(stateWith({ migrate: done, boot: done, bench: done }, { complete: false }))).toMatchObject({
      stage: 'bench',
    });
  });
});

describe('currentStage', () => {
  it('is the stage started and not finished, else the next to run', () => {
    expect(currentStage(stateWith({}))).toBe('migrate');
    expect(currentStage(stateWith({ migrate: done, boot: started }))).toBe('boot');
    expect(currentStage(stateWith({ migrate: done, boot: done }))).toBe('bench');
    expect(currentStage(stateWith({ migrate: done, boot: done, bench: done }))).toBe('compare');
    // A failed stage stays unfinished; the report written after it is `compare`.
    expect(currentStage(stateWith({ migrate: started, compare: started }))).toBe('compare');
  });
});

describe('readRunState', () => {
  const dir = mkdtempSync(join(tmpdir(), 'perf-gate-state-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const fresh = () =>
    newRunState({
      configPath: 'perf-gate.yml',
      overrides: {},
      reportDir: 'report',
      now: new Date('2026-01-01T00:00:00Z'),
    });
  let n = 0;
  const write = (value: unknown) => {
    const path = join(dir, `state-${n++}.json`);
    writeFileSync(path, JSON.stringify(value));
    return path;
  };

  it('reads back what writeRunState wrote', () => {
    const state: RunState = {
      ...fresh(),
      database: {
        candidateUrl: 'postgres://a/b',
        baselineUrl: 'postgres://a/c',
        strategy: 'template-copy',
        createdDatabases: ['c'],
        throwaway: { kind: 'cluster', dataDir: '/tmp/x', pid: 7 },
      },
      backend: { statePath: 'report/backend-state.json', running: {} },
      bench: { complete: true, stoppingReason: 'budget exhausted', look: 2 },
      stages: { migrate: done },
    };
    const path = join(dir, 'round-trip.json');
    writeRunState(path, state);
    expect(readRunState(path)).toEqual(state);
  });

  it('reads a state file an earlier version wrote, with fields nothing reads any more and no stages', () => {
    const { stages: _none, ...old } = fresh();
    const path = write({
      ...old,
      bench: { roundsPath: 'report/rounds.json', complete: true },
      database: {
        candidateUrl: '',
        baselineUrl: '',
        strategy: 'shared',
        createdDatabases: [],
        throwaway: { kind: 'cluster', dataDir: '/d', binDir: '/usr/lib/postgresql/15/bin', pid: 9 },
      },
    });
    const state = readRunState(path);
    expect(state.stages).toEqual({});
    expect(state.bench?.complete).toBe(true);
  });

  it.each<[string, (s: Record<string, unknown>) => void, RegExp]>([
    ['secrets', (s) => (s.secrets = 'hunter2'), /field 'secrets': got "hunter2"; expected a list of strings/],
    ['reportDir', (s) => delete s.reportDir, /field 'reportDir': got nothing; expected a folder path/],
    [
      'database.createdDatabases',
      (s) => (s.database = { candidateUrl: 'u', baselineUrl: 'u', strategy: 'shared', createdDatabases: 'db' }),
      /field 'database.createdDatabases': got "db"/,
    ],
    [
      'database.strategy',
      (s) => (s.database = { candidateUrl: 'u', baselineUrl: 'u', strategy: 'copy', createdDatabases: [] }),
      /field 'database.strategy': got "copy"; expected 'template-copy', 'separate-url' or 'shared'/,
    ],
    [
      'database.throwaway.pid',
      (s) =>
        (s.database = {
          candidateUrl: 'u',
          baselineUrl: 'u',
          strategy: 'shared',
          createdDatabases: [],
          throwaway: { kind: 'cluster', pid: '12' },
        }),
      /field 'database.throwaway.pid': got "12"; expected a process id/,
    ],
    ['backend.statePath', (s) => (s.backend = { running: {} }), /field 'backend.statePath': got nothing/],
    [
      'bench.complete',
      (s) => (s.bench = { complete: 'yes' }),
      /field 'bench.complete': got "yes"; expected true or false/,
    ],
    [
      'failure.exitCode',
      (s) => (s.failure = { stage: 'bench', message: 'm', exitCode: '3' }),
      /field 'failure.exitCode': got "3"; expected an exit code/,
    ],
    [
      'stages.boot.startedAt',
      (s) => (s.stages = { boot: { finishedAt: 'x' } }),
      /field 'stages.boot.startedAt': got nothing; expected a timestamp/,
    ],
  ])(
    'refuses a state file whose %s has the wrong shape, naming the file and the field (exit 2)',
    (_field, spoil, message) => {
      const state = fresh() as unknown as Record<string, unknown>;
      spoil(state);
      const path = write(state);
      let error: unknown;
      try {
        readRunState(path);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(InputError);
      expect((error as InputError).exitCode).toBe(2);
      expect((error as Error).message).toContain(`state file '${path}'`);
      expect((error as Error).message).toMatch(message);
    },
  );

  it('refuses a file that is not a perf-gate state file', () => {
    const path = write({ version: 2, runId: 'x' });
    expect(() => readRunState(path)).toThrow(/not a perf-gate state file/);
  });
});
