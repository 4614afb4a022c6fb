import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { MemoryLogger } from '../../src/log.js';

async function run(argv: string[], env: NodeJS.ProcessEnv = {}) {
  const log = new MemoryLogger();
  const out: string[] = [];
  const code = await main(argv, { stdout: (t) => out.push(t), log, env });
  return { code, out: out.join(''), log: log.lines.join('\n') };
}

describe('perf-gate verify (command line)', () => {
  it('is listed in --help, and its own help names the flags and the token variable', async () => {
    expect((await run(['--help'])).out).toMatch(
      /\n {2}verify +after a deploy, compare the canary with the stable variant/,
    );
    const help = (await run(['verify', '--help'])).out;
    for (const flag of [
      '--prometheus-url',
      '--canary',
      '--stable',
      '--window',
      '--step',
      '--target',
      '--traffic-ratio',
    ])
      expect(help).toContain(flag);
    expect(help).toContain('PERF_GATE_PROMETHEUS_TOKEN');
  });

  it('exits 2 on a hostile matcher before any query, and never echoes the token', async () => {
    const token = 'tok-5e1f0c9a7b3d2e8f';
    const { code, log } = await run(
      [
        'verify',
        '--prometheus-url',
        'http://127.0.0.1:9',
        '--canary',
        'version="x"} or vector(1)',
        '--stable',
        'version="stable"',
      ],
      { PERF_GATE_PROMETHEUS_TOKEN: token },
    );
    expect(code).toBe(2);
    expect(log).toMatch(/--canary: unexpected .* after the value of version/);
    expect(log).not.toContain(token);
  });

  it('exits 2 without --prometheus-url', async () => {
    const { code, log } = await run(['verify', '--canary', 'version="canary"', '--stable', 'version="stable"']);
    expect(code).toBe(2);
    expect(log).toContain('--prometheus-url: got nothing');
  });
});
