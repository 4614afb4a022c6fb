/**
 * Stage 4: compare. Decides the verdict on the rounds (decide.ts), writes results.json, report.md
 * and report.html (write-reports.ts), and hands them to the publisher the caller passed (the CLI
 * passes one inside GitHub Actions: outputs, job summary, PR comment, Check). Runs after a failed
 * stage too, so the pull request learns what broke, with whatever rounds were measured.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { DriftTarget } from '../../config/drift-targets.js';
import { metricCatalog } from '../../config/load.js';
import type { RunContext } from '../../github/event-context.js';
import { judgeDriftTarget } from '../../history/drift-target.js';
import type { MetricDirection, MetricUnit, RoundRecord } from '../../model/round-record.js';
import type { MetricTrend, ReleaseDrift, Results, TargetResult } from '../../report/results.js';
import type { StageContext } from '../context.js';
import { decide } from '../decide.js';
import type { StoredBaseline } from '../stored-baseline.js';
import { type ReportFiles, writeReports } from '../write-reports.js';
import { roundsPath, storedBaselineOf } from './bench.js';

export interface CompareOptions {
  version: string;
  /** What the workflow run is about, read by the CLI: its PR goes into results.json, its link into the reports. */
  context?: RunContext;
  /** Publishes the written results; absent, the stage writes the files only (an interrupted run must not wait on the network). */
  publish?: (results: Results, files: ReportFiles) => Promise<unknown>;
  /** Where the run lands among the recorded runs of its base branch (--history); absent, no trend. */
  trends?: (results: Results) => MetricTrend[];
  /** A release gate's drift since the previous release (--history on a tag); absent or undefined, none shown. */
  releaseDrift?: (results: Results) => ReleaseDrift | undefined;
  /**
   * Judges a drift target on the history (--history), or leaves it out of this run (undefined: a pull
   * request); absent, drift targets have no data.
   */
  judgeDrift?: (
    target: DriftTarget,
    metric: { unit: MetricUnit; direction: MetricDirection },
  ) => TargetResult | undefined;
}

export interface CompareOutcome extends ReportFiles {
  results: Results;
}

function storedBaselineOrNothing(ctx: StageContext): StoredBaseline | undefined {
  try {
    return storedBaselineOf(ctx);
  } catch (error) {
    ctx.log.warning(`the stored baseline could not be read: ${(error as Error).message}`);
    return undefined;
  }
}

export function readRounds(reportDir: string): RoundRecord[] {
  const path = roundsPath(reportDir);
  if (!existsSync(path)) return [];
  return JSON.parse(readFileSync(path, 'utf8')) as RoundRecord[];
}

/** The config's drift targets judged on the history, or as having no data when the run was given none. */
function driftResults(config: StageContext['config'], options: CompareOptions): TargetResult[] {
  const catalog = metricCatalog(config);
  return (config.driftTargets ?? []).flatMap((target) => {
    const info = catalog.find((m) => m.name === target.metric)!;
    const metric = { unit: info.unit, direction: info.direction };
    if (options.judgeDrift) return options.judgeDrift(target, metric) ?? [];
    return judgeDriftTarget(target, {
      records: undefined,
      branch: '',
      level: config.gate.confidence,
      ...metric,
    });
  });
}

export async function compareStage(ctx: StageContext, options: CompareOptions): Promise<CompareOutcome> {
  const { config, state, log } = ctx;
  const stored = state.failure?.stage === 'migrate' ? undefined : storedBaselineOrNothing(ctx);
  const results = decide({
    version: options.version,
    config,
    state,
    rounds: readRounds(ctx.reportDir),
    stored,
    finishedAt: new Date().toISOString(),
    pullRequest: options.context?.pullRequest,
    drift: driftResults(config, options),
  });
  const trends = options.trends?.(results) ?? [];
  if (trends.length > 0) results.trends = trends;
  const releaseDrift = options.releaseDrift?.(results);
  if (releaseDrift) results.releaseDrift = releaseDrift;
  const files = writeReports(results, ctx.reportDir, { runUrl: options.context?.runUrl });
  log.info(`wrote ${files.resultsPath}, ${files.reportPath} and ${files.htmlPath}`);
  await options.publish?.(results, files);
  return { results, ...files };
}
