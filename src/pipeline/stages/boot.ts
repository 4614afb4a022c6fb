/**
 * Stage 2: baseline and candidate backends, booted side by side on their own ports and healthy
 * before the first request. Each variant gets its own database URL (see the migrate stage) through the
 * environment variable the config names.
 */
import { join, resolve } from 'node:path';
import type { BackendSpec, Variant } from '../../backend/backend-spec.js';
import { envFileSecrets } from '../../backend/env-file.js';
import {
  type BackendSession,
  bootBackends,
  collectEnvironmentInfo,
  DockerCli,
  removeLeftovers,
} from '../../backend/index.js';
import { findFreePort } from '../../backend/port-check.js';
import { fillPortInEnv, fillPortInList } from '../../backend/port-placeholder.js';
import type { BackendConfig, BackendVariantsConfig } from '../../config/config.js';
import { pinProcess } from '../../load/pin-cpus.js';
import type { StageContext } from '../context.js';

const VARIANTS: readonly Variant[] = ['baseline', 'candidate'];

/** Turns one variant's config into the backend stage's spec, choosing free ports where needed. */
export async function backendSpec(
  ctx: StageContext,
  config: BackendConfig,
  databaseUrl: string | undefined,
): Promise<BackendSpec> {
  const probes = { healthPath: config.healthPath, metricsPath: config.metricsPath };
  if (config.kind === 'url') return { kind: 'url', url: config.url, ...probes };
  const env = { ...config.env };
  if (databaseUrl && !(config.databaseUrlEnv in env)) env[config.databaseUrlEnv] = databaseUrl;
  if (config.kind === 'command') {
    const port = await findFreePort();
    env[config.portEnv] = String(port);
    // "node" means the Node.js running perf-gate, so the demo works wherever perf-gate does.
    const [program, ...args] = fillPortInList(config.command, port);
    const command = program === 'node' ? [process.execPath, ...args] : [program ?? '', ...args];
    return {
      kind: 'command',
      command,
      port,
      env: fillPortInEnv(env, port),
      cwd: resolve(ctx.config.baseDir, config.cwd ?? '.'),
      ...probes,
    };
  }
  let port = config.port;
  if (config.network === 'host') {
    // Both variants share the host's ports: give each its own and tell the backend which.
    port = await findFreePort();
    env[config.portEnv] = String(port);
  }
  return {
    kind: 'image',
    image: config.image,
    port,
    network: config.network,
    env: fillPortInEnv(env, port),
    envFile: config.envFile ? resolve(ctx.config.baseDir, config.envFile) : undefined,
    dockerArgs: config.dockerArgs,
    cpus: config.cpus,
    cpuset: config.cpuset,
    memory: config.memory,
    ...probes,
  };
}

/**
 * The backend each variant's slot boots. A stored baseline has nothing to boot; the candidate is then a
 * running app (a URL), and the baseline slot only repeats its health check, starting nothing.
 */
function bootedBackends(backend: BackendVariantsConfig): Record<Variant, BackendConfig> {
  const { baseline, candidate } = backend;
  return { baseline: baseline.kind === 'results' ? candidate : baseline, candidate };
}

/**
 * Boots both backends. `process` numbers a restart between blocks of pairs (`load.processes`): the
 * earlier start must be stopped first; its logs are kept, and ports chosen by perf-gate are chosen anew.
 */
export async function bootStage(ctx: StageContext, process = 0): Promise<BackendSession> {
  const { config, log, state } = ctx;
  const booted = bootedBackends(config.backend);
  const specs = {} as Record<Variant, BackendSpec>;
  for (const variant of VARIANTS) {
    const url = variant === 'baseline' ? state.database?.baselineUrl : state.database?.candidateUrl;
    specs[variant] = await backendSpec(ctx, booted[variant], url);
  }
  // An env file's secrets join the run's before anything starts, so cleanup masks them in backend-*.log too.
  for (const spec of Object.values(specs)) {
    for (const secret of spec.kind === 'image' && spec.envFile ? envFileSecrets(spec.envFile, ctx.env) : []) {
      log.addSecret(secret);
      if (!state.secrets.includes(secret)) state.secrets.push(secret);
    }
  }
  ctx.saveState();
  const statePath = join(ctx.reportDir, 'backend-state.json');
  // Recorded before anything starts: `cleanup` in another process finds every backend through this
  // file, which lists each one before it is started (see boot-backends.ts).
  // A restart keeps the first start's environment until the new one is known, so a failed restart's report still has it.
  const earlier = process > 0 ? state.backend?.environment : undefined;
  state.backend = { statePath, running: {}, ...(earlier ? { environment: earlier } : {}) };
  ctx.saveState();
  const { GITHUB_REPOSITORY: repository, GITHUB_WORKFLOW: workflow, GITHUB_JOB: job } = ctx.env;
  const jobKey = repository ? [repository, workflow, job].join('/') : undefined;
  const usesDocker = VARIANTS.some((v) => specs[v].kind === 'image');
  // A crashed earlier run of this job may have left containers or processes: remove those past their deadline.
  await removeLeftovers(
    { currentRunId: state.runId, jobKey, logDir: ctx.reportDir, containers: usesDocker, processes: true },
    log,
  );
  const healthTimeoutMs = Math.max(booted.baseline.healthTimeoutMs, booted.candidate.healthTimeoutMs);
  const session = await bootBackends({
    specs,
    runId: state.runId,
    jobKey,
    reportDir: ctx.reportDir,
    process,
    statePath,
    log,
    healthTimeoutMs,
    signal: ctx.signal,
  });
  ctx.teardown.backends = () => session.stop();
  // Docker pins image backends itself (--cpuset-cpus); local processes are pinned here, threads included.
  for (const variant of VARIANTS) {
    const running = session.backends[variant];
    const backend = booted[variant];
    if (backend.kind === 'command' && backend.cpuset && running.pid)
      pinProcess(running.pid, backend.cpuset, `the ${variant} backend`, log);
  }
  const environment = await collectEnvironmentInfo({
    specs,
    backends: session.backends,
    docker: usesDocker ? new DockerCli() : undefined,
  });
  state.backend = {
    statePath,
    running: session.backends,
    environment: { ...environment, bothHealthyMs: session.bothHealthyMs },
  };
  ctx.saveState();
  log.info(
    `both backends healthy after ${(session.bothHealthyMs / 1000).toFixed(1)} s: baseline ${session.backends.baseline.baseUrl}, candidate ${session.backends.candidate.baseUrl}`,
  );
  return session;
}
