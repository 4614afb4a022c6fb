/**
 * The two test projects, told apart by file name so the class of a test shows where it is listed:
 *
 *   `*.test.ts`      unit: pure code, in-process fakes and loopback servers; files run in parallel.
 *   `*.test.itg.ts`  integration: a PostgreSQL server, a Docker engine, a child process, real HTTP load
 *                    or GitHub-client timing; files run one at a time, after the unit project.
 *
 * (docker/actions-toolkit names its integration tests the same way.) A test file must belong to
 * exactly one project: vitest.config.ts refuses to start otherwise, and test/layout/test-projects.test.ts
 * also checks that each file is in the project its needs put it in (`integrationNeeds`).
 */
import { readdirSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

export const PROJECTS = {
  unit: { suffix: '.test.ts', include: ['test/**/*.test.ts'] },
  integration: { suffix: '.test.itg.ts', include: ['test/**/*.test.itg.ts'] },
} as const;

export type ProjectName = keyof typeof PROJECTS;

/** What a test file is: any file whose name says test or spec, whatever else it says. */
const LOOKS_LIKE_A_TEST = /\.(test|spec|itg)\./;

/** Every file under `testDir` (paths relative to `root`, with forward slashes), fixtures and snapshots left out. */
export function testTreeFiles(root: string, testDir = 'test'): string[] {
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'fixtures' && entry.name !== '__snapshots__' && entry.name !== 'node_modules') walk(path);
      } else {
        files.push(relative(root, path).split(sep).join('/'));
      }
    }
  };
  walk(join(root, testDir));
  return files.sort();
}

/** The projects a path belongs to, by the suffixes above. */
export function projectsOf(path: string): ProjectName[] {
  return (Object.keys(PROJECTS) as ProjectName[]).filter((name) => path.endsWith(PROJECTS[name].suffix));
}

/** Test-like files that belong to no project or to more than one: each would be run never or twice. */
export function misfiledTests(paths: readonly string[]): { path: string; projects: ProjectName[] }[] {
  return paths
    .filter((path) => LOOKS_LIKE_A_TEST.test(path.split('/').pop()!))
    .map((path) => ({ path, projects: projectsOf(path) }))
    .filter(({ projects }) => projects.length !== 1);
}

/**
 * What in a test file's source makes it an integration test: each pattern names a service, a process or
 * a real timing that the unit project must not wait on. The helper modules are the ones that start
 * those things (test/helpers/postgres.ts starts a cluster, github-client.ts a rate-limited Octokit, ...).
 */
const NEEDS: readonly { need: string; pattern: RegExp }[] = [
  { need: 'a child process', pattern: /['"](node:)?child_process['"]/ },
  { need: 'a PostgreSQL server', pattern: /helpers\/(postgres|databases|rag-server)\.js['"]/ },
  { need: 'a Docker engine', pattern: /helpers\/(docker|backend-boot)\.js['"]/ },
  { need: 'a service that may be missing (requireService)', pattern: /helpers\/services\.js['"]/ },
  {
    need: "the GitHub client's real retry and throttling waits",
    pattern: /helpers\/(fake-github-api|github-client)\.js['"]/,
  },
  {
    need: 'real HTTP load',
    pattern:
      /helpers\/(loopback-server|target-process)\.js['"]|\b(runWholeGate|runBenchmark|runRound)\(|main\(\s*\[\s*'(run|bench|boot|migrate|demo)'/,
  },
];

/** The integration needs found in a test file's source text; none means it belongs in the unit project. */
export function integrationNeeds(source: string): string[] {
  return NEEDS.filter(({ pattern }) => pattern.test(source)).map(({ need }) => need);
}
