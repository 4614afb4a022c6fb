/** The CLI entry run in this process, as the integration tests of its commands call it: exit code, stdout and log lines. */
import { main } from '../../src/cli/main.js';
import { MemoryLogger } from '../../src/log.js';

export async function runCli(argv: string[]): Promise<{ code: number; stdout: string; log: string }> {
  const out: string[] = [];
  const log = new MemoryLogger();
  const code = await main(argv, { stdout: (t) => out.push(t), log });
  return { code, stdout: out.join(''), log: log.lines.join('\n') };
}

/** `perf-gate migrate` on a test workspace's config, state file and report folder, with any further flags. */
export function runMigrate(
  ws: { config: string; state: string; report: string },
  extra: string[] = [],
): Promise<{ code: number; stdout: string; log: string }> {
  return runCli(['migrate', '--config', ws.config, '--state', ws.state, '--report-dir', ws.report, ...extra]);
}
