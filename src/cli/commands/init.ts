/** `perf-gate init`: a commented perf-gate.yml and a pull-request workflow for the project in a folder. */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { ExitCode, errorMessage, InputError } from '../../errors.js';
import { describeDetected, detectProject } from '../../init/detect-project.js';
import { proposeMetrics } from '../../init/propose-metrics.js';
import { type ProbeFindings, starterFiles } from '../../init/starter-files.js';
import { parseExposition } from '../../metrics/parse-exposition.js';
import { redactUrl, scrapeMetrics } from '../../metrics/scrape-metrics.js';
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
  const probeUrl = stringFlag(args, 'probe');
  const probe = probeUrl === undefined ? undefined : await probeService(probeUrl);
  const files = starterFiles(detected, probe);
  for (const file of files) {
    mkdirSync(dirname(join(root, file.path)), { recursive: true });
    writeFileSync(join(root, file.path), file.content);
  }
  const proposed = probe
    ? `proposed ${probe.proposals.length} server metric(s) from ${probe.url}: ${probe.proposals.map((p) => p.definition.name).join(', ') || 'none'}\n`
    : '';
  cli.stdout(
    `detected: ${describeDetected(detected)}\n${proposed}wrote ${files.map((f) => f.path).join(' and ')}; edit the lines marked <-, then run 'npx perf-gate validate'\n`,
  );
  return ExitCode.ok;
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
