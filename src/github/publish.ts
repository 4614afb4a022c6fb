/**
 * The one way results leave a run: `publish(results, sinks, source)`, used by `compare` (this job's
 * results) and by `comment` (a results.json an earlier job wrote). In order: the action outputs
 * verdict, results-path and report-path, the job summary, the sticky PR comment and the Check run
 * (comment-and-check.ts), then the comment-url output.
 *
 * The sinks are passed in: the step's outputs and job summary go through one adapter over
 * @actions/core (src/cli/actions-runner.ts), given only inside GitHub Actions; the run context,
 * token and workspace are read from the environment by the CLI. Nothing here reads the environment.
 */
import { readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import { headline, renderMarkdown } from '../report/markdown.js';
import type { Results, Verdict } from '../report/results.js';
import {
  type CheckAnnotation,
  MAX_ANNOTATIONS_PER_REQUEST,
  migrationLintAnnotations,
  targetAnnotations,
  workspaceRelativePath,
} from './annotations.js';
import type { GitHubClient } from './client.js';
import {
  type PublishOutcome,
  publishCommentAndCheck,
  publishedMarkdown,
  resultsFromFork,
} from './comment-and-check.js';
import type { RunContext } from './event-context.js';
import type { CommentMode } from './sticky-comment.js';

/** The step's job summary (GITHUB_STEP_SUMMARY). */
export interface JobSummary {
  appendJobSummary(markdown: string): Promise<void>;
}

/** The action's outputs (`steps.<id>.outputs`). */
export interface ActionOutputs {
  setOutput(name: string, value: string): void;
}

/** Where the PR comment and the Check run go, and with what. */
export interface GitHubTarget {
  /** What the workflow run is about; undefined outside GitHub Actions (then only the summary and outputs). */
  context: RunContext | undefined;
  token?: string;
  commentMode: CommentMode;
  commentKey?: string;
  /** Name of the Check run; undefined or '' skips it. */
  checkName?: string;
  /** GITHUB_API_URL (GitHub Enterprise); api.github.com when absent. */
  apiUrl?: string;
  /** Tests pass a client pointed at a fake API; otherwise one is built from the token. */
  client?: GitHubClient;
  /** The repository checkout (GITHUB_WORKSPACE): the config is annotated only when it lies inside. */
  workspace?: string;
  /** Where a relative config path is resolved. */
  cwd: string;
}

export interface PublishSinks {
  log: Logger;
  github: GitHubTarget;
  /** Given inside GitHub Actions only. */
  jobSummary?: JobSummary;
  /** Given inside GitHub Actions to the command that measured (`compare`, `run`); `comment` sets none. */
  outputs?: ActionOutputs;
}

/** What the results are and where they came from. */
export interface ResultsSource {
  /** The config file the targets are written in, annotated on the Check; null for the embedded default. */
  configPath: string | null;
  /** The files this run wrote, named in the outputs. */
  files?: { resultsPath: string; reportPath: string };
  /**
   * Read from a file an earlier job wrote (`perf-gate comment --results`), not measured by this job:
   * published as a fork's unless the event names the head repository (comment-and-check.ts).
   */
  fromArtifact?: boolean;
}

export interface Publication extends PublishOutcome {
  markdown: string;
  annotations: CheckAnnotation[];
}

/** report.md, which is also the PR comment, the Check summary and the job summary. */
export function commentMarkdown(results: Results, runUrl: string | undefined): string {
  return renderMarkdown(results, { runUrl, artifactHint: 'full results in the perf-gate-report artifact' });
}

/** A perf-gate config is a few KiB; anything over this is not one (and is not read whole). */
const MAX_ANNOTATED_CONFIG_BYTES = 1024 * 1024;

/**
 * Check annotations on the config's target lines. The config path may come from a results.json a
 * fork's workflow wrote: it is read only inside the workspace with symlinks followed (a downloaded
 * artifact can hold a symlink), only as a regular file (not /dev/zero, not a FIFO), and small.
 */
function configAnnotations(
  results: Results,
  configPath: string | null,
  github: GitHubTarget,
  log: Logger,
): CheckAnnotation[] {
  const { workspace, cwd } = github;
  if (!configPath || !workspace || !results.targets.some((t) => t.status !== 'pass')) return [];
  const path = workspaceRelativePath(configPath, workspace, cwd);
  if (!path) {
    log.debug(`config '${configPath}' is not a file inside the workspace (symlinks followed): no Check annotations`);
    return [];
  }
  const absolute = resolve(cwd, configPath);
  try {
    const stat = statSync(absolute);
    if (!stat.isFile() || stat.size > MAX_ANNOTATED_CONFIG_BYTES) {
      log.debug(
        `config '${path}' is not a regular file of at most ${MAX_ANNOTATED_CONFIG_BYTES} bytes: no Check annotations`,
      );
      return [];
    }
    return targetAnnotations(results, { path, text: readFileSync(absolute, 'utf8') });
  } catch (error) {
    log.debug(`could not read '${path}' for annotations: ${errorMessage(error)}`);
    return [];
  }
}

/**
 * Check annotations on the pending migrations' lines, one per squawk finding. A finding's file is as squawk
 * was given it (relative to the config's folder, or absolute); only files inside the workspace, symlinks
 * followed, are annotated. Nothing is read: an annotation only names a path and a line.
 */
function lintAnnotations(results: Results, configPath: string | null, github: GitHubTarget): CheckAnnotation[] {
  const { workspace, cwd } = github;
  if (!configPath || !workspace || !results.migrationLint?.findings.length) return [];
  const configDir = dirname(resolve(cwd, configPath));
  return migrationLintAnnotations(results, (file) => workspaceRelativePath(resolve(configDir, file), workspace, cwd));
}

export async function publish(results: Results, sinks: PublishSinks, source: ResultsSource): Promise<Publication> {
  const { log, github } = sinks;
  const { context } = github;
  const fromArtifact = source.fromArtifact === true;
  const markdown = commentMarkdown(results, context?.runUrl);
  const annotations = [
    ...configAnnotations(results, source.configPath, github, log),
    ...lintAnnotations(results, source.configPath, github),
  ].slice(0, MAX_ANNOTATIONS_PER_REQUEST);
  const outcome = await publishReport(
    {
      verdict: results.verdict,
      title: headline(results),
      markdown,
      files: source.files,
      annotations,
      pullRequestNumber: results.pullRequest?.number,
      fromArtifact,
    },
    sinks,
  );
  return { ...outcome, markdown, annotations };
}

/**
 * The one sequence every report leaves a run by: the verdict and file outputs (set before publishing: a
 * token GitHub refuses throws there, and the verdict stands), the job summary (no token needed; a fork's
 * results say whose they are there too), the Check and the sticky comment, then the comment-url output.
 */
async function publishReport(
  report: {
    verdict: Verdict;
    title: string;
    markdown: string;
    files?: { resultsPath: string; reportPath: string };
    annotations?: CheckAnnotation[];
    pullRequestNumber?: number;
    fromArtifact: boolean;
  },
  sinks: PublishSinks,
): Promise<PublishOutcome> {
  const { log, github, outputs } = sinks;
  const { context } = github;
  outputs?.setOutput('verdict', report.verdict);
  if (report.files) {
    outputs?.setOutput('results-path', report.files.resultsPath);
    outputs?.setOutput('report-path', report.files.reportPath);
  }
  await sinks.jobSummary?.appendJobSummary(
    publishedMarkdown(report.markdown, resultsFromFork(context, report.fromArtifact)),
  );
  const outcome = await publishCommentAndCheck({
    verdict: report.verdict,
    title: report.title,
    markdown: report.markdown,
    context,
    token: github.token,
    commentMode: github.commentMode,
    commentKey: github.commentKey,
    checkName: github.checkName || undefined,
    log,
    client: github.client,
    apiUrl: github.apiUrl,
    annotations: report.annotations,
    pullRequestNumber: report.pullRequestNumber,
    resultsFromArtifact: report.fromArtifact,
  });
  outputs?.setOutput('comment-url', outcome.commentUrl ?? '');
  return outcome;
}

/** What `perf-gate verify` publishes: its own Markdown and headline, the files it wrote. */
export interface VerifyPublication {
  verdict: Verdict;
  /** The Check's title (verifyHeadline). */
  title: string;
  markdown: string;
  files: { resultsPath: string; reportPath: string };
}

/**
 * verify's results, the same way the gate's leave a run: the outputs, the job summary, then the Check
 * run on the deployed commit and, when the run belongs to a pull request, the sticky comment.
 */
export async function publishVerify(publication: VerifyPublication, sinks: PublishSinks): Promise<PublishOutcome> {
  return publishReport({ ...publication, fromArtifact: false }, sinks);
}
