/** Drift targets: written in the config, judged on the history's chain of paired changes (src/history/drift-target.ts). */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { baseBranchOf, driftJudge } from '../../src/cli/commands/history.js';
import type { CliContext } from '../../src/cli/commands/shared.js';
import { parseDriftTarget } from '../../src/config/drift-targets.js';
import { InputError } from '../../src/errors.js';
import { judgeDriftTarget } from '../../src/history/drift-target.js';
import { configHash, type HistoryRecord, recordFromResults } from '../../src/history/record.js';
import { MemoryLogger } from '../../src/log.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import type { Results } from '../../src/report/results.js';
import { validateResults } from '../../src/report/results-schema.js';
import { inputErrorOf, parse, withSections } from '../helpers/config-text.js';

const demo = JSON.parse(
  readFileSync(new URL('../fixtures/results/demo.results.json', import.meta.url), 'utf8'),
) as Results;
const METRICS = [{ name: 'pipeline_time' }, { name: 'latency_p95' }];
const target = (text: string) => parseDriftTarget(text, METRICS, 'config key targets[1]');

/** A recorded merge on `branch` whose pipeline_time changed by `change` with a ±`half` interval at 98 %. */
function merge(sha: string, change: number, half: number, day: number, branch = 'main'): HistoryRecord {
  const r = recordFromResults(demo, { repository: 'acme/search', branch, sha, configHash: configHash('t') });
  const metrics = r.metrics.map((m) =>
    m.name === 'pipeline_time'
      ? { ...m, estimate: change, interval: { lower: change - half, upper: change + half, level: 0.98 } }
      : m,
  );
  return { ...r, runId: `run-${sha}`, time: new Date(Date.UTC(2026, 10, day, 12)).toISOString(), metrics };
}

const metric = { unit: 'ms' as const, direction: 'lower-is-better' as const };
const judge = (
  text: string,
  records: HistoryRecord[] | undefined,
  release?: { tag: string; sha: string } | { error: string },
) => judgeDriftTarget(target(text), { records, branch: 'main', release, level: 0.98, ...metric });

describe('drift targets in the config', () => {
  it('reads "<metric> drift since <point> worsens <= N%" with a release, a date or a commit', () => {
    expect(target('pipeline_time drift since last-release worsens <= 5%')).toMatchObject({
      kind: 'regression',
      metric: 'pipeline_time',
      maxRegression: 0.05,
      since: 'last-release',
    });
    expect(target('pipeline_time drift since 2026-11-01 worsens <= 5%').since).toEqual({ date: '2026-11-01' });
    expect(target('pipeline_time  drift since 3f9c2e1 worsens at most 2.5 %').since).toEqual({ sha: '3f9c2e1' });
  });

  it.each([
    ['pipeline_time drift since last-release improves >= 5%', /a guard on creep, written "worsens <= N%"/],
    ['pipeline_time drift since yesterday worsens <= 5%', /since "yesterday" is not last-release, a date/],
    ['pipe_time drift since last-release worsens <= 5%', /unknown metric 'pipe_time'/],
    ['pipeline_time drift worsens <= 5%', /is not a drift target; write it as/],
  ])('refuses %s, naming the key', (text, message) => {
    expect(() => target(text)).toThrow(InputError);
    expect(() => target(text)).toThrow(message);
    expect(() => target(text)).toThrow(/^config key targets\[1\]: /);
  });

  it("a config keeps them apart from the run's targets, and refuses one whose only targets are drift targets", () => {
    const config = parse(
      withSections({ targets: ['latency_p95 worsens <= 5%', 'latency_p95 drift since last-release worsens <= 5%'] }),
    );
    expect(config.targets.map((t) => t.expression)).toEqual(['latency_p95 worsens <= 5%']);
    expect(config.driftTargets!.map((t) => t.expression)).toEqual([
      'latency_p95 drift since last-release worsens <= 5%',
    ]);
    expect(
      inputErrorOf(() => parse(withSections({ targets: ['latency_p95 drift since last-release worsens <= 5%'] }))),
    ).toMatch(/only drift targets .*add at least one target on this run's benchmark/);
  });
});

describe('judgeDriftTarget', () => {
  const creep = [
    merge('aaaaaaa', 0, 0.01, 1),
    merge('bbbbbbb', 0.03, 0.005, 2),
    merge('ccccccc', 0.03, 0.005, 3),
    merge('ddddddd', 0.02, 0.005, 4),
  ];

  it('fails when the changes since the release add up past the bound, naming the largest contributors', () => {
    const result = judge('pipeline_time drift since last-release worsens <= 5%', creep, {
      tag: 'v1.2.0',
      sha: 'aaaaaaa',
    });
    // The release commit's own change is not counted: 1.03 × 1.03 × 1.02 − 1.
    expect(result.estimate).toBeCloseTo(1.03 * 1.03 * 1.02 - 1, 6);
    expect(result.status).toBe('fail');
    expect(result.ci![0]).toBeGreaterThan(0.05);
    expect(result.reason).toMatchObject({ kind: 'drift', changes: 3, since: 'last-release', level: 0.98 });
    expect((result.reason as { contributors: { sha: string }[] }).contributors.map((c) => c.sha).sort()).toEqual([
      'bbbbbbb',
      'ccccccc',
      'ddddddd',
    ]);
    expect(result.note).toMatch(
      /^pipeline_time drift since last-release worsens <= 5%: \+8\.2 % over 3 recorded changes since last-release/,
    );
  });

  it('passes when the whole interval of the drift is under the bound, and is inconclusive when it straddles it', () => {
    const small = [merge('aaaaaaa', 0, 0.01, 1), merge('bbbbbbb', 0.01, 0.005, 2), merge('ccccccc', -0.005, 0.005, 3)];
    expect(judge('pipeline_time drift since 2026-11-02 worsens <= 5%', small).status).toBe('pass');
    const wide = [merge('aaaaaaa', 0, 0.01, 1), merge('bbbbbbb', 0.04, 0.03, 2)];
    expect(judge('pipeline_time drift since aaaaaaa worsens <= 5%', wide).status).toBe('inconclusive');
  });

  it('has no data, and says why, without a history, without a release, or without a recorded change', () => {
    expect(judge('pipeline_time drift since last-release worsens <= 5%', undefined).note).toMatch(
      /no history was given/,
    );
    expect(
      judge('pipeline_time drift since last-release worsens <= 5%', creep, { error: 'no v* tag before HEAD' }),
    ).toMatchObject({
      status: 'no-data',
      note: expect.stringMatching(/no v\* tag before HEAD/),
    });
    expect(judge('pipeline_time drift since 1234567 worsens <= 5%', creep).note).toMatch(
      /no run of commit 1234567 is recorded on main/,
    );
    expect(judge('pipeline_time drift since 2026-12-01 worsens <= 5%', creep).note).toMatch(
      /no change of pipeline_time .* since 2026-12-01/,
    );
    // Runs of other branches are not main's drift.
    const feature = creep.map((r) => ({ ...r, branch: 'feature' }));
    expect(judge('pipeline_time drift since 2026-11-01 worsens <= 5%', feature).status).toBe('no-data');
  });

  it('is a row of the comment and of a results.json the schema accepts', () => {
    const result = judge('pipeline_time drift since last-release worsens <= 5%', creep, {
      tag: 'v1.2.0',
      sha: 'aaaaaaa',
    });
    const results = { ...demo, targets: [...demo.targets, result] };
    expect(renderMarkdown(results)).toContain('pipeline_time drift since last-release worsens <= 5%');
    expect(validateResults(JSON.parse(JSON.stringify(results)), 'results.json').targets.at(-1)!.reason).toMatchObject({
      kind: 'drift',
      changes: 3,
    });
  });
});

describe('where a run is placed, and when drift is judged', () => {
  it("a tag or release run is placed among the default branch's runs (from the event), a pull request among its base's", () => {
    const dir = mkdtempSync(join(tmpdir(), 'perf-gate-event-'));
    const event = join(dir, 'event.json');
    writeFileSync(event, JSON.stringify({ repository: { default_branch: 'main' } }));
    expect(baseBranchOf({ GITHUB_REF_TYPE: 'tag', GITHUB_EVENT_PATH: event }, 'v1.2.0')).toBe('main');
    expect(baseBranchOf({ GITHUB_REF: 'refs/tags/v1.2.0', GITHUB_EVENT_PATH: event }, 'v1.2.0')).toBe('main');
    expect(baseBranchOf({ GITHUB_BASE_REF: 'develop' }, 'feature')).toBe('develop');
    expect(baseBranchOf({}, 'feature')).toBe('feature');
    rmSync(dir, { recursive: true, force: true });
  });

  it("on a pull request, drift targets are left out of the run (main's creep is not the pull request's doing)", () => {
    const log = new MemoryLogger();
    const config = { driftTargets: [target('pipeline_time drift since last-release worsens <= 5%')] };
    const judged = judge('pipeline_time drift since 2026-11-01 worsens <= 5%', []);
    const history = { judgeDrift: () => judged };
    const onPullRequest = driftJudge(
      history,
      { log, env: { GITHUB_BASE_REF: 'main' } } as unknown as CliContext,
      config,
    )!;
    expect(onPullRequest(config.driftTargets[0]!, metric)).toBeUndefined();
    expect(log.lines.join('\n')).toContain('drift targets are judged on pushes and releases, not pull requests');
    // On a push, the history judges them.
    const onPush = driftJudge(history, { log, env: {} } as unknown as CliContext, config)!;
    expect(onPush(config.driftTargets[0]!, metric)).toBe(judged);
  });
});
