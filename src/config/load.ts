/**
 * Loads and validates the config: one place, one pass, every message naming the key, the value
 * given and what is allowed. Nothing downstream re-validates.
 */

import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import type { DockerNetwork } from '../backend/backend-spec.js';
import { DEFAULT_PRODUCTION_PATTERN } from '../database/database-url.js';
import { InputError, invalidValue } from '../errors.js';
import type { Target } from '../gate/target.js';
import { type BudgetPlan, planBudget } from '../load/budget-plan.js';
import { checkCpuList } from '../load/pin-cpus.js';
import { parseWorkload, WORKLOAD_ORDERS } from '../load/workload.js';
import { SERVER_METRIC_KINDS, UNITS_BY_KIND } from '../metrics/server-metric-definition.js';
import { REHEARSAL_METRICS, rehearsalMetric } from '../model/rehearsal-metrics.js';
import { CLIENT_METRICS, type MetricInfo, type MetricUnit } from '../model/round-record.js';
import type {
  BackendVariantsConfig,
  BaselineBackendConfig,
  BaselineDatabaseStrategy,
  DatabaseConfig,
  GateConfig,
  LoadConfig,
  MigrationConfig,
  MigrationLintConfig,
  MigrationRehearsalConfig,
  PerfGateConfig,
  ServerMetricConfig,
  WorkloadConfig,
  WorkloadRequestConfig,
} from './config.js';
import { configSecrets, type Expansion } from './config-secrets.js';
import { DEFAULT_CONFIG_YAML } from './default-config.js';
import { isDriftTarget, parseDriftTarget } from './drift-targets.js';
import { parseDuration } from './durations.js';
import { ConfigReader } from './reader.js';
import { parseTarget } from './targets.js';
import { confineConfigPaths, workspaceRoot } from './workspace-paths.js';

export interface ConfigOverrides {
  databaseUrl?: string;
  failOnInconclusive?: boolean;
  reportDir?: string;
  /** `--budget`: the measuring time, in place of the file's `gate.budget` (or set where it has none). */
  budget?: string;
}

export const EMBEDDED_DEFAULT = 'embedded default';

/**
 * `${NAME}` references whose variable is not set where the config is checked (an editor, a pre-commit
 * hook): `validate` without `--strict` puts a stand-in in their place and lists them, since a run gets
 * them from its own environment. Every other command treats an unset variable as an error.
 */
export interface UnsetVariables {
  found: { name: string; key: string }[];
}

/** Reads a config file (YAML or JSON), or the embedded default when `path` is undefined. */
export function loadConfig(options: {
  path?: string;
  packageRoot: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  overrides?: ConfigOverrides;
  /** Collect unset `${NAME}` references here, with a stand-in value, instead of refusing them. */
  unset?: UnsetVariables;
}): PerfGateConfig {
  const env = options.env ?? process.env;
  let text: string;
  let source: string;
  let baseDir: string;
  if (options.path) {
    source = options.path;
    baseDir = dirname(resolve(options.path));
    try {
      text = readFileSync(options.path, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new InputError(
        `config file '${options.path}': cannot be read (${code ?? 'error'}); pass an existing YAML or JSON file with --config`,
      );
    }
  } else {
    source = EMBEDDED_DEFAULT;
    baseDir = options.packageRoot;
    text = DEFAULT_CONFIG_YAML;
  }
  const config = parseConfig(text, {
    source,
    baseDir,
    env,
    overrides: options.overrides ?? {},
    ...(options.unset ? { unset: options.unset } : {}),
  });
  const cwd = options.cwd ?? process.cwd();
  confineConfigPaths(
    config,
    options.path,
    workspaceRoot(env, cwd),
    options.overrides?.reportDir ? undefined : { path: config.report.dir, cwd },
  );
  return config;
}

export function parseConfig(
  text: string,
  context: {
    source: string;
    baseDir: string;
    env: NodeJS.ProcessEnv;
    overrides: ConfigOverrides;
    unset?: UnsetVariables;
  },
): PerfGateConfig {
  let document: unknown;
  try {
    document = parseYaml(text, { prettyErrors: true, uniqueKeys: true, logLevel: 'error' });
  } catch (error) {
    // The yaml package throws ReferenceError for an alias to a missing anchor and for alias bombs.
    if (error instanceof YAMLParseError || error instanceof ReferenceError) {
      const at = error instanceof YAMLParseError ? error.linePos?.[0] : undefined;
      throw new InputError(
        `config '${context.source}'${at ? ` line ${at.line}, column ${at.col}` : ''}: not valid YAML: ${error.message.split('\n')[0]}`,
      );
    }
    throw error;
  }
  const expanded: Expansion[] = [];
  const root = ConfigReader.root(
    context.source,
    interpolateEnv(document, { env: context.env, expanded, unset: context.unset }, ''),
  );
  // A top-level typo ("target:") must be reported as an unknown key, not as a missing section.
  for (const key of ['database', 'backend', 'load', 'metrics', 'targets', 'gate', 'report']) root.raw(key);
  root.rejectUnknownKeys();

  const database = readDatabase(root.child('database'), context.overrides);
  const backend = readBackend(root.child('backend'));
  const loadReader = root.child('load');
  const load = readLoad(loadReader);
  const metrics = readServerMetrics(root.list('metrics') ?? []);
  const allMetrics = [...CLIENT_METRICS, ...metrics.map(toMetricInfo)];
  const targetItems = root.list('targets');
  const driftLine = (item: { value: unknown }) => typeof item.value === 'string' && isDriftTarget(item.value);
  const driftTargets = (targetItems ?? [])
    .filter(driftLine)
    .map((item) => parseDriftTarget(item.value as string, allMetrics, `config key '${item.path}'`));
  const benchItems = targetItems?.filter((item) => !driftLine(item));
  if (driftTargets.length > 0 && !benchItems?.length)
    throw new InputError(
      `config key 'targets': only drift targets ("${driftTargets[0]!.expression}"); add at least one target on this run's benchmark, e.g. "error_rate <= 1%"`,
    );
  const written = readTargets(benchItems, [...allMetrics, ...REHEARSAL_METRICS]);
  const targets = written.filter((t) => !rehearsalMetric(t.metric));
  const rehearsalTargets = written.filter((t) => rehearsalMetric(t.metric));
  checkRehearsalTargets(rehearsalTargets, targets.length, database, backend);

  const gateReader = root.child('gate') ?? new ConfigReader('gate', {});
  const gate: GateConfig = {
    // Family-wise, two-sided: 0.98 keeps the chance of a false alarm (a wrong fail) at 1 % or less per gate
    // run across all targets and looks; docs/statistics.md has the calibration behind it.
    confidence: gateReader.number('confidence', 0.98, { min: 0.5, max: 0.999 }),
    minPairs: gateReader.number('minPairs', 5, { min: 2, max: 1000, integer: true }),
    failOnInconclusive: gateReader.boolean('failOnInconclusive', false),
  };
  // Overrides (flags, action inputs) win over the file, which is still read so its keys count as known.
  gate.failOnInconclusive = context.overrides.failOnInconclusive ?? gate.failOnInconclusive;
  const budget = readBudget(gateReader, load, loadReader, {
    ...gate,
    targets: targets.length,
    override: context.overrides.budget,
  });
  gateReader.rejectUnknownKeys();
  if (budget) {
    // The budget plans what the load keys leave open; the keys the file sets keep their values.
    gate.budget = budget;
    load.roundDurationMs = budget.roundDurationMs;
    load.pairs = budget.pairs;
    load.maxPairs = budget.maxPairs;
  }
  checkProcesses(load, backend);
  if (gate.minPairs > load.maxPairs) {
    throw invalidValue("config key 'gate.minPairs'", gate.minPairs, `at most load.maxPairs (${load.maxPairs})`);
  }

  const reportReader = root.child('report') ?? new ConfigReader('report', {});
  const fileReportDir = reportReader.string('dir', 'perf-gate-report');
  const report = {
    dir: context.overrides.reportDir || fileReportDir,
    title: reportReader.string('title', 'perf-gate'),
  };
  reportReader.rejectUnknownKeys();
  root.rejectUnknownKeys();

  const config = {
    source: context.source,
    baseDir: context.baseDir,
    database,
    backend,
    load,
    metrics,
    targets,
    ...(rehearsalTargets.length ? { rehearsalTargets } : {}),
    ...(driftTargets.length ? { driftTargets } : {}),
    gate,
    report,
  };
  return { ...config, secrets: configSecrets(config, expanded) };
}

/** `load.processes` above 1 restarts the backends: only those perf-gate starts, each start with a pair at least. */
function checkProcesses(load: LoadConfig, backend: BackendVariantsConfig): void {
  if (load.processes === 1) return;
  for (const variant of ['baseline', 'candidate'] as const) {
    const kind = backend[variant].kind;
    if (kind === 'url' || kind === 'results')
      throw invalidValue(
        "config key 'load.processes'",
        load.processes,
        `1 when backend.${variant} is a ${kind === 'url' ? 'running app (url)' : 'stored results file'}: perf-gate restarts only backends it starts (image, command)`,
      );
  }
  if (load.processes > load.maxPairs)
    throw invalidValue(
      "config key 'load.processes'",
      load.processes,
      `at most load.maxPairs (${load.maxPairs}): every start of the backends measures at least one pair`,
    );
}

/**
 * `gate.budget`: the measuring time perf-gate may spend (src/load/budget-plan.ts says what it counts).
 * Absent, the load keys and their defaults decide alone.
 */
function readBudget(
  gate: ConfigReader,
  load: LoadConfig,
  loadReader: ConfigReader | undefined,
  judged: { confidence: number; minPairs: number; targets: number; override: string | undefined },
): BudgetPlan | undefined {
  const { override, ...rest } = judged;
  const fileMs = gate.duration('budget');
  const budgetMs = override === undefined ? fileMs : parseDuration('flag --budget', override);
  if (budgetMs === undefined) return undefined;
  if (!(budgetMs > 0)) {
    const [input, given] =
      override === undefined ? [`config key '${gate.key('budget')}'`, gate.raw('budget')] : ['flag --budget', override];
    throw invalidValue(input, given, 'a duration above 0, such as "3m"');
  }
  const set = (key: string) => loadReader?.has(key) ?? false;
  return planBudget({
    budgetMs,
    warmupMs: load.warmupMs,
    explicit: {
      pairs: set('pairs') ? load.pairs : undefined,
      maxPairs: set('maxPairs') ? load.maxPairs : undefined,
      roundDurationMs: set('roundDuration') ? load.roundDurationMs : undefined,
    },
    from: override === undefined ? 'gate.budget' : '--budget',
    roundsPerPair: load.design === 'duet' ? 1 : 2,
    processes: load.processes,
    ...rest,
  });
}

/**
 * Replaces `${NAME}` in every string with the environment variable NAME; a missing one is an error,
 * or, when `unset` collects them, a stand-in of the right shape for its key (a URL where a URL goes).
 * Every value put in is collected in `expanded`, with the key it sits under, for configSecrets to judge.
 */
function interpolateEnv(
  value: unknown,
  context: { env: NodeJS.ProcessEnv; expanded: Expansion[]; unset: UnsetVariables | undefined },
  path: string,
): unknown {
  if (typeof value === 'string') {
    const found: { name: string; value: string }[] = [];
    const names = [...value.matchAll(ENV_REFERENCE)].map((m) => m[1]!);
    const unsetNames = names.filter((name) => context.env[name] === undefined);
    if (unsetNames.length > 0 && !context.unset)
      throw new InputError(
        `config key '${path}': refers to environment variable \${${unsetNames[0]}}, which is not set`,
      );
    for (const name of unsetNames) context.unset!.found.push({ name, key: path });
    // A URL with any unset part ("http://localhost:${PORT}") stands in whole: a part alone would break it.
    if (unsetNames.length > 0 && URL_KEY.test(path)) return urlStandIn(path);
    const text = value.replace(ENV_REFERENCE, (_, name: string) => {
      const v = context.env[name];
      if (v === undefined) return 'unset';
      found.push({ name, value: v });
      return v;
    });
    const key =
      path
        .replace(/\[\d+\]$/, '')
        .split('.')
        .pop() ?? '';
    for (const item of found) context.expanded.push({ ...item, key, text });
    return text;
  }
  if (Array.isArray(value)) return value.map((item, i) => interpolateEnv(item, context, `${path}[${i}]`));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, interpolateEnv(v, context, path ? `${path}.${k}` : k)]),
    );
  }
  return value;
}

/** What an unset variable in a URL key stands for while a config is only checked (elsewhere: the word "unset"). */
const URL_KEY = /(^|\.)url$/i;
const ENV_REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

function urlStandIn(path: string): string {
  return path.startsWith('database.') ? 'postgres://unset.invalid/unset' : 'http://unset.invalid';
}

/** `alembic: { revision, command, config }`: Alembic run by perf-gate, alone under `migrations`. */
function readAlembic(m: ConfigReader): MigrationConfig {
  const other = ['dir', 'to', 'command', 'version', 'lockTimeout', 'statementTimeout', 'lint'].find((key) =>
    m.has(key),
  );
  if (other)
    throw new InputError(
      `config key '${m.key(other)}': cannot be combined with '${m.key('alembic')}'; Alembic applies every migration itself (remove one of them)`,
    );
  const a = m.child('alembic') ?? new ConfigReader(m.key('alembic'), {});
  const revision = a.string('revision', 'head');
  // Never a leading "-": Alembic would read it as an option.
  if (!/^[A-Za-z0-9_@.+][A-Za-z0-9_@.+-]*$/.test(revision))
    throw invalidValue(
      `config key '${a.key('revision')}'`,
      revision,
      'an Alembic revision: "head", a revision id, or a relative one such as "ae10+1"',
    );
  const command = a.stringList('command') ?? ['alembic'];
  if (command.length === 0)
    throw invalidValue(
      `config key '${a.key('command')}'`,
      command,
      'how Alembic is started, e.g. [alembic] or [python3, -m, alembic]',
    );
  const iniFile = a.string('config', 'alembic.ini');
  a.rejectUnknownKeys();
  const rehearse = readRehearsal(m);
  m.rejectUnknownKeys();
  return { kind: 'alembic', revision, command, iniFile, rehearse };
}

/** `dir` (SQL files), `command` (the team's own script) or `alembic`; a mapping with none means no migrations. */
function readMigrations(m: ConfigReader | undefined): MigrationConfig | undefined {
  if (!m) return undefined;
  if (m.raw('alembic') !== undefined) return readAlembic(m);
  const dir = m.string('dir');
  const to = m.string('to');
  const command = m.stringList('command');
  const version = m.string('version');
  for (const [key, value] of [
    ['to', to],
    ['version', version],
  ] as const) {
    if (value !== undefined && !/^\d+$/.test(value))
      throw invalidValue(`config key '${m.key(key)}'`, value, 'a migration version number such as "022"');
  }
  if (version !== undefined && !command)
    throw new InputError(
      `config key '${m.key('version')}': declares the version a migration 'command' applies; give the command, or remove 'version'`,
    );
  if (dir && command && version === undefined) {
    throw new InputError(
      `config key '${m.path}': with both 'dir' (SQL files) and 'command', give 'version', the migration version the command applies (such as "022"): the SQL files before it run first`,
    );
  }
  const duration = (key: string): number | undefined => m.duration(key);
  const lockTimeoutMs = duration('lockTimeout');
  const statementTimeoutMs = duration('statementTimeout');
  const lint = readMigrationLint(m);
  const rehearse = readRehearsal(m);
  m.rejectUnknownKeys();
  if (command) {
    for (const key of ['lockTimeout', 'statementTimeout', 'lint']) {
      if (m.has(key))
        throw new InputError(
          `config key '${m.key(key)}': applies to SQL migrations ('dir'); a migration command sets its own session settings`,
        );
    }
    if (to !== undefined)
      throw new InputError(
        `config key '${m.key('to')}': applies to SQL migrations alone; with a 'command', the SQL files before its 'version' are applied`,
      );
    return { kind: 'command', command, ...(version ? { version } : {}), ...(dir ? { dir } : {}), rehearse };
  }
  if (dir) return { kind: 'sql', dir, to, lockTimeoutMs, statementTimeoutMs, lint, rehearse };
  return undefined;
}

/** `lint: true | false | { enabled, exclude, include, squawk }`; on by default. */
function readMigrationLint(m: ConfigReader): MigrationLintConfig {
  const raw = m.raw('lint');
  if (raw === undefined || raw === null || typeof raw === 'boolean' || raw === 'true' || raw === 'false') {
    return { enabled: m.boolean('lint', true), exclude: [], include: [] };
  }
  const l = m.child('lint')!;
  const rule = /^[a-z][a-z0-9-]*$/;
  const rules = (key: string): string[] => {
    const list = l.stringList(key) ?? [];
    const bad = list.find((name) => !rule.test(name));
    if (bad !== undefined)
      throw invalidValue(
        `config key '${l.key(key)}'`,
        bad,
        "squawk rule names such as 'require-concurrent-index-creation'",
      );
    return list;
  };
  const config: MigrationLintConfig = {
    enabled: l.boolean('enabled', true),
    exclude: rules('exclude'),
    include: rules('include'),
    squawk: l.string('squawk'),
  };
  l.rejectUnknownKeys();
  return config;
}

/** `rehearse: true | false | { enabled, rate, before, after, lockTimeout }`; on by default. */
function readRehearsal(m: ConfigReader): MigrationRehearsalConfig {
  const defaults: MigrationRehearsalConfig = { enabled: true, beforeMs: 3_000, afterMs: 2_000, lockTimeoutMs: 10_000 };
  const raw = m.raw('rehearse');
  if (raw === undefined || raw === null || typeof raw === 'boolean' || raw === 'true' || raw === 'false')
    return { ...defaults, enabled: m.boolean('rehearse', true) };
  const r = m.child('rehearse')!;
  const duration = (key: string, fallback: number): number => r.duration(key, fallback);
  const config: MigrationRehearsalConfig = {
    enabled: r.boolean('enabled', true),
    rate: r.optionalNumber('rate', { min: 1, max: 100_000 }),
    beforeMs: duration('before', defaults.beforeMs),
    afterMs: duration('after', defaults.afterMs),
    lockTimeoutMs: duration('lockTimeout', defaults.lockTimeoutMs),
  };
  r.rejectUnknownKeys();
  return config;
}

function readDatabase(reader: ConfigReader | undefined, overrides: ConfigOverrides): DatabaseConfig {
  const r = reader ?? new ConfigReader('database', {});
  const fileUrl = r.string('url');
  const url = overrides.databaseUrl || fileUrl;
  const m = r.child('migrations');
  const migrations = readMigrations(m);
  const b = r.child('baseline');
  let baseline: BaselineDatabaseStrategy = { strategy: 'shared' };
  if (b) {
    const strategy = b.oneOf('strategy', ['template-copy', 'separate-url', 'shared'] as const, 'shared');
    if (strategy === 'template-copy' && migrations?.kind === 'alembic') {
      // The revision under test; the baseline is upgraded to the one before it.
      const written = b.string('before');
      const before = written ?? migrations.revision;
      // Not a relative one: Alembic reads "ae10+1-1" as "ae10+1", which would give the baseline the change itself.
      if (!/^[A-Za-z0-9_@.]+$/.test(before))
        throw invalidValue(
          `config key '${b.key('before')}'${written === undefined ? " (unset: the candidate's revision)" : ''}`,
          before,
          'the Alembic revision under test, "head" or a revision id, not a relative one (the baseline is upgraded to the one before it)',
        );
      baseline = { strategy, before };
    } else if (strategy === 'template-copy') {
      const before =
        b.string('before') ?? (migrations?.kind === 'command' ? migrations.version : undefined) ?? m?.string('to');
      if (!before || !/^\d+$/.test(before))
        throw invalidValue(
          `config key '${b.key('before')}'`,
          before,
          'the version of the first migration the baseline must not have, such as "022"',
        );
      if (migrations?.kind !== 'sql' && !(migrations?.kind === 'command' && migrations.version))
        throw new InputError(
          `config key '${b.key('strategy')}': 'template-copy' needs SQL migrations in 'database.migrations.dir', 'database.migrations.alembic', or a migration 'command' with the 'version' it applies, to know what the baseline's copy must not have`,
        );
      if (migrations?.kind === 'command' && Number(before) > Number(migrations.version))
        throw invalidValue(
          `config key '${b.key('before')}'`,
          before,
          `a version up to the command's ("${migrations.version}"): the baseline is copied before the command runs, or before an earlier SQL file`,
        );
      baseline = { strategy, before };
    } else if (strategy === 'separate-url') {
      const baselineUrl = b.string('url');
      if (!baselineUrl)
        throw invalidValue(
          `config key '${b.key('url')}'`,
          baselineUrl,
          "the baseline database URL (strategy 'separate-url')",
        );
      baseline = { strategy, url: baselineUrl };
    }
    b.rejectUnknownKeys();
  }
  const pinned = r.raw('postgres');
  let postgresMajor: number | undefined;
  if (pinned !== undefined && pinned !== null) {
    const text = String(pinned).trim();
    if (!/^\d{1,2}$/.test(text) || Number(text) < 10)
      throw invalidValue(
        `config key '${r.key('postgres')}'`,
        pinned,
        'the PostgreSQL major version production runs, such as "16" (10 or later)',
      );
    postgresMajor = Number(text);
  }
  const config: DatabaseConfig = {
    url: url || undefined,
    migrations,
    baseline,
    ...(postgresMajor !== undefined ? { postgresMajor } : {}),
    productionPattern: r.string('productionPattern', DEFAULT_PRODUCTION_PATTERN.source),
    allowProduction: r.boolean('allowProduction', false),
  };
  try {
    new RegExp(config.productionPattern, 'i');
  } catch {
    throw invalidValue(
      `config key '${r.key('productionPattern')}'`,
      config.productionPattern,
      'a valid regular expression',
    );
  }
  r.rejectUnknownKeys();
  return config;
}

const VARIANT_KEYS = [
  'kind',
  'image',
  'command',
  'cwd',
  'url',
  'results',
  'env',
  'envFile',
  'port',
  'portEnv',
  'databaseUrlEnv',
  'network',
  'dockerArgs',
  'cpus',
  'memory',
  'cpuset',
  'healthPath',
  'metricsPath',
  'healthTimeout',
] as const;

function readBackend(reader: ConfigReader | undefined): BackendVariantsConfig {
  if (!reader)
    throw new InputError(
      "config: missing 'backend'; say how to start the backend (image, command or url), with 'baseline' and 'candidate' overrides",
    );
  const shared = readVariantFields(reader, undefined);
  const read = (variant: 'baseline' | 'candidate'): BaselineBackendConfig => {
    const own = reader.child(variant);
    const fields = own ? readVariantFields(own, shared) : shared;
    own?.rejectUnknownKeys();
    return finishVariant(`backend.${variant}`, fields);
  };
  const baseline = read('baseline');
  const candidate = read('candidate');
  if (candidate.kind === 'results')
    throw invalidValue(
      "config key 'backend.candidate.kind'",
      'results',
      "'image', 'command' or 'url': only the baseline can come from a stored results file",
    );
  if (baseline.kind === 'results' && candidate.kind !== 'url') {
    throw invalidValue(
      "config key 'backend.candidate.kind'",
      candidate.kind,
      "'url' when the baseline is a stored results file (the post-deploy check of a running app)",
    );
  }
  reader.rejectUnknownKeys();
  return { baseline, candidate };
}

/** A variant's keys as written (the shared ones with its own over them), before its kind picks those it uses. */
interface VariantFields {
  kind?: BaselineBackendConfig['kind'];
  image?: string;
  command?: string[];
  cwd?: string;
  url?: string;
  results?: string;
  env?: Record<string, string>;
  envFile?: string;
  port?: number;
  portEnv?: string;
  databaseUrlEnv?: string;
  network?: DockerNetwork;
  dockerArgs?: string[];
  cpus?: string;
  memory?: string;
  cpuset?: string;
  healthPath?: string;
  metricsPath?: string;
  healthTimeoutMs?: number;
}

function readVariantFields(r: ConfigReader, inherited: VariantFields | undefined): VariantFields {
  const out: VariantFields = { ...inherited };
  for (const key of VARIANT_KEYS) {
    if (!r.has(key)) {
      r.raw(key);
      continue;
    }
    switch (key) {
      case 'kind':
        out.kind = r.oneOf('kind', ['image', 'command', 'url', 'results'] as const, 'command');
        break;
      case 'command':
      case 'dockerArgs':
        out[key] = r.stringList(key);
        break;
      case 'env':
        out.env = { ...(inherited?.env ?? {}), ...r.stringMap('env') };
        break;
      case 'port':
        out.port = r.number('port', 8080, { min: 1, max: 65535, integer: true });
        break;
      case 'network':
        out.network = r.oneOf('network', ['host', 'bridge'] as const, 'bridge');
        break;
      case 'healthTimeout':
        out.healthTimeoutMs = parseDuration(`config key '${r.key('healthTimeout')}'`, r.raw('healthTimeout'));
        break;
      default:
        out[key] = r.string(key);
    }
  }
  return out;
}

/**
 * The variant's backend, of the kind it names (or implies: image when `image` is set, url when `url`
 * is, else command). The probe paths and the CPU list are judged for every kind, a stored baseline's
 * included, so a wrong value is refused even where the kind does not use it.
 */
function finishVariant(path: string, f: VariantFields): BaselineBackendConfig {
  const kind = f.kind ?? (f.image ? 'image' : f.url ? 'url' : 'command');
  const backend = pickKindFields(path, kind, f);
  for (const key of ['healthPath', 'metricsPath'] as const) {
    const v = f[key];
    if (v !== undefined && !v.startsWith('/'))
      throw invalidValue(`config key '${path}.${key}'`, v, 'a path starting with /');
  }
  if (f.cpuset !== undefined) checkCpuList(`config key '${path}.cpuset'`, f.cpuset);
  return backend;
}

/** The keys the kind uses, with their defaults, after checking the one key the kind cannot do without. */
function pickKindFields(path: string, kind: BaselineBackendConfig['kind'], f: VariantFields): BaselineBackendConfig {
  const probed = {
    healthPath: f.healthPath ?? '/health',
    metricsPath: f.metricsPath,
    healthTimeoutMs: f.healthTimeoutMs ?? 60_000,
  };
  const started = {
    ...probed,
    env: f.env ?? {},
    portEnv: f.portEnv ?? 'PORT',
    databaseUrlEnv: f.databaseUrlEnv ?? 'DATABASE_URL',
    cpuset: f.cpuset,
  };
  switch (kind) {
    case 'image':
      if (!f.image)
        throw invalidValue(`config key '${path}.image'`, f.image, "a Docker image reference (kind 'image')");
      return {
        kind,
        image: f.image,
        port: f.port ?? 8080,
        network: f.network ?? 'bridge',
        dockerArgs: f.dockerArgs ?? [],
        envFile: f.envFile,
        cpus: f.cpus,
        memory: f.memory,
        ...started,
      };
    case 'command':
      if (!f.command?.length)
        throw invalidValue(
          `config key '${path}.command'`,
          f.command,
          "the command that starts the backend, as a list (kind 'command')",
        );
      return { kind, command: f.command, cwd: f.cwd, ...started };
    case 'results':
      if (!f.results)
        throw invalidValue(
          `config key '${path}.results'`,
          f.results,
          "the path of a results.json from an earlier run (kind 'results')",
        );
      return { kind, results: f.results };
    case 'url':
      if (!f.url) throw invalidValue(`config key '${path}.url'`, f.url, "the backend's base URL (kind 'url')");
      try {
        const u = new URL(f.url);
        if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('protocol');
      } catch {
        throw invalidValue(`config key '${path}.url'`, f.url, 'an http:// or https:// URL');
      }
      return { kind, url: f.url, ...probed };
  }
}

function optionalCpuList(r: ConfigReader): string | undefined {
  const cpuset = r.string('cpuset');
  return cpuset === undefined ? undefined : checkCpuList(`config key '${r.key('cpuset')}'`, cpuset);
}

function readLoad(reader: ConfigReader | undefined): LoadConfig {
  const r = reader ?? new ConfigReader('load', {});
  const pairs = r.number('pairs', 10, { min: 2, max: 1000, integer: true });
  const load: LoadConfig = {
    mode: r.oneOf('mode', ['open', 'closed'] as const, 'open'),
    rate: r.number('rate', 50, { min: 0.1, max: 1_000_000 }),
    connections: r.number('connections', 32, { min: 1, max: 10_000, integer: true }),
    roundDurationMs: r.duration('roundDuration', 5000),
    warmupMs: r.duration('warmup', 5000),
    pairs,
    maxPairs: r.number('maxPairs', pairs, { min: pairs, max: 1000, integer: true }),
    design: r.oneOf('design', ['shuffled-pairs', 'abba', 'duet'] as const, 'shuffled-pairs'),
    processes: r.number('processes', 1, { min: 1, max: 100, integer: true }),
    seed: r.number('seed', 1, { min: 0, max: 2 ** 32 - 1, integer: true }),
    timeoutMs: r.duration('timeout', 10_000),
    rateTolerance: r.number('rateTolerance', 0.05, { min: 0, max: 1 }),
    cpuset: optionalCpuList(r),
    workload: readWorkload(r.child('workload')),
  };
  if (load.timeoutMs <= 0)
    throw invalidValue(`config key '${r.key('timeout')}'`, r.raw('timeout'), 'a duration above 0, such as "10s"');
  if (load.roundDurationMs < 500)
    throw invalidValue(`config key '${r.key('roundDuration')}'`, r.raw('roundDuration'), 'at least 500ms');
  r.rejectUnknownKeys();
  return load;
}

function readWorkload(reader: ConfigReader | undefined): WorkloadConfig {
  if (!reader)
    throw new InputError(
      "config: missing 'load.workload'; give 'requests' (a list of method/path/body) or 'file' (a JSONL file of requests)",
    );
  const file = reader.string('file');
  const list = reader.list('requests');
  if (!file && !list) throw new InputError(`config key '${reader.path}': give 'requests' or 'file'`);
  if (file && list) throw new InputError(`config key '${reader.path}': give either 'requests' or 'file', not both`);
  const requests = list?.map(({ path, value }): WorkloadRequestConfig => {
    if (!value || typeof value !== 'object' || Array.isArray(value))
      throw invalidValue(`config key '${path}'`, value, 'a mapping with method, path, headers, body, weight');
    const q = new ConfigReader(path, value as Record<string, unknown>);
    const rawBody = q.raw('body');
    const body = rawBody === null ? undefined : rawBody; // an object is turned into JSON by parseWorkload
    const request: WorkloadRequestConfig = {
      method: q.string('method', 'GET').toUpperCase(),
      path: q.string('path') as string, // a missing path is named by parseWorkload below
      headers: q.stringMap('headers'),
      body,
      weight: q.number('weight', 1),
    };
    q.rejectUnknownKeys();
    return request;
  });
  const workload: WorkloadConfig = {
    file,
    requests,
    order: reader.oneOf('order', WORKLOAD_ORDERS, file ? 'shuffled' : 'weighted'),
  };
  reader.rejectUnknownKeys();
  // The load stage's own parser judges each request (method, path, headers, weight), here already, so that a
  // bad request stops the run before any database or backend is touched.
  if (requests) parseWorkload({ requests }, `config key '${reader.path}'`, workload.order);
  return workload;
}

const NAME = /^[a-z_][a-z0-9_]*$/;
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Label matchers (name -> exact value), names checked as Prometheus label names. */
function labelMatchers(r: ConfigReader, key: string): Record<string, string> | undefined {
  const labels = r.stringMap(key);
  for (const name of Object.keys(labels ?? {})) {
    if (!LABEL_NAME.test(name))
      throw invalidValue(
        `config key '${r.key(key)}'`,
        name,
        'Prometheus label names (letters, digits and _, not starting with a digit)',
      );
  }
  return labels;
}

/** Where a required key is described, for an error about its absence: README.md's generated reference. */
function seeReference(key: string): string {
  return `README.md, "Every config key": ${key}`;
}

function readServerMetrics(items: { path: string; value: unknown }[]): ServerMetricConfig[] {
  const seen = new Set<string>(CLIENT_METRICS.map((m) => m.name));
  return items.map(({ path, value }) => {
    if (!value || typeof value !== 'object' || Array.isArray(value))
      throw invalidValue(`config key '${path}'`, value, 'a mapping with name, kind, metric, unit');
    const r = new ConfigReader(path, value as Record<string, unknown>);
    const name = r.string('name');
    if (!name || !NAME.test(name))
      throw invalidValue(
        `config key '${r.key('name')}'`,
        name,
        `a lowercase name of letters, digits and _${name ? '' : ` (${seeReference('metrics[].name')})`}`,
      );
    if (seen.has(name))
      throw invalidValue(`config key '${r.key('name')}'`, name, 'a name not already used by another metric');
    seen.add(name);
    const kind = r.oneOf('kind', SERVER_METRIC_KINDS, 'histogram_mean');
    const metric = r.string('metric');
    if (!metric || !METRIC_NAME.test(metric))
      throw invalidValue(
        `config key '${r.key('metric')}'`,
        metric,
        `a Prometheus metric family name${metric ? '' : ` (${seeReference('metrics[].metric')})`}`,
      );
    const units = UNITS_BY_KIND[kind];
    const rawUnit = r.raw('unit') ?? units[0];
    if (!(units as readonly unknown[]).includes(rawUnit))
      throw invalidValue(`config key '${r.key('unit')}'`, rawUnit, `for kind '${kind}': ${units.join(', ')}`);
    const unit = rawUnit as MetricUnit;
    const labels = labelMatchers(r, 'labels');
    // Selecting by `le` would pick single buckets out of a histogram and silently break its quantiles.
    if (labels?.le !== undefined && kind.startsWith('histogram')) {
      throw invalidValue(
        `config key '${r.key('labels')}.le'`,
        labels.le,
        'no le matcher on a histogram: perf-gate combines its buckets itself',
      );
    }
    const out: ServerMetricConfig = {
      name,
      description: r.string('description'),
      kind,
      metric,
      labels,
      unit,
      direction: r.oneOf('direction', ['lower-is-better', 'higher-is-better'] as const, 'lower-is-better'),
    };
    if (kind === 'histogram_quantile') {
      out.quantile = r.number('quantile', Number.NaN, { min: 0, max: 1 });
      if (Number.isNaN(out.quantile))
        throw invalidValue(
          `config key '${r.key('quantile')}'`,
          undefined,
          `a number between 0 and 1 (kind 'histogram_quantile'; ${seeReference('metrics[].quantile')})`,
        );
    } else {
      const quantile = r.raw('quantile');
      if (quantile !== undefined && quantile !== null)
        throw invalidValue(
          `config key '${r.key('quantile')}'`,
          quantile,
          "no quantile: it applies only to kind 'histogram_quantile'",
        );
    }
    const d = r.child('denominator');
    if (d && kind !== 'counter_ratio')
      throw invalidValue(
        `config key '${r.key('denominator')}'`,
        r.raw('denominator'),
        `no denominator with kind '${kind}': only kind 'counter_ratio' has one`,
      );
    if (kind === 'counter_ratio') {
      const dm = d?.string('metric');
      if (!d || !dm)
        throw invalidValue(
          `config key '${r.key('denominator')}'`,
          undefined,
          `a mapping with 'metric' (kind 'counter_ratio'; ${seeReference('metrics[].denominator')})`,
        );
      if (!METRIC_NAME.test(dm))
        throw invalidValue(`config key '${d.key('metric')}'`, dm, 'a Prometheus metric family name');
      out.denominator = { metric: dm, labels: labelMatchers(d, 'labels') };
      d.rejectUnknownKeys();
    }
    r.rejectUnknownKeys();
    return out;
  });
}

export function toMetricInfo(m: ServerMetricConfig): MetricInfo {
  return {
    name: m.name,
    unit: m.unit,
    direction: m.direction,
    source: 'server',
    description: m.description ?? `${m.kind} of ${m.metric}`,
  };
}

export function metricCatalog(config: Pick<PerfGateConfig, 'metrics'>): MetricInfo[] {
  return [...CLIENT_METRICS, ...config.metrics.map(toMetricInfo)];
}

/**
 * Targets on the rehearsal's figures need a rehearsal (SQL migrations, a template-copy baseline, rehearse
 * on) and at least one target on the benchmark beside them; only migration_p99 compares with a reference
 * (the traffic before the migration), so only it takes "worsens".
 */
function checkRehearsalTargets(
  rehearsalTargets: Target[],
  benchTargets: number,
  database: DatabaseConfig,
  backend: BackendVariantsConfig,
): void {
  if (rehearsalTargets.length === 0) return;
  const first = rehearsalTargets[0]!;
  for (const t of rehearsalTargets) {
    const info = rehearsalMetric(t.metric)!;
    if (t.kind === 'improvement' || (t.kind === 'regression' && !info.relative))
      throw new InputError(
        `config key 'targets': "${t.expression}" compares ${t.metric} with a baseline, but it is one measurement of the migration rehearsal; write a threshold, e.g. "${t.metric} ${info.unit === 'ratio' ? '<= 0%' : '< 1s'}"${info.relative ? ', or "migration_p99 worsens <= N%" (while the migration ran, against just before it)' : ''}`,
      );
  }
  if (benchTargets === 0)
    throw new InputError(
      `config key 'targets': only migration rehearsal targets ("${first.expression}"); add at least one target on the benchmark, e.g. "error_rate <= 1%"`,
    );
  const m = database.migrations;
  const baseline = database.baseline;
  const why = !m
    ? "there are no migrations ('database.migrations')"
    : baseline.strategy !== 'template-copy'
      ? `database.baseline.strategy is '${baseline.strategy}', not 'template-copy'`
      : !m.rehearse.enabled
        ? "'database.migrations.rehearse' is false"
        : m.kind === 'command' && m.version !== baseline.before
          ? `the migration command is rehearsed on a copy taken right before it, but 'database.migrations.version' (${m.version ?? 'not given'}) is not 'database.baseline.before' (${baseline.before})`
          : backend.baseline.kind === 'results'
            ? 'the baseline is a stored results file, with no backend to serve traffic during the migration'
            : undefined;
  if (why)
    throw new InputError(
      `config key 'targets': "${first.expression}" needs the migration rehearsal, which runs with migrations, a template-copy baseline, rehearse on and a baseline backend; here ${why}`,
    );
}

function readTargets(
  items: { path: string; value: unknown }[] | undefined,
  metrics: readonly Pick<MetricInfo, 'name' | 'unit' | 'direction'>[],
): Target[] {
  if (!items || items.length === 0)
    throw new InputError('config: \'targets\' is empty; give at least one target, e.g. "latency_p95 worsens <= 5%"');
  return items.map(({ path, value }) => {
    if (typeof value !== 'string')
      throw invalidValue(
        `config key '${path}'`,
        value,
        'a target written as text, e.g. "pipeline_time improves >= 20%"',
      );
    return parseTarget(value, metrics, `config key '${path}'`);
  });
}
