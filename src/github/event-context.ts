/**
 * What the workflow run is about, read from the runner's environment (passed in by the CLI, which
 * reads it once) and the event payload at GITHUB_EVENT_PATH: the repository, the pull request (for pull_request, pull_request_target and
 * workflow_run events), the commit the Check belongs to, and links for the report.
 */
import { readFileSync } from 'node:fs';

export interface RunContext {
  owner: string;
  repo: string;
  eventName: string;
  /** The pull request to comment on, when there is one. */
  pullRequest?: { number: number; headSha: string; fromFork: boolean };
  /** The commit a Check run is attached to. */
  sha?: string;
  /**
   * The branch the measured commit came from and the repository that holds it (a fork's, for a
   * fork's pull request). For workflow_run after a fork's PR, GitHub leaves pull_requests empty,
   * so these are what the PR is looked up by (comment-and-check.ts, findPullRequestForRun).
   */
  headBranch?: string;
  headRepository?: RepositoryName;
  workflow?: string;
  job?: string;
  runUrl?: string;
}

export interface RepositoryName {
  owner: string;
  repo: string;
}

const sameName = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/**
 * The one rule for "from a fork": the repository that holds the measured commit is not the base
 * repository (owner and name compared case-insensitively, as GitHub does). A head repository that
 * is missing counts as a fork: GitHub sends null once a fork is deleted after its PR was opened, and
 * nothing then shows the commit is the base repository's, so what it produced is untrusted.
 */
export function isForkRepository(head: RepositoryName | null | undefined, base: RepositoryName): boolean {
  return !head || !sameName(head.owner, base.owner) || !sameName(head.repo, base.repo);
}

/**
 * Whether the run is about a fork's commit: its pull request is a fork's, or (workflow_run, where
 * GitHub often names no PR) the measured commit's head repository is a fork by isForkRepository.
 * Other events (push, schedule) measure the repository's own commits.
 */
export function runIsFromFork(context: RunContext): boolean {
  if (context.pullRequest) return context.pullRequest.fromFork;
  return context.eventName === 'workflow_run' && isForkRepository(context.headRepository, context);
}

interface RepositoryPayload {
  id?: number;
  full_name?: string;
  name?: string;
  owner?: { login?: string } | null;
}

/** An entry of workflow_run.pull_requests: a minimal PR, its repositories by id only. */
interface RunPullRequestPayload {
  number: number;
  head?: { ref?: string; sha?: string; repo?: { id?: number } | null } | null;
  base?: { repo?: { id?: number } | null } | null;
}

interface PullRequestPayload {
  number: number;
  head: { sha: string; ref?: string; repo?: RepositoryPayload | null };
  base: { repo?: RepositoryPayload | null };
}

export function readRunContext(env: NodeJS.ProcessEnv): RunContext | undefined {
  const repository = env.GITHUB_REPOSITORY;
  if (!repository?.includes('/')) return undefined;
  const [owner, repo] = repository.split('/') as [string, string];
  let payload: Record<string, unknown> = {};
  if (env.GITHUB_EVENT_PATH) {
    try {
      payload = JSON.parse(readFileSync(env.GITHUB_EVENT_PATH, 'utf8')) as Record<string, unknown>;
    } catch {
      payload = {};
    }
  }
  const eventName = env.GITHUB_EVENT_NAME ?? '';
  const context: RunContext = {
    owner,
    repo,
    eventName,
    sha: env.GITHUB_SHA,
    workflow: env.GITHUB_WORKFLOW,
    job: env.GITHUB_JOB,
  };
  if (env.GITHUB_SERVER_URL && env.GITHUB_RUN_ID)
    context.runUrl = `${env.GITHUB_SERVER_URL}/${repository}/actions/runs/${env.GITHUB_RUN_ID}`;

  const pr = payload.pull_request as PullRequestPayload | undefined;
  if (pr && typeof pr.number === 'number') {
    // head.repo is null when the fork was deleted after the PR was opened: still a fork's PR.
    const base = repositoryName(pr.base.repo) ?? { owner, repo };
    context.pullRequest = {
      number: pr.number,
      headSha: pr.head.sha,
      fromFork: isForkRepository(repositoryName(pr.head.repo), base),
    };
    context.sha = pr.head.sha;
    if (typeof pr.head.ref === 'string') context.headBranch = pr.head.ref;
    const head = repositoryName(pr.head.repo);
    if (head) context.headRepository = head;
  }
  // workflow_run: the second half of the fork-safe pattern comments on the PR that triggered the run.
  const run = payload.workflow_run as
    | {
        head_sha?: string;
        head_branch?: string;
        pull_requests?: RunPullRequestPayload[];
        head_repository?: RepositoryPayload | null;
        repository?: RepositoryPayload | null;
      }
    | undefined;
  // For workflow_run, GITHUB_SHA is the default branch's head, not the commit that was measured
  // (docs.github.com, "Events that trigger workflows": workflow_run), so the Check goes on head_sha.
  if (!context.pullRequest && run?.head_sha) {
    context.sha = run.head_sha;
    if (typeof run.head_branch === 'string') context.headBranch = run.head_branch;
    const head = repositoryName(run.head_repository);
    if (head) context.headRepository = head;
  }
  // pull_requests is empty when the PR comes from a fork (actions/runner#3444, github/docs#22501).
  const runPr = run?.head_sha ? run.pull_requests?.find((pr) => isPullRequestOfRun(pr, run)) : undefined;
  if (!context.pullRequest && runPr && run?.head_sha) {
    const base = repositoryName(run.repository) ?? { owner, repo };
    context.pullRequest = {
      number: runPr.number,
      headSha: run.head_sha,
      fromFork: isForkRepository(repositoryName(run.head_repository), base),
    };
  }
  return context;
}

/** owner/name of a repository object in an event payload: from owner.login and name, else full_name. */
function repositoryName(repo: RepositoryPayload | null | undefined): RepositoryName | undefined {
  if (!repo) return undefined;
  if (repo.owner?.login && repo.name) return { owner: repo.owner.login, repo: repo.name };
  const [owner, name] = (repo.full_name ?? '').split('/');
  return owner && name ? { owner, repo: name } : undefined;
}

/**
 * Whether an entry of workflow_run.pull_requests is the PR whose head was measured: the same commit,
 * branch and head repository, into this repository. GitHub matches these entries by branch, so a
 * same-named branch elsewhere can bring in a PR the run is not about; the measured commit alone is
 * not enough either (a fork's PR can be built on a maintainer's commit).
 */
function isPullRequestOfRun(
  pr: RunPullRequestPayload,
  run: {
    head_sha?: string;
    head_branch?: string;
    head_repository?: RepositoryPayload | null;
    repository?: RepositoryPayload | null;
  },
): boolean {
  if (typeof pr?.number !== 'number' || pr.head?.sha !== run.head_sha) return false;
  if (run.head_branch !== undefined && pr.head?.ref !== run.head_branch) return false;
  const headId = run.head_repository?.id;
  const baseId = run.repository?.id;
  if (headId !== undefined && pr.head?.repo?.id !== headId) return false;
  return baseId === undefined || pr.base?.repo?.id === baseId;
}
