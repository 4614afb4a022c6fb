/**
 * The suite's layout: every test file runs in exactly one of the two projects, the project its needs
 * put it in, and test support modules live in one place.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { integrationNeeds, misfiledTests, projectsOf, testTreeFiles } from '../helpers/test-projects.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const files = testTreeFiles(root);
const source = (path: string): string => readFileSync(`${root}${path}`, 'utf8');

describe('test projects', () => {
  it('finds the test files of both projects', () => {
    expect(files.filter((f) => projectsOf(f).includes('unit')).length).toBeGreaterThan(30);
    expect(files.filter((f) => projectsOf(f).includes('integration')).length).toBeGreaterThan(10);
  });

  it('puts every test file in exactly one project', () => {
    expect(misfiledTests(files)).toEqual([]);
  });

  it('names a test file that no project would run', () => {
    const misfiled = misfiledTests([
      'test/a/x.spec.ts',
      'test/a/y.test.mts',
      'test/a/z.itg.ts',
      'test/a/ok.test.ts',
      'test/a/ok.test.itg.ts',
      'test/helpers/kit.ts',
    ]);
    expect(misfiled).toEqual([
      { path: 'test/a/x.spec.ts', projects: [] },
      { path: 'test/a/y.test.mts', projects: [] },
      { path: 'test/a/z.itg.ts', projects: [] },
    ]);
  });

  it('keeps unit tests free of services, child processes and real load', () => {
    const offenders = files
      .filter((f) => projectsOf(f)[0] === 'unit')
      .map((f) => ({ file: f, needs: integrationNeeds(source(f)) }));
    expect(offenders.filter((o) => o.needs.length > 0)).toEqual([]);
  });

  it('keeps in the integration project only tests that need what the unit project must not wait on', () => {
    const integration = files.filter((f) => projectsOf(f)[0] === 'integration');
    expect(integration.filter((f) => integrationNeeds(source(f)).length === 0)).toEqual([]);
  });

  it('tells the needs apart', () => {
    // Spelled in pieces, so that this file does not read as needing them itself.
    expect(integrationNeeds("import { spawn } from 'node:child" + "_process';")).toEqual(['a child process']);
    expect(integrationNeeds("import { startCluster } from '../helpers/" + "postgres.js';")).toEqual([
      'a PostgreSQL server',
    ]);
    expect(integrationNeeds('const code = await main([' + "'run', '--config', path], io);")).toEqual([
      'real HTTP load',
    ]);
    expect(integrationNeeds("import { parseExposition } from '../../src/metrics/parse-exposition.js';")).toEqual([]);
  });
});

describe('test support modules', () => {
  it('live in test/helpers/ (or test/harness/, the action runner), never beside the tests', () => {
    const support = files.filter((f) => projectsOf(f).length === 0 && /\.[cm]?[jt]s$/.test(f));
    expect(support.filter((f) => !f.startsWith('test/helpers/') && !f.startsWith('test/harness/'))).toEqual([]);
  });
});
