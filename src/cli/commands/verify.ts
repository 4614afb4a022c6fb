/**
 * `perf-gate verify`: after a deploy, compare the canary with the stable variant on the fleet's own
 * Prometheus-compatible store (src/verify/). The token comes from --prometheus-token or, better, its
 * environment variable PERF_GATE_PROMETHEUS_TOKEN, and is registered as a secret before anything runs.
 */
import { join, resolve } from 'node:path';
import { writeFileAtomic, writeJsonAtomic } from '../../atomic-file.js';
import { toMetricInfo } from '../../config/load.js';
import { parseTarget } from '../../config/targets.js';
import { ExitCode, InputError } from '../../errors.js';
import type { Target } from '../../gate/target.js';
import { readRunContext } from '../../github/event-context.js';
import { publishVerify } from '../../github/publish.js';
import { inertLogText } from '../../log-line.js';
import type { ServerMetricDefinition } from '../../metrics/server-metric-definition.js';
import { makeReportDir } from '../../pipeline/report-dir.js';
import { analyzeBeforeAfter, type BeforeAfterAnalysis } from '../../verify/before-after.js';
import { analyzeCanary, type CanaryAnalysis, isoTime } from '../../verify/canary-analysis.js';
import { prometheusClient } from '../../verify/prometheus-client.js';
import { renderVerifyHtml } from '../../verify/verify-html.js';
import { renderVerifyMarkdown, verifyHeadline } from '../../verify/verify-markdown.js';
import { renderVerifyTerminal, verifyResults } from '../../verify/verify-results.js';
import { readVerifySettings } from '../../verify/verify-settings.js';
import { booleanFlag, type ParsedArgs, stringFlag } from '../args.js';
import { type CliContext, checkNameFrom, commentMode, configFor } from './shared.js';

/** The Check run's name when no --check-name is given: not the gate's (perf-gate). */
export const VERIFY_CHECK_NAME = 'perf-gate verify';

export async function verifyCommand(args: ParsedArgs, cli: CliContext): Promise<number> {
  const { log } = cli;
  const token = stringFlag(args, 'prometheus-token');
  // The whole value and, for a token that names its scheme (FlyV1 fm2_...), the credential after it.
  if (token) for (const part of [token, ...token.trim().split(/\s+/).slice(1)]) log.addSecret(part);
  const url = stringFlag(args, 'prometheus-url');
  if (url) {
    try {
      const password = decodeURIComponent(new URL(url).password);
      if (password) log.addSecret(password);
    } catch {
      // Not a URL: prometheusClient says so, with the URL redacted.
    }
  }
  const config = configFor(args, cli);
  const settings = readVerifySettings(
    {
      prometheusUrl: url,
      compare: stringFlag(args, 'compare'),
      canary: stringFlag(args, 'canary'),
      stable: stringFlag(args, 'stable'),
      selector: stringFlag(args, 'selector'),
      deployTime: stringFlag(args, 'deploy-time'),
      settle: stringFlag(args, 'settle'),
      control: stringFlag(args, 'control'),
      start: stringFlag(args, 'start'),
      end: stringFlag(args, 'end'),
      window: stringFlag(args, 'window'),
      step: stringFlag(args, 'step'),
      rateInterval: stringFlag(args, 'rate-interval'),
      timeout: stringFlag(args, 'timeout'),
      minBuckets: stringFlag(args, 'min-buckets'),
      trafficRatio: stringFlag(args, 'traffic-ratio'),
      maxTrafficDifference: stringFlag(args, 'max-traffic-difference'),
      routeLabel: stringFlag(args, 'route-label'),
      maxRouteDifference: stringFlag(args, 'max-route-difference'),
      resamples: stringFlag(args, 'resamples'),
      seed: stringFlag(args, 'seed'),
    },
    Date.now(),
  );
  const targets = verifyTargets(args.flags.target as string[] | undefined, config.metrics, config.targets, cli);
  const client = prometheusClient({ baseUrl: settings.prometheusUrl, token, timeoutMs: settings.timeoutMs });
  makeReportDir(config.report.dir);
  const { comparison } = settings;
  const common = {
    metrics: config.metrics,
    targets,
    stepSeconds: settings.stepSeconds,
    rateInterval: settings.rateInterval,
    alpha: 1 - config.gate.confidence,
    minBuckets: settings.minBuckets,
    seed: settings.seed,
    resamples: settings.resamples,
    routes: settings.routes,
    queryRange: client.queryRange,
  };
  const traffic = trafficMetric(stringFlag(args, 'traffic-metric'), config.metrics);
  let analysis: CanaryAnalysis | BeforeAfterAnalysis;
  if (comparison.kind === 'canary-vs-stable') {
    log.info(
      `verify: ${targets.length} target(s) on ${client.shownUrl}, canary ${stringFlag(args, 'canary')} vs stable ${stringFlag(args, 'stable')}`,
    );
    analysis = await analyzeCanary({
      ...common,
      canary: comparison.canary,
      stable: comparison.stable,
      start: comparison.start,
      end: comparison.end,
      traffic: { metric: traffic, expectedRatio: settings.trafficRatio, maxDifference: settings.maxTrafficDifference },
    });
  } else {
    log.info(
      `verify: ${targets.length} target(s) on ${client.shownUrl}, ${stringFlag(args, 'selector')} after vs before the deploy at ${isoTime(comparison.deployTime)}; not interleaved`,
    );
    analysis = await analyzeBeforeAfter({
      ...common,
      selector: comparison.selector,
      windows: comparison.windows,
      traffic: { metric: traffic, maxDifference: settings.maxTrafficDifference },
    });
  }
  const results = verifyResults(analysis, {
    version: cli.version,
    store: client.shownUrl,
    comparison,
    stepSeconds: settings.stepSeconds,
    rateInterval: settings.rateInterval,
    resamples: settings.resamples,
    seed: settings.seed,
    minBuckets: settings.minBuckets,
  });
  const path = join(config.report.dir, 'verify.json');
  writeJsonAtomic(path, results);
  const units = new Map(config.metrics.map((m) => [m.name, m.unit]));
  const context = readRunContext(cli.env);
  const markdown = renderVerifyMarkdown(results, units, { runUrl: context?.runUrl });
  const reportPath = join(config.report.dir, 'verify.md');
  writeFileAtomic(reportPath, markdown);
  writeFileAtomic(
    join(config.report.dir, 'verify.html'),
    renderVerifyHtml(results, units, { runUrl: context?.runUrl }),
  );
  if (results.trafficMix?.flagged)
    log.warning(
      `traffic mix: canary/stable request rate ${results.trafficMix.ratio.toFixed(3)}, expected ${results.trafficMix.expectedRatio} ± ${(results.trafficMix.maxDifference * 100).toFixed(0)} %`,
    );
  if (results.routeMix?.flagged)
    log.warning(
      `route mix: ${(results.routeMix.distance * 100).toFixed(1)} % of requests would have to change ${results.routeMix.label} for the two sides to match, beyond ${(results.routeMix.maxDistance * 100).toFixed(0)} %`,
    );
  if (results.trafficShift?.flagged)
    log.warning(
      `traffic shift: the request rate after the deploy is ${results.trafficShift.ratio.toFixed(3)} × the rate before${results.trafficShift.controlRatio === null ? '' : ' (against the control windows)'}, beyond 1 ± ${(results.trafficShift.maxDifference * 100).toFixed(0)} %`,
    );
  if (booleanFlag(args, 'json')) cli.stdout(`${JSON.stringify(results, null, 2)}\n`);
  else {
    cli.stdout(`\n${inertLogText(renderVerifyTerminal(results, units))}\n\nresults: ${path}\n`);
  }
  if (cli.runner) {
    const githubToken = stringFlag(args, 'github-token');
    if (githubToken) log.addSecret(githubToken);
    // The gate's Check is named perf-gate; verify's gets its own name, so a deploy's verdict never replaces the gate's on the commit.
    const checkName =
      args.flags['check-name'] === undefined && cli.env.PERF_GATE_CHECK_NAME === undefined
        ? VERIFY_CHECK_NAME
        : checkNameFrom(args, cli.env);
    await publishVerify(
      {
        verdict: results.verdict,
        title: verifyHeadline(results),
        markdown,
        files: { resultsPath: resolve(path), reportPath: resolve(reportPath) },
      },
      {
        log,
        github: {
          context,
          token: githubToken,
          commentMode: commentMode(args),
          // Its own sticky comment: a gate in the same job keeps its comment.
          commentKey: stringFlag(args, 'comment-key') ?? 'verify',
          checkName,
          apiUrl: cli.env.GITHUB_API_URL,
          workspace: cli.env.GITHUB_WORKSPACE,
          cwd: process.cwd(),
        },
        jobSummary: cli.runner,
        outputs: cli.runner,
      },
    );
  }
  switch (results.verdict) {
    case 'pass':
      return ExitCode.ok;
    case 'fail':
      return ExitCode.targetMissed;
    case 'inconclusive':
      if (config.gate.failOnInconclusive) {
        log.error('the verdict is inconclusive and fail-on-inconclusive is set');
        return ExitCode.targetMissed;
      }
      log.warning(
        'the verdict is inconclusive: the data could not decide every target; not failing because fail-on-inconclusive is off',
      );
      return ExitCode.ok;
  }
}

/**
 * --target lines when given, else the config's targets on its own metrics: client-side metrics
 * (latency_p95 as the load generator measures it) do not exist in the store, and are named as left out.
 */
function verifyTargets(
  given: string[] | undefined,
  metrics: readonly ServerMetricDefinition[],
  configured: readonly Target[],
  cli: CliContext,
): Target[] {
  const infos = metrics.map(toMetricInfo);
  if (given && given.length > 0) return given.map((line) => parseTarget(line, infos, '--target'));
  const names = new Set(metrics.map((m) => m.name));
  const left = configured.filter((t) => !names.has(t.metric));
  if (left.length > 0)
    cli.log.info(
      `not verified (client-side metrics, not in the store): ${left.map((t) => JSON.stringify(t.expression)).join(', ')}`,
    );
  const kept = configured.filter((t) => names.has(t.metric));
  if (kept.length === 0)
    throw new InputError(
      "verify: no target names one of the config's metrics; give --target lines such as 'pipeline_time worsens <= 5%'",
    );
  return kept;
}

function trafficMetric(
  name: string | undefined,
  metrics: readonly ServerMetricDefinition[],
): ServerMetricDefinition | undefined {
  if (name !== undefined) {
    const found = metrics.find((m) => m.name === name);
    if (!found)
      throw new InputError(
        `--traffic-metric: ${JSON.stringify(name)} is not one of the config's metrics (${metrics.map((m) => m.name).join(', ') || 'none'})`,
      );
    return found;
  }
  return (
    metrics.find((m) => m.kind === 'counter_rate') ??
    metrics.find((m) => m.kind === 'histogram_mean' || m.kind === 'histogram_quantile')
  );
}
