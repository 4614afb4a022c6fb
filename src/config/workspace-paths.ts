/**
 * Files a config names stay inside the workspace. A config checked out with the code under test (a
 * pull request's, a fork's) is untrusted: `load.workload.file: ../../../../etc/passwd` must not make
 * perf-gate read, run against or quote a file elsewhere on the runner. The rule is the one that
 * decides whether the config file itself is in the workspace (src/github/annotations.ts), applied
 * after following symlinks, so a symlink in the repository that points out is refused too.
 */
import { existsSync, realpathSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { invalidValue } from '../errors.js';
import type { PerfGateConfig } from './config.js';

/** The workspace: GITHUB_WORKSPACE on a runner, else the folder perf-gate was started in. */
export function workspaceRoot(env: NodeJS.ProcessEnv, cwd: string): string {
  return resolve(cwd, env.GITHUB_WORKSPACE || '.');
}

/**
 * `path` with every symlink resolved. A path that does not exist yet resolves its nearest existing
 * parent, so a missing file under a symlinked folder is judged by where that folder really is.
 */
export function realPath(path: string): string {
  const absolute = resolve(path);
  if (existsSync(absolute)) return realpathSync.native(absolute);
  const parent = dirname(absolute);
  return parent === absolute ? absolute : join(realPath(parent), basename(absolute));
}

/** True when `path` (resolved, symlinks followed) is `root` or lies below it. */
export function isInside(path: string, root: string): boolean {
  const inside = relative(realPath(root), realPath(path));
  return inside === '' || (!inside.startsWith('..') && !isAbsolute(inside));
}

/** The paths a config names, by config key: everything perf-gate reads, or runs in. */
function namedPaths(config: PerfGateConfig): { key: string; path: string }[] {
  const out: { key: string; path: string }[] = [];
  if (config.load.workload.file) out.push({ key: 'load.workload.file', path: config.load.workload.file });
  const migrations = config.database.migrations;
  if (migrations && migrations.kind !== 'alembic' && migrations.dir)
    out.push({ key: 'database.migrations.dir', path: migrations.dir });
  if (migrations?.kind === 'alembic') out.push({ key: 'database.migrations.alembic.config', path: migrations.iniFile });
  for (const variant of ['baseline', 'candidate'] as const) {
    const b = config.backend[variant];
    const key = `backend.${variant}`;
    if (b.kind === 'results') out.push({ key: `${key}.results`, path: b.results });
    if (b.kind === 'image' && b.envFile) out.push({ key: `${key}.envFile`, path: b.envFile });
    if (b.kind === 'command' && b.cwd) out.push({ key: `${key}.cwd`, path: b.cwd });
  }
  return out;
}

/**
 * Refuses a config file inside the workspace that names a path outside it. A config file that itself
 * lies outside the workspace (or the embedded default) was chosen by whoever runs perf-gate, not by
 * the checked-out code, and is read as written. The message names the key and the path, never what
 * the file holds.
 *
 * `report.dir` counts too when the config chose it (`reportDir`): perf-gate writes the reports there
 * and cleanup rewrites the backend-*.log files in it in place. It is resolved against the folder
 * perf-gate was started in, and may lie inside the workspace or inside that folder. A --report-dir
 * flag (or PERF_GATE_REPORT_DIR, the action's report-dir input) is the choice of whoever runs
 * perf-gate, like a config outside the workspace, and is not confined: pass undefined then.
 */
export function confineConfigPaths(
  config: PerfGateConfig,
  configPath: string | undefined,
  workspace: string,
  reportDir?: { path: string; cwd: string },
): void {
  if (!configPath || !isInside(configPath, workspace)) return;
  for (const { key, path } of namedPaths(config)) {
    const full = resolve(config.baseDir, path);
    if (!isInside(full, workspace)) {
      throw invalidValue(
        `config key '${key}'`,
        path,
        `a path inside the workspace ${workspace} (symlinks followed; the config file is in the workspace, so the files it names must be too)`,
      );
    }
  }
  if (reportDir) {
    const full = resolve(reportDir.cwd, reportDir.path);
    if (!isInside(full, workspace) && !isInside(full, reportDir.cwd)) {
      throw invalidValue(
        "config key 'report.dir'",
        reportDir.path,
        `a folder inside the workspace ${workspace} or the current folder (symlinks followed; the config file is in the workspace, so the folder it writes into must be too), or a --report-dir flag`,
      );
    }
  }
}
