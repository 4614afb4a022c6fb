import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EMBEDDED_DEFAULT, loadConfig, metricCatalog, parseConfig } from '../../src/config/load.js';
import { InputError } from '../../src/errors.js';
import { loadWorkload } from '../../src/pipeline/stages/bench.js';
import { inputErrorOf, MINIMAL, parse, withSections } from '../helpers/config-text.js';

const packageRoot = resolve(import.meta.dirname, '../..');
const fixture = (name: string) => resolve(import.meta.dirname, '../fixtures/config', name);

describe('the embedded default', () => {
  const config = loadConfig({ packageRoot, env: {} });

  it('loads without a file and says where it came from', () => {
    expect(config.source).toBe(EMBEDDED_DEFAULT);
    expect(config.baseDir).toBe(packageRoot);
  });

  it("holds the seed's five Phase 1 targets, with the seed's thresholds", () => {
    expect(config.targets.map((t) => t.expression)).toEqual([
      'pipeline_time improves >= 20%',
      'db_query_time improves >= 30%',
      'early_exit_rate >= 30%',
      'pool_wait_p95 < 10ms',
      'error_rate <= 1%',
    ]);
    // And one on the rehearsal of 022, judged apart from them.
    expect(config.rehearsalTargets?.map((t) => t.expression)).toEqual(['migration_blocked_max < 1s']);
    expect(config.targets[0]).toMatchObject({ kind: 'improvement', metric: 'pipeline_time', minImprovement: 0.2 });
    expect(config.targets[1]).toMatchObject({ kind: 'improvement', metric: 'db_query_time', minImprovement: 0.3 });
    expect(config.targets[2]).toMatchObject({ kind: 'absolute', metric: 'early_exit_rate', comparator: '>=' });
    expect((config.targets[2] as { threshold: number }).threshold).toBeCloseTo(0.3, 12);
    expect(config.targets[3]).toMatchObject({
      kind: 'absolute',
      metric: 'pool_wait_p95',
      comparator: '<',
      threshold: 10,
    });
    expect((config.targets[4] as { threshold: number }).threshold).toBeCloseTo(0.01, 12);
  });

  it('compares pool 10 without early exit against pool 20 with early exit at 0.9, across migration 022', () => {
    expect(config.backend.baseline).toMatchObject({
      kind: 'command',
      env: { DB_POOL_SIZE: '10', EARLY_EXIT_SCORE: 'off' },
    });
    expect(config.backend.candidate).toMatchObject({
      kind: 'command',
      env: { DB_POOL_SIZE: '20', EARLY_EXIT_SCORE: '0.9' },
    });
    expect(config.database.baseline).toEqual({ strategy: 'template-copy', before: '022' });
    expect(config.database.migrations).toMatchObject({
      kind: 'sql',
      dir: 'examples/backend-rag/migrations',
      to: '022',
    });
    expect(config.load).toMatchObject({
      roundDurationMs: 4000,
      warmupMs: 3000,
      timeoutMs: 10_000,
      pairs: 8,
      maxPairs: 16,
    });
  });

  it('defines the four server metrics the targets use, with the right good direction', () => {
    const catalog = metricCatalog(config);
    const byName = new Map(catalog.map((m) => [m.name, m]));
    expect(byName.get('early_exit_rate')).toMatchObject({
      unit: 'ratio',
      direction: 'higher-is-better',
      source: 'server',
    });
    expect(byName.get('pool_wait_p95')).toMatchObject({ unit: 'ms', direction: 'lower-is-better' });
    expect(config.metrics.find((m) => m.name === 'pool_wait_p95')?.quantile).toBe(0.95);
    expect(config.metrics.find((m) => m.name === 'early_exit_rate')?.denominator?.metric).toBe('rag_searches_total');
  });
});

describe('a config file', () => {
  it('loads a valid YAML file with defaults filled in and relative paths based on its folder', async () => {
    const config = loadConfig({ path: fixture('good.yaml'), packageRoot, env: {} });
    expect(config.baseDir).toBe(resolve(import.meta.dirname, '../fixtures/config'));
    expect(config.backend.baseline).toMatchObject({ kind: 'url', url: 'http://127.0.0.1:18080' });
    expect(config.backend.candidate).toMatchObject({ kind: 'url', url: 'http://127.0.0.1:18081' });
    expect(config.load.roundDurationMs).toBe(2000);
    expect(config.load.warmupMs).toBe(500);
    expect(config.load.workload.requests?.[0]).toMatchObject({ method: 'GET', path: '/search?q=postgres', weight: 1 });
    // An object body is sent as JSON text with its content type, as the same request from a request file.
    expect(config.load.workload.requests![1]!.body).toEqual({ q: 'vacuum' });
    const workload = await loadWorkload(config);
    expect(workload.requests[1]).toMatchObject({
      body: '{"q":"vacuum"}',
      headers: { 'content-type': 'application/json' },
    });
    expect(config.gate).toEqual({ confidence: 0.98, minPairs: 5, failOnInconclusive: false });
    expect(config.report.dir).toBe('perf-gate-report');
  });

  it('accepts JSON as well as YAML', () => {
    expect(parse(JSON.stringify(MINIMAL)).targets).toHaveLength(1);
  });

  it('names the path when the file cannot be read', () => {
    const message = inputErrorOf(() => loadConfig({ path: '/nonexistent/perf-gate.yml', packageRoot, env: {} }));
    expect(message).toContain('/nonexistent/perf-gate.yml');
    expect(message).toContain('ENOENT');
  });

  it('gives the line and column of a YAML syntax error', () => {
    const dir = mkdtempSync(join(tmpdir(), 'perf-gate-config-'));
    const path = join(dir, 'broken.yml');
    writeFileSync(path, 'backend:\n  kind: url\n  url: [unclosed\n');
    const message = inputErrorOf(() => loadConfig({ path, packageRoot, env: {} }));
    expect(message).toContain(path);
    expect(message).toMatch(/line \d+, column \d+/);
    expect(message).toContain('not valid YAML');
  });

  it('rejects a duplicated key instead of silently keeping the last one', () => {
    const message = inputErrorOf(() => parse('targets: [latency_p95 worsens <= 5%]\ntargets: [throughput >= 1]\n'));
    expect(message).toContain('not valid YAML');
  });

  it('rejects a document that is not a mapping', () => {
    expect(inputErrorOf(() => parse('- a\n- b\n'))).toContain('a list');
  });
});

describe('each backend and each migration setting is read by its kind', () => {
  it('a variant keeps the keys its kind uses; shared keys of another kind are accepted and left out', () => {
    const config = parse(
      withSections({
        backend: {
          image: 'api:latest',
          network: 'host',
          dockerArgs: ['--init'],
          envFile: '.env',
          cpuset: '1',
          env: { A: '1' },
          healthPath: '/healthz',
          baseline: { kind: 'url', url: 'http://127.0.0.1:18080' },
          candidate: { kind: 'command', command: ['node', 'server.js'], cwd: 'app', env: { B: '2' } },
        },
      }),
    );
    expect(config.backend.baseline).toEqual({
      kind: 'url',
      url: 'http://127.0.0.1:18080',
      healthPath: '/healthz',
      metricsPath: undefined,
      healthTimeoutMs: 60_000,
    });
    expect(config.backend.candidate).toEqual({
      kind: 'command',
      command: ['node', 'server.js'],
      cwd: 'app',
      env: { A: '1', B: '2' },
      portEnv: 'PORT',
      databaseUrlEnv: 'DATABASE_URL',
      cpuset: '1',
      healthPath: '/healthz',
      metricsPath: undefined,
      healthTimeoutMs: 60_000,
    });
  });

  it('an image variant, with the defaults of its docker keys', () => {
    const config = parse(
      withSections({ backend: { image: 'api:latest', candidate: { image: 'api:pr', memory: '512m' } } }),
    );
    expect(config.backend.baseline).toMatchObject({
      kind: 'image',
      image: 'api:latest',
      port: 8080,
      network: 'bridge',
      dockerArgs: [],
      memory: undefined,
    });
    expect(config.backend.candidate).toMatchObject({ kind: 'image', image: 'api:pr', memory: '512m' });
  });

  it('a stored baseline is its results file and nothing else', () => {
    const config = parse(
      withSections({
        backend: {
          kind: 'url',
          url: 'http://127.0.0.1:18081',
          healthTimeout: '5s',
          baseline: { kind: 'results', results: 'runs/results.json' },
        },
      }),
    );
    expect(config.backend.baseline).toEqual({ kind: 'results', results: 'runs/results.json' });
    expect(config.backend.candidate).toMatchObject({
      kind: 'url',
      url: 'http://127.0.0.1:18081',
      healthTimeoutMs: 5000,
    });
  });

  it('migrations are SQL files or a command, by the key given; a mapping with neither means none', () => {
    const sql = parse(withSections({ database: { migrations: { dir: 'migrations', to: 22 } } }));
    expect(sql.database.migrations).toMatchObject({ kind: 'sql', dir: 'migrations', to: '22' });
    const command = parse(withSections({ database: { migrations: { command: ['alembic', 'upgrade', 'head'] } } }));
    expect(command.database.migrations).toEqual({
      kind: 'command',
      command: ['alembic', 'upgrade', 'head'],
      // Rehearsed like SQL files, when the baseline is a copy taken right before the command.
      rehearse: { enabled: true, beforeMs: 3000, afterMs: 2000, lockTimeoutMs: 10_000 },
    });
    expect(parse(withSections({ database: { migrations: {} } })).database.migrations).toBeUndefined();
    expect(parse(withSections({ database: { migrations: null } })).database.migrations).toBeUndefined();
  });

  it('Alembic: its defaults, the baseline cut at the revision under test, and the keys it cannot share', () => {
    const defaults = parse(
      withSections({ database: { migrations: { alembic: null }, baseline: { strategy: 'template-copy' } } }),
    );
    expect(defaults.database.migrations).toEqual({
      kind: 'alembic',
      revision: 'head',
      command: ['alembic'],
      iniFile: 'alembic.ini',
      rehearse: { enabled: true, beforeMs: 3000, afterMs: 2000, lockTimeoutMs: 10_000 },
    });
    expect(defaults.database.baseline).toEqual({ strategy: 'template-copy', before: 'head' });
    const set = parse(
      withSections({
        database: {
          migrations: {
            alembic: { revision: 'ae1027a6acf', command: ['python3', '-m', 'alembic'], config: 'db/alembic.ini' },
          },
          baseline: { strategy: 'template-copy', before: 'ae1027a6acf' },
        },
      }),
    );
    expect(set.database.migrations).toEqual({
      kind: 'alembic',
      revision: 'ae1027a6acf',
      command: ['python3', '-m', 'alembic'],
      iniFile: 'db/alembic.ini',
      rehearse: { enabled: true, beforeMs: 3000, afterMs: 2000, lockTimeoutMs: 10_000 },
    });
    expect(set.database.baseline).toEqual({ strategy: 'template-copy', before: 'ae1027a6acf' });
    // A relative cut is refused: Alembic would read "ae10+1-1" as "ae10+1", the change itself.
    expect(
      inputErrorOf(() =>
        parse(
          withSections({
            database: { migrations: { alembic: { revision: '+1' } }, baseline: { strategy: 'template-copy' } },
          }),
        ),
      ),
    ).toBe(
      `config key 'database.baseline.before' (unset: the candidate's revision): got "+1"; expected the Alembic revision under test, "head" or a revision id, not a relative one (the baseline is upgraded to the one before it)`,
    );
    expect(
      inputErrorOf(() => parse(withSections({ database: { migrations: { alembic: { revision: '--sql' } } } }))),
    ).toContain('config key \'database.migrations.alembic.revision\': got "--sql"');
    expect(inputErrorOf(() => parse(withSections({ database: { migrations: { alembic: {}, dir: 'm' } } })))).toBe(
      "config key 'database.migrations.dir': cannot be combined with 'database.migrations.alembic'; Alembic applies every migration itself (remove one of them)",
    );
    expect(
      inputErrorOf(() =>
        parse(withSections({ database: { migrations: { alembic: { revision: 'head; rm -rf /' } } } })),
      ),
    ).toBe(
      `config key 'database.migrations.alembic.revision': got "head; rm -rf /"; expected an Alembic revision: "head", a revision id, or a relative one such as "ae10+1"`,
    );
    expect(inputErrorOf(() => parse(withSections({ database: { migrations: { alembic: { revison: 'x' } } } })))).toBe(
      "config: unknown key 'revison' in 'database.migrations.alembic'; allowed: 'command', 'config', 'revision'",
    );
  });
});

describe('every config error names the key, what was given and what is allowed', () => {
  it('unknown top-level key (a typo)', () => {
    const message = inputErrorOf(() => parse(withSections({ reprot: { dir: 'x' } })));
    expect(message).toContain("'reprot'");
    expect(message).toContain('top level');
    expect(message).toContain("'report'");
  });

  it('unknown nested key lists the keys that are allowed there', () => {
    const message = inputErrorOf(() =>
      parse(withSections({ load: { roundDuraton: '5s', workload: { requests: [{ path: '/' }] } } })),
    );
    expect(message).toContain("'roundDuraton'");
    expect(message).toContain("in 'load'");
    expect(message).toContain("'roundDuration'");
  });

  it('unknown key inside a backend variant', () => {
    const message = inputErrorOf(() =>
      parse(withSections({ backend: { kind: 'url', url: 'http://127.0.0.1:1', candidate: { envv: {} } } })),
    );
    expect(message).toContain("'envv'");
    expect(message).toContain("'backend.candidate'");
    expect(message).toContain("'env'");
  });

  it('wrong type: a number where a mapping is expected', () => {
    const message = inputErrorOf(() => parse(withSections({ gate: 5 })));
    expect(message).toBe("config key 'gate': got 5; expected a mapping");
  });

  it('an infinite number (YAML .inf) is shown as Infinity, not null', () => {
    const message = inputErrorOf(() =>
      parse(
        'backend: { kind: url, url: "http://127.0.0.1:1" }\nload: { rate: .inf, workload: { requests: [{ path: / }] } }\ntargets: ["latency_p95 worsens <= 5%"]\n',
      ),
    );
    expect(message).toBe("config key 'load.rate': got Infinity; expected a number >= 0.1 and <= 1000000");
  });

  it('wrong type: text where a number is expected, with the bounds', () => {
    const message = inputErrorOf(() =>
      parse(withSections({ load: { rate: 'fast', workload: { requests: [{ path: '/' }] } } })),
    );
    expect(message).toContain("config key 'load.rate'");
    expect(message).toContain('"fast"');
    expect(message).toContain('a number >= 0.1 and <= 1000000');
  });

  it('wrong type: a fraction where a whole number is expected', () => {
    const message = inputErrorOf(() =>
      parse(withSections({ load: { pairs: 2.5, workload: { requests: [{ path: '/' }] } } })),
    );
    expect(message).toContain("config key 'load.pairs'");
    expect(message).toContain('2.5');
    expect(message).toContain('a whole number');
  });

  it('a value outside a fixed list names the choices', () => {
    const message = inputErrorOf(() =>
      parse(withSections({ load: { mode: 'burst', workload: { requests: [{ path: '/' }] } } })),
    );
    expect(message).toBe(`config key 'load.mode': got "burst"; expected one of 'open', 'closed'`);
  });

  it('a boolean written as "yes"', () => {
    const message = inputErrorOf(() => parse(withSections({ gate: { failOnInconclusive: 'yes' } })));
    expect(message).toBe(`config key 'gate.failOnInconclusive': got "yes"; expected true or false`);
  });

  it.each([
    ['5 minutes', '"5 minutes"'],
    ['fast', '"fast"'],
    ['-2s', '"-2s"'],
    [-3, '-3'],
  ])('bad duration %s', (given, shown) => {
    const message = inputErrorOf(() =>
      parse(withSections({ load: { roundDuration: given, workload: { requests: [{ path: '/' }] } } })),
    );
    expect(message).toContain("config key 'load.roundDuration'");
    expect(message).toContain(shown);
    expect(message).toContain('"500ms", "5s", "2m"');
  });

  it('durations: ms, s, m and bare seconds all convert to milliseconds', () => {
    const load = (roundDuration: unknown, warmup: unknown, timeout: unknown) =>
      parse(withSections({ load: { roundDuration, warmup, timeout, workload: { requests: [{ path: '/' }] } } })).load;
    expect(load('1500ms', '0.5s', '1m')).toMatchObject({ roundDurationMs: 1500, warmupMs: 500, timeoutMs: 60_000 });
    expect(load(3, 0, '2')).toMatchObject({ roundDurationMs: 3000, warmupMs: 0, timeoutMs: 2000 });
  });

  it('a round shorter than 500 ms is refused', () => {
    const message = inputErrorOf(() =>
      parse(withSections({ load: { roundDuration: '100ms', workload: { requests: [{ path: '/' }] } } })),
    );
    expect(message).toBe(`config key 'load.roundDuration': got "100ms"; expected at least 500ms`);
  });

  it('maxPairs below pairs, and minPairs above maxPairs', () => {
    const workload = { requests: [{ path: '/' }] };
    expect(inputErrorOf(() => parse(withSections({ load: { pairs: 8, maxPairs: 4, workload } })))).toContain(
      "config key 'load.maxPairs': got 4; expected a whole number >= 8",
    );
    expect(inputErrorOf(() => parse(withSections({ load: { pairs: 4, workload }, gate: { minPairs: 6 } })))).toBe(
      "config key 'gate.minPairs': got 6; expected at most load.maxPairs (4)",
    );
  });

  it('unknown metric in a target lists the known metrics', () => {
    const message = inputErrorOf(() =>
      parse(withSections({ targets: ['latency_p95 worsens <= 5%', 'pipeline_tme improves >= 20%'] })),
    );
    expect(message).toContain("config key 'targets[1]'");
    expect(message).toContain("unknown metric 'pipeline_tme'");
    expect(message).toContain('latency_p50');
    expect(message).toContain('error_rate');
  });

  it('a server metric defined in the config becomes usable in targets', () => {
    const config = parse(
      withSections({
        metrics: [{ name: 'pipeline_time', metric: 'rag_pipeline_duration_seconds', kind: 'histogram_mean' }],
        targets: ['pipeline_time improves >= 20%'],
      }),
    );
    expect(config.targets[0]).toMatchObject({ kind: 'improvement', metric: 'pipeline_time' });
    expect(config.metrics[0]).toMatchObject({ unit: 'ms', direction: 'lower-is-better' });
  });

  it('malformed target', () => {
    const message = inputErrorOf(() => parse(withSections({ targets: ['latency_p95 should be fast'] })));
    expect(message).toContain("config key 'targets[0]'");
    expect(message).toContain('"latency_p95 should be fast"');
    expect(message).toContain('"<metric> improves >= N%"');
  });

  it('a target that is not text', () => {
    const message = inputErrorOf(() => parse(withSections({ targets: [{ metric: 'latency_p95' }] })));
    expect(message).toContain("config key 'targets[0]'");
    expect(message).toContain('{"metric":"latency_p95"}');
    expect(message).toContain('a target written as text');
  });

  it('no targets at all', () => {
    expect(inputErrorOf(() => parse(withSections({ targets: [] })))).toContain("'targets' is empty");
    expect(inputErrorOf(() => parse(withSections({ targets: undefined })))).toContain("'targets' is empty");
  });

  it('bad unit in a target names the unit given, the metric unit and the units allowed', () => {
    const message = inputErrorOf(() => parse(withSections({ targets: ['latency_p95 < 10%'] })));
    expect(message).toContain("config key 'targets[0]'");
    expect(message).toContain('threshold in %');
    expect(message).toContain('measured in ms');
    expect(message).toContain('allowed: ms, s');
  });

  it('missing backend', () => {
    expect(inputErrorOf(() => parse(withSections({ backend: undefined })))).toContain("missing 'backend'");
  });

  it('backend of kind url without a url, and with a url that is not http', () => {
    expect(inputErrorOf(() => parse(withSections({ backend: { kind: 'url' } })))).toBe(
      "config key 'backend.baseline.url': got nothing; expected the backend's base URL (kind 'url')",
    );
    expect(inputErrorOf(() => parse(withSections({ backend: { url: 'ftp://example.test' } })))).toBe(
      `config key 'backend.baseline.url': got "ftp://example.test"; expected an http:// or https:// URL`,
    );
  });

  it('missing workload', () => {
    const message = inputErrorOf(() => parse(withSections({ load: { rate: 10 } })));
    expect(message).toContain("missing 'load.workload'");
    expect(message).toContain("'requests'");
    expect(message).toContain("'file'");
  });

  it('workload with both a file and requests', () => {
    const message = inputErrorOf(() =>
      parse(withSections({ load: { workload: { file: 'q.jsonl', requests: [{ path: '/' }] } } })),
    );
    expect(message).toBe("config key 'load.workload': give either 'requests' or 'file', not both");
  });

  it('a request path that does not start with /', () => {
    const message = inputErrorOf(() => parse(withSections({ load: { workload: { requests: [{ path: 'search' }] } } })));
    expect(message).toMatch(
      /^config key 'load\.workload': requests\[0\]\.path: got "search"; expected a path starting with "\/"/,
    );
  });

  it('a request header that would change how connections are handled', () => {
    const message = inputErrorOf(() =>
      parse(withSections({ load: { workload: { requests: [{ path: '/', headers: { Connection: 'close' } }] } } })),
    );
    expect(message).toMatch(
      /^config key 'load\.workload': requests\[0\]\.headers: got "Connection"; expected any header except connection/,
    );
  });

  it('baseline strategy separate-url without a url', () => {
    const message = inputErrorOf(() => parse(withSections({ database: { baseline: { strategy: 'separate-url' } } })));
    expect(message).toBe(
      "config key 'database.baseline.url': got nothing; expected the baseline database URL (strategy 'separate-url')",
    );
  });

  it('baseline strategy template-copy without a migrations dir', () => {
    const message = inputErrorOf(() =>
      parse(withSections({ database: { baseline: { strategy: 'template-copy', before: '022' } } })),
    );
    expect(message).toContain("config key 'database.baseline.strategy'");
    expect(message).toContain("'template-copy'");
    expect(message).toContain("'database.migrations.dir'");
  });

  it('template-copy takes its version from migrations.to when before is not given', () => {
    const config = parse(
      withSections({
        database: { migrations: { dir: 'migrations', to: '022' }, baseline: { strategy: 'template-copy' } },
      }),
    );
    expect(config.database.baseline).toEqual({ strategy: 'template-copy', before: '022' });
  });

  it("migrations with both dir and command but no 'version' for the command", () => {
    const message = inputErrorOf(() =>
      parse(withSections({ database: { migrations: { dir: 'm', command: ['./migrate.sh'] } } })),
    );
    expect(message).toContain("config key 'database.migrations'");
    expect(message).toContain("give 'version', the migration version the command applies");
  });

  it("a command's 'version', 'to' beside a command, and a template-copy cut after the command", () => {
    const command = ['python3', 'migrations/migration_022.py'];
    expect(
      inputErrorOf(() => parse(withSections({ database: { migrations: { dir: 'm', version: '022' } } }))),
    ).toContain("config key 'database.migrations.version': declares the version a migration 'command' applies");
    expect(inputErrorOf(() => parse(withSections({ database: { migrations: { command, version: 'v22' } } })))).toMatch(
      /config key 'database.migrations.version'.*"v22".*a migration version number/,
    );
    expect(
      inputErrorOf(() => parse(withSections({ database: { migrations: { command, version: '022', to: '021' } } }))),
    ).toContain("config key 'database.migrations.to': applies to SQL migrations alone");
    expect(
      inputErrorOf(() =>
        parse(
          withSections({
            database: {
              migrations: { command, version: '022' },
              baseline: { strategy: 'template-copy', before: '023' },
            },
          }),
        ),
      ),
    ).toContain("config key 'database.baseline.before'");
    expect(
      inputErrorOf(() =>
        parse(
          withSections({
            database: { migrations: { command }, baseline: { strategy: 'template-copy', before: '022' } },
          }),
        ),
      ),
    ).toContain("or a migration 'command' with the 'version' it applies");
  });

  it("the seed's set-up: SQL files before 022, 022 as a script, the baseline copied before it", () => {
    const config = parse(
      withSections({
        database: {
          migrations: { dir: 'migrations', command: ['python3', 'migrations/migration_022.py'], version: '022' },
          baseline: { strategy: 'template-copy' },
        },
      }),
    );
    expect(config.database.migrations).toEqual({
      kind: 'command',
      command: ['python3', 'migrations/migration_022.py'],
      version: '022',
      dir: 'migrations',
      rehearse: { enabled: true, beforeMs: 3000, afterMs: 2000, lockTimeoutMs: 10_000 },
    });
    expect(config.database.baseline).toEqual({ strategy: 'template-copy', before: '022' });
  });

  it('an invalid productionPattern', () => {
    const message = inputErrorOf(() => parse(withSections({ database: { productionPattern: '(unclosed' } })));
    expect(message).toBe(
      `config key 'database.productionPattern': got "(unclosed"; expected a valid regular expression`,
    );
  });

  it('a server metric with a bad name, a duplicate name, or a quantile without its level', () => {
    expect(inputErrorOf(() => parse(withSections({ metrics: [{ name: 'Pipeline-Time', metric: 'x' }] })))).toBe(
      `config key 'metrics[0].name': got "Pipeline-Time"; expected a lowercase name of letters, digits and _`,
    );
    expect(inputErrorOf(() => parse(withSections({ metrics: [{ name: 'latency_p95', metric: 'x' }] })))).toContain(
      'not already used',
    );
    expect(
      inputErrorOf(() => parse(withSections({ metrics: [{ name: 'wait', kind: 'histogram_quantile', metric: 'x' }] }))),
    ).toBe(
      `config key 'metrics[0].quantile': got nothing; expected a number between 0 and 1 (kind 'histogram_quantile'; README.md, "Every config key": metrics[].quantile)`,
    );
    // A missing key points to where the README describes it.
    expect(
      inputErrorOf(() => parse(withSections({ metrics: [{ name: 'hits', kind: 'counter_ratio', metric: 'x' }] }))),
    ).toBe(
      `config key 'metrics[0].denominator': got nothing; expected a mapping with 'metric' (kind 'counter_ratio'; README.md, "Every config key": metrics[].denominator)`,
    );
    expect(inputErrorOf(() => parse(withSections({ metrics: [{ name: 'hits' }] })))).toBe(
      `config key 'metrics[0].metric': got nothing; expected a Prometheus metric family name (README.md, "Every config key": metrics[].metric)`,
    );
    // The README holds each key these messages name.
    const readme = readFileSync(resolve(import.meta.dirname, '../../README.md'), 'utf8');
    for (const key of ['quantile', 'denominator', 'metric', 'name'])
      expect(readme).toContain(`| \`metrics[].${key}\` |`);
    expect(readme).toContain('Every config key');
  });

  it('a server metric whose unit, quantile or labels do not fit its kind', () => {
    const ratio = {
      name: 'early_exit_rate',
      kind: 'counter_ratio',
      metric: 'rag_early_exit_total',
      denominator: { metric: 'rag_searches_total' },
    };
    expect(inputErrorOf(() => parse(withSections({ metrics: [{ ...ratio, unit: 'ms' }] })))).toBe(
      `config key 'metrics[0].unit': got "ms"; expected for kind 'counter_ratio': ratio`,
    );
    expect(
      inputErrorOf(() =>
        parse(withSections({ metrics: [{ name: 'wait', metric: 'pool_wait_seconds', quantile: 0.95 }] })),
      ),
    ).toBe(
      `config key 'metrics[0].quantile': got 0.95; expected no quantile: it applies only to kind 'histogram_quantile'`,
    );
    expect(
      inputErrorOf(() =>
        parse(withSections({ metrics: [{ name: 'wait', metric: 'pool_wait_seconds', labels: { le: '0.1' } }] })),
      ),
    ).toBe(
      `config key 'metrics[0].labels.le': got "0.1"; expected no le matcher on a histogram: perf-gate combines its buckets itself`,
    );
    expect(
      inputErrorOf(() => parse(withSections({ metrics: [{ ...ratio, labels: { 'stage-name': 'rerank' } }] }))),
    ).toBe(
      `config key 'metrics[0].labels': got "stage-name"; expected Prometheus label names (letters, digits and _, not starting with a digit)`,
    );
    expect(
      inputErrorOf(() => parse(withSections({ metrics: [{ ...ratio, denominator: { metric: 'rag searches' } }] }))),
    ).toBe(`config key 'metrics[0].denominator.metric': got "rag searches"; expected a Prometheus metric family name`);
    expect(
      inputErrorOf(() =>
        parse(
          withSections({
            metrics: [{ name: 'wait', metric: 'pool_wait_seconds', denominator: { metric: 'x_total' } }],
          }),
        ),
      ),
    ).toBe(
      `config key 'metrics[0].denominator': got {"metric":"x_total"}; expected no denominator with kind 'histogram_mean': only kind 'counter_ratio' has one`,
    );
    // Defaults follow the kind: a ratio of counters is a ratio, a counter per second a rate, a gauge a count.
    const config = parse(
      withSections({
        metrics: [
          ratio,
          { name: 'searches', kind: 'counter_rate', metric: 'rag_searches_total' },
          { name: 'conns', kind: 'gauge', metric: 'pool_size' },
        ],
      }),
    );
    expect(config.metrics.map((m) => m.unit)).toEqual(['ratio', 'req/s', 'count']);
  });
});

describe('${VAR} interpolation', () => {
  it('replaces ${NAME} with the environment variable in any string', () => {
    const config = parse(withSections({ database: { url: 'postgres://u:${PGPASS}@db.internal/preview' } }), {
      env: { PGPASS: 's3cret' },
    });
    expect(config.database.url).toBe('postgres://u:s3cret@db.internal/preview');
  });

  it("expanded values, secret-like env values and URL passwords become the config's secrets; plain numbers do not", () => {
    const config = parse(
      withSections({
        backend: {
          kind: 'command',
          command: ['node', '${SERVER}'],
          env: { DB_PASS: 'literal-pass', POOL: '${POOL_SIZE}', MODE: 'plain-value' },
          baseline: { kind: 'url', url: 'http://user:p%40ss@127.0.0.1:9000' },
        },
      }),
      { env: { SERVER: 'server-from-env.js', POOL_SIZE: '20' } },
    );
    expect(config.secrets.sort()).toEqual(['literal-pass', 'p%40ss', 'p@ss', 'server-from-env.js']);
  });

  it('a variable that is not set is an error naming the key and the variable', () => {
    const message = inputErrorOf(() =>
      parse(
        withSections({
          backend: { kind: 'url', url: 'http://127.0.0.1:1', candidate: { env: { TOKEN: '${API_TOKEN}' } } },
        }),
      ),
    );
    expect(message).toBe(
      "config key 'backend.candidate.env.TOKEN': refers to environment variable ${API_TOKEN}, which is not set",
    );
  });

  it('names the list position of a missing variable inside a list', () => {
    const message = inputErrorOf(() =>
      parse(withSections({ backend: { kind: 'command', command: ['node', '${SERVER_FILE}'] } })),
    );
    expect(message).toContain("config key 'backend.command[1]'");
    expect(message).toContain('${SERVER_FILE}');
  });
});

describe('CLI overrides', () => {
  it('--database-url, --fail-on-inconclusive and --report-dir win over a config that does not set them', () => {
    const config = parse(withSections({}), {
      overrides: { databaseUrl: 'postgres://localhost/other', failOnInconclusive: true, reportDir: 'out' },
    });
    expect(config.database.url).toBe('postgres://localhost/other');
    expect(config.gate.failOnInconclusive).toBe(true);
    expect(config.report.dir).toBe('out');
  });

  // BUG (src/config/load.ts:84, :93, :120): the override short-circuits the read of the config key,
  // so the key is never marked as seen and rejectUnknownKeys() calls a perfectly valid key unknown.
  // In the action, PERF_GATE_REPORT_DIR always has a value (its input has a default), and the
  // boot/bench/compare stages always pass the state's report dir, so any config that sets report.dir,
  // database.url or gate.failOnInconclusive fails there with exit 2.
  it('[BUG] an override of a key the config also sets takes precedence instead of calling the key unknown', () => {
    const config = loadConfig({
      path: fixture('with-overridable-keys.yaml'),
      packageRoot,
      env: {},
      overrides: {
        databaseUrl: 'postgres://perf@127.0.0.1:5432/other',
        failOnInconclusive: false,
        reportDir: 'cli-report',
      },
    });
    expect(config.database.url).toBe('postgres://perf@127.0.0.1:5432/other');
    expect(config.gate.failOnInconclusive).toBe(false);
    expect(config.report.dir).toBe('cli-report');
  });

  it('without overrides, the same file loads with its own values', () => {
    const config = loadConfig({ path: fixture('with-overridable-keys.yaml'), packageRoot, env: {} });
    expect(config.report.dir).toBe('from-config-report');
    expect(config.gate.failOnInconclusive).toBe(true);
  });
});

describe('error type', () => {
  it('config problems are InputErrors, which the CLI maps to exit code 2', () => {
    try {
      parse(withSections({ load: { mode: 'burst', workload: { requests: [{ path: '/' }] } } }));
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(InputError);
      expect((error as InputError).exitCode).toBe(2);
    }
  });
});

describe('migration session settings, lint and rehearsal', () => {
  const load = (migrations: string) =>
    parseConfig(
      [
        'database:',
        `  migrations: ${migrations}`,
        'backend: { kind: command, command: [node, s.js] }',
        'load: { workload: { requests: [{ method: GET, path: / }] } }',
        'targets: [latency_p95 worsens <= 5%]',
        '',
      ].join('\n'),
      { source: 'perf-gate.yml', baseDir: '/tmp', env: {}, overrides: {} },
    );

  it('SQL migrations lint and rehearse by default, with a 10 s lock_timeout for the rehearsal and none for the migrate stage', () => {
    expect(load('{ dir: migrations }').database.migrations).toEqual({
      kind: 'sql',
      dir: 'migrations',
      to: undefined,
      lockTimeoutMs: undefined,
      statementTimeoutMs: undefined,
      lint: { enabled: true, exclude: [], include: [] },
      rehearse: { enabled: true, beforeMs: 3000, afterMs: 2000, lockTimeoutMs: 10_000 },
    });
  });

  it('reads the timeouts as durations, lint and rehearse as booleans or mappings', () => {
    const m = load(
      '{ dir: m, lockTimeout: 2s, statementTimeout: 5m, lint: { exclude: [require-statement-timeout] }, rehearse: { rate: 50, before: 1s } }',
    ).database.migrations;
    expect(m).toMatchObject({
      lockTimeoutMs: 2000,
      statementTimeoutMs: 300_000,
      lint: { enabled: true, exclude: ['require-statement-timeout'] },
      rehearse: { enabled: true, rate: 50, beforeMs: 1000 },
    });
    expect(load('{ dir: m, lint: false, rehearse: false }').database.migrations).toMatchObject({
      lint: { enabled: false },
      rehearse: { enabled: false },
    });
  });

  it('refuses what cannot apply or is not a rule name, naming the key, the value and what is allowed', () => {
    expect(() => load('{ command: [alembic, upgrade, head], lockTimeout: 2s }')).toThrow(
      "config key 'database.migrations.lockTimeout': applies to SQL migrations ('dir'); a migration command sets its own session settings",
    );
    expect(() => load('{ dir: m, lint: { exclude: ["Bad Rule"] } }')).toThrow(
      /config key 'database\.migrations\.lint\.exclude'.*Bad Rule.*squawk rule names/,
    );
    expect(() => load('{ dir: m, rehearse: { rate: 0 } }')).toThrow(
      /config key 'database\.migrations\.rehearse\.rate'/,
    );
    expect(() => load('{ dir: m, rehearse: { during: 1s } }')).toThrow(
      "config: unknown key 'during' in 'database.migrations.rehearse'",
    );
  });
});

describe('gate.budget', () => {
  const workload = { requests: [{ path: '/' }] };
  const targets = ['latency_p95 worsens <= 5%', 'error_rate <= 1%'];

  it('absent: the load keys and their defaults decide, and the gate has no budget', () => {
    const config = parse(withSections({ load: { workload }, targets }));
    expect(config.gate.budget).toBeUndefined();
    expect(config.load).toMatchObject({ roundDurationMs: 5000, pairs: 10, maxPairs: 10 });
  });

  it('plans round duration and pairs into load, with the plan kept on the gate', () => {
    const config = parse(withSections({ load: { warmup: '5s', workload }, targets, gate: { budget: '3m' } }));
    expect(config.gate.budget).toMatchObject({ budgetMs: 180_000, roundDurationMs: 2700, maxPairs: 30 });
    expect(config.load).toMatchObject({
      roundDurationMs: 2700,
      pairs: config.gate.budget!.pairs,
      maxPairs: 30,
    });
    expect(config.gate.budget!.worstCaseMs).toBeLessThanOrEqual(180_000);
  });

  it('keeps the load keys the file sets', () => {
    const config = parse(
      withSections({ load: { roundDuration: '4s', pairs: 8, workload }, targets, gate: { budget: '3m' } }),
    );
    expect(config.load.roundDurationMs).toBe(4000);
    expect(config.load.pairs).toBe(8);
    expect(config.load.maxPairs).toBe(20);
    expect(config.gate.budget!.warnings).toEqual([]);
  });

  it('says when the load keys need longer than the budget, and runs them as set', () => {
    const config = parse(
      withSections({
        load: { roundDuration: '5s', pairs: 10, maxPairs: 20, workload },
        targets,
        gate: { budget: '1m' },
      }),
    );
    expect(config.load).toMatchObject({ roundDurationMs: 5000, pairs: 10, maxPairs: 20 });
    expect(config.gate.budget!.overrun).toBe(true);
    expect(config.gate.budget!.warnings[0]).toMatch(/^gate\.budget 1m is shorter than what the load keys set/);
  });

  it('a budget too small to decide any target is a config error naming gate.budget', () => {
    const message = inputErrorOf(() => parse(withSections({ load: { workload }, targets, gate: { budget: '30s' } })));
    expect(message).toMatch(/^config key 'gate\.budget': got 30s, room for 4 pairs of 2s rounds/);
    expect(message).toContain('needs at least 8 pairs');
  });

  it("--budget replaces the file's budget, or sets one where the file has none; its errors name the flag", () => {
    const withBudget = withSections({ load: { warmup: '5s', workload }, targets, gate: { budget: '3m' } });
    const longer = parse(withBudget, { overrides: { budget: '6m' } });
    expect(longer.gate.budget).toMatchObject({ budgetMs: 360_000, maxPairs: 34, roundDurationMs: 5000 });
    const none = parse(withSections({ load: { warmup: '5s', workload }, targets }), { overrides: { budget: '3m' } });
    expect(none.gate.budget).toMatchObject({ budgetMs: 180_000, maxPairs: 30 });
    expect(inputErrorOf(() => parse(withBudget, { overrides: { budget: '30s' } }))).toMatch(
      /^flag --budget: got 30s, room for 4 pairs/,
    );
    expect(inputErrorOf(() => parse(withBudget, { overrides: { budget: 'soon' } }))).toBe(
      `flag --budget: got "soon"; expected a duration such as "500ms", "5s", "2m", or a number of seconds`,
    );
    expect(inputErrorOf(() => parse(withBudget, { overrides: { budget: '0' } }))).toBe(
      `flag --budget: got "0"; expected a duration above 0, such as "3m"`,
    );
  });

  it('a budget that is not a duration above 0 is refused', () => {
    expect(inputErrorOf(() => parse(withSections({ load: { workload }, gate: { budget: '3 minutes' } })))).toContain(
      "config key 'gate.budget'",
    );
    expect(inputErrorOf(() => parse(withSections({ load: { workload }, gate: { budget: 0 } })))).toBe(
      `config key 'gate.budget': got 0; expected a duration above 0, such as "3m"`,
    );
  });
});

describe('load.processes', () => {
  const commandBackend = { kind: 'command', command: ['node', 'server.js'] };
  const workload = { requests: [{ path: '/' }] };

  it('defaults to one start and accepts several for backends perf-gate starts', () => {
    expect(parse(withSections({})).load.processes).toBe(1);
    const config = parse(
      withSections({ backend: commandBackend, load: { workload, pairs: 20, maxPairs: 40, processes: 8 } }),
    );
    expect(config.load.processes).toBe(8);
  });

  it('refuses restarts of a backend it does not start, naming the key, the value and what is allowed', () => {
    expect(inputErrorOf(() => parse(withSections({ load: { workload, processes: 4 } })))).toBe(
      "config key 'load.processes': got 4; expected 1 when backend.baseline is a running app (url): perf-gate restarts only backends it starts (image, command)",
    );
  });

  it('refuses more starts than pairs, and a value that is not a whole number from 1 to 100', () => {
    expect(
      inputErrorOf(() => parse(withSections({ backend: commandBackend, load: { workload, pairs: 4, processes: 5 } }))),
    ).toBe(
      "config key 'load.processes': got 5; expected at most load.maxPairs (4): every start of the backends measures at least one pair",
    );
    expect(
      inputErrorOf(() => parse(withSections({ backend: commandBackend, load: { workload, processes: 0 } }))),
    ).toMatch(/^config key 'load\.processes'/);
    expect(
      inputErrorOf(() => parse(withSections({ backend: commandBackend, load: { workload, processes: 2.5 } }))),
    ).toMatch(/^config key 'load\.processes'/);
  });

  it('takes the starts out of a budget: more starts, less time for rounds', () => {
    const budgeted = (processes: number) =>
      parse(
        withSections({
          backend: commandBackend,
          load: { workload, design: 'duet', warmup: '1s', processes },
          gate: { budget: '3m' },
        }),
      );
    const one = budgeted(1);
    const many = budgeted(20);
    expect(many.gate.budget).toMatchObject({ processes: 20 });
    expect(many.gate.budget!.worstCaseMs).toBeLessThanOrEqual(180_000);
    expect(many.load.roundDurationMs * many.load.maxPairs).toBeLessThan(one.load.roundDurationMs * one.load.maxPairs);
  });
});
