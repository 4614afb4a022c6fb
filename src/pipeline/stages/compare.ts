/**
 * Stage 4 and 5: judge the targets on the rounds, write results.json and report.md, and publish
 * (job summary, sticky PR comment, Check run, action outputs). Runs after a failed stage too, so the
 * pull request learns what broke, with whatever rounds were measured.
 */
import * as core from '@actions/core';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { targetAnnotations, workspaceRelativePath, type CheckAnnotation } from '../../github/annotations.js';
import { writeFileAtomic, writeJsonAtomic } from '../../atomic-file.js';
import { renderHtml } from '../../report/html.js';
import { metricCatalog } from '../../config/load.js';
import { evaluateTargets } from '../../gate/evaluate-targets.js';
import { readRunContext } from '../../github/event-context.js';
import { publishResults } from '../../github/publish.js';
import type { CommentMode } from '../../github/sticky-comment.js';
import type { RoundRecord } from '../../model/round-record.js';
import { SecretMasker } from '../../log.js';
import { maskResults } from '../../report/mask-results.js';
import { renderMarkdown } from '../../report/markdown.js';
import type { Results } from '../../report/results.js';
import { buildResults } from '../build-results.js';
import type { StageContext } from '../context.js';
import { roundsPath, sequentialPlan, storedBaselineOf } from './bench.js';
import { withStoredBaseline, type StoredBaseline } from '../stored-baseline.js';
import { roundPlanRecord } from '../../load/round-plan.js';

export interface ReportOptions {
  version: string;
  /** false: write the files only (an interrupted run must not wait on the network). Default true. */
  publish?: boolean;
  github?: { token?: string; commentMode: CommentMode; commentKey?: string; checkName?: string };
}

/** Check-run annotations on the config file's target lines, when the config lives in the workspace. */
function configAnnotations(results: Results, configPath: string | null): CheckAnnotation[] | undefined {
  const workspace = process.env.GITHUB_WORKSPACE;
  if (!configPath || !workspace) return undefined;
  const path = workspaceRelativePath(configPath, workspace, process.cwd());
  if (!path) return undefined;
  try {
    return targetAnnotations(results, { path, text: readFileSync(resolve(configPath), 'utf8') });
  } catch {
    return undefined;
  }
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

export async function compareStage(ctx: StageContext, options: ReportOptions): Promise<{ results: Results; resultsPath: string; reportPath: string; commentUrl?: string }> {
  const { config, state, log } = ctx;
  const stored = state.failure?.stage === 'migrate' ? undefined : storedBaselineOrNothing(ctx);
  const rounds = withStoredBaseline(readRounds(ctx.reportDir), stored);
  const catalog = metricCatalog(config);
  const plan = sequentialPlan(ctx);
  const look = Math.min(state.bench?.look ?? 1, plan.pairsAtLook.length);
  const evaluation = rounds.length > 0 && !state.failure ? evaluateTargets(config.targets, rounds, catalog, { minPairs: config.gate.minPairs, sequential: { plan, look } }) : null;
  // Masked before rendering: report.md, report.html and results.json all come from this one object.
  const results = maskResults(buildResults({
    version: options.version,
    runId: state.runId,
    plan: roundPlanRecord(config.load.seed, config.load.design),
    startedAt: state.startedAt,
    finishedAt: new Date().toISOString(),
    config: config.source,
    rounds,
    catalog,
    evaluation,
    confidence: config.gate.confidence,
    plannedPairs: config.load.pairs,
    stoppingReason: state.bench?.stoppingReason ?? (state.failure ? `${state.failure.stage} failed` : 'not started'),
    migration: state.database ? { strategy: state.database.strategy, throwaway: state.database.throwaway?.kind ?? null, serverVersion: state.database.serverVersion ?? null, ...state.database.migration } : null,
    environment: {
      ...(state.backend?.environment ?? {}),
      postgres: state.database?.serverVersion ?? null,
      ...(stored ? { baseline: `stored: ${stored.rounds.length} candidate rounds of run ${stored.runId} (finished ${stored.finishedAt}), not interleaved with this run, so drift between the two runs is not cancelled` } : {}),
    },
    error: state.failure,
    mode: state.aa ? 'aa' : undefined,
  }), SecretMasker.of([...state.secrets, ...config.secrets]));

  const context = readRunContext();
  if (context?.pullRequest) results.pullRequest = { number: context.pullRequest.number, headSha: context.pullRequest.headSha };
  const markdown = renderMarkdown(results, { runUrl: context?.runUrl, artifactHint: 'full results in the perf-gate-report artifact' });
  const resultsPath = join(ctx.reportDir, 'results.json');
  const reportPath = join(ctx.reportDir, 'report.md');
  const htmlPath = join(ctx.reportDir, 'report.html');
  // Reports are for people and the artifact upload; readable like any file the user writes.
  writeJsonAtomic(resultsPath, results, { mode: 0o644 });
  writeFileAtomic(reportPath, markdown, { mode: 0o644 });
  writeFileAtomic(htmlPath, renderHtml(results, { runUrl: context?.runUrl }), { mode: 0o644 });
  log.info(`wrote ${resultsPath}, ${reportPath} and ${htmlPath}`);

  let commentUrl: string | undefined;
  if (process.env.GITHUB_ACTIONS === 'true' && options.publish !== false) {
    // Set before publishing: a token GitHub refuses (401) throws there, and the verdict stands.
    core.setOutput('verdict', results.verdict);
    core.setOutput('results-path', resultsPath);
    core.setOutput('report-path', reportPath);
    const outcome = await publishResults({
      results,
      markdown,
      context,
      token: options.github?.token,
      commentMode: options.github?.commentMode ?? 'update',
      commentKey: options.github?.commentKey,
      checkName: options.github?.checkName,
      annotations: configAnnotations(results, state.configPath),
      log,
      writeJobSummary: true,
    });
    commentUrl = outcome.commentUrl;
    core.setOutput('comment-url', commentUrl ?? '');
  }
  return { results, resultsPath, reportPath, commentUrl };
}
