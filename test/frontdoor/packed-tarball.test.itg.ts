/**
 * What `npm install perf-gate` gets: the tarball `npm pack` makes, installed into a clean folder outside
 * the repository. dist/ is a self-contained ncc bundle (PGlite's wasm and data files beside it), so the
 * package declares no runtime dependencies, and the files the bundle reads at run time ship with it.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG_YAML } from '../../src/config/default-config.js';
import { REPO_ROOT } from '../helpers/config-schema.js';

const run = promisify(execFile);
const work = mkdtempSync(join(tmpdir(), 'perf-gate-pack-'));
const consumer = join(work, 'consumer');
// npm run sets npm_config_* for its scripts; the consumer's npm must see none of the repository's settings.
const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.toLowerCase().startsWith('npm_')));

let packed: { filename: string; files: { path: string }[] };
let paths: string[];

beforeAll(async () => {
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', work], {
    cwd: REPO_ROOT,
    env,
    maxBuffer: 16 * 1024 * 1024,
  });
  packed = (JSON.parse(stdout) as (typeof packed)[])[0]!;
  paths = packed.files.map((f) => f.path);
  mkdirSync(consumer);
  writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }));
  // --offline: a package with no dependencies installs from its tarball alone.
  await run(
    'npm',
    ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', join(work, packed.filename)],
    { cwd: consumer, env },
  );
}, 300_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the packed tarball', () => {
  it('declares no runtime dependencies: the bundle carries them', () => {
    const manifest = JSON.parse(readFileSync(join(consumer, 'node_modules/perf-gate/package.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    expect(manifest.dependencies ?? {}).toEqual({});
    expect(manifest.bin).toEqual({ 'perf-gate': 'dist/index.js' });
    expect(readFileSync(join(consumer, 'package-lock.json'), 'utf8')).not.toMatch(/"node_modules\/(?!perf-gate")/);
  });

  it('ships the bundle, its wasm and data files, the action and the schemas, and no sources or tests', () => {
    for (const path of [
      'dist/index.js',
      'dist/pglite.wasm',
      'dist/pglite.data',
      'dist/initdb.wasm',
      'dist/backend-rag/index.mjs',
      'action.yml',
      'schema/perf-gate.schema.json',
      'schema/results.schema.json',
      'README.md',
    ]) {
      expect(paths, path).toContain(path);
    }
    expect(
      paths.filter(
        (p) => /^(src|test|bench|scripts|docs|node_modules)\//.test(p) || p.startsWith('examples/workflows/'),
      ),
    ).toEqual([]);
  });

  it('ships every file the embedded default names', () => {
    const named = [...DEFAULT_CONFIG_YAML.matchAll(/\b((?:examples|dist)\/[\w./-]+)/g)].map((m) => m[1]!);
    expect(named.length).toBeGreaterThanOrEqual(3);
    for (const path of named) expect(existsSync(join(consumer, 'node_modules/perf-gate', path)), path).toBe(true);
  });

  it('runs from the clean folder: --help and validate of the embedded default', async () => {
    const help = await run('npx', ['--no-install', 'perf-gate', '--help'], { cwd: consumer, env });
    expect(help.stdout).toMatch(/^perf-gate \d+\.\d+\.\d+/);
    const validate = await run('npx', ['--no-install', 'perf-gate', 'validate'], { cwd: consumer, env });
    expect(validate.stdout).toMatch(/^embedded default: valid\./);
  });
});
