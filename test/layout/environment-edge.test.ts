/**
 * The environment is read at the edge: src/cli reads the process environment and calls @actions/core
 * (through its logger and its one adapter, src/cli/actions-runner.ts) and passes values down. The
 * stages, the publishing and the report never reach for either, so each runs in a test without a runner.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { sourceTexts } from '../helpers/import-graph.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const INNER = /^src\/(pipeline|github|report)\//;

/** The files under src/pipeline, src/github or src/report that import @actions/core or mention process.env. */
function environmentReaders(files: ReadonlyMap<string, string>): string[] {
  return [...files]
    .filter(([path]) => INNER.test(path))
    .flatMap(([path, source]) => [
      ...(/\bfrom\s+['"]@actions\/core['"]|import\(\s*['"]@actions\/core['"]\s*\)|require\(\s*['"]@actions\/core['"]\s*\)/.test(
        source,
      )
        ? [`${path} imports @actions/core`]
        : []),
      ...(/\bprocess\s*\.\s*env\b|\bprocess\s*\[\s*['"]env['"]\s*\]/.test(source)
        ? [`${path} mentions process.env`]
        : []),
    ]);
}

describe('src/pipeline, src/github and src/report', () => {
  it('neither import @actions/core nor read process.env', () => {
    const files = sourceTexts(root);
    expect([...files.keys()].filter((path) => INNER.test(path)).length).toBeGreaterThan(20);
    expect(environmentReaders(files)).toEqual([]);
  });
});

describe('environmentReaders', () => {
  it('finds each way in, and only under the three folders', () => {
    const files = new Map(
      Object.entries({
        'src/pipeline/stages/boot.ts': 'const job = process.env.GITHUB_JOB;',
        'src/github/publish.ts': "import * as core from '@actions/core';",
        'src/report/html.ts': "const { summary } = await import('@actions/core');",
        'src/report/markdown.ts': "const env = process['env'];",
        'src/github/client.ts': 'export function client(env: NodeJS.ProcessEnv) { return env.GITHUB_API_URL; }',
        'src/cli/main.ts': "import * as core from '@actions/core';\nconst env = process.env;",
      }),
    );
    expect(environmentReaders(files)).toEqual([
      'src/pipeline/stages/boot.ts mentions process.env',
      'src/github/publish.ts imports @actions/core',
      'src/report/html.ts imports @actions/core',
      'src/report/markdown.ts mentions process.env',
    ]);
  });
});
