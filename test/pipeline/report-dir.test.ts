import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { MemoryLogger } from '../../src/log.js';

const config = resolve(import.meta.dirname, '../fixtures/config/good.yaml');
const work = mkdtempSync(join(tmpdir(), 'perf-gate-report-dir-'));
const file = join(work, 'not-a-folder');
writeFileSync(file, 'a file where the report folder should go\n');
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function run(argv: string[]) {
  const log = new MemoryLogger();
  const code = await main(argv, { stdout: () => {}, log });
  return { code, log: log.lines.join('\n') };
}

describe('--report-dir that is a file', () => {
  for (const command of ['run', 'migrate']) {
    it(`${command}: exit 2 with a message naming the folder, not a raw EEXIST`, async () => {
      const { code, log } = await run([
        command,
        '--config',
        config,
        '--report-dir',
        file,
        '--state',
        join(work, command, 'state.json'),
      ]);
      expect(code).toBe(2);
      expect(log).toContain(
        `error: report folder '${file}' (--report-dir, or report.dir in the config): is a file; expected a folder`,
      );
      expect(log).not.toContain('EEXIST');
    });
  }

  it('a file in the folder path: exit 2 too', async () => {
    const { code, log } = await run([
      'run',
      '--config',
      config,
      '--report-dir',
      join(file, 'report'),
      '--state',
      join(work, 'nested', 'state.json'),
    ]);
    expect(code).toBe(2);
    expect(log).toContain('a file is in its path');
  });

  it('a folder perf-gate may not create: exit 2 naming the flag and the path, not exit 3', async () => {
    // /sys refuses new entries to every user (EPERM as root, EACCES otherwise): a real unwritable place.
    const denied = '/sys/perf-gate-report-dir-test';
    const { code, log } = await run([
      'run',
      '--config',
      config,
      '--report-dir',
      denied,
      '--state',
      join(work, 'denied', 'state.json'),
    ]);
    expect(code).toBe(2);
    expect(log).toMatch(
      new RegExp(
        `error: report folder '${denied}' \\(--report-dir, or report\\.dir in the config\\): cannot be created or written \\((EACCES|EPERM)\\)`,
      ),
    );
  });
});
