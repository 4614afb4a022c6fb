/**
 * Check annotations for missed targets: the config line of each target, found in real YAML layouts
 * (block list, quoted, flow list, comments), and only for files inside the workspace.
 */
import { describe, expect, it } from 'vitest';
import {
  MAX_ANNOTATIONS_PER_REQUEST,
  migrationLintAnnotations,
  targetAnnotations,
  targetLines,
  workspaceRelativePath,
} from '../../src/github/annotations.js';
import { failResults, inconclusiveResults, passResults } from '../helpers/results-fixtures.js';

const CONFIG = `# perf-gate config for the RAG backend
database:
  url: \${DATABASE_URL}
targets:
  - pipeline_time improves >= 20%     # Phase 1 goal
  - "pool_wait_p95 <  10ms"
  - latency_p95 worsens <= 5%
gate:
  confidence: 0.95
`;

describe('targetLines', () => {
  it('maps each target, normalized like the parser, to its 1-based line', () => {
    expect(targetLines(CONFIG)).toEqual(
      new Map([
        ['pipeline_time improves >= 20%', 5],
        ['pool_wait_p95 < 10ms', 6],
        ['latency_p95 worsens <= 5%', 7],
      ]),
    );
  });

  it('reads a flow list and JSON, and gives nothing for text that is not a config', () => {
    expect(targetLines('targets: [ "a < 1ms", b worsens <= 5% ]\n').get('b worsens <= 5%')).toBe(1);
    expect(targetLines('{\n  "targets": [\n    "a < 1ms"\n  ]\n}\n').get('a < 1ms')).toBe(3);
    expect(targetLines('- just\n- a list\n').size).toBe(0);
    expect(targetLines('targets: [unclosed\n').size).toBe(0);
  });
});

describe('targetAnnotations', () => {
  it('shows a target and its note from results.json as one line with no live mention, reference or URL', () => {
    const r = failResults();
    r.targets[0] = {
      ...r.targets[0]!,
      note: 'ask @octocat about #7, GH-7 and acme/rag#1 at https://evil.example or www.evil.example\n::error::x\u202e',
    };
    const [annotation] = targetAnnotations(r, { path: 'perf-gate.yml', text: CONFIG });
    const message = annotation!.message;
    expect(message).not.toMatch(/[\n\r\u202e]/);
    for (const live of [/@[a-z]/i, /#\d/, /GH-\d/i, /https?:\/\//, /www\./]) expect(message).not.toMatch(live);
    // The words are all there for a reader: only invisible word joiners were added.
    expect(message.replace(/\u2060/g, '')).toContain(
      'ask @octocat about #7, GH-7 and acme/rag#1 at https://evil.example or www.evil.example ::error::x',
    );
  });

  it('annotates each missed target as a failure at its line, with the estimate and the bound', () => {
    const annotations = targetAnnotations(failResults(), { path: 'perf-gate.yml', text: CONFIG });
    expect(annotations).toEqual([
      {
        path: 'perf-gate.yml',
        start_line: 5,
        end_line: 5,
        annotation_level: 'failure',
        title: 'perf-gate: target missed',
        message: 'pipeline_time improves >= 20%: change −8.0 % [−11.0 %, −5.0 %]; bound −20.0 %',
      },
      {
        path: 'perf-gate.yml',
        start_line: 7,
        end_line: 7,
        annotation_level: 'failure',
        title: 'perf-gate: target missed',
        message: 'latency_p95 worsens <= 5%: change +12.0 % [+8.0 %, +16.0 %]; bound +5.0 %',
      },
    ]);
  });

  it('marks an inconclusive target as a warning, and a passing run gets none', () => {
    const inconclusive = targetAnnotations(inconclusiveResults(), { path: 'perf-gate.yml', text: CONFIG });
    expect(inconclusive.map((a) => [a.start_line, a.annotation_level])).toEqual([[5, 'warning']]);
    expect(targetAnnotations(passResults(), { path: 'perf-gate.yml', text: CONFIG })).toEqual([]);
  });

  it('leaves out a target the file does not contain (a config edited since the run) rather than guess a line', () => {
    const edited = CONFIG.replace('pipeline_time improves >= 20%', 'pipeline_time improves >= 25%');
    expect(targetAnnotations(failResults(), { path: 'perf-gate.yml', text: edited }).map((a) => a.start_line)).toEqual([
      7,
    ]);
  });

  it(`sends at most ${MAX_ANNOTATIONS_PER_REQUEST}, GitHub's per-request limit`, () => {
    const many = Array.from({ length: 60 }, (_, i) => `  - m${i} < 1ms`);
    const results = {
      targets: many.map((_, i) => ({
        ...failResults().targets[1]!,
        expression: `m${i} < 1ms`,
        status: 'fail' as const,
      })),
    };
    expect(targetAnnotations(results, { path: 'c.yml', text: `targets:\n${many.join('\n')}\n` })).toHaveLength(
      MAX_ANNOTATIONS_PER_REQUEST,
    );
  });
});

describe('workspaceRelativePath', () => {
  it('gives the path inside the workspace with forward slashes, and nothing outside it', () => {
    expect(workspaceRelativePath('perf/perf-gate.yml', '/home/runner/work/app/app', '/home/runner/work/app/app')).toBe(
      'perf/perf-gate.yml',
    );
    expect(workspaceRelativePath('/home/runner/work/app/app/perf-gate.yml', '/home/runner/work/app/app/', '/tmp')).toBe(
      'perf-gate.yml',
    );
    expect(
      workspaceRelativePath('../other/perf-gate.yml', '/home/runner/work/app/app', '/home/runner/work/app/app'),
    ).toBeUndefined();
    expect(workspaceRelativePath('/etc/perf-gate.yml', '/home/runner/work/app/app', '/')).toBeUndefined();
    expect(workspaceRelativePath('.', '/w', '/w')).toBeUndefined();
  });
});

describe('migrationLintAnnotations', () => {
  const finding = (line: number, level: 'error' | 'warning', file = 'migrations/022.sql') => ({
    file,
    line,
    column: 1,
    level,
    rule: 'adding-field-with-default',
    message: 'Adding a volatile default rewrites the table',
  });
  const inside = (file: string) => (file.startsWith('migrations/') ? file : undefined);

  it("advises, never fails: squawk's errors are warnings, its warnings notices, on the finding's line", () => {
    const annotations = migrationLintAnnotations(
      { migrationLint: { squawkVersion: '2.61.0', findings: [finding(8, 'error'), finding(13, 'warning')] } },
      inside,
    );
    expect(annotations.map((a) => [a.path, a.start_line, a.end_line, a.annotation_level])).toEqual([
      ['migrations/022.sql', 8, 8, 'warning'],
      ['migrations/022.sql', 13, 13, 'notice'],
    ]);
    expect(annotations[0]!.title).toBe('squawk: adding-field-with-default');
  });

  it('skips files outside the repository and lines that are not positive integers; caps at 50', () => {
    const findings = [finding(1, 'error', '/etc/passwd'), finding(0, 'error'), finding(2.5, 'error')];
    expect(migrationLintAnnotations({ migrationLint: { squawkVersion: null, findings } }, inside)).toEqual([]);
    const many = Array.from({ length: 80 }, (_, i) => finding(i + 1, 'warning'));
    expect(migrationLintAnnotations({ migrationLint: { squawkVersion: null, findings: many } }, inside)).toHaveLength(
      MAX_ANNOTATIONS_PER_REQUEST,
    );
    expect(migrationLintAnnotations({}, inside)).toEqual([]);
  });
});
