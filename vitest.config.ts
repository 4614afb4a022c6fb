import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { misfiledTests, PROJECTS, testTreeFiles } from './test/helpers/test-projects.js';

// A test file that no project (or both) would run is a mistake in its name: refuse to start.
const misfiled = misfiledTests(testTreeFiles(fileURLToPath(new URL('.', import.meta.url))));
if (misfiled.length > 0) {
  const list = misfiled
    .map(({ path, projects }) => `${path} (${projects.length === 0 ? 'no project' : projects.join(' and ')})`)
    .join(', ');
  throw new Error(
    `test files must end in ${PROJECTS.unit.suffix} (unit) or ${PROJECTS.integration.suffix} (integration): ${list}`,
  );
}

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: [...PROJECTS.unit.include],
          // Pure code and in-process servers: files run in parallel, and no test should need long.
          // Files share their worker's module cache (isolate: false): importing src/ once per worker
          // rather than once per file takes the run from about 110 s to 45 s on 2 busy cores. A unit
          // test that changes process-wide state (process.env) restores it in afterEach or finally.
          isolate: false,
          testTimeout: 30_000,
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          name: 'integration',
          include: [...PROJECTS.integration.include],
          // Integration tests start real PostgreSQL clusters, containers and servers: give them room,
          // and run files one at a time (after the unit project) so two benchmarks never share the two cores.
          testTimeout: 120_000,
          hookTimeout: 180_000,
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
