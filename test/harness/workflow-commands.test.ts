import { describe, expect, it } from 'vitest';
import { findMaskLeaks, parseWorkflowCommands } from './workflow-commands.js';

describe('workflow commands', () => {
  it('parses groups, annotations with properties and masks, unescaping %25 %0A %3A', () => {
    const out = [
      '::group::perf-gate migrate',
      'plain line',
      '::warning title=Fork%3A read-only::cannot comment%0Anext line',
      '::add-mask::s3cr3t-value',
      '::endgroup::',
      '  ::error file=a.ts,line=3::100%25 broken',
    ].join('\n');
    const parsed = parseWorkflowCommands(out);
    expect(parsed.commands.map((c) => c.command)).toEqual(['group', 'warning', 'add-mask', 'endgroup', 'error']);
    expect(parsed.commands[1]).toMatchObject({
      properties: { title: 'Fork: read-only' },
      message: 'cannot comment\nnext line',
      line: 2,
    });
    expect(parsed.commands[4]).toMatchObject({ properties: { file: 'a.ts', line: '3' }, message: '100% broken' });
    expect(parsed.masks).toEqual(['s3cr3t-value']);
    expect(parsed.text).toEqual(['plain line']);
  });

  it('ignores commands between stop-commands and its token', () => {
    const parsed = parseWorkflowCommands(
      ['::stop-commands::tok123', '::error::not a command', '::tok123::', '::error::a command'].join('\n'),
    );
    expect(parsed.commands.map((c) => `${c.command}:${c.message}`)).toEqual([
      'stop-commands:tok123',
      'error:a command',
    ]);
    expect(parsed.text).toEqual(['::error::not a command']);
  });

  it('finds a masked value in text without repeating it in the report', () => {
    const leaks = findMaskLeaks(
      ['hunter2-password', 'ab'],
      'connecting to postgres://app:hunter2-password@db/x',
      'step stdout',
    );
    expect(leaks).toHaveLength(1);
    expect(leaks[0]!.where).toBe('step stdout');
    expect(JSON.stringify(leaks)).not.toContain('hunter2');
    expect(leaks[0]!.excerpt).toContain('app:<SECRET>@db');
    expect(findMaskLeaks(['hunter2-password'], 'nothing here', 'x')).toEqual([]);
    // Each line of a multiline secret is masked on its own.
    expect(findMaskLeaks(['line-one\nline-two'], 'printed line-two only', 'x')).toHaveLength(1);
  });
});
