import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, assert, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { main } from '../../src/cli/main.js';
import { loadConfig } from '../../src/config/load.js';
import { MemoryLogger } from '../../src/log.js';

const root = resolve(import.meta.dirname, '../..');
const made: string[] = [];

function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'perf-gate-init-'));
  made.push(dir);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

async function init(dir: string, ...extra: string[]) {
  let stdout = '';
  const log = new MemoryLogger();
  const code = await main(['init', '--dir', dir, ...extra], { stdout: (t) => (stdout += t), log });
  return { code, stdout, log: log.lines.join('\n') };
}

afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('perf-gate init', () => {
  it('fits a FastAPI service with a Dockerfile and SQL migrations, and the config it writes is valid', async () => {
    const dir = project({
      'requirements.txt': 'fastapi\nuvicorn\n',
      Dockerfile: 'FROM python:3.12-slim\n',
      'migrations/001_init.sql': 'SELECT 1;\n',
      'fly.toml': '[http_service]\n  internal_port = 8081\n',
    });
    const { code, stdout } = await init(dir);
    expect(code).toBe(0);
    expect(stdout).toContain(
      'detected: python, fastapi, uvicorn, Dockerfile, fly.toml (port 8081), SQL migrations in migrations',
    );
    const config = loadConfig({ path: join(dir, 'perf-gate.yml'), packageRoot: root });
    expect(config.backend.candidate).toMatchObject({ kind: 'image', port: 8081 });
    expect(config.backend.baseline).toMatchObject({ kind: 'image', image: 'app:baseline' });
    expect(config.database.baseline).toEqual({ strategy: 'template-copy', before: '001' });
    expect(config.targets.map((t) => t.expression)).toEqual(['latency_p95 worsens <= 5%', 'error_rate <= 1%']);
    // Time is the knob: the 3-minute budget plans rounds, pairs and looks.
    expect(config.gate.budget?.budgetMs).toBe(180_000);
    expect(config.load.maxPairs).toBeGreaterThanOrEqual(20);
    expect(config.gate.budget!.worstCaseMs).toBeLessThanOrEqual(180_000);
    const workflow = parse(readFileSync(join(dir, '.github/workflows/perf-gate.yml'), 'utf8')) as {
      permissions: Record<string, string>;
      jobs: Record<string, { steps: { run?: string }[] }>;
    };
    expect(workflow.permissions).toEqual({ contents: 'read', 'pull-requests': 'write', checks: 'write' });
    // No expression is spliced into a shell script: the base ref reaches it through env.
    for (const step of workflow.jobs['perf-gate']!.steps) expect(step.run ?? '').not.toContain('${{');
  });

  it('uses a local command for a Node service without a Dockerfile', async () => {
    const dir = project({ 'package.json': '{"dependencies":{"express":"^4"}}' });
    const { code, stdout } = await init(dir);
    expect(code).toBe(0);
    expect(stdout).toContain('detected: node, express, no Dockerfile, no migrations found');
    const config = loadConfig({ path: join(dir, 'perf-gate.yml'), packageRoot: root });
    const baseline = config.backend.baseline;
    assert(baseline.kind === 'command', `baseline kind ${baseline.kind}`);
    expect(baseline.env).toEqual({ FEATURE_FLAG: 'off' });
    expect(config.database.migrations).toBeUndefined();
  });

  it('never overwrites an existing config unless asked (exit 2 naming the file)', async () => {
    const dir = project({ 'perf-gate.yml': 'mine\n' });
    const refused = await init(dir);
    expect(refused.code).toBe(2);
    expect(refused.log).toContain('perf-gate.yml already exists');
    expect(readFileSync(join(dir, 'perf-gate.yml'), 'utf8')).toBe('mine\n');
    const forced = await init(dir, '--force');
    expect(forced.code).toBe(0);
    expect(readFileSync(join(dir, 'perf-gate.yml'), 'utf8')).toContain('perf-gate configuration');
  });
});
