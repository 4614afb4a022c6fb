/**
 * A real Prometheus server for the verify tests: synthetic series backfilled with
 * `promtool tsdb create-blocks-from openmetrics`, then `prometheus` started on a free loopback port
 * with a config that scrapes nothing, so the backfilled blocks are all it serves.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

/** Why the binaries cannot be used, or undefined when both answer --version. */
export function prometheusMissing(): string | undefined {
  for (const binary of ['prometheus', 'promtool']) {
    const probe = spawnSync(binary, ['--version'], { encoding: 'utf8' });
    if (probe.error || probe.status !== 0)
      return `${binary} --version failed: ${probe.error?.message ?? probe.stderr} (Debian package 'prometheus')`;
  }
  return undefined;
}

export interface OpenMetricsSample {
  /** Family name as declared in # TYPE (app_requests for app_requests_total). */
  family: string;
  type: 'counter' | 'summary' | 'gauge';
  /** Sample name (app_requests_total, app_request_duration_seconds_sum). */
  name: string;
  labels: Record<string, string>;
  /** Unix seconds. */
  time: number;
  value: number;
}

/** OpenMetrics text with one block per family and each series' samples in time order. */
export function openMetricsText(samples: readonly OpenMetricsSample[]): string {
  const families = new Map<string, OpenMetricsSample[]>();
  for (const s of samples) families.set(s.family, [...(families.get(s.family) ?? []), s]);
  const lines: string[] = [];
  for (const [family, list] of families) {
    lines.push(`# TYPE ${family} ${list[0]!.type}`);
    const key = (s: OpenMetricsSample) =>
      `${s.name}{${Object.entries(s.labels)
        .map(([k, v]) => `${k}="${v}"`)
        .join(',')}}`;
    const sorted = [...list].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : a.time - b.time));
    for (const s of sorted) lines.push(`${key(s)} ${s.value} ${s.time}`);
  }
  lines.push('# EOF');
  return `${lines.join('\n')}\n`;
}

export function backfill(dir: string, text: string): string {
  const file = join(dir, 'series.om');
  const data = join(dir, 'data');
  writeFileSync(file, text);
  const result = spawnSync('promtool', ['tsdb', 'create-blocks-from', 'openmetrics', file, data], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`promtool backfill failed: ${result.stdout}${result.stderr}`);
  return data;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface PrometheusServer {
  url: string;
  stop(): Promise<void>;
}

/**
 * Starts prometheus on the backfilled data. Retention is set well past the data's age: backfilled
 * blocks older than the retention (15 days by default) would be deleted at startup.
 */
export async function startPrometheus(dir: string, dataDir: string): Promise<PrometheusServer> {
  const config = join(dir, 'prometheus.yml');
  writeFileSync(config, 'global:\n  scrape_interval: 1m\nscrape_configs: []\n');
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(
    'prometheus',
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${dataDir}`,
      '--storage.tsdb.retention.time=3650d',
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`prometheus exited with ${child.exitCode}: ${stderr}`);
    try {
      const response = await fetch(`${url}/-/ready`);
      if (response.ok) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`prometheus not ready within 30 s: ${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    url,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
