/**
 * The backend stage against a real Docker engine, with an image built offline from
 * test/fixtures/backend/server.cjs. Skipped without an engine, failed under CI=true.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImageBackendSpec } from '../../src/backend/index.js';
import {
  BackendBootError,
  bootBackends,
  DockerCli,
  LABEL,
  removeBackendsFromState,
  removeLeftovers,
} from '../../src/backend/index.js';
import { MemoryLogger } from '../../src/log.js';
import {
  buildFixtureImage,
  containersWithLabel,
  removeContainersWithLabel,
  startBootChild,
  tempDir,
  uniqueRunId,
} from '../helpers/backend-boot.js';
import { probeDocker } from '../helpers/docker.js';
import { freePort } from '../helpers/postgres.js';
import { requireService } from '../helpers/services.js';

const hasDocker = requireService('docker', probeDocker());
const suiteLabel = `perf-gate.test-suite=docker-boot-${process.pid}`;

describe.skipIf(!hasDocker)('backend stage with Docker', () => {
  let image = '';
  const runIds: string[] = [];
  const run = (prefix: string) => {
    const id = uniqueRunId(prefix);
    runIds.push(id);
    return id;
  };
  const spec = (extra: Partial<ImageBackendSpec> = {}): ImageBackendSpec => ({
    kind: 'image',
    image,
    port: 8080,
    dockerArgs: ['--label', suiteLabel],
    ...extra,
  });

  beforeAll(() => {
    image = buildFixtureImage();
  });
  afterAll(() => {
    // Safety net only: every test asserts its own containers are gone.
    removeContainersWithLabel(suiteLabel);
  });

  it('boots baseline and candidate at once, both answer, and stop() removes them with their logs saved', async () => {
    const dir = tempDir('docker-ok');
    const runId = run('ok');
    const log = new MemoryLogger();
    const hostPort = await freePort();
    const session = await bootBackends({
      runId,
      healthTimeoutMs: 60_000,
      reportDir: dir,
      statePath: join(dir, 'backend-state.json'),
      log,
      specs: {
        baseline: spec({ env: { VARIANT_LABEL: 'base', HEALTH_DELAY_MS: '300', DB_PASSWORD: 'hunter2-secret' } }),
        candidate: spec({
          env: { VARIANT_LABEL: 'cand', HEALTH_DELAY_MS: '300', DB_PASSWORD: 'other-secret', PORT: String(hostPort) },
          network: 'host',
          port: hostPort,
        }),
      },
    });
    try {
      const { baseline, candidate } = session.backends;
      console.log(
        `[docker ok] both healthy after ${session.bothHealthyMs.toFixed(0)} ms; baseline ${baseline.timeToHealthyMs.toFixed(0)} ms (bridge ${baseline.baseUrl}), candidate ${candidate.timeToHealthyMs.toFixed(0)} ms (host ${candidate.baseUrl})`,
      );
      console.log(`[docker ok] descriptions: ${baseline.description} | ${candidate.description}`);
      expect(baseline.baseUrl).not.toBe(candidate.baseUrl);
      const answers = await Promise.all([baseline, candidate].map(async (b) => (await request(b.baseUrl)).body.json()));
      expect(answers.map((a) => (a as { variant: string }).variant)).toEqual(['base', 'cand']);
      const metrics = await (await request(baseline.metricsUrl)).body.text();
      expect(metrics).toContain('fixture_requests_total');
      expect(baseline.description).toContain(image);
      expect(containersWithLabel(`${LABEL.runId}=${runId}`)).toHaveLength(2);
      const inspected = await new DockerCli().inspectContainer(baseline.containerId!);
      expect(inspected?.Config.Labels?.[LABEL.variant]).toBe('baseline');
    } finally {
      await session.stop();
    }
    expect(containersWithLabel(`${LABEL.runId}=${runId}`)).toEqual([]);
    expect(readFileSync(join(dir, 'backend-baseline.log'), 'utf8')).toContain('fixture listening on 8080');
    const state = JSON.parse(readFileSync(join(dir, 'backend-state.json'), 'utf8')) as { finishedAt?: string };
    expect(state.finishedAt).toBeDefined();
    expect(log.lines.join('\n')).not.toContain('hunter2-secret');
  });

  it('fails fast with the logs when the container exits at once, and removes both', async () => {
    const dir = tempDir('docker-exit');
    const runId = run('exit');
    const log = new MemoryLogger();
    const boot = bootBackends({
      runId,
      reportDir: dir,
      statePath: join(dir, 'state.json'),
      log,
      healthTimeoutMs: 120_000,
      specs: { baseline: spec(), candidate: spec({ env: { FIXTURE_MODE: 'exit-now' } }) },
    });
    const error = await boot.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(BackendBootError);
    const boot_error = error as BackendBootError;
    console.log(`[docker exit-now] error: ${boot_error.message}`);
    console.log(`[docker exit-now] log:\n${log.lines.join('\n')}`);
    expect(boot_error.variant).toBe('candidate');
    expect(boot_error.step).toBe('health check');
    expect(boot_error.message).toMatch(/exited with code 3/);
    expect(log.lines).toContain("group: backend 'candidate': last 200 log lines");
    expect(log.lines.join('\n')).toContain('fatal: missing configuration');
    expect(containersWithLabel(`${LABEL.runId}=${runId}`)).toEqual([]);
    expect(readFileSync(join(dir, 'backend-candidate.log'), 'utf8')).toContain('fatal: missing configuration');
  });

  it('times out a health check that never passes, shows the logs and cleans up', async () => {
    const dir = tempDir('docker-unhealthy');
    const runId = run('unhealthy');
    const log = new MemoryLogger();
    const error = await bootBackends({
      runId,
      reportDir: dir,
      statePath: join(dir, 'state.json'),
      log,
      healthTimeoutMs: 3_000,
      specs: { baseline: spec({ env: { FIXTURE_MODE: 'never-healthy' } }), candidate: spec() },
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    console.log(`[docker never-healthy] error: ${(error as Error).message}`);
    console.log(`[docker never-healthy] log:\n${log.lines.join('\n')}`);
    expect(error).toBeInstanceOf(BackendBootError);
    expect((error as BackendBootError).variant).toBe('baseline');
    expect((error as Error).message).toMatch(/no 2xx within 3000 ms.*HTTP 503/);
    expect(log.lines.join('\n')).toContain('mode=never-healthy');
    expect(containersWithLabel(`${LABEL.runId}=${runId}`)).toEqual([]);
  });

  it('refuses a host port that is already taken, before starting anything', async () => {
    const dir = tempDir('docker-port');
    const runId = run('port');
    const blocker: Server = createServer();
    const port = await freePort();
    await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve));
    try {
      const log = new MemoryLogger();
      const hostNet = await bootBackends({
        runId,
        reportDir: dir,
        statePath: join(dir, 'state.json'),
        log,
        specs: { baseline: spec(), candidate: spec({ network: 'host', port }) },
      }).then(
        () => undefined,
        (e: unknown) => e,
      );
      console.log(`[docker port taken, host network] error: ${(hostNet as Error).message}`);
      expect((hostNet as BackendBootError).step).toBe('port check');
      expect((hostNet as Error).message).toContain(`port ${port} on 127.0.0.1 is already in use`);
      const published = await bootBackends({
        runId,
        reportDir: dir,
        statePath: join(dir, 'state2.json'),
        log,
        specs: { baseline: spec({ hostPort: port }), candidate: spec() },
      }).then(
        () => undefined,
        (e: unknown) => e,
      );
      console.log(`[docker port taken, published] error: ${(published as Error).message}`);
      expect((published as BackendBootError).variant).toBe('baseline');
      expect((published as Error).message).toContain('already in use');
    } finally {
      blocker.close();
    }
    expect(containersWithLabel(`${LABEL.runId}=${runId}`)).toEqual([]);
  });

  it('SIGTERM to a running perf-gate process removes its containers and exits 143', async () => {
    const dir = tempDir('docker-sigterm');
    const runId = run('sigterm');
    const statePath = join(dir, 'state.json');
    const boot = await startBootChild({
      runId,
      reportDir: dir,
      statePath,
      specs: { baseline: spec(), candidate: spec() },
    });
    console.log(`[docker sigterm] child both healthy after ${boot.ready.bothHealthyMs.toFixed(0)} ms`);
    expect(containersWithLabel(`${LABEL.runId}=${runId}`)).toHaveLength(2);
    boot.child.kill('SIGTERM');
    const exit = await boot.exited;
    console.log(`[docker sigterm] child exit ${JSON.stringify(exit)}; stderr:\n${boot.stderr()}`);
    expect(exit.code).toBe(143);
    expect(containersWithLabel(`${LABEL.runId}=${runId}`)).toEqual([]);
    expect(existsSync(join(dir, 'backend-candidate.log'))).toBe(true);
  });

  it('a killed run leaves containers; the next run sweeps them once expired, never touching a live run', async () => {
    const dir = tempDir('docker-leftover');
    const jobKey = `test/leftover/${process.pid}`;
    const crashed = run('crashed');
    const live = run('live');
    const boot = await startBootChild({
      runId: crashed,
      jobKey,
      ttlMs: 1,
      reportDir: dir,
      statePath: join(dir, 'crashed.json'),
      specs: { baseline: spec(), candidate: spec() },
    });
    boot.child.kill('SIGKILL'); // no handler runs: containers stay behind
    await boot.exited;
    expect(containersWithLabel(`${LABEL.runId}=${crashed}`)).toHaveLength(2);
    // A parallel run of the same job, still within its deadline.
    const liveSession = await bootBackends({
      runId: live,
      jobKey,
      ttlMs: 600_000,
      reportDir: join(dir, 'live'),
      statePath: join(dir, 'live.json'),
      log: new MemoryLogger(),
      specs: { baseline: spec(), candidate: spec() },
    });
    try {
      const log = new MemoryLogger();
      const swept = await removeLeftovers({ jobKey, currentRunId: run('next'), logDir: dir, processes: false }, log);
      console.log(`[docker leftover] sweep removed ${JSON.stringify(swept.containers)}; log:\n${log.lines.join('\n')}`);
      expect(swept.containers.sort()).toEqual([`perf-gate-${crashed}-baseline`, `perf-gate-${crashed}-candidate`]);
      expect(containersWithLabel(`${LABEL.runId}=${crashed}`)).toEqual([]);
      expect(containersWithLabel(`${LABEL.runId}=${live}`)).toHaveLength(2);
      expect(readFileSync(join(dir, `leftover-perf-gate-${crashed}-baseline.log`), 'utf8')).toContain(
        'fixture listening',
      );
    } finally {
      await liveSession.stop();
    }
    // The crashed run's own state file still works for the `if: always()` cleanup step: nothing left.
    await removeBackendsFromState(join(dir, 'crashed.json'), new MemoryLogger());
    expect(containersWithLabel(`${LABEL.runId}=${live}`)).toEqual([]);
  });

  it('removeBackendsFromState removes what a boot-only process left running', async () => {
    const dir = tempDir('docker-state');
    const runId = run('state');
    const statePath = join(dir, 'state.json');
    const boot = await startBootChild({
      runId,
      reportDir: dir,
      statePath,
      specs: { baseline: spec(), candidate: spec() },
    });
    boot.child.kill('SIGKILL');
    await boot.exited;
    expect(containersWithLabel(`${LABEL.runId}=${runId}`)).toHaveLength(2);
    const log = new MemoryLogger();
    await removeBackendsFromState(statePath, log);
    console.log(`[docker removeBackendsFromState] ${log.lines.join('\n')}`);
    expect(containersWithLabel(`${LABEL.runId}=${runId}`)).toEqual([]);
    expect(readFileSync(join(dir, 'backend-baseline.log'), 'utf8')).toContain('fixture listening');
    const again = new MemoryLogger();
    await removeBackendsFromState(statePath, again);
    expect(again.lines.join('\n')).toContain('already removed');
  });

  it('DockerCli errors name the command and stderr but never an env value', async () => {
    const docker = new DockerCli();
    const error = await docker
      .run({
        image: 'perf-gate-test/does-not-exist:never',
        name: `perf-gate-${run('cli')}-baseline`,
        labels: {},
        env: { API_TOKEN: 's3cr3t-value-xyz' },
        network: 'bridge',
        extraArgs: ['--pull', 'never'],
      })
      .then(
        () => undefined,
        (e: unknown) => e as Error,
      );
    console.log(`[docker cli] error: ${error?.message}`);
    expect(error?.message).toContain('docker run --detach');
    expect(error?.message).toContain('--env API_TOKEN');
    expect(error?.message).toMatch(/No such image|not found|pull/i);
    expect(error?.message).not.toContain('s3cr3t-value-xyz');
  });
});
