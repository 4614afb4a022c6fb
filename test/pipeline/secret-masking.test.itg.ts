/**
 * Secrets never reach the report folder (the uploaded artifact) or the log, in a real run: a real
 * throwaway PostgreSQL server, a real process backend that prints its DATABASE_URL and environment,
 * a `kind: url` baseline whose URL carries credentials, DB_PASS in the backend's environment and a
 * value that came from `${NAME}` expansion.
 */

import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { MemoryLogger, SecretMasker } from '../../src/log.js';
import { SHORT_GATE, SHORT_LOAD } from '../helpers/config-text.js';
import { freePort, probePostgres } from '../helpers/postgres.js';
import { requireService } from '../helpers/services.js';

const URL_PASSWORD = 'url-secret-5678';
const DB_PASS = 'db-pass-literal-4821';
const EXPANDED = 'expanded-value-93017';

// Prints what many backends print at start-up: its connection string and some of its environment.
const BACKEND = `
const http = require('node:http');
console.log('connecting to ' + process.env.DATABASE_URL);
console.log('DB_PASS=' + process.env.DB_PASS);
console.log('api setting is ' + process.env.API_SETTING);
http.createServer((req, res) => { res.writeHead(200, { 'content-type': 'text/plain' }); res.end('ok'); })
  .listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
`;

let work: string;
let baseline: Server;
let baselinePort: number;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'perf-gate-masking-'));
  writeFileSync(join(work, 'backend.cjs'), BACKEND);
  baseline = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('ok');
  });
  await new Promise<void>((resolve) => baseline.listen(0, '127.0.0.1', resolve));
  baselinePort = (baseline.address() as { port: number }).port;
});
afterAll(async () => {
  await new Promise((resolve) => baseline?.close(resolve));
  rmSync(work, { recursive: true, force: true });
});

describe('masking in a real run', () => {
  it('report.md, report.html, results.json, backend-*.log and the log hold none of the secrets', {
    timeout: 180_000,
  }, async (ctx) => {
    if (!requireService('PostgreSQL server binaries', probePostgres())) return ctx.skip();
    const candidatePort = await freePort();
    const config = join(work, 'perf-gate.yml');
    writeFileSync(
      config,
      [
        'backend:',
        '  kind: command',
        `  command: [node, ${join(work, 'backend.cjs')}]`,
        `  port: ${candidatePort}`,
        '  healthPath: /',
        '  env:',
        `    DB_PASS: ${DB_PASS}`,
        '    API_SETTING: ${PERF_GATE_TEST_API_SETTING}',
        '  baseline:',
        '    kind: url',
        `    url: http://perfuser:${URL_PASSWORD}@127.0.0.1:${baselinePort}`,
        ...SHORT_LOAD,
        'targets: ["error_rate <= 1%"]',
        ...SHORT_GATE,
        '',
      ].join('\n'),
    );
    const reportDir = join(work, 'report');
    const statePath = join(work, 'state', 'state.json');
    const log = new MemoryLogger();
    const out: string[] = [];
    process.env.PERF_GATE_TEST_API_SETTING = EXPANDED;
    let code: number;
    try {
      code = await main(['run', '--config', config, '--report-dir', reportDir, '--state', statePath], {
        stdout: (t) => out.push(t),
        log,
      });
    } finally {
      delete process.env.PERF_GATE_TEST_API_SETTING;
    }
    const logText = log.lines.join('\n');
    expect(code, logText.slice(-3000)).toBe(0);

    // The run did see every secret: the backend printed them, the report describes both backends.
    const files = readdirSync(reportDir);
    for (const name of ['report.md', 'report.html', 'results.json', 'backend-candidate.log'])
      expect(files).toContain(name);
    expect(readFileSync(join(reportDir, 'backend-candidate.log'), 'utf8')).toMatch(
      /connecting to \S+\nDB_PASS=\S+\napi setting is \S+/,
    );
    const results = JSON.parse(readFileSync(join(reportDir, 'results.json'), 'utf8')) as {
      environment: { backends: Record<string, { description: string }>; envDifferences: { name: string }[] };
    };
    expect(results.environment.envDifferences.map((d) => d.name)).toEqual(
      expect.arrayContaining(['API_SETTING', 'DATABASE_URL', 'DB_PASS']),
    );

    // The throwaway server's URL and password are kept only in the 0600 state file.
    const state = JSON.parse(readFileSync(statePath, 'utf8')) as { secrets: string[] };
    expect(
      state.secrets.find((s) => /^postgres/.test(s)),
      'the throwaway server URL is a registered secret',
    ).toBeDefined();
    const secrets = [URL_PASSWORD, DB_PASS, EXPANDED, ...state.secrets];
    const written: [string, string][] = [
      ['log', logText],
      ['stdout', out.join('')],
      ...files
        .filter((f) => /\.(md|html|json|log)$/.test(f))
        .map((f): [string, string] => [f, readFileSync(join(reportDir, f), 'utf8')]),
    ];
    const leaks = written.flatMap(([name, text]) =>
      secrets.filter((secret) => text.includes(secret)).map((secret) => `${name}: ${secret}`),
    );
    expect(leaks).toEqual([]);
    // What is left readable: the host of the url backend, and that the values differ.
    expect(results.environment.backends.baseline.description).toBe(`http://perfuser:***@127.0.0.1:${baselinePort}`);
    expect(readFileSync(join(reportDir, 'backend-candidate.log'), 'utf8')).toBe(
      'connecting to ***\nDB_PASS=***\napi setting is ***\n',
    );
  });
});

describe('the masker', () => {
  const masker = SecretMasker.of(['registered-secret']);

  it('hides URL passwords it was never told about, including an unencoded @ in the password', () => {
    expect(masker.mask('connecting to postgres://app:p@ss-w0rd@db.internal:5432/app?sslmode=require')).toBe(
      'connecting to postgres://app:***@db.internal:5432/app?sslmode=require',
    );
    expect(masker.mask('GET http://host:8080/path mail a@b.c')).toBe('GET http://host:8080/path mail a@b.c');
    expect(masker.mask('redis://:tok3n@cache:6379/0')).toBe('redis://:***@cache:6379/0');
  });

  it('hides the value of a secret-like NAME=value (env dumps, libpq DSNs)', () => {
    expect(masker.mask('DB_PASS=hunter2 API_TOKEN=abc123 PORT=8080')).toBe('DB_PASS=*** API_TOKEN=*** PORT=8080');
    expect(masker.mask('host=db user=app password=s3cret dbname=app')).toBe('host=db user=app password=*** dbname=app');
  });

  it('masks every string of a results object, leaving numbers alone', () => {
    expect(masker.maskAll({ a: ['x registered-secret y', 12.5], b: { c: 'DB_PASS=x1y2z3' } })).toEqual({
      a: ['x *** y', 12.5],
      b: { c: 'DB_PASS=***' },
    });
  });
});
