/** The CLI entry run in this process, as the integration tests of its commands call it: exit code, stdout and log lines. */
import { main } from '../../src/cli/main.js';
import { MemoryLogger } from '../../src/log.js';

export async function runCli(argv: string[]): Promise<{ code: number; stdout: string; log: string }> {
  const out: string[] = [];
  const log = new MemoryLogger();
  const code = await main(argv, { stdout: (t) => out.push(t), log });
  return { code, stdout: out.join(''), log: log.lines.join('\n') };
}
