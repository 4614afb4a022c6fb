/**
 * Boots baseline and candidate at the same time, each on its own port, waits until both answer
 * their health URL, and hands back a session whose `stop()` removes everything again.
 *
 * Every start is recorded in the state file first, so a separate process can clean up
 * (`removeBackendsFromState`) even when this one dies. Containers are not started with `--rm`: on failure
 * their output is needed, and it is saved to the report folder before removal.
 *
 * Interruption: pass `signal`; when it aborts, boot stops waiting, removes what it started and
 * throws. Typical wiring in the CLI (see signal-cleanup.ts for the exit codes):
 *
 *   const abort = new AbortController();
 *   const uninstall = installSignalCleanup({ log, exit: (c) => process.exit(c),
 *     cleanup: async () => { abort.abort(); await removeBackendsFromState(statePath, log); } });
 *   const session = await bootBackends({ ..., signal: abort.signal });
 *   try { ...benchmark... } finally { await session.stop(); uninstall(); }
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { errorMessage, InfrastructureError } from '../errors.js';
import { isPlainSetting, type Logger } from '../log.js';
import { FAILURE_TAIL_LINES, lastLines, tailFile } from './backend-logs.js';
import {
  type BackendSpec,
  type CommandBackendSpec,
  DEFAULT_HEALTH_PATH,
  DEFAULT_METRICS_PATH,
  type ImageBackendSpec,
  joinUrl,
  type RunningBackend,
  type UrlBackendSpec,
  VARIANTS,
  type Variant,
  validateBackendSpecs,
} from './backend-spec.js';
import { type ContainerEntry, type ProcessEntry, StateWriter } from './backend-state.js';
import { DockerCli } from './docker-cli.js';
import { isSecretName } from './environment-info.js';
import { HealthWaitError, type Liveness, waitForHealthy } from './health-wait.js';
import { findFreePort, isPortConflictMessage, isPortFree } from './port-check.js';
import { readProcStat } from './process-control.js';
import { removeAll } from './remove-backends.js';
import { containerName, DEFAULT_TTL_MS, labelsFor, labelsToEnv, type RunIdentity } from './run-labels.js';

export type BootStep = 'port check' | 'start' | 'health check';

/** A boot failure: names the variant and the step, and keeps the underlying cause. */
export class BackendBootError extends InfrastructureError {
  constructor(
    readonly variant: Variant,
    readonly step: BootStep,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`backend '${variant}' failed at step '${step}': ${detail}`, options);
  }
}

export interface BootOptions {
  specs: Record<Variant, BackendSpec>;
  /** Unique per job attempt; see `makeRunId`. */
  runId: string;
  /** Same for every run of one job (e.g. "owner/repo/workflow/job"); labels only. */
  jobKey?: string;
  /** The run's time to live; after it, leftovers may be swept by later runs. Default 6 h. */
  ttlMs?: number;
  /** Folder for backend logs (backend-<variant>.log). */
  reportDir: string;
  /**
   * Which start of the backends this is, from 0 (`load.processes`): a restart's logs go to
   * backend-<variant>-process<N>.log, so the first start's logs are kept.
   */
  process?: number;
  /** Where the state file goes (e.g. `<reportDir>/backend-state.json`). */
  statePath: string;
  log: Logger;
  /** Health timeout per variant; default 120 s. */
  healthTimeoutMs?: number;
  healthIntervalMs?: number;
  docker?: DockerCli;
  signal?: AbortSignal;
  /** SIGTERM-to-SIGKILL grace when stopping local processes; default 5 s. */
  graceMs?: number;
}

export interface BackendSession {
  runId: string;
  backends: Record<Variant, RunningBackend>;
  /** Milliseconds from the start of boot until both variants answered their health URL. */
  bothHealthyMs: number;
  statePath: string;
  /** Removes containers and processes (saving container output first). Idempotent. */
  stop(): Promise<void>;
}

/** What a started backend needs to be watched while we wait for it. */
interface Started {
  backend: Omit<RunningBackend, 'timeToHealthyMs'>;
  checkAlive: () => Promise<Liveness>;
  logTail: () => Promise<string[]>;
}

interface Context {
  options: BootOptions;
  identity: RunIdentity;
  writer: StateWriter;
  docker: () => DockerCli;
  signal: AbortSignal;
}

function gitSha(cwd: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile('git', ['rev-parse', 'HEAD'], { cwd, timeout: 10_000 }, (error, stdout) =>
      resolve(error ? undefined : stdout.trim()),
    );
  });
}

async function assertPortFree(variant: Variant, port: number, what: string): Promise<void> {
  if (!(await isPortFree(port))) {
    throw new BackendBootError(
      variant,
      'port check',
      `port ${port} on 127.0.0.1 is already in use by another process (${what}); stop that process or choose another port — otherwise perf-gate would measure the wrong server`,
    );
  }
}

function probes(spec: BackendSpec, baseUrl: string) {
  return {
    baseUrl,
    healthUrl: joinUrl(baseUrl, spec.healthPath ?? DEFAULT_HEALTH_PATH),
    metricsUrl: joinUrl(baseUrl, spec.metricsPath ?? DEFAULT_METRICS_PATH),
  };
}

function startUrl(variant: Variant, spec: UrlBackendSpec): Started {
  const base = spec.url.replace(/\/+$/, '');
  return {
    backend: { variant, kind: 'url', description: base, ...probes(spec, base) },
    checkAlive: async () => ({ alive: true }),
    logTail: async () => ['(an already running backend: perf-gate has no access to its logs)'],
  };
}

async function startCommand(ctx: Context, variant: Variant, spec: CommandBackendSpec): Promise<Started> {
  await assertPortFree(variant, spec.port, 'command backend port');
  const logPath = backendLogPath(ctx.options, variant);
  const out = openSync(logPath, 'w', 0o600);
  let child: ChildProcess;
  try {
    // detached: the process leads its own process group (and session), so it survives this
    // process when the action's boot step exits, and the whole group can be signalled at once.
    child = spawn(spec.command[0]!, spec.command.slice(1), {
      cwd: spec.cwd,
      detached: true,
      stdio: ['ignore', out, out],
      env: { ...process.env, PORT: String(spec.port), ...spec.env, ...labelsToEnv(labelsFor(ctx.identity, variant)) },
    });
  } finally {
    closeSync(out);
  }
  let exit: string | undefined;
  child.once('exit', (code, signal) => {
    exit = signal ? `killed by ${signal}` : `exit code ${code}`;
  });
  // Recorded at once, before anything is awaited: a signal handled between the start and the record
  // would otherwise leave a backend no cleanup knows of. The pid is known as soon as spawn returns.
  const pid = child.pid;
  const entry: ProcessEntry | undefined =
    pid === undefined
      ? undefined
      : {
          kind: 'process',
          variant,
          pid,
          pgid: pid,
          startTicks: readProcStat(pid)?.startTicks,
          command: spec.command,
          logPath,
        };
  const recorded = entry
    ? ctx.writer.update((state) => {
        state.entries.push(entry);
      })
    : Promise.resolve();
  const spawned = await new Promise<Error | undefined>((resolve) => {
    child.once('spawn', () => resolve(undefined));
    child.once('error', (error) => resolve(error));
  });
  await recorded;
  if (spawned || pid === undefined) {
    throw new BackendBootError(
      variant,
      'start',
      `could not start ${JSON.stringify(spec.command[0])}: ${errorMessage(spawned)}`,
    );
  }
  child.unref();
  const sha = await gitSha(spec.cwd ?? process.cwd());
  return {
    backend: {
      variant,
      kind: 'command',
      description: `${spec.command.join(' ')}${sha ? ` (git ${sha})` : ''}`,
      pid,
      pgid: pid,
      logPath,
      ...probes(spec, `http://127.0.0.1:${spec.port}`),
    },
    checkAlive: async () =>
      exit === undefined ? { alive: true } : { alive: false, detail: `process ${pid} ended with ${exit}` },
    logTail: () => tailFile(logPath, FAILURE_TAIL_LINES),
  };
}

async function startContainer(ctx: Context, variant: Variant, spec: ImageBackendSpec): Promise<Started> {
  const docker = ctx.docker();
  const network = spec.network ?? 'bridge';
  const fixedPort = network === 'host' ? spec.port : spec.hostPort;
  if (fixedPort !== undefined)
    await assertPortFree(
      variant,
      fixedPort,
      network === 'host' ? 'host-network container port' : 'published host port',
    );
  const name = containerName(ctx.identity.runId, variant);
  const logPath = backendLogPath(ctx.options, variant);
  const entry: ContainerEntry = { kind: 'container', variant, name, logPath };
  // Recorded before `docker run`: if we die during it, the name is enough to find the container.
  await ctx.writer.update((state) => {
    state.entries.push(entry);
  });
  for (const [key, value] of Object.entries(spec.env ?? {}))
    if (isSecretName(key) && !isPlainSetting(value)) ctx.options.log.addSecret(value);

  // An automatically chosen port can be taken between our check and Docker's bind; retry then.
  const attempts = fixedPort === undefined ? 3 : 1;
  let containerId = '';
  let hostPort = 0;
  for (let attempt = 1; ; attempt += 1) {
    hostPort = fixedPort ?? (await findFreePort());
    try {
      containerId = await docker.run({
        image: spec.image,
        name,
        labels: labelsFor(ctx.identity, variant),
        env: spec.env ?? {},
        envFile: spec.envFile,
        network,
        publish: network === 'bridge' ? { hostIp: '127.0.0.1', hostPort, containerPort: spec.port } : undefined,
        cpus: spec.cpus,
        memory: spec.memory,
        cpusetCpus: spec.cpuset,
        extraArgs: spec.dockerArgs,
        command: spec.command,
      });
      break;
    } catch (error) {
      const message = errorMessage(error);
      // A failed start can leave a created container holding the name.
      await docker.rm([name]).catch(() => undefined);
      if (isPortConflictMessage(message)) {
        if (attempt < attempts) continue;
        throw new BackendBootError(
          variant,
          'port check',
          `host port ${hostPort} is already in use (Docker: ${message})`,
          { cause: error },
        );
      }
      throw new BackendBootError(variant, 'start', message, { cause: error });
    }
  }
  await ctx.writer.update(() => {
    entry.containerId = containerId;
  });
  const inspected = await docker.inspectContainer(containerId);
  const imageId = inspected?.Image ?? 'unknown image id';
  const digests = await docker.inspectImage(imageId).then(
    (image) => image.RepoDigests ?? [],
    () => [],
  );
  return {
    backend: {
      variant,
      kind: 'image',
      description: `${spec.image} (${digests[0] ?? imageId})`,
      containerId,
      containerName: name,
      logPath,
      ...probes(spec, `http://127.0.0.1:${hostPort}`),
    },
    checkAlive: async () => {
      const state = (await docker.inspectContainer(containerId))?.State;
      if (!state) return { alive: false, detail: `container ${name} disappeared` };
      if (state.Status === 'exited' || state.Status === 'dead') {
        return {
          alive: false,
          detail: `container ${name} exited with code ${state.ExitCode}${state.OOMKilled ? ' (killed: out of memory)' : ''}${state.Error ? `: ${state.Error}` : ''}`,
        };
      }
      return { alive: true };
    },
    logTail: async () => lastLines(await docker.logs(containerId, { tail: FAILURE_TAIL_LINES }), FAILURE_TAIL_LINES),
  };
}

async function bootVariant(ctx: Context, variant: Variant): Promise<{ backend: RunningBackend; started: Started }> {
  const spec = ctx.options.specs[variant];
  const begin = performance.now();
  const started =
    spec.kind === 'url'
      ? startUrl(variant, spec)
      : spec.kind === 'command'
        ? await startCommand(ctx, variant, spec)
        : await startContainer(ctx, variant, spec);
  try {
    await waitForHealthy({
      url: started.backend.healthUrl,
      timeoutMs: ctx.options.healthTimeoutMs ?? 120_000,
      intervalMs: ctx.options.healthIntervalMs,
      checkAlive: started.checkAlive,
      signal: ctx.signal,
    });
  } catch (error) {
    const failure = new BackendBootError(variant, 'health check', errorMessage(error), { cause: error });
    (failure as BackendBootError & { started?: Started }).started = started;
    throw failure;
  }
  return { backend: { ...started.backend, timeToHealthyMs: performance.now() - begin }, started };
}

function backendLogPath(options: Pick<BootOptions, 'reportDir' | 'process'>, variant: Variant): string {
  const suffix = options.process ? `-process${options.process}` : '';
  return join(options.reportDir, `backend-${variant}${suffix}.log`);
}

function isAbort(error: unknown): boolean {
  return (
    error instanceof BackendBootError && error.cause instanceof HealthWaitError && error.cause.reason === 'aborted'
  );
}

export async function bootBackends(options: BootOptions): Promise<BackendSession> {
  validateBackendSpecs(options.specs);
  // An abort that came before the call would never fire the listener below: start nothing.
  if (options.signal?.aborted) throw new InfrastructureError('backend boot was cancelled before any backend started');
  mkdirSync(options.reportDir, { recursive: true });
  const begin = performance.now();
  const identity: RunIdentity = {
    runId: options.runId,
    jobKey: options.jobKey,
    expiresAtMs: Date.now() + (options.ttlMs ?? DEFAULT_TTL_MS),
  };
  const writer = new StateWriter(options.statePath, {
    version: 1,
    runId: options.runId,
    jobKey: options.jobKey,
    startedAt: new Date().toISOString(),
    entries: [],
  });
  await writer.update(() => undefined);
  let docker = options.docker;
  const abort = new AbortController();
  const onOuterAbort = () => abort.abort();
  options.signal?.addEventListener('abort', onOuterAbort, { once: true });
  const ctx: Context = { options, identity, writer, docker: () => (docker ??= new DockerCli()), signal: abort.signal };
  let stopping: Promise<void> | undefined;
  const stop = () => (stopping ??= removeAll(writer, { log: options.log, docker, graceMs: options.graceMs }));

  const outcomes = await Promise.allSettled(
    VARIANTS.map((variant) =>
      bootVariant(ctx, variant).catch((error: unknown) => {
        abort.abort(); // the run cannot continue: stop waiting for the other variant
        throw error;
      }),
    ),
  );
  options.signal?.removeEventListener('abort', onOuterAbort);

  const failures = outcomes.flatMap((outcome, i) =>
    outcome.status === 'rejected' ? [{ variant: VARIANTS[i]!, error: outcome.reason as unknown }] : [],
  );
  if (failures.length === 0) {
    const [baseline, candidate] = outcomes.map(
      (o) => (o as PromiseFulfilledResult<{ backend: RunningBackend }>).value.backend,
    );
    const bothHealthyMs = performance.now() - begin;
    for (const b of [baseline!, candidate!]) {
      options.log.info(
        `backend '${b.variant}' healthy after ${Math.round(b.timeToHealthyMs)} ms at ${b.baseUrl} — ${b.description}`,
      );
    }
    return {
      runId: options.runId,
      backends: { baseline: baseline!, candidate: candidate! },
      bothHealthyMs,
      statePath: options.statePath,
      stop,
    };
  }

  // Show the failing variant's output (not the one we merely stopped waiting for), then clean up.
  const real = failures.filter((f) => !isAbort(f.error));
  const shown = real.length > 0 ? real : failures;
  for (const { variant, error } of shown) {
    const started = (error as { started?: Started }).started;
    if (!started) continue;
    const lines = await started.logTail().catch((e: unknown) => [`(logs unavailable: ${errorMessage(e)})`]);
    await options.log.group(`backend '${variant}': last ${FAILURE_TAIL_LINES} log lines`, async () => {
      options.log.info(lines.length > 0 ? lines.join('\n') : '(no output)');
    });
  }
  try {
    await stop();
  } catch (cleanupError) {
    options.log.error(errorMessage(cleanupError));
  }
  const primary = shown[0]!.error;
  if (options.signal?.aborted && real.length === 0)
    throw new InfrastructureError('backend boot was cancelled; started backends were removed', { cause: primary });
  throw primary instanceof InfrastructureError
    ? primary
    : new InfrastructureError(errorMessage(primary), { cause: primary });
}
