/**
 * The run history kept on a data branch of the repository itself (default `perf-gate-data`): one
 * JSON-lines file per month (`records/2026-12.jsonl`), one line per gate run, one commit per line.
 *
 * The job's checkout is never touched: no checkout, no switch, no write to its index or HEAD. Each
 * append is built with plumbing in the checkout's own object store (hash-object, a throwaway index
 * named by GIT_INDEX_FILE, write-tree, commit-tree) and pushed by commit id to the branch. Working in
 * the checkout's repository, rather than in a temporary clone, is what makes `git push origin` use
 * the credentials the checkout already has (actions/checkout keeps the token in the repository's own
 * config, `http.<url>.extraheader`): a clone would have to copy that token into a second place.
 * `read-tree --index-output` is not used because it still locks the checkout's real index while it runs.
 *
 * Concurrent jobs: the push is a plain fast-forward. When another job's append got there first the
 * push is refused as non-fast-forward (or the server loses the race on its ref lock); the append is
 * then rebuilt on the new tip and pushed again, after a jittered wait, a bounded number of times.
 * Any other refusal (a protected branch, a hook, missing permission) is final and reported at once.
 *
 * The branch is fetched without naming a local ref (`--refmap=` and no destination), so the fetch
 * adds objects only: no ref for two processes in one checkout to contend for, and no FETCH_HEAD. The
 * one ref that moves is the remote-tracking `refs/remotes/<remote>/<branch>`, which git itself updates
 * after a successful push, as it does for every push.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InfrastructureError, InputError, invalidValue } from '../errors.js';
import type { Logger } from '../log.js';
import type { GitCli, GitResult } from './git-cli.js';
import { checkedQuery, type HistoryStore, parseMonthFile, type ReadQuery, selectRecords } from './month-files.js';
import { type HistoryRecord, historyRecordProblem, MONTH_FILE, monthFileOf } from './record.js';

export const DEFAULT_DATA_BRANCH = 'perf-gate-data';

export interface RetryPolicy {
  /** Pushes tried in all, the first included. */
  maxAttempts: number;
  /** The wait before the second attempt is drawn from [0, baseMs); each later one doubles, up to capMs. */
  baseMs: number;
  capMs: number;
}

/** Ten attempts with waits drawn up to 0.2, 0.4, ... 5 s: under 30 s in the worst case. */
export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 10, baseMs: 200, capMs: 5_000 };

export interface GitBranchStoreOptions {
  git: GitCli;
  log: Logger;
  /** The remote of the checkout to push to. */
  remote?: string;
  /** The data branch. */
  branch?: string;
  retry?: Partial<RetryPolicy>;
  /** Who the data commits are by: CI runners usually have no user.name configured. */
  identity?: { name: string; email: string };
  /** Injected for tests: the wait between attempts and its randomness. */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

export interface AppendOutcome {
  commit: string;
  file: string;
  attempts: number;
}

/** What a push's status said: done, lost a race with another append (try again), or refused for good. */
export type PushOutcome = { kind: 'pushed' } | { kind: 'moved'; reason: string } | { kind: 'refused'; reason: string };

/**
 * Reasons the remote gives when the branch moved under the push. `[rejected]` ones come from the
 * client's own fast-forward check; `[remote rejected]` ones from the server losing the race for the
 * ref lock to a push that arrived at the same moment (receive-pack's ref transaction).
 */
const RACE_REASONS =
  /fetch first|non-fast-forward|stale info|cannot lock ref|failed to lock|failed to update ref|incorrect old value|but expected|reference already exists/i;

/**
 * Reads `git push --porcelain` for the one ref pushed. A status line is `<flag>\t<from>:<to>\t<summary>`;
 * flag `!` is a refusal, with the reason in parentheses ("[rejected] (fetch first)"). Pure.
 */
export function classifyPush(result: Pick<GitResult, 'stdout' | 'stderr' | 'exitCode'>, ref: string): PushOutcome {
  const status = result.stdout.split('\n').find((line) => line.split('\t')[1]?.endsWith(`:${ref}`));
  const [flag, , summary = ''] = status?.split('\t') ?? [];
  if (result.exitCode === 0 && flag !== undefined && flag !== '!') return { kind: 'pushed' };
  const remoteSaid = result.stderr
    .split('\n')
    .filter((line) => /^(remote:|error:|fatal:)/.test(line.trim()))
    .join('\n')
    .trim();
  const reason =
    [summary.trim(), remoteSaid].filter((part) => part !== '').join('\n') ||
    `git push exited ${result.exitCode} with no status for ${ref}`;
  if (flag === '!' && RACE_REASONS.test(summary)) return { kind: 'moved', reason: summary.trim() };
  return { kind: 'refused', reason };
}

/** "Full jitter" backoff: a wait drawn uniformly from [0, min(cap, base·2^(attempt−1))). Pure given `random`. */
export function backoffDelay(
  attempt: number,
  policy: Pick<RetryPolicy, 'baseMs' | 'capMs'>,
  random: () => number,
): number {
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(random() * ceiling);
}

/** A name git accepts for a branch, and one that cannot be read as an option. */
export const BRANCH_NAME = /^(?!-)(?!.*\.\.)(?!.*\/\/)(?!.*\.lock$)(?!.*\/$)[A-Za-z0-9._/-]+$/;

export class GitBranchStore implements HistoryStore {
  readonly remote: string;
  readonly branch: string;
  private readonly git: GitCli;
  private readonly log: Logger;
  private readonly retry: RetryPolicy;
  private readonly identity: { name: string; email: string };
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;

  constructor(options: GitBranchStoreOptions) {
    this.git = options.git;
    this.log = options.log;
    this.remote = options.remote ?? 'origin';
    this.branch = options.branch ?? DEFAULT_DATA_BRANCH;
    if (!BRANCH_NAME.test(this.branch))
      throw invalidValue(
        'history branch',
        this.branch,
        'a branch name (letters, digits, ".", "_", "-", "/"; not starting with "-")',
      );
    if (this.remote === '' || this.remote.startsWith('-'))
      throw invalidValue('history remote', this.remote, 'a remote name or URL');
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    if (!Number.isInteger(this.retry.maxAttempts) || this.retry.maxAttempts < 1)
      throw invalidValue('history retry.maxAttempts', this.retry.maxAttempts, 'a whole number ≥ 1');
    this.identity = options.identity ?? { name: 'perf-gate', email: 'perf-gate@users.noreply.github.com' };
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.random = options.random ?? Math.random;
  }

  private get ref(): string {
    return `refs/heads/${this.branch}`;
  }

  get description(): string {
    return `branch ${this.branch} on ${this.git.mask(this.remote)}`;
  }

  /** Appends one record to its month file on the data branch; creates the branch on the first append. */
  async append(record: HistoryRecord): Promise<AppendOutcome> {
    const problem = historyRecordProblem(record);
    if (problem) throw new InputError(`history record: ${problem.message}`);
    const line = JSON.stringify(record);
    const file = monthFileOf(record.time);
    for (let attempt = 1; ; attempt += 1) {
      const tip = await this.fetchTip();
      const existing = tip ? await this.fileAt(tip, file) : Buffer.alloc(0);
      // A push that reached the remote but whose answer was lost is not appended a second time.
      if (tip && existing.toString('utf8').split('\n').includes(line)) {
        this.log.info(`history: run ${record.runId} is already in ${file} on ${this.branch}`);
        return { commit: tip, file, attempts: attempt };
      }
      const commit = await this.commitAppend(tip, file, existing, line, record);
      const outcome = classifyPush(await this.push(commit), this.ref);
      if (outcome.kind === 'pushed') {
        this.log.info(
          `history: run ${record.runId} appended to ${file} on ${this.branch} (${commit.slice(0, 12)}${attempt > 1 ? `, attempt ${attempt}` : ''})`,
        );
        return { commit, file, attempts: attempt };
      }
      if (outcome.kind === 'refused') {
        throw new InfrastructureError(
          this.git.mask(`history: ${this.remote} refused the push to ${this.branch}: ${outcome.reason}`),
        );
      }
      if (attempt >= this.retry.maxAttempts) {
        throw new InfrastructureError(
          `history: ${this.branch} on ${this.remote} kept moving: the append lost the race ${attempt} times (last: ${outcome.reason}); other jobs are appending faster than this one can, try again later`,
        );
      }
      const wait = backoffDelay(attempt, this.retry, this.random);
      this.log.info(
        `history: ${this.branch} moved while appending (${outcome.reason}); rebuilding on its new tip in ${wait} ms (attempt ${attempt + 1} of ${this.retry.maxAttempts})`,
      );
      await this.sleep(wait);
    }
  }

  /** Records from the data branch, oldest first; a line that is not a sound record is skipped with a warning. */
  async read(query: ReadQuery = {}): Promise<HistoryRecord[]> {
    const { sinceMonth } = checkedQuery(query);
    const tip = await this.fetchTip();
    if (!tip) return [];
    const files = (await this.monthFiles(tip)).filter((file) => !sinceMonth || file.month >= sinceMonth);
    const records: HistoryRecord[] = [];
    for (const { path } of files)
      records.push(
        ...parseMonthFile((await this.fileAt(tip, path)).toString('utf8'), `${this.branch}:${path}`, this.log),
      );
    return selectRecords(records, query);
  }

  /** The data branch's tip on the remote, its objects fetched; null when the branch does not exist yet. */
  private async fetchTip(): Promise<string | null> {
    const listed = await this.git.exec(['ls-remote', '--exit-code', '--refs', this.remote, this.ref], {
      allowFailure: true,
    });
    // --exit-code: 2 means the remote answered and has no such ref.
    if (listed.exitCode === 2) return null;
    if (listed.exitCode !== 0)
      throw new InfrastructureError(
        this.git.mask(
          `history: git ls-remote ${this.remote} ${this.ref} failed (exit ${listed.exitCode}): ${listed.stderr.trim()}`,
        ),
      );
    const tip = listed.stdout
      .split('\n')
      .find((line) => line.endsWith(`\t${this.ref}`))
      ?.split('\t')[0];
    if (!tip)
      throw new InfrastructureError(
        `history: git ls-remote ${this.remote} ${this.ref} printed no commit for the branch`,
      );
    if (await this.hasCommit(tip)) return tip;
    // No destination and an empty refmap: objects only, no ref (and no FETCH_HEAD) written in the checkout.
    await this.git.exec([
      'fetch',
      '--quiet',
      '--no-tags',
      '--no-write-fetch-head',
      '--no-recurse-submodules',
      '--no-auto-gc',
      '--refmap=',
      this.remote,
      this.ref,
    ]);
    // The fetch brought the branch's tip as it is now; it holds `tip` unless the branch was rewritten meanwhile.
    if (await this.hasCommit(tip)) return tip;
    throw new InfrastructureError(
      `history: ${this.branch} on ${this.remote} was rewritten while it was fetched (commit ${tip} is gone); it must only ever move forward`,
    );
  }

  private async hasCommit(sha: string): Promise<boolean> {
    return (await this.git.exec(['cat-file', '-e', `${sha}^{commit}`], { allowFailure: true })).exitCode === 0;
  }

  /** The month files on the branch, by month. */
  private async monthFiles(tip: string): Promise<{ path: string; month: string }[]> {
    const listing = await this.git.output(['ls-tree', '-z', '--full-tree', '--name-only', tip, 'records/']);
    return listing
      .split('\0')
      .map((path) => ({ path, month: MONTH_FILE.exec(path)?.[1] }))
      .filter((file): file is { path: string; month: string } => file.month !== undefined)
      .sort((a, b) => a.month.localeCompare(b.month));
  }

  /** A file's bytes at a commit; empty when the commit has no such file. One git call either way. */
  private async fileAt(commit: string, path: string): Promise<Buffer> {
    // `cat-file --batch` answers "<name> missing" for a path the commit lacks, else "<sha> <type> <size>" and the bytes.
    const { stdoutBytes } = await this.git.exec(['cat-file', '--batch'], { input: `${commit}:${path}\n` });
    const headerEnd = stdoutBytes.indexOf(0x0a);
    const header = stdoutBytes.subarray(0, headerEnd).toString('utf8').split(' ');
    if (header.at(-1) === 'missing') return Buffer.alloc(0);
    const size = Number(header[2]);
    if (header[1] !== 'blob' || !Number.isInteger(size))
      throw new InfrastructureError(
        `history: ${this.branch}:${path} is not a file (git cat-file said ${JSON.stringify(header.join(' '))})`,
      );
    return stdoutBytes.subarray(headerEnd + 1, headerEnd + 1 + size);
  }

  /** A commit on `tip` (or an orphan commit) whose `file` is `existing` plus `line`, built in a throwaway index. */
  private async commitAppend(
    tip: string | null,
    file: string,
    existing: Buffer,
    line: string,
    record: HistoryRecord,
  ): Promise<string> {
    // A file edited by hand may have lost its final newline: the new record still starts a line of its own.
    const separator = existing.length > 0 && existing[existing.length - 1] !== 0x0a ? '\n' : '';
    const content = Buffer.concat([existing, Buffer.from(`${separator}${line}\n`, 'utf8')]);
    const dir = await mkdtemp(join(tmpdir(), 'perf-gate-history-'));
    const env = { GIT_INDEX_FILE: join(dir, 'index') };
    try {
      const blob = (await this.git.output(['hash-object', '-w', '--no-filters', '--stdin'], { input: content })).trim();
      if (tip) await this.git.exec(['read-tree', tip], { env });
      await this.git.exec(['update-index', '--add', '--cacheinfo', `100644,${blob},${file}`], { env });
      const tree = (await this.git.output(['write-tree'], { env })).trim();
      const message = `Record run ${record.runId}: ${record.verdict} at ${record.repository}@${record.sha.slice(0, 12)} (${record.branch})`;
      const who = {
        GIT_AUTHOR_NAME: this.identity.name,
        GIT_AUTHOR_EMAIL: this.identity.email,
        GIT_COMMITTER_NAME: this.identity.name,
        GIT_COMMITTER_EMAIL: this.identity.email,
      };
      return (
        await this.git.output(['commit-tree', '--no-gpg-sign', ...(tip ? ['-p', tip] : []), '-m', message, tree], {
          env: who,
        })
      ).trim();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  /** Pushes the commit to the branch as a fast-forward (never forced); the outcome is read by `classifyPush`. */
  private push(commit: string): Promise<GitResult> {
    // --no-verify: the checkout's own pre-push hooks guard its code branches, not this data.
    return this.git.exec(
      [
        'push',
        '--porcelain',
        '--no-verify',
        '--no-signed',
        '--no-recurse-submodules',
        this.remote,
        `${commit}:${this.ref}`,
      ],
      { allowFailure: true },
    );
  }
}
