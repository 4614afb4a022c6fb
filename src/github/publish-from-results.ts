/**
 * `perf-gate comment --results FILE`: publish a results.json that an earlier job wrote. This is the
 * second half of the two-workflow pattern for pull requests from forks: the `pull_request` workflow
 * measures with a read-only token and uploads results.json; a `workflow_run` workflow with a token
 * that can write downloads it and calls this. It reads data only and never runs the fork's code.
 *
 * results.json here comes from an artifact a fork's workflow could have written, so it is checked
 * before use, the PR number it names is verified against the measured commit (publish.ts), and the
 * config is read only from inside the workspace and only to find line numbers.
 */
import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { InputError, errorMessage, invalidValue } from '../errors.js';
import type { Logger } from '../log.js';
import { renderMarkdown } from '../report/markdown.js';
import type { Results } from '../report/results.js';
import { MAX_RESULTS_BYTES, parseResultsJson, validateResults } from '../report/results-schema.js';
import { targetAnnotations, workspaceRelativePath, type CheckAnnotation } from './annotations.js';
import type { GitHubClient } from './client.js';
import { readRunContext, type RunContext } from './event-context.js';
import { publishResults, type PublishOutcome } from './publish.js';
import type { CommentMode } from './sticky-comment.js';

export interface PublishFromResultsOptions {
  token?: string;
  commentMode: CommentMode;
  commentKey?: string;
  /** Name of the Check run; undefined or '' skips it. */
  checkName?: string;
  log: Logger;
  /** Tests pass a client pointed at a fake API; otherwise one is built from the token. */
  client?: GitHubClient;
  /** The runner's environment (GITHUB_REPOSITORY, GITHUB_EVENT_PATH, GITHUB_WORKSPACE...). */
  env?: NodeJS.ProcessEnv;
  /** Where relative paths in results.json are resolved; defaults to process.cwd(). */
  cwd?: string;
  /** Annotate missed targets on the config file (default true). */
  annotations?: boolean;
  writeJobSummary?: boolean;
  /** Overrides the run context read from env (tests, or a caller that already has one). */
  context?: RunContext;
}

export interface PublishFromResultsOutcome extends PublishOutcome {
  results: Results;
  markdown: string;
  annotations: CheckAnnotation[];
}

/**
 * Reads results.json and checks it against schema/results.schema.json before any of it is used: the
 * file may come from a fork's workflow, so a wrong type or an unknown enum value is exit 2 naming
 * the JSON path, never a TypeError deep in a renderer.
 */
export function readResultsFile(resultsPath: string): Results {
  const source = `--results '${resultsPath}'`;
  let text: string;
  try {
    const size = statSync(resultsPath).size;
    if (size > MAX_RESULTS_BYTES) throw invalidValue(`${source} size`, `${size} bytes`, `at most ${MAX_RESULTS_BYTES} bytes`);
    text = readFileSync(resultsPath, 'utf8');
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError(`--results: cannot read '${resultsPath}': ${errorMessage(error)}`);
  }
  let parsed: unknown;
  try {
    parsed = parseResultsJson(text);
  } catch (error) {
    throw new InputError(`--results: '${resultsPath}' is not JSON: ${errorMessage(error)}`);
  }
  return validateResults(parsed, source);
}

/** A perf-gate config is a few KiB; anything over this is not one (and is not read whole). */
export const MAX_ANNOTATED_CONFIG_BYTES = 1024 * 1024;

function configAnnotations(results: Results, env: NodeJS.ProcessEnv, cwd: string, log: Logger): CheckAnnotation[] {
  const workspace = env.GITHUB_WORKSPACE;
  if (!workspace || !results.targets.some((t) => t.status !== 'pass')) return [];
  // results.config comes from the file: inside the workspace with symlinks followed (a downloaded
  // artifact can hold a symlink), a regular file (not /dev/zero, not a FIFO), and small.
  const path = workspaceRelativePath(results.config, workspace, cwd);
  if (!path) {
    log.debug(`config '${results.config}' is not a file inside the workspace (symlinks followed): no Check annotations`);
    return [];
  }
  const absolute = resolve(cwd, results.config);
  try {
    const stat = statSync(absolute);
    if (!stat.isFile() || stat.size > MAX_ANNOTATED_CONFIG_BYTES) {
      log.debug(`config '${path}' is not a regular file of at most ${MAX_ANNOTATED_CONFIG_BYTES} bytes: no Check annotations`);
      return [];
    }
    return targetAnnotations(results, { path, text: readFileSync(absolute, 'utf8') });
  } catch (error) {
    log.debug(`could not read '${path}' for annotations: ${errorMessage(error)}`);
    return [];
  }
}

export async function publishFromResults(resultsPath: string, options: PublishFromResultsOptions): Promise<PublishFromResultsOutcome> {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const results = readResultsFile(resultsPath);
  const context = options.context ?? readRunContext(env);
  const markdown = renderMarkdown(results, { runUrl: context?.runUrl, artifactHint: 'full results in the perf-gate-report artifact' });
  const annotations = options.annotations === false ? [] : configAnnotations(results, env, cwd, options.log);
  const outcome = await publishResults({
    results,
    markdown,
    context,
    token: options.token,
    commentMode: options.commentMode,
    commentKey: options.commentKey,
    checkName: options.checkName || undefined,
    log: options.log,
    client: options.client,
    writeJobSummary: options.writeJobSummary ?? false,
    annotations,
    pullRequestNumber: results.pullRequest?.number,
    resultsFromArtifact: true,
  });
  return { ...outcome, results, markdown, annotations };
}
