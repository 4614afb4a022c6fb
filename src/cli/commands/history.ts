/**
 * `perf-gate history append|list|changes|drift`: record a results.json in the run history kept on the
 * repository's data branch (src/history/git-branch-store.ts), and ask it where a metric stepped and how
 * far it has crept (src/history/analysis.ts; docs/history.md).
 */
import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { PerfGateConfig } from '../../config/config.js';
import { ExitCode, errorMessage, InfrastructureError, invalidValue } from '../../errors.js';
import { readRunContext } from '../../github/event-context.js';
import { readResultsFile } from '../../github/publish-from-results.js';
import {
  type ChangeReport,
  type DriftReport,
  metricChanges,
  metricDrift,
  metricPoints,
  type RunnerKind,
} from '../../history/analysis.js';
import { checkoutContext, repositoryFromCheckout } from '../../history/checkout-context.js';
import { DirectoryStore } from '../../history/directory-store.js';
import { judgeDriftTarget } from '../../history/drift-target.js';
import { historyCsv, runAsBmf } from '../../history/export.js';
import { BRANCH_NAME, DEFAULT_DATA_BRANCH, GitBranchStore } from '../../history/git-branch-store.js';
import { GitCli } from '../../history/git-cli.js';
import type { HistoryStore } from '../../history/month-files.js';
import { PostgresStore } from '../../history/postgres-store.js';
import {
  configHash,
  type HistoryInterval,
  type HistoryRecord,
  type RecordContext,
  recordFromResults,
} from '../../history/record.js';
import { releaseDrift } from '../../history/release-drift.js';
import { metricTrends } from '../../history/trend.js';
import { inertLogText } from '../../log-line.js';
import type { CompareOptions } from '../../pipeline/stages/compare.js';
import type { MetricTrend, Results } from '../../report/results.js';
import { booleanFlag, type ParsedArgs, stringFlag } from '../args.js';
import type { CliContext } from './shared.js';

/** The store the flags name, in the checkout they name, and that checkout's git. */
function storeFrom(args: ParsedArgs, cli: CliContext): { store: HistoryStore; git: GitCli } {
  const repoDir = resolve(stringFlag(args, 'repo-dir') ?? process.cwd());
  let isFolder = false;
  try {
    isFolder = statSync(repoDir).isDirectory();
  } catch {
    isFolder = false;
  }
  if (!isFolder) throw invalidValue('--repo-dir', repoDir, "a folder holding the repository's checkout");
  const git = new GitCli({ cwd: repoDir });
  const store = historyStoreFor(stringFlag(args, 'store') ?? 'git-branch', '--store', {
    git,
    cli,
    dataBranch: stringFlag(args, 'data-branch'),
  });
  return { store, git };
}

/**
 * The records a history command reads. A PostgreSQL store may hold a fleet's runs: only this
 * repository's count (--repository, else the checkout's origin), so one team's drift is not another's.
 */
async function readRecords(
  args: ParsedArgs,
  cli: CliContext,
  { store, git }: { store: HistoryStore; git: GitCli },
  query: { since?: Date },
): Promise<HistoryRecord[]> {
  const records = await store.read(query);
  const given = stringFlag(args, 'repository');
  if (given === undefined && !(store instanceof PostgresStore)) return records;
  const repository = given ?? (await repositoryFromCheckout(git).catch(() => undefined));
  if (repository === undefined) {
    cli.log.warning(
      `history: ${store.description} may hold other repositories' runs, and this folder names none; give --repository owner/name`,
    );
    return records;
  }
  return records.filter((r) => r.repository === repository);
}

/**
 * The store a value names: `git-branch`, the data branch of the checkout `git` works in, or any other
 * value as a folder (created on the first append).
 */
export function historyStoreFor(
  spec: string,
  input: string,
  options: { git: GitCli; cli: CliContext; dataBranch: string | undefined },
): HistoryStore {
  if (/^postgres(ql)?:\/\//.test(spec)) return new PostgresStore({ url: spec, log: options.cli.log, input });
  // A folder is written as a path (./perf-history, /var/lib/perf), so a mistyped store name is an error, not a new folder.
  if (spec !== 'git-branch' && !/^(\.{1,2}\/|\/)|\//.test(spec))
    throw invalidValue(
      input,
      spec,
      "'git-branch' (the repository's data branch), a folder written as a path (./perf-history) or a postgres:// URL",
    );
  if (spec !== 'git-branch') return new DirectoryStore({ folder: spec, log: options.cli.log, input });
  const branch = options.dataBranch ?? DEFAULT_DATA_BRANCH;
  if (!BRANCH_NAME.test(branch))
    throw invalidValue(
      '--data-branch',
      branch,
      'a branch name (letters, digits, ".", "_", "-", "/"; not starting with "-")',
    );
  return new GitBranchStore({ git: options.git, log: options.cli.log, branch });
}

/**
 * `run`, `demo` and `compare --history STORE`: the records this run is placed among (the comment's
 * trend) and, for run and demo, the record of this run appended after it. The base branch of a pull
 * request's run is GITHUB_BASE_REF; any other run is placed among the runs of its own branch.
 */
export async function historyForRun(
  spec: string,
  cli: CliContext,
  config: Pick<PerfGateConfig, 'source' | 'driftTargets' | 'gate'>,
  dataBranch?: string,
): Promise<{
  store: HistoryStore;
  context: RecordContext;
  trends: (results: Results) => MetricTrend[];
  judgeDrift: NonNullable<CompareOptions['judgeDrift']>;
  releaseDrift: NonNullable<CompareOptions['releaseDrift']>;
}> {
  const configName = config.source;
  const git = new GitCli({ cwd: process.cwd() });
  const store = historyStoreFor(spec, '--history', { git, cli, dataBranch });
  let context: RecordContext;
  const inCheckout = (await git.exec(['rev-parse', '--is-inside-work-tree'], { allowFailure: true })).exitCode === 0;
  if (inCheckout)
    context = await checkoutContext({
      git,
      run: readRunContext(cli.env),
      refName: cli.env.GITHUB_REF_NAME,
      configName,
      log: cli.log,
    });
  else {
    // The job's environment, not the value, is what is missing: the store stays unread, with a warning.
    if (spec === 'git-branch')
      throw new InfrastructureError(
        '--history git-branch: the current folder is not a git checkout, so there is no data branch to read (check out the repository first, or give a folder or a postgres:// URL)',
      );
    cli.log.info("history: the current folder is not a git checkout; the run is recorded on branch 'local'");
    context = { repository: 'local', branch: 'local', sha: localSha(configName), configHash: configHash(configName) };
  }
  // Only this repository's runs: a PostgreSQL store may hold a fleet's.
  const records = (await store.read()).filter((r) => r.repository === context.repository);
  const branch = baseBranchOf(cli.env, context.branch);
  cli.log.info(
    `history: ${records.length} recorded run(s) in ${store.description}; this run is placed among those of ${branch}`,
  );
  let release: { tag: string; sha: string } | { error: string } | undefined;
  // A release gate (a run on a tag) shows the drift since the previous release whether or not a target judges it.
  const releaseGate = onTag(cli.env);
  if (releaseGate || config.driftTargets?.some((t) => t.since === 'last-release'))
    release = inCheckout
      ? await lastRelease(git, 'drift target since').catch((error: unknown) => ({ error: errorMessage(error) }))
      : { error: 'the current folder is not a git checkout, so there are no release tags' };
  return {
    store,
    context,
    trends: (results) => metricTrends(records, results, { branch }),
    judgeDrift: (target, metric) =>
      judgeDriftTarget(target, { records, branch, release, level: config.gate.confidence, ...metric }),
    releaseDrift: (results) => {
      if (!releaseGate) return undefined;
      if (!release || 'error' in release) {
        cli.log.info(`history: no drift since the previous release: ${release?.error ?? 'no release was looked up'}`);
        return undefined;
      }
      return releaseDrift(records, results, { branch, release, level: config.gate.confidence });
    },
  };
}

/** A run on a tag: a release gate (a tag push, or a release event, whose ref is the tag). */
function onTag(env: NodeJS.ProcessEnv): boolean {
  return env.GITHUB_REF_TYPE === 'tag' || (env.GITHUB_REF ?? '').startsWith('refs/tags/');
}

/**
 * The branch whose recorded runs a run is placed among: a pull request's base branch; for a tag or a
 * release, the repository's default branch (from the event), where the released commits were recorded;
 * otherwise the run's own branch.
 */
export function baseBranchOf(env: NodeJS.ProcessEnv, ownBranch: string): string {
  if (env.GITHUB_BASE_REF) return env.GITHUB_BASE_REF;
  if (onTag(env) && env.GITHUB_EVENT_PATH) {
    try {
      const event = JSON.parse(readFileSync(env.GITHUB_EVENT_PATH, 'utf8')) as {
        repository?: { default_branch?: unknown };
      };
      const branch = event.repository?.default_branch;
      if (typeof branch === 'string' && BRANCH_NAME.test(branch)) return branch;
    } catch {
      // No readable event: the run's own branch.
    }
  }
  return ownBranch;
}

/**
 * How compare judges drift targets: on a pull request not at all (main's creep is not the pull
 * request's doing, and failing it would block every pull request until a release), elsewhere on the
 * history when there is one, else as having no data.
 */
export function driftJudge(
  history: { judgeDrift: NonNullable<CompareOptions['judgeDrift']> } | undefined,
  cli: CliContext,
  config: Pick<PerfGateConfig, 'driftTargets'>,
): CompareOptions['judgeDrift'] {
  const pullRequest = Boolean(cli.env.GITHUB_BASE_REF) || readRunContext(cli.env)?.pullRequest !== undefined;
  if (pullRequest && config.driftTargets?.length) {
    cli.log.info(
      `drift targets are judged on pushes and releases, not pull requests: ${config.driftTargets.map((t) => t.expression).join('; ')} left out of this run`,
    );
    return () => undefined;
  }
  return history?.judgeDrift;
}

/** Outside a checkout there is no commit: a stable stand-in from the config's name, marked by the branch 'local'. */
function localSha(configName: string): string {
  return configHash(`local:${configName}`).slice(0, 12);
}

function requiredMetric(args: ParsedArgs): string {
  const metric = stringFlag(args, 'metric');
  if (!metric) throw invalidValue('--metric', metric, 'the name of a recorded metric (latency_p95)');
  return metric;
}

/** A metric no recorded run measured is a typo more often than a question: say which ones there are. */
function checkMetricRecorded(records: readonly HistoryRecord[], metric: string): void {
  if (records.length === 0 || records.some((r) => r.metrics.some((m) => m.name === metric))) return;
  const names = [...new Set(records.flatMap((r) => r.metrics.map((m) => m.name)))];
  throw invalidValue('--metric', metric, `a metric the recorded runs measured: ${names.join(', ')}`);
}

const DATE = /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2})?)?$/;

function sinceDate(value: string, allowed: string): Date {
  const date = new Date(value);
  if (!DATE.test(value) || Number.isNaN(date.getTime())) throw invalidValue('--since', value, allowed);
  return date;
}

function numberFlag(
  args: ParsedArgs,
  name: string,
  fallback: number,
  valid: (n: number) => boolean,
  allowed: string,
): number {
  const text = stringFlag(args, name);
  if (text === undefined) return fallback;
  const value = Number(text);
  if (text.trim() === '' || !valid(value)) throw invalidValue(`--${name}`, text, allowed);
  return value;
}

function printJson(cli: CliContext, value: unknown): void {
  cli.stdout(`${JSON.stringify(value, null, 2)}\n`);
}

const percent = (value: number | null, digits = 1) =>
  value === null ? '?' : `${value >= 0 ? '+' : ''}${(value * 100).toFixed(digits)} %`;
const plural = (count: number, noun: string) => `${count} ${noun}${count === 1 ? '' : 's'}`;
const shortSha = (sha: string) => sha.slice(0, 7);
const shortTime = (time: string) => time.slice(0, 16).replace('T', ' ');

function intervalText(interval: HistoryInterval | null): string {
  if (!interval) return '';
  const bound = (v: number | null, open: string) => (v === null ? open : percent(v).replace(' %', ''));
  return ` [${bound(interval.lower, '-inf')}, ${bound(interval.upper, '+inf')}] %`;
}

function runnerText(runner: RunnerKind | null): string {
  if (!runner) return 'no runner';
  return `${runner.cpuModel ?? 'unknown CPU'} × ${runner.cpuCount ?? '?'}`;
}

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row) =>
    row
      .map((cell, column) => cell.padEnd(widths[column]!))
      .join('  ')
      .trimEnd(),
  );
}

// ---- append ----

export async function historyAppendCommand(args: ParsedArgs, cli: CliContext): Promise<number> {
  const resultsPath = stringFlag(args, 'results');
  if (!resultsPath)
    throw invalidValue('--results', resultsPath, 'the path of a results.json written by a perf-gate run');
  const results = readResultsFile(resolve(resultsPath));
  const { store, git } = storeFrom(args, cli);
  const context = await checkoutContext({
    git,
    run: readRunContext(cli.env),
    refName: cli.env.GITHUB_REF_NAME,
    configName: results.config,
    log: cli.log,
  });
  const record = recordFromResults(results, context);
  const outcome = await store.append(record);
  cli.stdout(
    `recorded run ${record.runId} (${record.verdict}) of ${record.repository}@${shortSha(record.sha)} on ${record.branch} in ${outcome.file} of ${store.description}${'commit' in outcome ? ` (data commit ${String(outcome.commit).slice(0, 12)})` : ''}\n`,
  );
  return ExitCode.ok;
}

// ---- list ----

export async function historyListCommand(args: ParsedArgs, cli: CliContext): Promise<number> {
  const metric = stringFlag(args, 'metric');
  const since = stringFlag(args, 'since');
  const sinceAt = since === undefined ? undefined : sinceDate(since, 'a date (2026-11-01) or an ISO time in UTC');
  const limit =
    stringFlag(args, 'limit') === undefined
      ? undefined
      : numberFlag(args, 'limit', 0, (n) => Number.isInteger(n) && n > 0, 'a whole number ≥ 1');
  let records = await readRecords(args, cli, storeFrom(args, cli), { since: sinceAt });
  if (metric !== undefined)
    records = records
      .filter((r) => r.metrics.some((m) => m.name === metric))
      .map((r) => ({ ...r, metrics: r.metrics.filter((m) => m.name === metric) }));
  if (limit !== undefined) records = records.slice(-limit);
  if (booleanFlag(args, 'json')) {
    printJson(cli, records);
    return ExitCode.ok;
  }
  cli.stdout(`${inertLogText(listText(records, metric))}\n`);
  return ExitCode.ok;
}

/** A table per metric: when, which commit, the paired estimate with its interval, the verdict. */
function listText(records: readonly HistoryRecord[], metric: string | undefined): string {
  if (records.length === 0) return metric ? `no recorded runs of ${metric}` : 'no recorded runs';
  const names = [...new Set(records.flatMap((r) => r.metrics.map((m) => m.name)))];
  const blocks = names.map((name) => {
    const points = metricPoints(records, name);
    const { unit, direction } = points[0]!.metric;
    const rows = points.map(({ record, metric: m }) => [
      shortTime(record.time),
      shortSha(record.sha),
      record.branch,
      `${percent(m.estimate)}${intervalText(m.interval)}`,
      record.verdict,
    ]);
    return [
      `${name} (${unit}, ${direction.replace(/-/g, ' ')}): change against the baseline`,
      ...table([['date (UTC)', 'commit', 'branch', 'estimate [interval]', 'verdict'], ...rows]).map((l) => `  ${l}`),
    ].join('\n');
  });
  return blocks.join('\n\n');
}

// ---- changes ----

export async function historyChangesCommand(args: ParsedArgs, cli: CliContext): Promise<number> {
  const metric = requiredMetric(args);
  const significance = numberFlag(
    args,
    'significance',
    0.05,
    (n) => n > 0 && n < 1,
    'a p-value between 0 and 1, e.g. 0.05',
  );
  const minSegmentSize = numberFlag(args, 'min-segment', 5, (n) => Number.isInteger(n) && n >= 2, 'a whole number ≥ 2');
  const records = await readRecords(args, cli, storeFrom(args, cli), {});
  checkMetricRecorded(records, metric);
  const report = metricChanges(records, metric, { significance, minSegmentSize });
  if (booleanFlag(args, 'json')) printJson(cli, report);
  else cli.stdout(`${inertLogText(changesText(report))}\n`);
  return ExitCode.ok;
}

function changesText(report: ChangeReport): string {
  const { metric, runs, leftOut } = report;
  if (runs === 0 && leftOut.noValue === 0) return `no recorded runs of ${metric}`;
  const scope = `${metric}: ${plural(runs, 'run')} on ${runnerText(report.runner)}${leftOut.otherRunners ? `; ${plural(leftOut.otherRunners, 'run')} on other runners left out` : ''}${leftOut.noValue ? `; ${plural(leftOut.noValue, 'run')} without a value left out` : ''}`;
  if (report.tooFewRuns)
    return `${scope}\nat least ${2 * report.minSegmentSize} runs are needed to find a change with --min-segment ${report.minSegmentSize}`;
  if (report.changes.length === 0) return `${scope}\nno change at significance ${report.significance}`;
  const unit = report.unit ?? '';
  const rows = report.changes.map((c) => [
    shortSha(c.sha),
    shortTime(c.time),
    percent(c.relativeChange),
    `${round(c.before.median)} → ${round(c.after.median)} ${unit}`,
    `${(c.confidence * 100).toFixed(1)} %`,
  ]);
  return [
    scope,
    ...table([['commit', 'date (UTC)', 'change', 'median before → after', 'confidence'], ...rows]).map((l) => `  ${l}`),
  ].join('\n');
}

const round = (value: number) => Number(value.toPrecision(4)).toString();

// ---- drift ----

export async function historyDriftCommand(args: ParsedArgs, cli: CliContext): Promise<number> {
  const metric = requiredMetric(args);
  const { store, git } = storeFrom(args, cli);
  const given = stringFlag(args, 'since');
  const release = given === 'last-release' ? await lastRelease(git) : undefined;
  const since = release?.sha ?? given;
  const allowed =
    'a date (2026-11-01), the SHA of a recorded commit (7 to 40 hex digits) or last-release (the newest v* tag before HEAD)';
  const sinceAt = since !== undefined && DATE.test(since) ? sinceDate(since, allowed) : undefined;
  if (since !== undefined && !sinceAt && !/^[0-9a-f]{7,40}$/.test(since)) throw invalidValue('--since', since, allowed);
  let records = await readRecords(args, cli, { store, git }, { since: sinceAt });
  checkMetricRecorded(records, metric);
  if (since !== undefined && !sinceAt) {
    // Since a commit: the changes gated after it. Its own record measured it against its parent, so it is not one of them.
    const at = records.findLastIndex((r) => r.sha.startsWith(since));
    if (at === -1)
      throw release
        ? invalidValue(
            '--since',
            given,
            `a release whose commit has a recorded run; ${release.tag} (${shortSha(release.sha)}) has none (record the release gate's run with 'history append', or give a date)`,
          )
        : invalidValue('--since', since, `${allowed}; no recorded run measured a commit starting ${since}`);
    records = records.slice(at + 1);
  }
  const report = metricDrift(records, metric);
  const label = release ? `${release.tag} (${shortSha(release.sha)})` : since;
  if (booleanFlag(args, 'json'))
    printJson(cli, { ...report, since: since ?? null, ...(release ? { release: release.tag } : {}) });
  else cli.stdout(`${inertLogText(driftText(report, label))}\n`);
  return ExitCode.ok;
}

/**
 * The last release before the checkout's HEAD: the newest `v*` tag reachable from HEAD's parent, so a
 * release gate running on the new tag itself measures the drift since the one before it.
 */
async function lastRelease(git: GitCli, input = '--since'): Promise<{ tag: string; sha: string }> {
  const described = await git.exec(['describe', '--tags', '--abbrev=0', '--match', 'v*', 'HEAD^'], {
    allowFailure: true,
  });
  const tag = described.stdout.trim();
  if (described.exitCode !== 0 || tag === '')
    throw invalidValue(
      input,
      'last-release',
      "a checkout with a v* tag before HEAD (none found; a shallow clone needs 'git fetch --tags --unshallow')",
    );
  const sha = (await git.output(['rev-list', '-n', '1', `refs/tags/${tag}`])).trim();
  return { tag, sha };
}

function driftText(report: DriftReport, since: string | undefined): string {
  const left = [
    report.leftOut.noInterval && `${report.leftOut.noInterval} without a closed interval`,
    report.leftOut.repeatedCommit && `${plural(report.leftOut.repeatedCommit, 'repeated run')} of a commit`,
  ].filter(Boolean);
  const head = `${report.metric}${since ? ` since ${since}` : ''}: ${percent(report.change)} over ${plural(report.changes, 'change')} (${Math.round(report.level * 100)} % interval ${percent(report.lower)} to ${percent(report.upper)})${left.length ? `; left out: ${left.join(', ')}` : ''}`;
  if (report.contributors.length === 0) return head;
  const rows = report.contributors.map((c) => [
    shortSha(c.sha),
    shortTime(c.time),
    percent(c.change),
    c.share === null ? '' : `${(c.share * 100).toFixed(0)} %`,
  ]);
  return [
    head,
    'largest contributors:',
    ...table([['commit', 'date (UTC)', 'change', 'share'], ...rows]).map((l) => `  ${l}`),
  ].join('\n');
}

// ---- export ----

export async function historyExportCommand(args: ParsedArgs, cli: CliContext): Promise<number> {
  const format = stringFlag(args, 'format') ?? 'csv';
  if (format !== 'csv' && format !== 'bmf') throw invalidValue('--format', format, "'csv' or 'bmf'");
  const metric = stringFlag(args, 'metric');
  const since = stringFlag(args, 'since');
  const sha = stringFlag(args, 'sha');
  if (format === 'bmf' && since !== undefined)
    throw invalidValue('--since', since, 'nothing with --format bmf, which exports one run (choose it with --sha)');
  if (format === 'csv' && sha !== undefined)
    throw invalidValue('--sha', sha, 'nothing with --format csv, which exports every run (narrow it with --since)');
  if (sha !== undefined && !/^[0-9a-f]{4,40}$/i.test(sha))
    throw invalidValue('--sha', sha, 'a commit SHA or its prefix (4 to 40 hex digits)');
  const sinceAt = since === undefined ? undefined : sinceDate(since, 'a date (2026-11-01) or an ISO time in UTC');
  let records = await readRecords(args, cli, storeFrom(args, cli), { since: sinceAt });
  if (metric !== undefined) {
    checkMetricRecorded(records, metric);
    records = records.map((r) => ({ ...r, metrics: r.metrics.filter((m) => m.name === metric) }));
  }
  if (format === 'csv') {
    cli.stdout(historyCsv(records));
    return ExitCode.ok;
  }
  const matching = sha === undefined ? records : records.filter((r) => r.sha.startsWith(sha.toLowerCase()));
  const commits = new Set(matching.map((r) => r.sha));
  if (sha !== undefined && commits.size > 1)
    throw invalidValue(
      '--sha',
      sha,
      `a prefix of one commit; it matches ${commits.size} recorded commits (give more digits)`,
    );
  const run = matching.at(-1);
  if (!run)
    throw invalidValue(
      '--sha',
      sha ?? '(latest)',
      records.length === 0 ? 'a history with a recorded run' : 'the commit of a recorded run',
    );
  printJson(cli, runAsBmf(run));
  return ExitCode.ok;
}
