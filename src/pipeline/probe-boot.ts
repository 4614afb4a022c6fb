/**
 * `perf-gate init --probe start`: the written config's database and candidate are brought up once, the
 * way a gate brings them up (throwaway or given database, migrations, the backend started on a port of
 * perf-gate's choosing), the workload's first requests are sent so the service's histograms and counters
 * hold something, and its metrics page is scraped. Everything started is removed before returning, as
 * after a gate; a failure says which stage failed and where its logs are.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PerfGateConfig } from '../config/config.js';
import { errorMessage, InfrastructureError, PerfGateError } from '../errors.js';
import { runRound } from '../load/run-round.js';
import type { Logger } from '../log.js';
import { scrapeMetrics } from '../metrics/scrape-metrics.js';
import { cleanupAndCheck, createContext, guardInterrupts, runStage } from './run-gate.js';
import { newRunState } from './run-state.js';
import { loadWorkload } from './stages/bench.js';

/** Requests sent before the scrape: enough for every endpoint of a typical workload file to appear. */
export const PROBE_REQUESTS = 100;

export interface BootedProbe {
  /** The metrics page as the candidate served it after the requests. */
  text: string;
  metricsPath: string;
  /** Requests sent and answered 2xx, for the summary line. */
  sent: number;
  ok: number;
}

export async function probeByBooting(options: {
  config: PerfGateConfig;
  configPath: string;
  log: Logger;
  packageRoot: string;
  env: NodeJS.ProcessEnv;
}): Promise<BootedProbe> {
  const { log } = options;
  const workDir = mkdtempSync(join(tmpdir(), 'perf-gate-probe-'));
  const config: PerfGateConfig = { ...options.config, report: { ...options.config.report, dir: workDir } };
  const state = newRunState({ configPath: options.configPath, overrides: {}, reportDir: workDir });
  const ctx = createContext({
    config,
    log,
    state,
    statePath: join(workDir, 'state.json'),
    packageRoot: options.packageRoot,
    env: options.env,
  });
  const guard = guardInterrupts(ctx, () => cleanupAndCheck(ctx));
  let failed = false;
  try {
    await guard.track(runStage(ctx, 'migrate'));
    await guard.track(runStage(ctx, 'boot'));
    const candidate = ctx.state.backend?.running.candidate;
    if (!candidate) throw new InfrastructureError('init --probe: the candidate did not start');
    const workload = await loadWorkload(config);
    const round = await guard.track(
      runRound({
        baseUrl: candidate.baseUrl,
        workload,
        mode: 'closed',
        connections: 1,
        durationMs: 20_000,
        maxRequests: Math.min(PROBE_REQUESTS, Math.max(workload.requests.length, 20)),
        timeoutMs: config.load.timeoutMs,
        signal: ctx.signal,
      }),
    );
    const metricsPath = new URL(candidate.metricsUrl).pathname;
    const text = await scrapeMetrics(candidate.metricsUrl, { timeoutMs: 10_000 });
    return { text, metricsPath, sent: round.stats.requests, ok: round.stats.ok };
  } catch (error) {
    failed = true;
    if (guard.interrupted) await guard.interrupted;
    const stage = ctx.state.failure?.stage;
    const message = `init --probe start: ${stage ? `the ${stage} stage failed: ` : ''}${errorMessage(error)}; its logs are in ${workDir}`;
    throw error instanceof PerfGateError ? Object.assign(error, { message }) : new InfrastructureError(message);
  } finally {
    if (!guard.interrupted) {
      guard.uninstall();
      try {
        await cleanupAndCheck(ctx);
      } catch (cleanupError) {
        // After a failure its own message is what the user needs first; the cleanup's goes to the log.
        if (failed) log.error(`init --probe start: ${errorMessage(cleanupError)}`);
        else {
          failed = true;
          // biome-ignore lint/correctness/noUnsafeFinally: a cleanup that left something running must fail init
          throw new InfrastructureError(
            `init --probe start: ${errorMessage(cleanupError)}; its logs are in ${workDir}`,
          );
        }
      }
      // Kept when something failed: the backend and database logs are what the user reads next.
      if (!failed) rmSync(workDir, { recursive: true, force: true });
    }
  }
}
