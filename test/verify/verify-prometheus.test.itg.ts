/**
 * `perf-gate verify` against a real Prometheus server holding known synthetic series: request rate
 * and latency both swing over the window (as a day's traffic does), and each variant has its own
 * autocorrelated noise. A canary 20 % slower must fail "worsens <= 5%"; a canary identical to stable
 * must not fail; a canary that saw half the traffic is flagged; a matcher that selects nothing and a
 * store that is down end in exit 3, never a pass.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { MemoryLogger } from '../../src/log.js';
import { createRandom } from '../../src/stats/prng.js';
import type { MetricBuckets } from '../../src/verify/canary-analysis.js';
import type { VerifyResults } from '../../src/verify/verify-results.js';
import { type ActionRun, runAction } from '../harness/composite-runner.js';
import { loadEventFixture } from '../harness/events.js';
import { FakeGitHubApi } from '../helpers/fake-github-api.js';
import {
  backfill,
  freePort,
  type OpenMetricsSample,
  openMetricsText,
  type PrometheusServer,
  prometheusMissing,
  startPrometheus,
} from '../helpers/prometheus-server.js';
import { requireService } from '../helpers/services.js';

const missing = prometheusMissing();
const SCRAPE = 15;
const TOKEN = 'pg-test-token-7f3a9c1e5b2d';

interface Scenario {
  name: string;
  canarySlowdown: number;
  canaryTraffic: number;
}
const SCENARIOS: Scenario[] = [
  { name: 'slow', canarySlowdown: 1.2, canaryTraffic: 1 },
  { name: 'same', canarySlowdown: 1, canaryTraffic: 1 },
  { name: 'mix', canarySlowdown: 1, canaryTraffic: 0.5 },
  { name: 'routes', canarySlowdown: 1, canaryTraffic: 1 },
];

/** Share of requests on /search (the rest are /health): the 'routes' canary is asked mostly health checks. */
function searchShare(scenario: string, canary: boolean): number {
  return scenario === 'routes' && canary ? 0.4 : 0.8;
}

/** 90 minutes of 15-second samples per variant and scenario, ending 10 minutes ago. */
function syntheticSeries(now: number): { samples: OpenMetricsSample[]; start: number; end: number } {
  const end = Math.floor(now / SCRAPE) * SCRAPE - 600;
  const start = end - 90 * 60;
  const random = createRandom(17);
  const samples: OpenMetricsSample[] = [];
  for (const scenario of SCENARIOS) {
    for (const version of ['stable', 'canary']) {
      const canary = version === 'canary';
      const labels = { scenario: scenario.name, version };
      let count = 0;
      let sum = 0;
      let errors = 0;
      let noise = 0;
      for (let t = start; t <= end; t += SCRAPE) {
        const phase = t - start;
        // Traffic and latency move together for both variants: the pairing by bucket must absorb this.
        const rate = (8 + 6 * Math.sin((2 * Math.PI * phase) / 2400)) * (canary ? scenario.canaryTraffic : 1);
        noise = 0.9 * noise + 0.03 * random.normal();
        const latency =
          0.1 *
          (1 + 0.4 * Math.sin((2 * Math.PI * phase) / 1500)) *
          Math.exp(noise) *
          (canary ? scenario.canarySlowdown : 1);
        count += rate * SCRAPE;
        sum += rate * SCRAPE * latency;
        errors += rate * SCRAPE * 0.005;
        const sample = (family: string, type: OpenMetricsSample['type'], name: string, value: number) =>
          samples.push({ family, type, name, labels, time: t, value: Number(value.toFixed(6)) });
        sample('app_request_duration_seconds', 'summary', 'app_request_duration_seconds_sum', sum);
        sample('app_request_duration_seconds', 'summary', 'app_request_duration_seconds_count', count);
        for (const [route, share] of [
          ['/search', searchShare(scenario.name, canary)],
          ['/health', 1 - searchShare(scenario.name, canary)],
        ] as const)
          samples.push({
            family: 'app_requests',
            type: 'counter',
            name: 'app_requests_total',
            labels: { ...labels, route },
            time: t,
            value: Number((count * share).toFixed(6)),
          });
        sample('app_errors', 'counter', 'app_errors_total', errors);
      }
    }
  }
  return { samples, start, end };
}

const DAY = 86_400;

/**
 * Before vs after: one service per scenario (no version label), one-minute samples from a day and two
 * hours before the deploy to 10 minutes ago, with a daily cycle in latency and traffic. The deploy is
 * 75 minutes before the end; in 'ba-slow' it makes every request 20 % slower.
 */
function beforeAfterSeries(now: number): { samples: OpenMetricsSample[]; deploy: number } {
  const step = 60;
  const end = Math.floor(now / step) * step - 600;
  const deploy = end - 75 * 60;
  const start = deploy - DAY - 2 * 3600;
  const random = createRandom(29);
  const samples: OpenMetricsSample[] = [];
  for (const [scenario, effect] of [
    ['ba-slow', 1.2],
    ['ba-same', 1],
  ] as const) {
    const labels = { scenario };
    let count = 0;
    let sum = 0;
    let noise = 0;
    for (let t = start; t <= end; t += step) {
      const daily = Math.sin((2 * Math.PI * (t % DAY)) / DAY - Math.PI / 2);
      const rate = 20 + 12 * daily;
      noise = 0.7 * noise + 0.03 * random.normal();
      const latency = 0.08 * (1 + 0.4 * daily) * Math.exp(noise) * (t > deploy ? effect : 1);
      count += rate * step;
      sum += rate * step * latency;
      const sample = (family: string, type: OpenMetricsSample['type'], name: string, value: number) =>
        samples.push({ family, type, name, labels, time: t, value: Number(value.toFixed(6)) });
      sample('app_request_duration_seconds', 'summary', 'app_request_duration_seconds_sum', sum);
      sample('app_request_duration_seconds', 'summary', 'app_request_duration_seconds_count', count);
      sample('app_requests', 'counter', 'app_requests_total', count);
      sample('app_errors', 'counter', 'app_errors_total', count * 0.004);
    }
  }
  return { samples, deploy };
}

const CONFIG = `
backend:
  kind: url
  baseline: { url: http://127.0.0.1:18080 }
  candidate: { url: http://127.0.0.1:18081 }
load:
  rate: 20
  roundDuration: 2s
  pairs: 6
  workload:
    requests:
      - { method: get, path: /search?q=postgres }
metrics:
  - name: pipeline_time
    kind: histogram_mean
    metric: app_request_duration_seconds
    unit: ms
  - name: error_ratio
    kind: counter_ratio
    metric: app_errors_total
    denominator: { metric: app_requests_total }
    unit: ratio
  - name: request_rate
    kind: counter_rate
    metric: app_requests_total
    unit: req/s
    direction: higher-is-better
targets:
  - pipeline_time worsens <= 5%
  - error_ratio <= 1%
  - latency_p95 worsens <= 5%
`;

describe('perf-gate verify against a real Prometheus', () => {
  let dir = '';
  let server: PrometheusServer | undefined;
  let window = { start: 0, end: 0 };
  let deploy = 0;

  beforeAll(async () => {
    if (!requireService('prometheus', { available: !missing, reason: missing ?? '' })) return;
    dir = mkdtempSync(join(tmpdir(), 'perf-gate-verify-'));
    const series = syntheticSeries(Date.now() / 1000);
    const around = beforeAfterSeries(Date.now() / 1000);
    const dataDir = backfill(dir, openMetricsText([...series.samples, ...around.samples]));
    server = await startPrometheus(dir, dataDir);
    window = { start: series.start + 120, end: series.end };
    deploy = around.deploy;
    writeFileSync(join(dir, 'perf-gate.yml'), CONFIG);
  });

  afterAll(async () => {
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function verify(
    scenario: string,
    extra: string[] = [],
    url = server!.url,
  ): Promise<{ code: number; out: string; log: MemoryLogger; results?: VerifyResults }> {
    const log = new MemoryLogger();
    const out: string[] = [];
    const reportDir = join(dir, `report-${scenario}-${extra.length}`);
    const code = await main(
      [
        'verify',
        '--config',
        join(dir, 'perf-gate.yml'),
        '--prometheus-url',
        url,
        '--canary',
        `version="canary", scenario="${scenario}"`,
        '--stable',
        `version="stable",scenario="${scenario}"`,
        '--start',
        String(window.start),
        '--end',
        String(window.end),
        '--report-dir',
        reportDir,
        ...extra,
      ],
      { stdout: (t) => out.push(t), log, env: { PERF_GATE_PROMETHEUS_TOKEN: TOKEN, GITHUB_WORKSPACE: dir } },
    );
    let results: VerifyResults | undefined;
    try {
      results = JSON.parse(readFileSync(join(reportDir, 'verify.json'), 'utf8')) as VerifyResults;
    } catch {
      results = undefined;
    }
    return { code, out: out.join(''), log, results };
  }

  it('fails a canary 20 % slower on "pipeline_time worsens <= 5%", with the estimate near +20 %', async (ctx) => {
    if (!server) return ctx.skip(missing);
    const { code, out, log, results } = await verify('slow');
    expect(code, log.lines.join('\n')).toBe(1);
    const target = results!.targets.find((t) => t.metric === 'pipeline_time')!;
    expect(target.status).toBe('fail');
    expect(target.estimate!).toBeGreaterThan(0.17);
    expect(target.estimate!).toBeLessThan(0.23);
    expect(target.interval![0]).toBeGreaterThan(0.05);
    expect(results!.verdict).toBe('fail');
    expect(results!.mode).toBe('verify');
    // 88 minutes of 1-minute buckets, every one of them served by both variants.
    const metrics = results!.metrics as MetricBuckets[];
    expect(metrics.find((m) => m.metric === 'pipeline_time')!.paired).toBeGreaterThanOrEqual(85);
    expect(metrics[0]!.queries.canary).toContain('version="canary"');
    expect(metrics[0]!.queries.canary).toContain('scenario="slow"');
    expect(out).toContain('FAIL');
    // verify.html draws the buckets the analysis used: every paired bucket, both variants.
    const pipeline = metrics.find((m) => m.metric === 'pipeline_time')!;
    expect(pipeline.series).toHaveLength(pipeline.paired);
    const html = readFileSync(join(dir, 'report-slow-0', 'verify.html'), 'utf8');
    expect(html).toContain('<title>perf-gate verify: FAIL</title>');
    expect(html.match(/<title>canary, minutes since the window began /g)!.length).toBeGreaterThanOrEqual(85);
    // The client-side target is named as not verified, not silently dropped.
    expect(log.lines.join('\n')).toContain('latency_p95 worsens <= 5%');
  });

  it('does not fail a canary identical to stable, and passes the absolute error-ratio target', async (ctx) => {
    if (!server) return ctx.skip(missing);
    const { code, log, results } = await verify('same');
    expect(code, log.lines.join('\n')).toBe(0);
    expect(results!.verdict).not.toBe('fail');
    const time = results!.targets.find((t) => t.metric === 'pipeline_time')!;
    expect(time.status).not.toBe('fail');
    expect(Math.abs(time.estimate!)).toBeLessThan(0.05);
    expect(results!.targets.find((t) => t.metric === 'error_ratio')!.status).toBe('pass');
    expect(results!.trafficMix!.flagged).toBe(false);
  });

  it('flags a canary that saw half the traffic, and does not report a pass', async (ctx) => {
    if (!server) return ctx.skip(missing);
    const { results, log } = await verify('mix');
    expect(results!.trafficMix!.flagged).toBe(true);
    expect(results!.trafficMix!.ratio).toBeCloseTo(0.5, 2);
    expect(results!.verdict).not.toBe('pass');
    expect(log.lines.join('\n')).toContain('traffic mix');
    // Told that half the traffic is intended, the same data is not flagged.
    const intended = await verify('mix', ['--traffic-ratio', '0.5']);
    expect(intended.results!.trafficMix!.flagged).toBe(false);
  });

  it('flags a canary asked other kinds of requests (--route-label), and does not report a pass', async (ctx) => {
    if (!server) return ctx.skip(missing);
    const { results, log, out } = await verify('routes', ['--route-label', 'route']);
    const mix = results!.routeMix!;
    expect(mix.flagged).toBe(true);
    // 80 % /search on stable, 40 % on the canary: 40 % of requests would have to change route.
    expect(mix.distance).toBeCloseTo(0.4, 2);
    expect(mix.routes).toBe(2);
    expect(mix.queries.first).toMatch(/^sum by \(route\) \(rate\(app_requests_total\{.*version="canary"/);
    expect(results!.verdict).not.toBe('pass');
    expect(log.lines.join('\n')).toContain('route mix');
    expect(out).toContain('FLAGGED: the canary and the stable were not asked the same kinds of requests');
    // The same route mix on both sides is not flagged.
    const same = await verify('same', ['--route-label', 'route']);
    expect(same.results!.routeMix!.flagged).toBe(false);
    expect(same.results!.routeMix!.distance).toBeLessThan(0.01);
  });

  it('never prints or writes the bearer token', async (ctx) => {
    if (!server) return ctx.skip(missing);
    const { out, log, results } = await verify('same', ['--json']);
    expect(out).not.toContain(TOKEN);
    expect(log.lines.join('\n')).not.toContain(TOKEN);
    expect(JSON.stringify(results)).not.toContain(TOKEN);
  });

  it('exits 3 with the query shown when a matcher selects nothing', async (ctx) => {
    if (!server) return ctx.skip(missing);
    const { code, log } = await verify('no-such-scenario');
    expect(code).toBe(3);
    expect(log.lines.join('\n')).toMatch(/returned no values .*scenario="no-such-scenario"/);
  });

  it('exits 3 naming the store when Prometheus is down', async (ctx) => {
    if (!server) return ctx.skip(missing);
    const port = await freePort();
    const { code, log } = await verify('same', ['--timeout', '5s'], `http://user:hunter2secret@127.0.0.1:${port}`);
    expect(code).toBe(3);
    const text = log.lines.join('\n');
    expect(text).toContain(`127.0.0.1:${port}/api/v1/query_range`);
    expect(text).not.toContain('hunter2secret');
  });

  async function beforeAfter(scenario: string, extra: string[] = []) {
    const log = new MemoryLogger();
    const out: string[] = [];
    const reportDir = join(dir, `report-${scenario}-ba-${extra.length}`);
    const code = await main(
      [
        'verify',
        '--config',
        join(dir, 'perf-gate.yml'),
        '--prometheus-url',
        server!.url,
        '--selector',
        `scenario="${scenario}"`,
        '--deploy-time',
        String(deploy),
        '--window',
        '1h',
        '--report-dir',
        reportDir,
        ...extra,
      ],
      { stdout: (t) => out.push(t), log, env: { GITHUB_WORKSPACE: dir } },
    );
    const results = JSON.parse(readFileSync(join(reportDir, 'verify.json'), 'utf8')) as VerifyResults;
    return { code, out: out.join(''), log, results, markdown: readFileSync(join(reportDir, 'verify.md'), 'utf8') };
  }

  it('before vs after a deploy that made requests 20 % slower: fails, the estimate near +20 % against the day-earlier control', async (ctx) => {
    if (!server) return ctx.skip(missing);
    const { code, out, log, results, markdown } = await beforeAfter('ba-slow');
    expect(code, log.lines.join('\n')).toBe(1);
    expect(results.comparison).toBe('before-after');
    expect(results.beforeAfter).toMatchObject({ selector: 'scenario="ba-slow"', controlShiftSeconds: 86_400 });
    const time = results.targets.find((t) => t.metric === 'pipeline_time')!;
    expect(time.status).toBe('fail');
    expect(time.estimate!).toBeGreaterThan(0.15);
    expect(time.estimate!).toBeLessThan(0.25);
    // A one-hour window of one-minute buckets, each with its bucket a day earlier.
    expect(time.buckets).toBeGreaterThanOrEqual(55);
    expect(results.trafficShift!.flagged).toBe(false);
    expect(out).toContain('Not interleaved');
    expect(markdown).toContain('❌ perf-gate verify: after the deploy, 1 of 2 targets missed against before it');
    expect(markdown).toContain('**Not interleaved:');
    const html = readFileSync(join(dir, 'report-ba-slow-ba-0', 'verify.html'), 'utf8');
    expect(html).toContain('Minutes from the deploy');
    expect(html.match(/<title>after the deploy, minutes from the deploy /g)!.length).toBeGreaterThanOrEqual(55);
  });

  it('before vs after a deploy that changed nothing: not a fail, with and without the control', async (ctx) => {
    if (!server) return ctx.skip(missing);
    const same = await beforeAfter('ba-same');
    expect(same.code, same.log.lines.join('\n')).toBe(0);
    expect(same.results.targets.find((t) => t.metric === 'pipeline_time')!.status).not.toBe('fail');
    expect(Math.abs(same.results.targets.find((t) => t.metric === 'pipeline_time')!.estimate!)).toBeLessThan(0.05);
    const alone = await beforeAfter('ba-same', ['--control', 'none']);
    expect(alone.results.beforeAfter!.controlShiftSeconds).toBeNull();
    expect(alone.out).toContain('No control period was used');
  });

  it('before vs after with a control older than the store holds: exit 3 naming the control', async (ctx) => {
    if (!server) return ctx.skip(missing);
    const log = new MemoryLogger();
    const code = await main(
      [
        'verify',
        '--config',
        join(dir, 'perf-gate.yml'),
        '--prometheus-url',
        server!.url,
        '--selector',
        'scenario="ba-same"',
        '--deploy-time',
        String(deploy),
        '--control',
        '7d',
        '--report-dir',
        join(dir, 'report-ba-7d'),
      ],
      { stdout: () => {}, log, env: { GITHUB_WORKSPACE: dir } },
    );
    expect(code).toBe(3);
    expect(log.lines.join('\n')).toMatch(/168 h before either window, the control/);
  });
});

describe('the action in mode verify, through the runner harness, against the same Prometheus', () => {
  const root = resolve(import.meta.dirname, '../..');
  let dir = '';
  let deploy = 0;
  let server: PrometheusServer | undefined;
  let api: FakeGitHubApi;
  const runs: ActionRun[] = [];

  beforeAll(async () => {
    if (!existsSync(join(root, 'dist/index.js')))
      throw new Error('dist/index.js is missing: the action runs the bundle (npm run build)');
    api = await FakeGitHubApi.start();
    if (!requireService('prometheus', { available: !missing, reason: missing ?? '' })) return;
    dir = mkdtempSync(join(tmpdir(), 'perf-gate-verify-action-'));
    const series = syntheticSeries(Date.now() / 1000);
    const around = beforeAfterSeries(Date.now() / 1000);
    server = await startPrometheus(dir, backfill(dir, openMetricsText([...series.samples, ...around.samples])));
    deploy = around.deploy;
    mkdirSync(join(dir, 'workspace'));
    writeFileSync(join(dir, 'workspace', 'perf-gate.yml'), CONFIG);
  });

  afterAll(async () => {
    for (const run of runs) run.dispose();
    await api?.close();
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function action(inputs: Record<string, string>): Promise<ActionRun> {
    const run = await runAction({
      actionDir: root,
      apiUrl: api.baseUrl,
      githubToken: api.token,
      repository: 'octo-org/octo-service',
      event: loadEventFixture('push-release'),
      workspace: join(dir, 'workspace'),
      secrets: [TOKEN],
      stepTimeoutMs: 120_000,
      inputs,
    });
    runs.push(run);
    return run;
  }

  const transcript = (run: ActionRun) =>
    run.steps.map((s) => `--- ${s.id} (${s.outcome})\n${s.stdout.slice(-2000)}\n${s.stderr.slice(-2000)}`).join('\n');

  it('a canary 20 % slower after a release: verify fails the step, sets the outputs, writes the summary and a failed Check of its own name', async (ctx) => {
    if (!server) return ctx.skip(missing);
    const before = api.requests.length;
    const run = await action({
      mode: 'verify',
      'prometheus-url': server.url,
      'prometheus-token': TOKEN,
      canary: 'version="canary",scenario="slow"',
      stable: 'version="stable",scenario="slow"',
      window: '85m',
    });
    expect(run.outcome, transcript(run)).toBe('failure');
    expect(run.steps.map((s) => `${s.id}:${s.outcome}`)).toEqual([
      'mode:skipped',
      'migrate:skipped',
      'boot:skipped',
      'bench:skipped',
      'compare:skipped',
      'history:skipped',
      'verify:failure',
      'cleanup:skipped',
    ]);
    expect(run.step('verify').exitCode).toBe(1);
    expect(run.outputs.verdict).toBe('fail');
    expect(run.outputs['results-path']).toMatch(/verify\.json$/);
    const markdown = readFileSync(run.outputs['report-path']!, 'utf8');
    expect(markdown).toContain('❌ perf-gate verify: the canary missed 1 of 2 targets');
    expect(markdown).toContain('`pipeline_time worsens <= 5%`');
    expect(run.summary).toContain('❌ perf-gate verify');
    // A push has no pull request: the Check only, on the pushed commit, not named as the gate's.
    expect(api.requests.slice(before).map((r) => r.route)).toEqual(['createCheckRun']);
    const event = loadEventFixture('push-release');
    expect(api.checkRuns.at(-1)).toMatchObject({
      name: 'perf-gate verify',
      head_sha: (event.payload as { after: string }).after,
      conclusion: 'failure',
    });
    for (const file of [run.outputs['results-path']!, run.outputs['report-path']!])
      expect(readFileSync(file, 'utf8')).not.toContain(TOKEN);
    // The harness fails the run on any masked value in later output; the token was one.
    expect(run.leaks).toEqual([]);
  }, 180_000);

  it('an identical canary: the step passes and the Check is green', async (ctx) => {
    if (!server) return ctx.skip(missing);
    const run = await action({
      mode: 'verify',
      'prometheus-url': server.url,
      canary: 'version="canary",scenario="same"',
      stable: 'version="stable",scenario="same"',
      window: '85m',
      'check-name': 'production',
    });
    expect(run.outcome, transcript(run)).toBe('success');
    expect(run.outputs.verdict).not.toBe('fail');
    expect(api.checkRuns.at(-1)).toMatchObject({ name: 'production' });
    expect(api.checkRuns.at(-1)!.conclusion).not.toBe('failure');
  }, 180_000);

  it('before vs after through the deploy-time and selector inputs: the slower release fails the step, the summary says it was not interleaved', async (ctx) => {
    if (!server) return ctx.skip(missing);
    const run = await action({
      mode: 'verify',
      'prometheus-url': server.url,
      selector: 'scenario="ba-slow"',
      'deploy-time': new Date(deploy * 1000).toISOString(),
      window: '1h',
    });
    expect(run.outcome, transcript(run)).toBe('failure');
    expect(run.step('verify').exitCode).toBe(1);
    expect(run.outputs.verdict).toBe('fail');
    expect(run.summary).toContain('❌ perf-gate verify: after the deploy, 1 of 2 targets missed against before it');
    expect(run.summary).toContain('Not interleaved');
    expect(api.checkRuns.at(-1)).toMatchObject({ name: 'perf-gate verify', conclusion: 'failure' });
  }, 180_000);

  it('a mode that is neither gate nor verify: exit 2 naming the input, nothing else runs, no hostile text in the log', async () => {
    const run = await action({ mode: 'Verfy\n::set-output name=verdict::pass' });
    expect(run.outcome).toBe('failure');
    expect(run.step('mode').exitCode).toBe(2);
    expect(run.steps.filter((s) => s.ran).map((s) => s.id)).toEqual(['mode']);
    const errors = run.annotations.filter((a) => a.command === 'error').map((a) => a.message);
    expect(errors).toEqual(["input 'mode': got 'Verfyset-outputnameverdictpass'; expected gate or verify"]);
    expect(run.outputs.verdict).toBe('');
  }, 60_000);
});
