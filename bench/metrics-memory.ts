/**
 * Peak memory of scraping a large /metrics page: every family parsed (what perf-gate did before it
 * parsed only the configured ones) against only the configured families, side by side in one run.
 * A loopback server serves a 9 MB 0.0.4 page (test/helpers/large-exposition.ts); each way runs in a
 * child process of its own, scraping both variants before and after a round (four pages held at once,
 * as a round does) for a few rounds, and reports its peak RSS.
 *
 * Run: npx tsx bench/metrics-memory.ts            (9 MB page, 3 rounds)
 *      npx tsx bench/metrics-memory.ts --mb 20    (another page size)
 */
import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg } from 'node:os';
import { computeServerMetrics } from '../src/metrics/compute-server-metrics.js';
import { parseExposition } from '../src/metrics/parse-exposition.js';
import { scrapeMetrics } from '../src/metrics/scrape-metrics.js';
import type { ServerMetricDefinition } from '../src/metrics/server-metric-definition.js';
import { familiesToParse } from '../src/metrics/server-metrics-hooks.js';
import { CONFIGURED_FAMILY, largeExposition } from '../test/helpers/large-exposition.js';

const ROUNDS = 3;
const definitions: ServerMetricDefinition[] = [
  {
    name: 'pipeline_time',
    kind: 'histogram_mean',
    metric: CONFIGURED_FAMILY,
    labels: { step: 'total' },
    unit: 'ms',
    direction: 'lower-is-better',
  },
];
const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(0);
const line = (text: string) => process.stdout.write(`${text}\n`);

type Mode = 'none' | 'all' | 'configured';

async function child(mode: Mode, url: string): Promise<void> {
  if (mode === 'none') {
    process.stdout.write(JSON.stringify({ peakRss: process.resourceUsage().maxRSS * 1024, samples: 0 }));
    return;
  }
  const only = mode === 'configured' ? familiesToParse(definitions) : undefined;
  const scrape = async () => parseExposition(await scrapeMetrics(url, { timeoutMs: 60_000 }), { only });
  let samples = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const pages = [];
    for (let i = 0; i < 4; i++) pages.push(await scrape());
    for (const page of pages) for (const family of page.families.values()) samples += family.samples.length;
    computeServerMetrics(definitions, pages[0]!, pages[1]!, 1);
  }
  // maxRSS is in kilobytes.
  process.stdout.write(
    JSON.stringify({ peakRss: process.resourceUsage().maxRSS * 1024, samples: samples / (ROUNDS * 4) }),
  );
}

async function parent(): Promise<void> {
  const at = process.argv.indexOf('--mb');
  const megabytes = at > 0 ? Number(process.argv[at + 1]) : 9;
  // Two pages prepared once, served in turn: the counters move between a round's scrapes.
  const pages = [largeExposition(megabytes * 1024 * 1024, 100), largeExposition(megabytes * 1024 * 1024, 200)];
  let scrapes = 0;
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    res.end(pages[scrapes++ % 2]);
  });
  // Parsing a page can take seconds on a busy machine: keep the idle connection for the next scrape.
  server.keepAliveTimeout = 120_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`;
  line(`# metrics-memory ${new Date().toISOString()}`);
  line(
    `machine: ${cpus().length} cores, ${cpus()[0]?.model ?? 'unknown CPU'}, node ${process.version}, load average ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`,
  );
  line(
    `page: ${(Buffer.byteLength(pages[0]!) / 1024 / 1024).toFixed(1)} MB; ${ROUNDS} rounds of 4 scrapes (both variants, before and after)`,
  );
  const results: Partial<Record<Mode, { peakRss: number; samples: number }>> = {};
  try {
    for (const mode of ['none', 'all', 'configured'] as const) {
      // The server runs in this process, so the child is started asynchronously and awaited.
      const output = await new Promise<string>((resolve, reject) => {
        execFile(
          process.execPath,
          ['--import', 'tsx', new URL(import.meta.url).pathname, '--child', mode, url],
          (error, stdout, stderr) =>
            error ? reject(new Error(`${mode}: ${stderr || error.message}`)) : resolve(stdout),
        );
      });
      results[mode] = JSON.parse(output) as { peakRss: number; samples: number };
    }
  } finally {
    server.close();
  }
  line('');
  line('| parsed                  | samples per page | peak RSS |');
  line('|-------------------------|-----------------:|---------:|');
  line(`| no scrape (the process) | 0 | ${mb(results.none!.peakRss)} MB |`);
  line(`| every family (before)   | ${results.all!.samples.toLocaleString('en')} | ${mb(results.all!.peakRss)} MB |`);
  line(
    `| configured only (now)   | ${results.configured!.samples.toLocaleString('en')} | ${mb(results.configured!.peakRss)} MB |`,
  );
}

const childAt = process.argv.indexOf('--child');
if (childAt > 0) await child(process.argv[childAt + 1] as Mode, process.argv[childAt + 2]!);
else await parent();
