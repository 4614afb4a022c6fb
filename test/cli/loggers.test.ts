import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runnerSafeStdout, TerminalLogger } from '../../src/cli/loggers.js';
import { parseWorkflowCommands } from '../harness/workflow-commands.js';

function stream(isTTY: boolean) {
  const chunks: string[] = [];
  const out = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(String(chunk));
      done();
    },
  }) as Writable & { isTTY?: boolean; columns?: number };
  out.isTTY = isTTY;
  out.columns = 200;
  return { out, text: () => chunks.join('') };
}

describe('TerminalLogger', () => {
  it('prints progress as plain lines when not attached to a terminal (CI logs)', () => {
    const s = stream(false);
    const log = new TerminalLogger({ stream: s.out, now: () => 0 });
    log.progress(1, 4, 'round 1/4 baseline: 40.0 req/s');
    log.progress(2, 4, 'round 2/4 candidate: 40.0 req/s');
    const lines = s.text().trimEnd().split('\n');
    expect(lines).toEqual(['[   0.0s] round 1/4 baseline: 40.0 req/s', '[   0.0s] round 2/4 candidate: 40.0 req/s']);
    expect(s.text()).not.toContain('\r');
  });

  it('redraws one bar in place on a terminal, clears it before other output, keeps it when done', () => {
    const s = stream(true);
    const log = new TerminalLogger({ stream: s.out, now: () => 0 });
    log.progress(1, 2, 'round 1/2 baseline');
    expect(s.text()).toContain('[██████████░░░░░░░░░░] 1/2 round 1/2 baseline');
    expect(s.text().startsWith('\r')).toBe(true);
    log.warning('a round was flagged');
    // The unfinished bar is wiped before the warning is written on a line of its own.
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the terminal's escape sequence is what is checked
    expect(s.text()).toMatch(/1\/2 round 1\/2 baseline\r\u001b\[2K\[ {3}0\.0s\] .*warning: a round was flagged/);
    log.progress(2, 2, 'round 2/2 candidate');
    expect(s.text()).toMatch(/\[████████████████████\] 2\/2 round 2\/2 candidate\n$/);
  });

  it('masks secrets in progress text too', () => {
    const s = stream(true);
    const log = new TerminalLogger({ stream: s.out, now: () => 0 });
    log.addSecret('hunter2-secret');
    log.progress(1, 1, 'connecting with hunter2-secret');
    expect(s.text()).not.toContain('hunter2-secret');
    expect(s.text()).toContain('connecting with ***');
  });
});

describe('runnerSafeStdout', () => {
  const HOSTILE = 'a\n::stop-commands::tok\n  ::error::pwned\n##[error]old form';

  it('under GitHub Actions, text on stdout has no line the runner acts on, and still reads the same', () => {
    const written: string[] = [];
    runnerSafeStdout((t) => written.push(t), { GITHUB_ACTIONS: 'true' })(`${HOSTILE}\n`);
    expect(parseWorkflowCommands(written.join('')).commands).toEqual([]);
    expect(written.join('')).not.toContain('##[');
    expect(written.join('').replace(/\u200b/g, '')).toBe(`${HOSTILE}\n`);
  });

  it('JSON on stdout (--json, dashboard) keeps exactly its data, and carries no command either', () => {
    const value = { runId: HOSTILE, list: ['::error::x', '##[warning]y'] };
    const written: string[] = [];
    runnerSafeStdout((t) => written.push(t), { GITHUB_ACTIONS: 'true' })(`${JSON.stringify(value, null, 2)}\n`);
    const text = written.join('');
    expect(JSON.parse(text)).toEqual(value);
    expect(text).not.toContain('##[');
    expect(parseWorkflowCommands(text).commands).toEqual([]);
  });

  it('outside GitHub Actions, stdout is written as it is', () => {
    const written: string[] = [];
    runnerSafeStdout((t) => written.push(t), {})(HOSTILE);
    expect(written).toEqual([HOSTILE]);
  });
});
