/**
 * load.processes through the CLI entry in this process, with real backend processes on loopback: the
 * bench stage stops and boots both backends again between blocks of pairs, every round records its
 * start, each start keeps its own log, nothing outlives the run, and relative targets are judged with the
 * start as the unit.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isProcessAlive } from '../../src/backend/process-control.js';
import { main } from '../../src/cli/main.js';
import { MemoryLogger } from '../../src/log.js';
import type { RoundRecord } from '../../src/model/round-record.js';
import { validateResults } from '../../src/report/results-schema.js';

const dir = mkdtempSync(join(tmpdir(), 'perf-gate-processes-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// A backend that says which process it is when it starts, and answers after a millisecond.
writeFileSync(
  join(dir, 'server.mjs'),
  [
    "import { createServer } from 'node:http';",
    'console.log(`pid ${process.pid}`);',
    "createServer((request, response) => setTimeout(() => response.end('ok'), 1)).listen(Number(process.env.PORT), '127.0.0.1');",
    '',
  ].join('\n'),
);
writeFileSync(
  join(dir, 'perf-gate.yml'),
  [
    'backend:',
    '  kind: command',
    '  command: [node, server.mjs]',
    '  portEnv: PORT',
    '  healthPath: /',
    'load:',
    '  mode: closed',
    '  connections: 2',
    '  design: duet',
    '  roundDuration: 500ms',
    '  warmup: 200ms',
    '  pairs: 6',
    '  processes: 3',
    '  workload:',
    '    requests: [{ path: /api }]',
    'targets:',
    '  - latency_p50 worsens <= 50%',
    '',
  ].join('\n'),
);

const pidsIn = (text: string) => [...text.matchAll(/^pid (\d+)$/gm)].map((m) => Number(m[1]));

describe('load.processes', () => {
  it('restarts both backends between blocks of pairs and judges with the start as the unit', async () => {
    const reportDir = join(dir, 'report');
    const log = new MemoryLogger();
    const code = await main(
      ['run', '--config', join(dir, 'perf-gate.yml'), '--report-dir', reportDir, '--state', join(dir, 'state.json')],
      { stdout: () => undefined, log },
    );
    const logText = log.lines.join('\n');
    expect([0, 1], logText).toContain(code);
    expect(logText).toContain('start 2 of 3: restarting both backends after start 1');
    expect(logText).toContain('start 3 of 3: restarting both backends after start 2');

    const rounds = JSON.parse(readFileSync(join(reportDir, 'rounds.json'), 'utf8')) as RoundRecord[];
    expect(rounds.map((r) => [r.pair, r.process])).toEqual(
      [0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5].map((pair) => [pair, Math.floor(pair / 2)]),
    );

    // Three starts of each variant, each its own process, each with its own log; none left running.
    const pids: number[] = [];
    for (const variant of ['baseline', 'candidate']) {
      const logs = ['', '-process1', '-process2'].map((suffix) =>
        readFileSync(join(reportDir, `backend-${variant}${suffix}.log`), 'utf8'),
      );
      for (const text of logs) expect(pidsIn(text)).toHaveLength(1);
      pids.push(...logs.flatMap(pidsIn));
    }
    expect(new Set(pids).size).toBe(6);
    for (const pid of pids) expect(isProcessAlive(pid)).toBe(false);

    // results.json, with the starts in its rounds and targets, is still a valid results file.
    const results = validateResults(JSON.parse(readFileSync(join(reportDir, 'results.json'), 'utf8')), 'results.json');
    expect(results.rounds.every((r) => r.process === Math.floor(r.pair / 2))).toBe(true);
    expect(results.targets[0]!.processes).toEqual({ count: 3, pairs: [2, 2, 2] });
    expect(results.decision!.method).toContain('The pairs came from 3 starts of the backends');
  }, 120_000);
});
