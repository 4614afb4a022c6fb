/**
 * The PGlite fallback through the bundle (dist/index.js), where the README promises that the demo
 * "needs nothing but Node". The bundle runs in a container that holds the node binary and nothing
 * else, so no PostgreSQL server binaries can be found and the throwaway database is PGlite: a short
 * `perf-gate run` migrates it, boots a tiny backend, benches it and reports.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeDocker } from '../helpers/docker.js';
import { requireService } from '../helpers/services.js';

const root = resolve(import.meta.dirname, '../..');
const bundle = join(root, 'dist/index.js');
const work = mkdtempSync(join(tmpdir(), 'perf-gate-pglite-'));
const NODE_ONLY_IMAGE = 'perf-gate/node-only:test';

const CONFIG = `database:
  migrations:
    dir: migrations
backend:
  kind: command
  command: [node, /work/server.cjs]
  portEnv: PORT
  healthPath: /health
load:
  roundDuration: 1s
  warmup: 0s
  pairs: 2
  maxPairs: 2
  workload:
    requests: [{ path: / }]
gate:
  minPairs: 2
targets:
  - latency_p95 worsens <= 1000%
`;

beforeAll(() => {
  if (!existsSync(bundle)) throw new Error('dist/index.js is missing: run npm run build');
  mkdirSync(join(work, 'migrations'));
  writeFileSync(
    join(work, 'migrations/001_items.sql'),
    "CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL);\nINSERT INTO items VALUES (1, 'one');\n",
  );
  writeFileSync(join(work, 'perf-gate.yml'), CONFIG);
  copyFileSync(join(root, 'test/fixtures/backend/server.cjs'), join(work, 'server.cjs'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('PGlite fallback in the bundle', () => {
  it('run: with no PostgreSQL server binaries anywhere, the bundle migrates a PGlite database and finishes the gate', (ctx) => {
    if (!requireService('Docker engine', probeDocker())) return ctx.skip();
    // Only the node binary and its shared libraries: no initdb, pg_ctl, pg_config or /usr/lib/postgresql.
    execFileSync(
      process.execPath,
      [join(root, 'scripts/build-node-image.mjs'), '--tag', NODE_ONLY_IMAGE, '--cmd', '--version'],
      { stdio: 'pipe' },
    );
    const name = `perf-gate-pglite-${process.pid}`;
    const result = spawnSync(
      'docker',
      [
        'run',
        '--rm',
        '--name',
        name,
        '--network',
        'none',
        '-v',
        `${join(root, 'dist')}:/perf-gate/dist:ro`,
        '-v',
        `${join(root, 'package.json')}:/perf-gate/package.json:ro`,
        '-v',
        `${join(root, 'action.yml')}:/perf-gate/action.yml:ro`,
        '-v',
        `${work}:/work`,
        '-w',
        '/work',
        '-e',
        'NO_COLOR=1',
        NODE_ONLY_IMAGE,
        '/perf-gate/dist/index.js',
        'run',
        '--config',
        '/work/perf-gate.yml',
        '--report-dir',
        '/work/report',
        '--state',
        '/work/state.json',
      ],
      { encoding: 'utf8', timeout: 90_000 },
    );
    // A timed-out docker client does not stop its container.
    if (result.error || result.signal) spawnSync('docker', ['rm', '-f', name]);
    const output = `${result.stdout}\n${result.stderr}`;
    expect(output).toContain('no PostgreSQL server binaries found');
    expect(output).toMatch(/throwaway PGlite \(PostgreSQL \d+/);
    expect(output).toContain('applied 001_items.sql');
    expect(result.status, output.slice(-3000)).toBe(0);
    const results = JSON.parse(readFileSync(join(work, 'report/results.json'), 'utf8')) as {
      verdict: string;
      error?: { stage: string };
    };
    expect(results.error).toBeUndefined();
    // Two one-second pairs may be too few to call: pass or inconclusive, both exit 0.
    expect(['pass', 'inconclusive']).toContain(results.verdict);
  }, 120_000);
});
