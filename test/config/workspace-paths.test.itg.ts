/**
 * A config in the workspace (checked out with the code under test) names files only inside the
 * workspace: `perf-gate validate` reads the workload file, so a path out of it would be read and
 * quoted in the error.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { main } from '../../src/cli/main.js';
import { loadConfig } from '../../src/config/load.js';
import { MemoryLogger } from '../../src/log.js';
import { inputErrorOf, MINIMAL } from '../helpers/config-text.js';

const packageRoot = join(import.meta.dirname, '../..');
const FIRST_LINE = readFileSync('/etc/passwd', 'utf8').split('\n')[0]!;
let workspace: string;
let outside: string;
const savedWorkspace = process.env.GITHUB_WORKSPACE;

beforeAll(() => {
  workspace = mkdtempSync(join(tmpdir(), 'perf-gate-workspace-'));
  outside = mkdtempSync(join(tmpdir(), 'perf-gate-outside-'));
  writeFileSync(join(workspace, 'queries.jsonl'), '{"method":"GET","path":"/"}\n');
  writeFileSync(join(outside, 'secret.jsonl'), 'TOP-SECRET-LINE not json\n');
  writeFileSync(join(outside, 'results.json'), '{"private": "TOP-SECRET-RESULTS"}\n');
  mkdirSync(join(outside, 'migrations'));
  // A symlink committed to the repository that points out of it.
  symlinkSync(join(outside, 'secret.jsonl'), join(workspace, 'innocent.jsonl'));
  symlinkSync(outside, join(workspace, 'linked-folder'));
});
afterAll(() => {
  rmSync(workspace, { recursive: true, force: true });
  rmSync(outside, { recursive: true, force: true });
});
afterEach(() => {
  if (savedWorkspace === undefined) delete process.env.GITHUB_WORKSPACE;
  else process.env.GITHUB_WORKSPACE = savedWorkspace;
});

function configWith(name: string, sections: Record<string, unknown>, where = workspace): string {
  const path = join(where, name);
  writeFileSync(path, stringify({ ...MINIMAL, ...sections }));
  return path;
}

const workloadFile = (file: string) => ({ load: { workload: { file } } });

async function validate(configPath: string) {
  const log = new MemoryLogger();
  const out: string[] = [];
  process.env.GITHUB_WORKSPACE = workspace;
  const code = await main(['validate', '--config', configPath], { stdout: (t) => out.push(t), log });
  return { code, text: [...log.lines, ...out].join('\n') };
}

describe('files named by a config in the workspace stay inside the workspace', () => {
  it('a workload file ../../../../etc/passwd: exit 2 naming the key, and nothing of the file is quoted', async () => {
    const { code, text } = await validate(configWith('passwd.yml', workloadFile('../../../../etc/passwd')));
    expect(code).toBe(2);
    expect(text).toContain(
      'config key \'load.workload.file\': got "../../../../etc/passwd"; expected a path inside the workspace',
    );
    expect(text).not.toContain(FIRST_LINE.slice(0, 10));
  });

  it('an absolute path out of the workspace is refused too', async () => {
    const { code, text } = await validate(configWith('absolute.yml', workloadFile(join(outside, 'secret.jsonl'))));
    expect(code).toBe(2);
    expect(text).not.toContain('TOP-SECRET');
  });

  it('a symlink in the workspace that points out of it is refused (the real path counts)', async () => {
    for (const file of ['innocent.jsonl', 'linked-folder/secret.jsonl', 'linked-folder/missing.jsonl']) {
      const { code, text } = await validate(configWith('symlink.yml', workloadFile(file)));
      expect(code, file).toBe(2);
      expect(text).toContain("config key 'load.workload.file'");
      expect(text).not.toContain('TOP-SECRET');
    }
  });

  it('every named path: migrations folder, stored results, env file, working folder', () => {
    process.env.GITHUB_WORKSPACE = workspace;
    const cases: [string, Record<string, unknown>][] = [
      ['database.migrations.dir', { database: { migrations: { dir: '../../../../etc' } } }],
      [
        'backend.baseline.results',
        {
          backend: {
            baseline: { kind: 'results', results: join(outside, 'results.json') },
            candidate: { kind: 'url', url: 'http://127.0.0.1:1' },
          },
        },
      ],
      [
        'backend.candidate.envFile',
        { backend: { kind: 'image', image: 'api:candidate', candidate: { envFile: 'linked-folder/.env' } } },
      ],
      [
        'backend.baseline.cwd',
        { backend: { kind: 'command', command: ['node', 'server.js'], baseline: { cwd: '..' } } },
      ],
    ];
    for (const [key, sections] of cases) {
      const message = inputErrorOf(() => loadConfig({ path: configWith('named.yml', sections), packageRoot }));
      expect(message, key).toContain(`config key '${key}'`);
      expect(message, key).toContain('a path inside the workspace');
      expect(message).not.toContain('TOP-SECRET');
    }
  });

  it('files inside the workspace are read as before', async () => {
    const { code, text } = await validate(configWith('inside.yml', workloadFile('queries.jsonl')));
    expect(code, text).toBe(0);
  });

  it('a config outside the workspace (chosen by whoever runs perf-gate) may name its own neighbours', async () => {
    writeFileSync(join(outside, 'queries.jsonl'), '{"method":"GET","path":"/"}\n');
    const { code, text } = await validate(configWith('elsewhere.yml', workloadFile('queries.jsonl'), outside));
    expect(code, text).toBe(0);
  });

  it('a bad JSONL line inside the workspace is named by line, without quoting the line', async () => {
    writeFileSync(join(workspace, 'bad.jsonl'), 'password=hunter2 and more\n');
    const { code, text } = await validate(configWith('bad.yml', workloadFile('bad.jsonl')));
    expect(code).toBe(2);
    expect(text).toContain('bad.jsonl:1: not valid JSON');
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('password=');
  });

  it('report.dir: a folder the config chose out of the workspace is refused (reports are written and backend logs rewritten there)', () => {
    process.env.GITHUB_WORKSPACE = workspace;
    for (const dir of [join(outside, 'report'), '../../../../tmp/perf-gate-elsewhere', 'linked-folder/report']) {
      const message = inputErrorOf(() =>
        loadConfig({ path: configWith('report.yml', { report: { dir } }), packageRoot, cwd: workspace }),
      );
      expect(message, dir).toContain("config key 'report.dir'");
      expect(message, dir).toContain(JSON.stringify(dir));
    }
    // Inside the workspace, or under the folder perf-gate was started in: as before.
    expect(
      loadConfig({ path: configWith('report.yml', { report: { dir: 'out/report' } }), packageRoot, cwd: workspace })
        .report.dir,
    ).toBe('out/report');
    expect(
      loadConfig({ path: configWith('report.yml', { report: { dir: 'out/report' } }), packageRoot, cwd: outside })
        .report.dir,
    ).toBe('out/report');
    // A --report-dir flag is the choice of whoever runs perf-gate.
    const flag = join(outside, 'flag-report');
    expect(
      loadConfig({
        path: configWith('report.yml', { report: { dir: join(outside, 'report') } }),
        packageRoot,
        cwd: workspace,
        overrides: { reportDir: flag },
      }).report.dir,
    ).toBe(flag);
  });

  it('report.dir out of the workspace: run exits 2 before creating anything there', async () => {
    const target = join(outside, 'run-report');
    process.env.GITHUB_WORKSPACE = workspace;
    const log = new MemoryLogger();
    const code = await main(
      [
        'run',
        '--config',
        configWith('run-report.yml', { report: { dir: target } }),
        '--state',
        join(workspace, 'state', 'state.json'),
      ],
      { stdout: () => {}, log },
    );
    expect(code, log.lines.join('\n')).toBe(2);
    expect(log.lines.join('\n')).toContain("config key 'report.dir'");
    expect(existsSync(target)).toBe(false);
  });
});
