/** The pure parts of the backend stage: argv building, labels and leftovers, env diff. */
import { describe, expect, it } from 'vitest';
import { lastLines } from '../../src/backend/backend-logs.js';
import { type BackendSpec, validateBackendSpecs } from '../../src/backend/backend-spec.js';
import { dockerRunArgs, formatCommand, parseJsonLines } from '../../src/backend/docker-cli.js';
import { diffEnvironments, isSecretName, maskValue } from '../../src/backend/environment-info.js';
import { parseProcStat } from '../../src/backend/process-control.js';
import {
  containerName,
  judgeLeftover,
  labelsFor,
  labelsFromEnv,
  labelsToEnv,
  makeRunId,
  parseEnviron,
  selectLeftovers,
} from '../../src/backend/run-labels.js';

describe('dockerRunArgs', () => {
  const args = dockerRunArgs({
    image: 'app:1',
    name: 'perf-gate-r1-baseline',
    labels: { 'perf-gate.run-id': 'r1' },
    env: { DATABASE_URL: 'postgres://u:pw-123@db/x', POOL: '20' },
    network: 'bridge',
    publish: { hostIp: '127.0.0.1', hostPort: 40000, containerPort: 8080 },
    cpusetCpus: '1',
    extraArgs: ['--ulimit', 'nofile=65536'],
    command: ['--flag'],
  });
  it('passes env names only, never values', () => {
    expect(args.join(' ')).not.toContain('pw-123');
    expect(args).toEqual(expect.arrayContaining(['--env', 'DATABASE_URL', '--env', 'POOL']));
  });
  it('publishes on loopback only and keeps image then command last', () => {
    expect(args).toContain('127.0.0.1:40000:8080');
    expect(args.slice(-2)).toEqual(['app:1', '--flag']);
    expect(args[args.indexOf('--cpuset-cpus') + 1]).toBe('1');
  });
  it('rejects an env name that would smuggle a value', () => {
    expect(() => dockerRunArgs({ image: 'x', name: 'n', labels: {}, env: { 'A=b': 'c' }, network: 'host' })).toThrow(
      /not a valid name/,
    );
  });
  it('quotes arguments with spaces in messages', () => {
    expect(formatCommand('docker', ['run', 'a b'])).toBe('docker run "a b"');
  });
});

describe('parseJsonLines', () => {
  it('reads one document per line and skips blank lines', () => {
    expect(parseJsonLines('{"ID":"a"}\n\n{"ID":"b"}\n')).toEqual([{ ID: 'a' }, { ID: 'b' }]);
  });
});

describe('leftover selection', () => {
  const now = 1_700_000_000_000;
  const labels = (runId: string, expiresAtMs: number, jobKey = 'o/r/wf/job') =>
    labelsFor({ runId, jobKey, expiresAtMs }, 'baseline');
  it('selects only expired resources of other runs of the same job key', () => {
    const resources = [
      { id: 'expired', labels: labels('old', now - 1000) },
      { id: 'live', labels: labels('parallel', now + 60_000) },
      { id: 'mine', labels: labels('current', now - 1000) },
      { id: 'other-job', labels: labels('old2', now - 1000, 'o/r/wf/other') },
      { id: 'foreign', labels: { 'com.example': 'x' } },
    ];
    expect(selectLeftovers(resources, { now, currentRunId: 'current', jobKey: 'o/r/wf/job' }).map((r) => r.id)).toEqual(
      ['expired'],
    );
    expect(selectLeftovers(resources, { now, currentRunId: 'current' }).map((r) => r.id)).toEqual([
      'expired',
      'other-job',
    ]);
  });
  it('keeps a resource whose deadline cannot be read', () => {
    expect(judgeLeftover({ 'perf-gate.managed': 'true', 'perf-gate.run-id': 'x' }, { now })).toEqual({
      leftover: false,
      why: 'no deadline label',
    });
  });
  it('round-trips labels through a process environment', () => {
    const l = labels('r', now);
    expect(
      labelsFromEnv(
        parseEnviron(
          `PATH=/bin\0${Object.entries(labelsToEnv(l))
            .map(([k, v]) => `${k}=${v}`)
            .join('\0')}\0`,
        ),
      ),
    ).toEqual(l);
    expect(labelsFromEnv({ PATH: '/bin' })).toBeUndefined();
  });
  it('names containers safely and uniquely per run and variant', () => {
    expect(containerName('123/4 job:x', 'candidate')).toBe('perf-gate-123-4-job-x-candidate');
    expect(makeRunId({ GITHUB_RUN_ID: '99', GITHUB_RUN_ATTEMPT: '2', GITHUB_JOB: 'perf' }, 'ab12')).toBe(
      '99-2-perf-ab12',
    );
    expect(makeRunId({}, 'ab12')).toBe('local-ab12');
  });
});

describe('environment diff', () => {
  it('lists only differing variables and masks secret ones', () => {
    const diff = diffEnvironments(
      { DB_POOL_SIZE: '10', DB_PASSWORD: 'a', LOG: 'info', DATABASE_URL: 'postgres://u:p@h/db' },
      { DB_POOL_SIZE: '20', DB_PASSWORD: 'b', LOG: 'info', DATABASE_URL: 'postgres://u:p@h/db2', EARLY_EXIT: '0.9' },
    );
    expect(diff).toEqual([
      { name: 'DATABASE_URL', baseline: '***', candidate: '***', masked: true },
      { name: 'DB_PASSWORD', baseline: '***', candidate: '***', masked: true },
      { name: 'DB_POOL_SIZE', baseline: '10', candidate: '20', masked: false },
      { name: 'EARLY_EXIT', baseline: undefined, candidate: '0.9', masked: false },
    ]);
  });
  it('recognises secret-looking names and passwords inside URLs', () => {
    expect(['API_TOKEN', 'OPENAI_API_KEY', 'client_secret', 'DATABASE_URL'].every(isSecretName)).toBe(true);
    expect(isSecretName('DB_POOL_SIZE')).toBe(false);
    expect(maskValue('CACHE_URL', 'redis://user:pw@cache:6379/0')).toBe('redis://user:***@cache:6379/0');
  });
});

describe('validateBackendSpecs', () => {
  const cmd = (port: number): BackendSpec => ({ kind: 'command', command: ['node', 'server.js'], port });
  it('refuses both variants on one host port, naming the key', () => {
    expect(() => validateBackendSpecs({ baseline: cmd(8080), candidate: cmd(8080) })).toThrow(
      /backend\.candidate\.port/,
    );
  });
  it('allows the same container port on the bridge network', () => {
    const image: BackendSpec = { kind: 'image', image: 'app', port: 8080 };
    expect(() => validateBackendSpecs({ baseline: image, candidate: image })).not.toThrow();
  });
  it('names bad values', () => {
    expect(() => validateBackendSpecs({ baseline: { kind: 'url', url: 'ftp://x' }, candidate: cmd(1) })).toThrow(
      /backend\.baseline\.url: got "ftp:\/\/x"/,
    );
    expect(() => validateBackendSpecs({ baseline: cmd(70000), candidate: cmd(1) })).toThrow(/backend\.baseline\.port/);
    expect(() => validateBackendSpecs({ baseline: { ...cmd(1), healthPath: 'health' }, candidate: cmd(2) })).toThrow(
      /healthPath/,
    );
  });
});

describe('small parsers', () => {
  it('reads /proc/<pid>/stat even when the command name has spaces and parentheses', () => {
    const fields = ['S', '1', '4242', '4242', ...Array.from({ length: 15 }, (_, i) => String(i)), '987654', '0'];
    expect(parseProcStat(`4242 (node (x) y) ${fields.join(' ')}`)).toEqual({
      state: 'S',
      pgid: 4242,
      startTicks: '987654',
    });
  });
  it('takes the last lines of a log', () => {
    expect(lastLines('a\nb\nc\n', 2)).toEqual(['b', 'c']);
    expect(lastLines('', 5)).toEqual([]);
  });
});
