/** The command table: names, one-line descriptions and flags. Used for parsing and for --help. */
import type { FlagSpec } from './args.js';

export interface CommandSpec {
  name: string;
  summary: string;
  flags: FlagSpec[];
}

const config: FlagSpec = {
  name: 'config',
  kind: 'string',
  description:
    'config file (YAML or JSON); default: ./perf-gate.yml (or .yaml) when there is one, else the embedded default',
};
const databaseUrl: FlagSpec = {
  name: 'database-url',
  kind: 'string',
  description: 'preview database URL; default: a throwaway PostgreSQL server',
};
const reportDir: FlagSpec = {
  name: 'report-dir',
  kind: 'string',
  description: 'folder for results.json, report.md, report.html and logs (default perf-gate-report)',
};
const state: FlagSpec = {
  name: 'state',
  kind: 'string',
  description: 'state file shared by the stage commands (default .perf-gate/state.json)',
};
const failOnInconclusive: FlagSpec = {
  name: 'fail-on-inconclusive',
  kind: 'boolean',
  description: 'exit 1 when the verdict is inconclusive',
};
const json: FlagSpec = {
  name: 'json',
  kind: 'boolean',
  description: 'print results.json to stdout instead of the table',
};
const aa: FlagSpec = {
  name: 'aa',
  kind: 'boolean',
  description: "A/A check: measure the candidate against itself and report the runner's noise floor",
};
const budget: FlagSpec = {
  name: 'budget',
  kind: 'string',
  description: "measuring time, e.g. 1m or 90s: replaces the config's gate.budget and plans rounds and pairs from it",
};
const dryRun: FlagSpec = { name: 'dry-run', kind: 'boolean', description: 'print what would run, touch nothing' };
/** Where a command that publishes (compare, comment, verify) puts its sticky PR comment and Check run. */
const commentAndCheck: FlagSpec[] = [
  { name: 'comment-mode', kind: 'string', description: 'update (default), recreate or off' },
  { name: 'comment-key', kind: 'string', description: 'extra key for the sticky comment marker' },
  { name: 'check-name', kind: 'string', description: 'name of the Check run; empty skips it' },
];
const historyDataBranch: FlagSpec = {
  name: 'data-branch',
  kind: 'string',
  description: 'the data branch of the git-branch store (default perf-gate-data)',
};
/** run and demo: the history a run is placed among and recorded in. */
const historyForRun: FlagSpec = {
  name: 'history',
  kind: 'string',
  description:
    'git-branch, a folder (./perf-history) or a postgres:// URL: place the run among the recorded runs of its branch (a trend in the report) and record it',
};
const historyStore: FlagSpec[] = [
  {
    name: 'store',
    kind: 'string',
    description:
      "where the history is kept: git-branch (default, the checkout's data branch), a folder or a postgres:// URL",
  },
  historyDataBranch,
  {
    name: 'repo-dir',
    kind: 'string',
    description: "the repository's checkout, whose origin holds the data branch (default: the current folder)",
  },
  {
    name: 'repository',
    kind: 'string',
    description:
      "owner/name: only this repository's runs (default: the checkout's, for a PostgreSQL store shared by several)",
  },
];
const historyMetric: FlagSpec = {
  name: 'metric',
  kind: 'string',
  description: 'the metric, as named in results.json (latency_p95)',
};
const historyJson: FlagSpec = { name: 'json', kind: 'boolean', description: 'print JSON instead of the table' };

export const COMMANDS: CommandSpec[] = [
  {
    name: 'run',
    summary: 'run the whole gate: migrate, boot, bench, compare, report, clean up',
    flags: [
      historyForRun,
      historyDataBranch,
      config,
      databaseUrl,
      reportDir,
      state,
      failOnInconclusive,
      json,
      aa,
      budget,
      dryRun,
    ],
  },
  {
    name: 'demo',
    summary: 'run the gate on the embedded default (the reference RAG backend) with a throwaway database',
    flags: [
      historyForRun,
      historyDataBranch,
      reportDir,
      state,
      failOnInconclusive,
      json,
      aa,
      budget,
      dryRun,
      { name: 'pglite', kind: 'boolean', description: 'use PGlite even when PostgreSQL server binaries exist' },
    ],
  },
  {
    name: 'migrate',
    summary: 'apply pending NNN_name.sql migrations (or run a migration command) to a database',
    flags: [
      config,
      databaseUrl,
      state,
      reportDir,
      { name: 'dir', kind: 'string', description: 'folder of NNN_name.sql files' },
      { name: 'to', kind: 'string', description: 'apply up to and including this version, e.g. 022' },
      budget,
      dryRun,
      { name: 'command', kind: 'list', description: 'run this migration script instead (repeat for each argument)' },
      {
        name: 'allow-production',
        kind: 'boolean',
        description: 'allow a database whose name or host looks like production',
      },
    ],
  },
  {
    name: 'verify-idempotent',
    summary: 'run migrations a second time and fail if the schema changes',
    flags: [
      databaseUrl,
      { name: 'dir', kind: 'string', description: 'folder of NNN_name.sql files' },
      { name: 'to', kind: 'string', description: 'check files up to and including this version' },
      { name: 'command', kind: 'list', description: 'check this migration script instead' },
      {
        name: 'allow-production',
        kind: 'boolean',
        description: 'allow a database whose name or host looks like production',
      },
    ],
  },
  {
    name: 'boot',
    summary: 'start the baseline and candidate backends and wait until both are healthy',
    flags: [config, state, reportDir],
  },
  {
    name: 'bench',
    summary: 'run the interleaved benchmark rounds against the booted backends',
    flags: [config, state, reportDir],
  },
  {
    name: 'compare',
    summary: 'compare the rounds, judge the targets, write the reports, post the PR comment and Check',
    flags: [
      {
        name: 'history',
        kind: 'string',
        description:
          'git-branch, a folder (./perf-history) or a postgres:// URL: place the run among the recorded runs of its base branch (a trend in the report); records nothing',
      },
      historyDataBranch,
      config,
      state,
      reportDir,
      failOnInconclusive,
      json,
      {
        name: 'github-token',
        kind: 'string',
        description: 'token for the PR comment and the Check (default: none, no GitHub writes)',
      },
      ...commentAndCheck,
    ],
  },
  {
    name: 'cleanup',
    summary: 'stop everything a run started (containers, processes, throwaway databases)',
    flags: [state],
  },
  {
    name: 'comment',
    summary: 'post a results.json as the sticky PR comment and Check (the workflow_run half of the fork-safe pattern)',
    flags: [
      { name: 'results', kind: 'string', description: 'results.json written by a measuring run' },
      { name: 'github-token', kind: 'string', description: 'token that may write PR comments and Checks' },
      ...commentAndCheck,
    ],
  },
  {
    name: 'validate',
    summary: 'check a config file without running anything',
    flags: [
      config,
      {
        name: 'strict',
        kind: 'boolean',
        description: 'refuse unset ${NAME} variables and a missing workload file (default: warn, resolved at run time)',
      },
    ],
  },
  {
    name: 'dashboard',
    summary: "print a Grafana dashboard (JSON) for the config's server metrics, or over the PostgreSQL history store",
    flags: [
      config,
      { name: 'title', kind: 'string', description: 'dashboard title (default: the report title)' },
      {
        name: 'canary',
        kind: 'string',
        description:
          'with --stable: canary-vs-stable panels per metric (each variant, and their ratio), as verify compares them',
      },
      { name: 'stable', kind: 'string', description: 'label matchers of the stable series, with --canary' },
      {
        name: 'history',
        kind: 'boolean',
        description: "instead: a dashboard over the PostgreSQL history store (Grafana's PostgreSQL data source)",
      },
    ],
  },
  {
    name: 'init',
    summary: 'write a commented perf-gate.yml and a pull-request workflow for the project in this folder',
    flags: [
      { name: 'dir', kind: 'string', description: 'project folder (default: the current folder)' },
      { name: 'force', kind: 'boolean', description: 'overwrite files that exist' },
      {
        name: 'probe',
        kind: 'string',
        description:
          "'start' (boot the service with the written config, send it part of the workload) or a running service's metrics URL (http://127.0.0.1:8000/metrics): propose server metrics and targets from what it exposes",
      },
    ],
  },
  {
    name: 'history append',
    summary: 'record a results.json in the run history (with the commit, branch and run it measured)',
    flags: [
      { name: 'results', kind: 'string', description: 'results.json written by a measuring run' },
      ...historyStore,
    ],
  },
  {
    name: 'history list',
    summary: 'print the recorded runs: per metric, date, commit, estimate with interval and verdict',
    flags: [
      { ...historyMetric, description: 'only this metric (default: every metric)' },
      { name: 'since', kind: 'string', description: 'only runs on or after this date (2026-11-01)' },
      { name: 'limit', kind: 'string', description: 'only the most recent N runs' },
      historyJson,
      ...historyStore,
    ],
  },
  {
    name: 'history changes',
    summary: "find the commits where a metric's measured value stepped (E-divisive change points, one runner kind)",
    flags: [
      historyMetric,
      {
        name: 'significance',
        kind: 'string',
        description: 'largest permutation p-value a change may have (default 0.05)',
      },
      { name: 'min-segment', kind: 'string', description: 'fewest runs on either side of a change (default 5)' },
      historyJson,
      ...historyStore,
    ],
  },
  {
    name: 'history drift',
    summary:
      "a metric's cumulative change over the chain of gated changes, with its interval and the largest contributors",
    flags: [
      historyMetric,
      {
        name: 'since',
        kind: 'string',
        description:
          'a date (2026-11-01), the SHA of a recorded commit, or last-release (the newest v* tag before HEAD); default: all',
      },
      historyJson,
      ...historyStore,
    ],
  },
  {
    name: 'history export',
    summary: 'the recorded runs for other tools: CSV (every run and metric) or Bencher Metric Format (one run)',
    flags: [
      {
        name: 'format',
        kind: 'string',
        description: 'csv (default): a row per run and metric; bmf: one run as Bencher Metric Format JSON',
      },
      { ...historyMetric, description: 'only this metric (default: every metric)' },
      { name: 'since', kind: 'string', description: 'csv: only runs on or after this date (2026-11-01)' },
      { name: 'sha', kind: 'string', description: 'bmf: the run of this commit (default: the latest run)' },
      ...historyStore,
    ],
  },
  {
    name: 'verify',
    summary: "after a deploy, compare the canary with the stable variant on the fleet's Prometheus (query_range)",
    flags: [
      config,
      {
        name: 'prometheus-url',
        kind: 'string',
        description: 'base URL of a Prometheus-compatible store (http://prometheus:9090)',
      },
      {
        name: 'prometheus-token',
        kind: 'string',
        description: 'bearer token for a hosted store; prefer its variable PERF_GATE_PROMETHEUS_TOKEN (never printed)',
      },
      {
        name: 'compare',
        kind: 'string',
        description:
          'canary-vs-stable (default) or before-after (one version at a time; the default when --deploy-time is given)',
      },
      { name: 'canary', kind: 'string', description: 'label matchers of the canary\'s series: version="canary"' },
      { name: 'stable', kind: 'string', description: 'label matchers of the stable series: version="stable"' },
      {
        name: 'selector',
        kind: 'string',
        description: 'before-after: label matchers of the service\'s series: app="my-rag-api"',
      },
      {
        name: 'deploy-time',
        kind: 'string',
        description: 'before-after: when the deploy happened, RFC 3339 or unix seconds',
      },
      {
        name: 'settle',
        kind: 'string',
        description: 'before-after: time after the deploy left out of the after window (default 5m)',
      },
      {
        name: 'control',
        kind: 'string',
        description: 'before-after: the same windows this much earlier as a control (default 1d; 7d; none)',
      },
      {
        name: 'window',
        kind: 'string',
        description: "how far back from --end to compare (default 1h); before-after: each window's length",
      },
      {
        name: 'start',
        kind: 'string',
        description: 'start of the window: RFC 3339 or unix seconds (instead of --window)',
      },
      { name: 'end', kind: 'string', description: 'end of the window: RFC 3339 or unix seconds (default: now)' },
      { name: 'step', kind: 'string', description: 'bucket length, the pairing unit (default 1m)' },
      { name: 'rate-interval', kind: 'string', description: 'range of rate() in the queries (default: the step)' },
      {
        name: 'target',
        kind: 'list',
        description: "a target on a config metric (repeat); default: the config's targets",
      },
      {
        name: 'traffic-metric',
        kind: 'string',
        description:
          'config metric counting requests, for the traffic-mix check (default: the first counter_rate or histogram)',
      },
      { name: 'traffic-ratio', kind: 'string', description: 'intended canary/stable request-rate ratio (default 1)' },
      {
        name: 'max-traffic-difference',
        kind: 'string',
        description: 'flag the traffic mix when the ratio departs from it by more (default 20%)',
      },
      {
        name: 'route-label',
        kind: 'string',
        description:
          "split the traffic metric by this label (route, handler) and flag when the two sides' route mixes differ",
      },
      {
        name: 'max-route-difference',
        kind: 'string',
        description:
          'flag the route mix when more than this share of requests would have to change route (default 10%)',
      },
      { name: 'min-buckets', kind: 'string', description: 'fewest paired buckets a target is judged on (default 10)' },
      { name: 'timeout', kind: 'string', description: 'per query (default 30s)' },
      { name: 'resamples', kind: 'string', description: 'block-bootstrap resamples (default 4000)' },
      { name: 'seed', kind: 'string', description: 'seed of the block bootstrap (default 1)' },
      { ...reportDir, description: 'folder for verify.json, verify.md and verify.html (default perf-gate-report)' },
      failOnInconclusive,
      { ...json, description: 'print verify.json to stdout instead of the table' },
      {
        name: 'github-token',
        kind: 'string',
        description:
          'inside GitHub Actions: token for the Check run (and the PR comment when the run has a pull request); default none',
      },
      ...commentAndCheck,
    ],
  },
];

/**
 * `perf-gate history list` is the command 'history list': a command group and its subcommand are
 * joined into one name (also after `help`), so that parsing, help and the handler table treat it as
 * any other command.
 */
export function joinSubcommand(argv: string[]): string[] {
  const at = argv.findIndex((arg) => !arg.startsWith('-'));
  if (at === -1) return argv;
  const start = argv[at] === 'help' ? at + 1 : at;
  const joined = `${argv[start]} ${argv[start + 1]}`;
  return commandSpec(joined) ? [...argv.slice(0, start), joined, ...argv.slice(start + 2)] : argv;
}

export function commandSpec(name: string | undefined): CommandSpec | undefined {
  return COMMANDS.find((c) => c.name === name);
}

export function helpText(version: string, command?: CommandSpec): string {
  if (command) {
    const width = Math.max(...command.flags.map((f) => f.name.length + (f.kind === 'boolean' ? 0 : 8)));
    const lines = command.flags.map(
      (f) => `  --${(f.name + (f.kind === 'boolean' ? '' : ' <value>')).padEnd(width)}  ${f.description}`,
    );
    return [
      `perf-gate ${command.name}: ${command.summary}`,
      '',
      `Usage: perf-gate ${command.name} [flags]`,
      '',
      'Flags:',
      ...lines,
      '',
      'Every flag can also be given as an environment variable, e.g. --report-dir as PERF_GATE_REPORT_DIR.',
    ].join('\n');
  }
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    `perf-gate ${version}: gate pull requests and releases on the performance of an HTTP backend backed by PostgreSQL`,
    '',
    'Usage: perf-gate <command> [flags]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Global flags: --help, --version, --quiet, --verbose',
    '',
    'Exit codes: 0 all targets met (or inconclusive without --fail-on-inconclusive), 1 a target missed',
    '(or inconclusive with --fail-on-inconclusive), 2 invalid input or config, 3 infrastructure failure.',
  ].join('\n');
}
