/** `perf-gate init`: a commented perf-gate.yml and a pull-request workflow for the project in a folder. */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { PerfGateConfig } from '../../config/config.js';
import { loadConfig } from '../../config/load.js';
import { ExitCode, errorMessage, InputError } from '../../errors.js';
import { describeDetected, detectProject } from '../../init/detect-project.js';
import { proposeMetrics } from '../../init/propose-metrics.js';
import { type ProbeFindings, type StarterFile, starterFiles } from '../../init/starter-files.js';
import { parseExposition } from '../../metrics/parse-exposition.js';
import { redactUrl, scrapeMetrics } from '../../metrics/scrape-metrics.js';
import { probeByBooting } from '../../pipeline/probe-boot.js';
import { booleanFlag, type ParsedArgs, stringFlag } from '../args.js';
import type { CliContext } from './shared.js';

export async function initCommand(args: ParsedArgs, cli: CliContext): Promise<number> {
  const root = resolve(stringFlag(args, 'dir') ?? '.');
  const detected = detectProject(root);
  const force = booleanFlag(args, 'force') ?? false;
  const existing = starterFiles(detected).filter((f) => existsSync(join(root, f.path)));
  if (existing.length && !force)
    throw new InputError(
      `init: ${existing.map((f) => f.path).join(' and ')} already exist${existing.length === 1 ? 's' : ''} in ${root}; pass --force to overwrite`,
    );
  if (detected.alembic && !detected.alembic.envReadsDatabaseUrl)
    cli.log.warning(
      `init: ${detected.alembic.scriptLocation}/env.py does not read DATABASE_URL; perf-gate gives Alembic its database there, so make env.py connect with it (the config marks the line)`,
    );
  const probeArg = stringFlag(args, 'probe');
  const write = (files: StarterFile[]) => {
    for (const file of files) {
      mkdirSync(dirname(join(root, file.path)), { recursive: true });
      writeFileSync(join(root, file.path), file.content);
    }
    return files;
  };
  let probe: ProbeFindings | undefined;
  if (probeArg === 'start') {
    // The service is started from the config init writes: first without server metrics, then with them.
    write(starterFiles(detected));
    probe = await probeByStarting(join(root, 'perf-gate.yml'), cli);
  } else if (probeArg !== undefined) probe = await probeService(probeArg);
  const files = write(starterFiles(detected, probe));
  const proposed = probe
    ? `proposed ${probe.proposals.length} server metric(s) from ${probe.url}: ${probe.proposals.map((p) => p.definition.name).join(', ') || 'none'}\n`
    : '';
  cli.stdout(
    `detected: ${describeDetected(detected)}\n${proposed}wrote ${files.map((f) => f.path).join(' and ')}; edit the lines marked <-, then run 'npx perf-gate validate'\n`,
  );
  return ExitCode.ok;
}

/** Starts the service as the written config says, sends it some of the workload, and scrapes its metrics once. */
async function probeByStarting(configPath: string, cli: CliContext): Promise<ProbeFindings> {
  let config: PerfGateConfig;
  try {
    config = loadConfig({ path: configPath, packageRoot: cli.packageRoot, env: cli.env });
  } catch (error) {
    throw new InputError(
      `init --probe start: the written ${configPath} cannot start the service yet (${errorMessage(error)}); edit it, then run 'perf-gate init --probe start --force' again`,
    );
  }
  for (const secret of config.secrets) cli.log.addSecret(secret);
  const booted = await probeByBooting({ config, configPath, log: cli.log, packageRoot: cli.packageRoot, env: cli.env });
  const answered = `init --probe start: ${booted.ok} of ${booted.sent} workload requests answered 2xx before the scrape`;
  if (booted.ok < booted.sent)
    cli.log.warning(`${answered}; metrics of the endpoints that failed may be missing from the proposals`);
  else cli.log.info(answered);
  let exposition: ReturnType<typeof parseExposition>;
  try {
    exposition = parseExposition(booted.text);
  } catch (error) {
    throw new InputError(
      `init --probe start: the service's ${booted.metricsPath} did not answer Prometheus text (${errorMessage(error)}); set backend.metricsPath to its metrics page`,
    );
  }
  return {
    url: `${booted.metricsPath} of the service init started`,
    metricsPath: booted.metricsPath,
    proposals: proposeMetrics(exposition),
  };
}

/** Scrapes a running service's metrics page once and proposes metrics from what it exposes. */
async function probeService(raw: string): Promise<ProbeFindings> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new InputError(
      `init --probe: '${redactUrl(raw)}' is not a URL; give the metrics page of a running service, e.g. http://127.0.0.1:8000/metrics`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new InputError(
      `init --probe: '${redactUrl(raw)}' uses ${url.protocol}; only http: and https: URLs are scraped`,
    );
  const text = await scrapeMetrics(url.href, { timeoutMs: 10_000 });
  let exposition: ReturnType<typeof parseExposition>;
  try {
    exposition = parseExposition(text);
  } catch (error) {
    throw new InputError(
      `init --probe: ${redactUrl(url.href)} did not answer Prometheus text (${errorMessage(error)}); give the URL of the service's metrics page`,
    );
  }
  return { url: redactUrl(url.href), metricsPath: url.pathname || '/metrics', proposals: proposeMetrics(exposition) };
}
