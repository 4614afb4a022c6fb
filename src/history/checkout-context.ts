/**
 * Where a run was measured, for its history record: the repository, branch, commit and run link. The
 * GitHub run context says it when there is one; otherwise the checkout does (`git rev-parse HEAD`,
 * its current branch, the name in its origin's URL).
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { invalidValue } from '../errors.js';
import type { RunContext } from '../github/event-context.js';
import type { Logger } from '../log.js';
import type { GitCli } from './git-cli.js';
import { configHash, type RecordContext } from './record.js';

/** "owner/name" from a remote URL (https://host/owner/name.git, git@host:owner/name.git); null when it has no such path. */
export function repositoryFromRemoteUrl(url: string): string | null {
  const match = /[/:]([^/:\s]+)\/([^/\s]+?)(?:\.git)?\/?$/.exec(url.trim());
  return match ? `${match[1]}/${match[2]}` : null;
}

export async function repositoryFromCheckout(git: GitCli): Promise<string> {
  const remote = await git.exec(['remote', 'get-url', 'origin'], { allowFailure: true });
  const fromUrl = remote.exitCode === 0 ? repositoryFromRemoteUrl(remote.stdout) : null;
  if (fromUrl) return fromUrl;
  // A checkout without a named origin (a local path): the folder's name is the best name there is.
  return basename((await git.output(['rev-parse', '--show-toplevel'])).trim());
}

/**
 * The configuration's hash: of the file the run read (results.json names it) when the checkout has it,
 * else of that name ("embedded default"), so runs with the same settings still form one series.
 */
function configHashOf(configName: string, repoDir: string): string {
  const path = resolve(repoDir, configName);
  if (configName !== '' && existsSync(path)) {
    try {
      return configHash(readFileSync(path, 'utf8'));
    } catch {
      // A folder or an unreadable file: fall back to the name.
    }
  }
  return configHash(configName);
}

export async function checkoutContext(options: {
  git: GitCli;
  run: RunContext | undefined;
  refName?: string;
  configName: string;
  log: Logger;
}): Promise<RecordContext> {
  const { git, run, log } = options;
  const repository = run ? `${run.owner}/${run.repo}` : await repositoryFromCheckout(git);
  const sha = run?.sha ?? (await git.output(['rev-parse', 'HEAD'])).trim();
  if (!/^[0-9a-f]{7,64}$/.test(sha)) throw invalidValue('GITHUB_SHA', sha, 'a commit SHA (hex)');
  // A pull request's head branch; for a push, the branch pushed to (GITHUB_REF_NAME).
  let branch = run?.headBranch ?? (run ? options.refName : undefined);
  if (!branch) {
    const symbolic = await git.exec(['symbolic-ref', '--quiet', '--short', 'HEAD'], { allowFailure: true });
    branch = symbolic.exitCode === 0 ? symbolic.stdout.trim() : undefined;
  }
  if (!branch) {
    log.warning(
      `history: the checkout's HEAD is detached and no branch was given; the run is recorded on branch 'HEAD'`,
    );
    branch = 'HEAD';
  }
  return {
    repository,
    branch,
    sha,
    runUrl: run?.runUrl ?? null,
    configHash: configHashOf(options.configName, git.cwd),
  };
}
