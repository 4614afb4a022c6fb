import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fillPort, fillPortInEnv, fillPortInList } from '../../src/backend/port-placeholder.js';
import { loadConfig } from '../../src/config/load.js';
import type { StageContext } from '../../src/pipeline/context.js';
import { backendSpec } from '../../src/pipeline/stages/boot.js';

const root = resolve(import.meta.dirname, '../..');

describe('the {port} placeholder', () => {
  it('is replaced wherever it appears in an argument or a value, and nothing else is touched', () => {
    expect(fillPort('127.0.0.1:{port}', 41234)).toBe('127.0.0.1:41234');
    expect(fillPort('{port}-{port}', 8)).toBe('8-8');
    expect(fillPort('${PORT} {ports} {Port}', 8)).toBe('${PORT} {ports} {Port}');
    expect(fillPortInList(['uvicorn', 'app:api', '--port', '{port}'], 9001)).toEqual([
      'uvicorn',
      'app:api',
      '--port',
      '9001',
    ]);
    expect(fillPortInEnv({ BIND: '0.0.0.0:{port}', OTHER: 'x' }, 9001)).toEqual({ BIND: '0.0.0.0:9001', OTHER: 'x' });
  });

  it('gives each command-mode variant its own port, in the command, in the environment and in portEnv', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'perf-gate-port-'));
    try {
      writeFileSync(
        join(dir, 'perf-gate.yml'),
        [
          'backend:',
          '  kind: command',
          '  command: [python3, -m, uvicorn, app.main:api, --host, 127.0.0.1, --port, "{port}"]',
          '  portEnv: UVICORN_PORT',
          '  env: { PUBLIC_URL: "http://127.0.0.1:{port}/" }',
          'load: { workload: { requests: [{ method: GET, path: / }] } }',
          'targets: [latency_p95 worsens <= 5%]',
          '',
        ].join('\n'),
      );
      const config = loadConfig({ path: join(dir, 'perf-gate.yml'), packageRoot: root, env: {} });
      const ctx = { config } as StageContext;
      const specs = await Promise.all(
        (['baseline', 'candidate'] as const).map((v) => backendSpec(ctx, config.backend[v] as never, undefined)),
      );
      const ports = specs.map((spec) => {
        if (spec.kind !== 'command') throw new Error(`expected a command backend, got ${spec.kind}`);
        expect(spec.command.slice(-2)).toEqual(['--port', String(spec.port)]);
        expect(spec.env?.UVICORN_PORT).toBe(String(spec.port));
        expect(spec.env?.PUBLIC_URL).toBe(`http://127.0.0.1:${spec.port}/`);
        expect(spec.command.join(' ')).not.toContain('{port}');
        return spec.port;
      });
      expect(ports[0]).not.toBe(ports[1]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
