/**
 * `perf-gate comment --results FILE`: publish a results.json that an earlier job wrote. This is the
 * second half of the two-workflow pattern for pull requests from forks: the `pull_request` workflow
 * measures with a read-only token and uploads results.json; a `workflow_run` workflow with a token
 * that can write downloads it and calls this. It reads data only and never runs the fork's code.
 *
 * results.json here comes from an artifact a fork's workflow could have written, so it is checked
 * before use, the PR number it names is verified against the measured commit (comment-and-check.ts),
 * and the config is read only from inside the workspace and only to find line numbers (publish.ts).
 */
import { readFileSync, statSync } from 'node:fs';
import { errorMessage, InputError, invalidValue } from '../errors.js';
import type { Results } from '../report/results.js';
import { MAX_RESULTS_BYTES, parseResultsJson, validateResults } from '../report/results-schema.js';
import { type Publication, type PublishSinks, publish } from './publish.js';

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
    if (size > MAX_RESULTS_BYTES)
      throw invalidValue(`${source} size`, `${size} bytes`, `at most ${MAX_RESULTS_BYTES} bytes`);
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

/** Reads a results.json an earlier job wrote and publishes it as a file from an artifact (publish.ts). */
export async function publishFromResults(
  resultsPath: string,
  sinks: PublishSinks,
): Promise<Publication & { results: Results }> {
  const results = readResultsFile(resultsPath);
  const publication = await publish(results, sinks, { configPath: results.config, fromArtifact: true });
  return { ...publication, results };
}
