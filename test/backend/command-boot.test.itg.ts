/**
 * The backend stage in command mode: local processes, no Docker. Uses the same fixture server.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import {
  BackendBootError,
  bootBackends,
  type CommandBackendSpec,
  removeBackendsFromState,
  removeLeftovers,
} from '../../src/backend/index.js';
import { MemoryLogger } from '../../src/log.js';
import { fixtureServer, isAlive, startBootChild, tempDir, uniqueRunId } from '../helpers/backend-boot.js';
import { freePort } from '../helpers/postgres.js';

const command = async (env: Record<string, string> = {}): Promise<CommandBackendSpec> => ({
  kind: 'command',
  command: [process.execPath, fixtureServer],
  port: await freePort(),
  env,
});

describe('backend stage with local processes', () => {
  it('boots both, they answer, stop() ends both process groups', async () => {
    const dir = tempDir('cmd-ok');
    const session = await bootBackends({
      runId: uniqueRunId('cmd-ok'),
      reportDir: dir,
      statePath: join(dir, 'state.json'),
      log: new MemoryLogger(),
      specs: {
        baseline: await command({ VARIANT_LABEL: 'base', HEALTH_DELAY_MS: '300' }),
        candidate: await command({ VARIANT_LABEL: 'cand' }),
      },
    });
    const { baseline, candidate } = session.backends;
    console.log(
      `[command ok] both healthy after ${session.bothHealthyMs.toFixed(0)} ms; baseline ${baseline.timeToHealthyMs.toFixed(0)} ms, candidate ${candidate.timeToHealthyMs.toFixed(0)} ms; ${baseline.description}`,
    );
    try {
      const answers = await Promise.all([baseline, candidate].map(async (b) => (await request(b.baseUrl)).body.json()));
      expect(answers.map((a) => (a as { variant: string }).variant)).toEqual(['base', 'cand']);
      expect(baseline.description).toMatch(/server\.cjs \(git [0-9a-f]{40}\)$/);
      expect(isAlive(baseline.pid!)).toBe(true);
    } finally {
      await session.stop();
    }
    expect(isAlive(baseline.pid!)).toBe(false);
    expect(isAlive(candidate.pid!)).toBe(false);
    expect(readFileSync(join(dir, 'backend-baseline.log'), 'utf8')).toContain('fixture got SIGTERM');
  });

  it('fails fast with the output when the process exits at once', async () => {
    const dir = tempDir('cmd-exit');
    const log = new MemoryLogger();
    const specs = { baseline: await command({ FIXTURE_MODE: 'exit-now' }), candidate: await command() };
    const error = await bootBackends({
      runId: uniqueRunId('cmd-exit'),
      reportDir: dir,
      statePath: join(dir, 'state.json'),
      log,
      healthTimeoutMs: 120_000,
      specs,
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    console.log(`[command exit-now] error: ${(error as Error).message}\n${log.lines.join('\n')}`);
    expect(error).toBeInstanceOf(BackendBootError);
    expect((error as BackendBootError).variant).toBe('baseline');
    expect((error as Error).message).toMatch(/ended with exit code 3/);
    expect(log.lines.join('\n')).toContain('fatal: missing configuration');
    // The candidate was stopped too: its port is free again.
    const state = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as {
      entries: { pid: number; removed?: boolean }[];
    };
    expect(state.entries.every((entry) => entry.removed && !isAlive(entry.pid))).toBe(true);
  });

  it('reports a taken port before starting, and a missing program at start', async () => {
    const dir = tempDir('cmd-port');
    const blocker = createServer();
    const taken = await command();
    await new Promise<void>((resolve) => blocker.listen(taken.port, '127.0.0.1', resolve));
    try {
      const error = await bootBackends({
        runId: uniqueRunId('cmd-port'),
        reportDir: dir,
        statePath: join(dir, 'state.json'),
        log: new MemoryLogger(),
        specs: { baseline: await command(), candidate: taken },
      }).then(
        () => undefined,
        (e: unknown) => e,
      );
      console.log(`[command port taken] error: ${(error as Error).message}`);
      expect((error as BackendBootError).variant).toBe('candidate');
      expect((error as BackendBootError).step).toBe('port check');
    } finally {
      blocker.close();
    }
    const missing = await bootBackends({
      runId: uniqueRunId('cmd-missing'),
      reportDir: dir,
      statePath: join(dir, 'state2.json'),
      log: new MemoryLogger(),
      specs: {
        baseline: { ...(await command()), command: ['/nonexistent/perf-gate-server'] },
        candidate: await command(),
      },
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    console.log(`[command missing program] error: ${(missing as Error).message}`);
    expect((missing as BackendBootError).step).toBe('start');
    expect((missing as Error).message).toContain('ENOENT');
  });

  it('times out a never-healthy process and stops it', async () => {
    const dir = tempDir('cmd-unhealthy');
    const log = new MemoryLogger();
    const error = await bootBackends({
      runId: uniqueRunId('cmd-unhealthy'),
      reportDir: dir,
      statePath: join(dir, 'state.json'),
      log,
      healthTimeoutMs: 2_000,
      specs: { baseline: await command(), candidate: await command({ FIXTURE_MODE: 'never-healthy' }) },
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    console.log(`[command never-healthy] error: ${(error as Error).message}`);
    expect((error as BackendBootError).variant).toBe('candidate');
    expect((error as Error).message).toMatch(/no 2xx within 2000 ms/);
    const state = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as { entries: { pid: number }[] };
    expect(state.entries.some((entry) => isAlive(entry.pid))).toBe(false);
  });

  it('SIGTERM to a perf-gate process stops its backend processes and exits 143', async () => {
    const dir = tempDir('cmd-sigterm');
    const boot = await startBootChild({
      runId: uniqueRunId('cmd-sigterm'),
      reportDir: dir,
      statePath: join(dir, 'state.json'),
      specs: { baseline: await command(), candidate: await command() },
    });
    const pids = Object.values(boot.ready.backends).map((b) => b.pid!);
    expect(pids.every(isAlive)).toBe(true);
    boot.child.kill('SIGTERM');
    const exit = await boot.exited;
    console.log(`[command sigterm] exit ${JSON.stringify(exit)}; stderr:\n${boot.stderr()}`);
    expect(exit.code).toBe(143);
    expect(pids.some(isAlive)).toBe(false);
  });

  it('backends outlive a killed boot process; removeBackendsFromState or the next run removes them', async () => {
    const dir = tempDir('cmd-leftover');
    const jobKey = `test/cmd-leftover/${process.pid}`;
    const first = await startBootChild({
      runId: uniqueRunId('cmd-a'),
      reportDir: join(dir, 'a'),
      statePath: join(dir, 'a.json'),
      specs: { baseline: await command(), candidate: await command() },
    });
    first.child.kill('SIGKILL');
    await first.exited;
    const firstPids = Object.values(first.ready.backends).map((b) => b.pid!);
    expect(firstPids.every(isAlive)).toBe(true); // detached: they survive their parent, as the action's boot step needs
    const log = new MemoryLogger();
    await removeBackendsFromState(join(dir, 'a.json'), log);
    console.log(`[command removeBackendsFromState] ${log.lines.join('\n')}`);
    expect(firstPids.some(isAlive)).toBe(false);

    const crashed = await startBootChild({
      runId: uniqueRunId('cmd-crashed'),
      jobKey,
      ttlMs: 1,
      reportDir: join(dir, 'c'),
      statePath: join(dir, 'c.json'),
      specs: { baseline: await command(), candidate: await command() },
    });
    const live = await startBootChild({
      runId: uniqueRunId('cmd-live'),
      jobKey,
      ttlMs: 600_000,
      reportDir: join(dir, 'l'),
      statePath: join(dir, 'l.json'),
      specs: { baseline: await command(), candidate: await command() },
    });
    crashed.child.kill('SIGKILL');
    await crashed.exited;
    const crashedPids = Object.values(crashed.ready.backends).map((b) => b.pid!);
    const livePids = Object.values(live.ready.backends).map((b) => b.pid!);
    try {
      const sweepLog = new MemoryLogger();
      const swept = await removeLeftovers(
        { jobKey, currentRunId: uniqueRunId('cmd-next'), containers: false },
        sweepLog,
      );
      console.log(`[command leftover sweep] ${JSON.stringify(swept)}\n${sweepLog.lines.join('\n')}`);
      expect(swept.processGroups.sort()).toEqual([...crashedPids].sort());
      expect(crashedPids.some(isAlive)).toBe(false);
      expect(livePids.every(isAlive)).toBe(true);
    } finally {
      live.child.kill('SIGTERM');
      await live.exited;
    }
    expect(livePids.some(isAlive)).toBe(false);
    expect(existsSync(join(dir, 'c', 'backend-baseline.log'))).toBe(true);
  });
});
