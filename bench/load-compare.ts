/**
 * The load engine measured side by side with autocannon (the Node reference) and wrk (the C ceiling) against
 * the same minimal loopback server, in one run, printing ratios. Figures go into docs/performance.md.
 *
 * Run: npx tsx bench/load-compare.ts            (about 4 minutes)
 *      npx tsx bench/load-compare.ts --quick    (shorter rounds, for a smoke check)
 *
 * The target server runs in its own process (test/fixtures/load/http-target.mjs), so it never shares the
 * generator's event loop; on a 2-core machine generator and server still share the cores, which is exactly
 * the situation perf-gate runs in on a GitHub runner.
 */
import { execFile } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { promisify } from 'node:util';
import { runRound } from '../src/load/run-round.js';
import { parseWorkload } from '../src/load/workload.js';
import { startTargetProcess, type TargetProcess } from '../test/helpers/target-process.js';

const quick = process.argv.includes('--quick');
const seconds = quick ? 2 : 5;
const workload = parseWorkload({ requests: [{ method: 'GET', path: '/' }] }, 'bench');

interface AutocannonResult {
  requests: { total: number };
  latency: { p50: number; p90: number; p99: number; max: number };
  duration: number;
  non2xx: number;
  errors: number;
}
type Autocannon = (options: Record<string, unknown>) => Promise<AutocannonResult>;
// autocannon ships no type declarations; a computed specifier keeps tsc from looking for them.
const autocannonModule = 'autocannon';
const autocannon = ((await import(autocannonModule)) as { default: Autocannon }).default;

function line(text: string) {
  process.stdout.write(`${text}\n`);
}
const fmt = (n: number, digits = 1) => n.toFixed(digits);

async function wrkRate(url: string, connections: number, durationS: number): Promise<number> {
  // One wrk thread: the server needs the other core.
  const { stdout } = await promisify(execFile)('wrk', ['-t1', `-c${connections}`, `-d${durationS}s`, url]);
  const match = /Requests\/sec:\s+([\d.]+)/.exec(stdout);
  if (!match) throw new Error(`unexpected wrk output: ${stdout}`);
  return Number(match[1]);
}

async function closedLoop(target: TargetProcess, connections: number) {
  const repeats = quick ? 3 : 6;
  line(
    `\n## Closed loop, ${connections} connections, ${seconds} s each, ${repeats} repeats after a warm-up of each, order alternating`,
  );
  // CPU of this process over a call: generator work plus the kernel's loopback work charged to its writes.
  const measured = async <T>(run: () => Promise<T>): Promise<{ value: T; cpuShare: number }> => {
    const cpuBefore = process.cpuUsage();
    const wallBefore = performance.now();
    const value = await run();
    const cpu = process.cpuUsage(cpuBefore);
    return { value, cpuShare: (cpu.user + cpu.system) / 1000 / (performance.now() - wallBefore) };
  };
  const runOurs = async () => {
    const { value, cpuShare } = await measured(() =>
      runRound({ baseUrl: target.url, workload, mode: 'closed', connections, durationMs: seconds * 1000 }),
    );
    return { rate: value.stats.achievedRate, cpuShare, p50: value.stats.latencyMs.p50 };
  };
  const runAutocannon = async () => {
    const { value, cpuShare } = await measured(() => autocannon({ url: target.url, connections, duration: seconds }));
    return { rate: value.requests.total / value.duration, cpuShare, p50: value.latency.p50 };
  };
  // Both warm up once (JIT, connections) before anything counts: whichever ran first would otherwise pay for it.
  await runOurs();
  await runAutocannon();
  const rateRatios: number[] = [];
  const cpuRatios: number[] = [];
  const ours: number[] = [];
  const theirs: number[] = [];
  const ceiling: number[] = [];
  for (let repeat = 0; repeat < repeats; repeat++) {
    // Alternate who goes first: the machine drifts, and a fixed order would hand the drift to one side.
    const oursFirst = repeat % 2 === 0;
    const first = oursFirst ? await runOurs() : await runAutocannon();
    const second = oursFirst ? await runAutocannon() : await runOurs();
    const [mine, ac] = oursFirst ? [first, second] : [second, first];
    const wrk = await wrkRate(target.url, connections, seconds);
    ours.push(mine.rate);
    theirs.push(ac.rate);
    ceiling.push(wrk);
    rateRatios.push(mine.rate / ac.rate);
    // Requests per CPU-second, ours over autocannon's: the generator's cost per request, which it controls,
    // while the raw rate also depends on who got the cores.
    cpuRatios.push(mine.rate / mine.cpuShare / (ac.rate / ac.cpuShare));
    line(
      `  repeat ${repeat + 1} (${oursFirst ? 'perf-gate' : 'autocannon'} first): perf-gate ${fmt(mine.rate, 0)} req/s (p50 ${fmt(mine.p50, 2)} ms, cpu ${fmt(mine.cpuShare, 2)}), ` +
        `autocannon ${fmt(ac.rate, 0)} req/s (p50 ${fmt(ac.p50, 2)} ms, cpu ${fmt(ac.cpuShare, 2)}), wrk ${fmt(wrk, 0)} req/s; ` +
        `ratio ${fmt(rateRatios[repeat]!, 3)}, per cpu-s ${fmt(cpuRatios[repeat]!, 3)}`,
    );
  }
  const median = (xs: number[]) => {
    const sorted = [...xs].sort((a, b) => a - b);
    const mid = Math.floor(sorted.length / 2);
    return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  };
  line(
    `  median: perf-gate ${fmt(median(ours), 0)}, autocannon ${fmt(median(theirs), 0)}, wrk ${fmt(median(ceiling), 0)} req/s; ` +
      `median of paired ratios perf-gate/autocannon ${fmt(median(rateRatios), 3)} (range ${fmt(Math.min(...rateRatios), 3)}-${fmt(Math.max(...rateRatios), 3)}), ` +
      `perf-gate/wrk ${fmt(median(ours) / median(ceiling), 3)}; per cpu-s perf-gate/autocannon ${fmt(median(cpuRatios), 3)}`,
  );
}

async function openLoopRates(target: TargetProcess) {
  line(`\n## Open loop rate accuracy, ${seconds} s per rate (server-side count in brackets)`);
  for (const rate of [500, 1000, 2000, 5000]) {
    const before = await target.served();
    const outcome = await runRound({ baseUrl: target.url, workload, rate, durationMs: seconds * 1000 });
    const served = (await target.served()) - before;
    const s = outcome.stats;
    line(
      `  target ${rate}: achieved ${fmt(s.achievedRate)} req/s (server saw ${served}), error ${fmt((s.achievedRate / rate - 1) * 100, 2)} %, ` +
        `late or unsent ${s.lateSends} of ${rate * seconds} planned (${fmt((s.lateSends! / (rate * seconds)) * 100, 2)} %), p50 ${fmt(s.latencyMs.p50, 2)} ms, ` +
        `p99 ${fmt(s.latencyMs.p99, 2)} ms, send lag p50/p99 ${fmt(outcome.sendLagMs?.p50 ?? 0, 2)}/${fmt(outcome.sendLagMs?.p99 ?? 0, 2)} ms, loop p99 ${fmt(s.generator!.eventLoopDelayP99Ms)} ms, cpu ${fmt(s.generator!.cpuShare, 2)}, ` +
        `flags [${outcome.flags.join(', ')}]`,
    );
  }
}

async function fiftyMilliseconds() {
  const slow = await startTargetProcess(50);
  try {
    line(`\n## Server answering in 50 ms, open loop, ${seconds} s per rate`);
    // The server's own setTimeout(50) fires a little after 50 ms: a closed loop (latency from the actual send)
    // shows what the server really takes, separating its lateness from the generator's.
    const reference = await runRound({
      baseUrl: slow.url,
      workload,
      mode: 'closed',
      connections: 5,
      durationMs: seconds * 1000,
    });
    line(`  reference, closed loop -c 5 (latency from actual send): p50 ${fmt(reference.stats.latencyMs.p50, 2)} ms`);
    for (const rate of [100, 1000]) {
      const outcome = await runRound({ baseUrl: slow.url, workload, rate, durationMs: seconds * 1000 });
      const s = outcome.stats;
      const ac = await autocannon({
        url: slow.url,
        connections: Math.ceil(rate * 0.06),
        overallRate: rate,
        duration: seconds,
      });
      line(
        `  ${rate} req/s: perf-gate p50 ${fmt(s.latencyMs.p50, 2)} ms (${fmt((s.latencyMs.p50 / 50 - 1) * 100, 2)} % off 50 ms), ` +
          `p99 ${fmt(s.latencyMs.p99, 2)} ms, send lag p50 ${fmt(outcome.sendLagMs?.p50 ?? 0, 2)} ms, ${fmt((s.latencyMs.p50 / reference.stats.latencyMs.p50 - 1) * 100, 2)} % off the reference; autocannon p50 ${fmt(ac.latency.p50, 2)} ms, p99 ${fmt(ac.latency.p99, 2)} ms; ` +
          `flags [${outcome.flags.join(', ')}]`,
      );
    }
  } finally {
    await slow.stop();
  }
}

async function stall(target: TargetProcess) {
  const rate = 200;
  const duration = quick ? 6 : 10;
  line(`\n## A 2 s server stall ${duration / 2 - 1} s into a ${duration} s round at ${rate} req/s`);
  const stallSoon = () => setTimeout(() => void target.control('/__stall?ms=2000'), (duration / 2 - 1) * 1000);
  let timer = stallSoon();
  const outcome = await runRound({ baseUrl: target.url, workload, rate, durationMs: duration * 1000 });
  clearTimeout(timer);
  const s = outcome.stats;
  line(
    `  perf-gate open loop: p50 ${fmt(s.latencyMs.p50, 2)} ms, p90 ${fmt(s.latencyMs.p90)} ms, p99 ${fmt(s.latencyMs.p99)} ms, max ${fmt(s.latencyMs.max)} ms`,
  );
  timer = stallSoon();
  const ac = await autocannon({ url: target.url, connections: 10, overallRate: rate, duration });
  clearTimeout(timer);
  line(
    `  autocannon -R ${rate} -c 10: p50 ${fmt(ac.latency.p50, 2)} ms, p90 ${fmt(ac.latency.p90)} ms, p99 ${fmt(ac.latency.p99)} ms, ` +
      `max ${fmt(ac.latency.max)} ms, ${ac.requests.total} requests`,
  );
  timer = stallSoon();
  const closed = await runRound({
    baseUrl: target.url,
    workload,
    mode: 'closed',
    connections: 10,
    durationMs: duration * 1000,
  });
  clearTimeout(timer);
  const c = closed.stats;
  line(
    `  perf-gate closed loop -c 10: p50 ${fmt(c.latencyMs.p50, 2)} ms, p99 ${fmt(c.latencyMs.p99)} ms, max ${fmt(c.latencyMs.max)} ms`,
  );
  line(
    `  p99 ratio perf-gate open / autocannon rate mode: ${fmt(s.latencyMs.p99 / Math.max(ac.latency.p99, 0.001), 1)}x`,
  );
}

line(`# load-compare ${new Date().toISOString()}`);
line(
  `machine: ${cpus().length} cores, ${cpus()[0]?.model ?? 'unknown CPU'}, node ${process.version}, load average ${loadavg()
    .map((x) => fmt(x, 2))
    .join(' ')}`,
);
const target = await startTargetProcess();
try {
  await closedLoop(target, 10);
  await closedLoop(target, 50);
  await openLoopRates(target);
  await fiftyMilliseconds();
  await stall(target);
} finally {
  await target.stop();
}
line(
  `\nload average at the end: ${loadavg()
    .map((x) => fmt(x, 2))
    .join(' ')}`,
);
