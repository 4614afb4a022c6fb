import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { envNameFor, parseArgs } from '../../src/cli/args.js';
import { COMMANDS, commandSpec } from '../../src/cli/commands.js';
import { main, packageVersion } from '../../src/cli/main.js';
import { COMMAND_HANDLERS } from '../../src/cli/run-command.js';
import { InputError } from '../../src/errors.js';
import { MemoryLogger } from '../../src/log.js';

const fixture = (name: string) => resolve(import.meta.dirname, '../fixtures/config', name);

async function run(argv: string[]) {
  const out: string[] = [];
  const log = new MemoryLogger();
  const code = await main(argv, { stdout: (t) => out.push(t), log });
  return { code, stdout: out.join(''), log: log.lines.join('\n') };
}

const savedConfigEnv = process.env.PERF_GATE_CONFIG;
afterEach(() => {
  if (savedConfigEnv === undefined) delete process.env.PERF_GATE_CONFIG;
  else process.env.PERF_GATE_CONFIG = savedConfigEnv;
});

describe('perf-gate help and version', () => {
  it('--help prints the commands and the exit codes, exit 0', async () => {
    const { code, stdout } = await run(['--help']);
    expect(code).toBe(0);
    expect(stdout).toContain('Usage: perf-gate <command> [flags]');
    for (const name of [
      'run',
      'demo',
      'migrate',
      'verify-idempotent',
      'boot',
      'bench',
      'compare',
      'cleanup',
      'validate',
    ])
      expect(stdout).toMatch(new RegExp(`^  ${name} `, 'm'));
    expect(stdout).toContain('2 invalid input or config, 3 infrastructure failure');
  });

  it('no arguments prints the same help', async () => {
    expect((await run([])).stdout).toBe((await run(['--help'])).stdout);
  });

  it("<command> --help lists that command's flags and their env names", async () => {
    const { code, stdout } = await run(['compare', '--help']);
    expect(code).toBe(0);
    expect(stdout).toContain('perf-gate compare:');
    expect(stdout).toMatch(/--comment-mode <value>\s+update \(default\), recreate or off/);
    expect(stdout).toContain('PERF_GATE_REPORT_DIR');
  });

  it('--version prints the package.json version', async () => {
    const { code, stdout } = await run(['--version']);
    expect(code).toBe(0);
    expect(stdout).toBe(`${packageVersion(resolve(import.meta.dirname, '../..'))}\n`);
    expect(stdout).toMatch(/^\d+\.\d+\.\d+/);
  });
});

describe('the command table', () => {
  it('has one handler for each command the help lists, and none besides', () => {
    expect(Object.keys(COMMAND_HANDLERS).sort()).toEqual(COMMANDS.map((c) => c.name).sort());
  });

  it('takes its environment from main(): flags fall back to the environment it was given', async () => {
    const log = new MemoryLogger();
    const missing = join(tmpdir(), 'perf-gate-no-such-config.yml');
    const code = await main(['validate'], { stdout: () => undefined, log, env: { PERF_GATE_CONFIG: missing } });
    expect(code).toBe(2);
    expect(log.lines.join('\n')).toContain(`config file '${missing}': cannot be read`);
  });
});

describe('bad command lines exit 2 with a message', () => {
  it('unknown command', async () => {
    const { code, stdout, log } = await run(['deploy']);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(log).toContain(
      "error: command 'deploy': not known; commands: run, demo, migrate, verify-idempotent, boot, bench, compare, cleanup, comment, validate, dashboard, init",
    );
  });

  it('unknown flag names the flag, the command and the allowed flags', async () => {
    const { code, log } = await run(['validate', '--confg', 'x.yml']);
    expect(code).toBe(2);
    expect(log).toContain(
      "error: flag --confg: not known for 'validate'; allowed: --config, --strict, --help, --quiet, --verbose",
    );
  });

  it('a flag without its value', async () => {
    const { code, log } = await run(['validate', '--config']);
    expect(code).toBe(2);
    expect(log).toContain('flag --config: missing its value');
  });

  it('a stray positional argument', async () => {
    const { code, log } = await run(['validate', 'perf-gate.yml']);
    expect(code).toBe(2);
    expect(log).toContain("unexpected argument 'perf-gate.yml'");
  });
});

describe('perf-gate validate', () => {
  it('a good config file: exit 0 and a one-line summary', async () => {
    const { code, stdout } = await run(['validate', '--config', fixture('good.yaml')]);
    expect(code).toBe(0);
    expect(stdout).toBe(
      `${fixture('good.yaml')}: valid. 2 targets (latency_p95 worsens <= 5%; throughput >= 15 req/s); 0 server metrics; baseline url, candidate url; 6-10 round pairs of 2 s.\n`,
    );
  });

  it('--config=FILE works like --config FILE', async () => {
    expect((await run(['validate', `--config=${fixture('good.yaml')}`])).code).toBe(0);
  });

  it('without --config, validates the embedded default', async () => {
    delete process.env.PERF_GATE_CONFIG;
    const { code, stdout } = await run(['validate']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^embedded default: valid\. 5 targets \(pipeline_time improves >= 20%;/);
  });

  it("without --config, reads the current folder's perf-gate.yml (what init writes), and says so", async () => {
    delete process.env.PERF_GATE_CONFIG;
    const dir = mkdtempSync(join(tmpdir(), 'perf-gate-cwd-'));
    try {
      writeFileSync(join(dir, 'perf-gate.yml'), readFileSync(fixture('good.yaml'), 'utf8'));
      const out: string[] = [];
      const log = new MemoryLogger();
      const code = await main(['validate'], { stdout: (t) => out.push(t), log, cwd: dir, env: {} });
      expect(code).toBe(0);
      const found = join(dir, 'perf-gate.yml');
      expect(out.join('')).toMatch(new RegExp(`^${found}: valid\\. 2 targets \\(latency_p95 worsens <= 5%;`));
      expect(log.lines).toContain(`config: ${found} (found in the current folder; --config names another)`);
      // A named config wins, and an empty folder still means the embedded default.
      const named = await main(['validate', '--config', fixture('bad-duration.yaml')], {
        stdout: () => undefined,
        log: new MemoryLogger(),
        cwd: dir,
        env: {},
      });
      expect(named).toBe(2);
      const empty = mkdtempSync(join(tmpdir(), 'perf-gate-cwd-'));
      const fallback: string[] = [];
      await main(['validate'], { stdout: (t) => fallback.push(t), log: new MemoryLogger(), cwd: empty, env: {} });
      expect(fallback.join('')).toMatch(/^embedded default: valid/);
      rmSync(empty, { recursive: true, force: true });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a bad config file: exit 2, the message names the key and nothing goes to stdout', async () => {
    const { code, stdout, log } = await run(['validate', '--config', fixture('bad-duration.yaml')]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(log).toContain(
      `error: config key 'load.roundDuration': got "5 minutes"; expected a duration such as "500ms", "5s", "2m", or a number of seconds`,
    );
  });

  it('reads the request file too: a bad request in it is exit 2, naming the file and line', async () => {
    const { code, stdout, log } = await run(['validate', '--config', fixture('bad-workload.yaml')]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(log).toContain(
      `${fixture('bad-workload.jsonl')}:2.headers: got "Connection"; expected any header except connection`,
    );
  });

  it('run: the request file is read before any database is started', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'perf-gate-bad-workload-'));
    try {
      const { code, log } = await run([
        'run',
        '--config',
        fixture('bad-workload.yaml'),
        '--report-dir',
        join(dir, 'report'),
        '--state',
        join(dir, 'state.json'),
      ]);
      expect(code).toBe(2);
      expect(log).toContain('bad-workload.jsonl:2.headers: got "Connection"');
      expect(log).not.toMatch(/PostgreSQL|PGlite|cluster/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('values that only the run has (unset ${NAME}, a workload file not there yet)', () => {
    let dir: string;
    afterEach(() => rmSync(dir, { recursive: true, force: true }));
    const write = (body: string) => {
      dir = mkdtempSync(join(tmpdir(), 'perf-gate-validate-'));
      const path = join(dir, 'perf-gate.yml');
      writeFileSync(path, body);
      return path;
    };
    const unresolved = [
      'backend:',
      '  kind: url',
      '  baseline: { url: "${PERF_GATE_TEST_UNSET_BASELINE}" }',
      '  candidate: { url: "http://127.0.0.1:8000", env: { TOKEN: "${PERF_GATE_TEST_UNSET_TOKEN}" } }',
      'load:',
      '  workload: { file: queries.jsonl }',
      'targets: [latency_p95 worsens <= 5%]',
      '',
    ].join('\n');

    it('are warnings that say each is resolved at run time, and exit 0', async () => {
      const path = write(unresolved);
      const { code, stdout, log } = await run(['validate', '--config', path]);
      expect(code, log).toBe(0);
      expect(stdout).toContain(`${path}: valid. 1 targets (latency_p95 worsens <= 5%)`);
      expect(stdout).toContain('3 value(s) resolved at run time, not checked here');
      expect(log).toContain(
        "warning: config key 'backend.baseline.url': ${PERF_GATE_TEST_UNSET_BASELINE} is not set here; it is read from the environment at run time",
      );
      expect(log).toContain("config key 'backend.candidate.env.TOKEN': ${PERF_GATE_TEST_UNSET_TOKEN} is not set here");
      expect(log).toContain(`config key 'load.workload.file': ${join(dir, 'queries.jsonl')} does not exist here`);
      // The stand-ins are not values of the config: nothing reports them as such.
      expect(`${stdout}${log}`).not.toContain('unset.invalid');
    });

    it('--strict refuses them as a run does: exit 2 naming the key and the variable', async () => {
      const path = write(unresolved);
      const { code, stdout, log } = await run(['validate', '--config', path, '--strict']);
      expect(code).toBe(2);
      expect(stdout).toBe('');
      expect(log).toContain(
        "error: config key 'backend.baseline.url': refers to environment variable ${PERF_GATE_TEST_UNSET_BASELINE}, which is not set",
      );
    });

    it('what can be checked still is: a bad key beside an unset variable is exit 2', async () => {
      const path = write(
        unresolved.replace('targets: [latency_p95 worsens <= 5%]', 'targets: [latency_p95 worsens <= 5 percent]'),
      );
      const { code, log } = await run(['validate', '--config', path]);
      expect(code).toBe(2);
      expect(log).toContain("'targets[0]'");
      // The error is the file's own, not a stand-in's: nothing blames the unset variables.
      expect(log).not.toContain('stand-in');
    });

    it('a URL with an unset part stands in whole, so it is still a URL: exit 0 with the warning', async () => {
      const path = write(
        unresolved.replace('"${PERF_GATE_TEST_UNSET_BASELINE}"', '"http://127.0.0.1:${PERF_GATE_TEST_UNSET_PORT}/api"'),
      );
      const { code, log } = await run(['validate', '--config', path]);
      expect(code, log).toBe(0);
      expect(log).toContain("config key 'backend.baseline.url': ${PERF_GATE_TEST_UNSET_PORT} is not set here");
    });

    it('a stand-in a later check refuses is named as one, not blamed on the file', async () => {
      const path = write(unresolved.replace('workload: { file: queries.jsonl }', 'rate: ${PERF_GATE_TEST_UNSET_RATE}'));
      const { code, log } = await run(['validate', '--config', path]);
      expect(code).toBe(2);
      expect(log).toContain("config key 'load.rate'");
      expect(log).toContain(
        'not set here, so validate put a stand-in in place of ${PERF_GATE_TEST_UNSET_BASELINE}, ${PERF_GATE_TEST_UNSET_TOKEN}, ${PERF_GATE_TEST_UNSET_RATE}',
      );
    });

    it('a workload file that is there is read and checked, even without --strict', async () => {
      const path = write(unresolved);
      writeFileSync(
        join(dir, 'queries.jsonl'),
        '{"method": "GET", "path": "/a", "headers": {"Connection": "close"}}\n',
      );
      const { code, log } = await run(['validate', '--config', path]);
      expect(code).toBe(2);
      expect(log).toContain('queries.jsonl:1.headers: got "Connection"');
    });

    it('every example config shipped in examples/ validates without its secrets or its repository', async () => {
      const examples = resolve(import.meta.dirname, '../../examples');
      const configs = readdirSync(examples, { recursive: true, encoding: 'utf8' })
        .filter((f) => /(^|\/)(perf-gate\.yml|[\w-]+\.perf-gate\.yml)$/.test(f))
        .map((f) => join(examples, f));
      expect(configs.length).toBeGreaterThanOrEqual(4);
      for (const config of configs) {
        const { code, log } = await run(['validate', '--config', config]);
        expect(code, `${config}\n${log}`).toBe(0);
      }
      dir = mkdtempSync(join(tmpdir(), 'perf-gate-validate-'));
    });
  });

  it('warns about a target the settings can never decide, and still exits 0', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'perf-gate-undecidable-'));
    try {
      const path = join(dir, 'perf-gate.yml');
      writeFileSync(
        path,
        [
          'backend: { kind: url, url: "http://127.0.0.1:8000" }',
          'load: { rate: 10, roundDuration: 6s, pairs: 6, workload: { requests: [{ path: / }] } }',
          'targets: [error_rate <= 1%]',
          '',
        ].join('\n'),
      );
      const { code, stdout, log } = await run(['validate', '--config', path]);
      expect(code, log).toBe(0);
      expect(stdout).toContain('1 target(s) can never be decided with these settings');
      expect(log).toContain(
        "warning: target 'error_rate <= 1%' can never be decided with these settings: even with no failed request, the 360 candidate requests",
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a config file that does not exist: exit 2', async () => {
    const { code, log } = await run(['validate', '--config', fixture('missing.yaml')]);
    expect(code).toBe(2);
    expect(log).toContain('cannot be read (ENOENT)');
  });

  it('PERF_GATE_CONFIG is used when --config is absent', async () => {
    process.env.PERF_GATE_CONFIG = fixture('bad-duration.yaml');
    const fromEnv = await run(['validate']);
    expect(fromEnv.code).toBe(2);
    expect(fromEnv.log).toContain("config key 'load.roundDuration'");
    // The flag wins over the environment.
    const fromFlag = await run(['validate', '--config', fixture('good.yaml')]);
    expect(fromFlag.code).toBe(0);
    expect(fromFlag.stdout).toContain(`${fixture('good.yaml')}: valid.`);
  });
});

describe('parseArgs', () => {
  const specs = (name: string | undefined) => commandSpec(name)?.flags;

  it('reads --flag value, --flag=value, switches and repeated list flags', () => {
    const args = parseArgs(
      ['migrate', '--dir', 'm', '--to=022', '--dry-run', '--command', './x', '--command', '--flag-for-x'],
      specs,
      {},
    );
    expect(args.command).toBe('migrate');
    expect(args.flags).toMatchObject({ dir: 'm', to: '022', 'dry-run': true, command: ['./x', '--flag-for-x'] });
  });

  it('falls back to PERF_GATE_<FLAG> for every flag, with - as _', () => {
    expect(envNameFor('fail-on-inconclusive')).toBe('PERF_GATE_FAIL_ON_INCONCLUSIVE');
    const args = parseArgs(['compare'], specs, {
      PERF_GATE_COMMENT_MODE: 'off',
      PERF_GATE_FAIL_ON_INCONCLUSIVE: 'true',
      PERF_GATE_REPORT_DIR: '',
    });
    expect(args.flags['comment-mode']).toBe('off');
    expect(args.flags['fail-on-inconclusive']).toBe(true);
    // An empty variable counts as unset, as an empty action input does.
    expect(args.flags['report-dir']).toBeUndefined();
  });

  it('a list flag from the environment is one item per line', () => {
    expect(parseArgs(['migrate'], specs, { PERF_GATE_COMMAND: 'npm\nrun\nmigrate\n' }).flags.command).toEqual([
      'npm',
      'run',
      'migrate',
    ]);
  });

  it('a boolean that is not true or false is refused, naming the flag or the variable', () => {
    expect(() => parseArgs(['run', '--json=yes'], specs, {})).toThrow(
      new InputError('flag --json: got "yes"; expected true or false'),
    );
    expect(() => parseArgs(['run'], specs, { PERF_GATE_FAIL_ON_INCONCLUSIVE: '1' })).toThrow(
      new InputError('PERF_GATE_FAIL_ON_INCONCLUSIVE: got "1"; expected true or false'),
    );
  });
});
