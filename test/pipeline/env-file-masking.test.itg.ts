/**
 * Secrets in a Docker backend's env file never reach the saved backend logs or the reports, even
 * when the backend prints the value under another name: a real run with the fixture image (which
 * prints VARIANT_LABEL at start-up) and a throwaway PostgreSQL server.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseEnvFile } from '../../src/backend/env-file.js';
import { main } from '../../src/cli/main.js';
import { MemoryLogger } from '../../src/log.js';
import { buildFixtureImage } from '../helpers/backend-boot.js';
import { SHORT_GATE, SHORT_LOAD } from '../helpers/config-text.js';
import { probeDocker } from '../helpers/docker.js';
import { probePostgres } from '../helpers/postgres.js';
import { requireService } from '../helpers/services.js';

const TOKEN = 'tok-label-58213';
const work = mkdtempSync(join(tmpdir(), 'perf-gate-env-file-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('Docker env file', () => {
  it("parses Docker's format: NAME=value taken literally, comments and blank lines skipped, a bare NAME from the environment", () => {
    const text = '# settings\n\n  API_TOKEN=a=b "c"\nPLAIN=1\r\nFROM_ENV\nMISSING\n';
    expect([...parseEnvFile(text, { FROM_ENV: 'env-value' })]).toEqual([
      ['API_TOKEN', 'a=b "c"'],
      ['PLAIN', '1'],
      ['FROM_ENV', 'env-value'],
    ]);
  });

  it('a secret-named value in the env file is masked in backend-*.log and the reports, even printed under another name', {
    timeout: 240_000,
  }, async (ctx) => {
    if (!requireService('docker', probeDocker()) || !requireService('PostgreSQL server binaries', probePostgres()))
      return ctx.skip();
    const image = buildFixtureImage();
    // The backend reads API_TOKEN and prints it as its label: "fixture starting: ... variant=<token>".
    writeFileSync(join(work, 'backend.env'), `# backend settings\nAPI_TOKEN=${TOKEN}\nVARIANT_LABEL=${TOKEN}\n`);
    const config = join(work, 'perf-gate.yml');
    writeFileSync(
      config,
      [
        'backend:',
        '  kind: image',
        `  image: ${image}`,
        '  port: 8080',
        '  healthPath: /health',
        '  metricsPath: /metrics',
        '  envFile: backend.env',
        ...SHORT_LOAD,
        'targets: ["error_rate <= 1%"]',
        ...SHORT_GATE,
        '',
      ].join('\n'),
    );
    const reportDir = join(work, 'report');
    const log = new MemoryLogger();
    const code = await main(
      ['run', '--config', config, '--report-dir', reportDir, '--state', join(work, 'state.json')],
      { stdout: () => {}, log },
    );
    const logText = log.lines.join('\n');
    expect(code, logText.slice(-3000)).toBe(0);
    const files = readdirSync(reportDir).filter((f) => /\.(md|html|json|log)$/.test(f));
    expect(files).toContain('backend-candidate.log');
    // The backend did print it; the saved log shows the mask.
    expect(readFileSync(join(reportDir, 'backend-candidate.log'), 'utf8')).toContain('variant=***');
    const leaks = [
      ['log', logText] as const,
      ...files.map((f) => [f, readFileSync(join(reportDir, f), 'utf8')] as const),
    ]
      .filter(([, text]) => text.includes(TOKEN))
      .map(([name]) => name);
    expect(leaks).toEqual([]);
  });
});
