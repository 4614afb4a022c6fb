/**
 * Memory of the load engine over a long round: RSS after 10,000 requests against RSS after 1,000,000.
 * Latencies go to a fixed-size HDR histogram and nothing is kept per request, so RSS should stay flat.
 *
 * Run: npx tsx bench/load-memory.ts            (1,000,000 requests, about 1-2 minutes)
 *      npx tsx bench/load-memory.ts --quick    (100,000 requests)
 */
import { cpus, loadavg } from 'node:os';
import { runRound } from '../src/load/run-round.js';
import { parseWorkload } from '../src/load/workload.js';
import { startTargetProcess } from '../test/helpers/target-process.js';

const quick = process.argv.includes('--quick');
const bigCount = quick ? 100_000 : 1_000_000;
const workload = parseWorkload({ requests: [{ method: 'GET', path: '/' }] }, 'bench');
const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
const line = (text: string) => process.stdout.write(`${text}\n`);

line(`# load-memory ${new Date().toISOString()}`);
line(
  `machine: ${cpus().length} cores, ${cpus()[0]?.model ?? 'unknown CPU'}, node ${process.version}, load average ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}`,
);
const target = await startTargetProcess();
try {
  // Closed loop, 20 connections: the fastest way to push many requests through; `maxRequests` fixes the
  // count whatever rate this (possibly shared) machine allows. The windows are generous upper bounds.
  const smallCount = 10_000;
  const small = await runRound({
    baseUrl: target.url,
    workload,
    mode: 'closed',
    connections: 20,
    durationMs: 600_000,
    maxRequests: smallCount,
  });
  const rssSmall = process.memoryUsage().rss;
  line(
    `small round: ${small.stats.requests} requests at ${small.stats.achievedRate.toFixed(0)} req/s, RSS ${mb(rssSmall)} MB`,
  );

  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 250);
  const big = await runRound({
    baseUrl: target.url,
    workload,
    mode: 'closed',
    connections: 20,
    durationMs: 3_600_000,
    maxRequests: bigCount,
  });
  clearInterval(sampler);
  const rssBig = process.memoryUsage().rss;
  line(
    `big round: ${big.stats.requests} requests in ${(big.durationMs / 1000).toFixed(1)} s, RSS ${mb(rssBig)} MB (peak during the round ${mb(peak)} MB)`,
  );
  line(
    `histogram footprint: ${big.histogram.estimatedFootprintInBytes} bytes (small round ${small.histogram.estimatedFootprintInBytes})`,
  );
  line(
    `RSS difference big - small: ${mb(rssBig - rssSmall)} MB (goal: within 50 MB); peak - small: ${mb(peak - rssSmall)} MB`,
  );
  if (big.stats.requests < bigCount)
    line(`note: only ${big.stats.requests} of the intended ${bigCount} requests were sent`);
} finally {
  await target.stop();
}
