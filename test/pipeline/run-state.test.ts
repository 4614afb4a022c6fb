/** What `compare` reads from the run state: which stage, if any, did not finish. */
import { describe, expect, it } from 'vitest';
import { currentStage, newRunState, unfinishedStage, type RunState } from '../../src/pipeline/run-state.js';

function stateWith(stages: RunState['stages'], bench?: RunState['bench']): RunState {
  const state = newRunState({ configPath: null, overrides: {}, reportDir: 'report', now: new Date('2026-01-01T00:00:00Z') });
  return { ...state, stages, ...(bench ? { bench } : {}) };
}

const done = { startedAt: '2026-01-01T00:00:00Z', finishedAt: '2026-01-01T00:01:00Z' };
const started = { startedAt: '2026-01-01T00:02:00Z' };

describe('unfinishedStage', () => {
  it('is undefined when migrate, boot and bench all finished with complete rounds', () => {
    expect(unfinishedStage(stateWith({ migrate: done, boot: done, bench: done }, { roundsPath: 'r', complete: true }))).toBeUndefined();
  });

  it('names a stage that started and never finished (its process was killed) as an infrastructure error', () => {
    const failure = unfinishedStage(stateWith({ migrate: done, boot: done, bench: started }, { roundsPath: 'r', complete: false }));
    expect(failure).toMatchObject({ stage: 'bench', exitCode: 3 });
    expect(failure!.message).toContain('did not finish');
  });

  it('names the first stage that never ran', () => {
    const failure = unfinishedStage(stateWith({ migrate: done }));
    expect(failure).toMatchObject({ stage: 'boot', exitCode: 3 });
    expect(failure!.message).toContain("run 'perf-gate boot'");
  });

  it('does not trust a finished bench whose rounds are marked incomplete', () => {
    expect(unfinishedStage(stateWith({ migrate: done, boot: done, bench: done }, { roundsPath: 'r', complete: false }))).toMatchObject({ stage: 'bench' });
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
