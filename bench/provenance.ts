/**
 * What produced a measurement, stored with every raw result under bench/results/ so that runs of
 * different code or machines are never pooled unknowingly: the commit (with "+modified" when the
 * measured code differs from it), the CPUs and the Node version.
 */
import { execFileSync } from 'node:child_process';
import { cpus, release } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The default home of a bench script's raw results. */
export const resultsDir = (name: string): string => resolve(packageRoot, 'bench/results', name);

export interface Provenance {
  /** HEAD of the checkout, "+modified" when src/, bench/ or the lockfile have uncommitted changes. */
  commit: string;
  cpus: number;
  cpuModel: string;
  node: string;
  os: string;
}

function measuredCommit(): string {
  const git = (...args: string[]) => execFileSync('git', args, { cwd: packageRoot, encoding: 'utf8' }).trim();
  try {
    return `${git('rev-parse', 'HEAD')}${git('status', '--porcelain', '--', 'src', 'bench', 'package-lock.json') === '' ? '' : '+modified'}`;
  } catch {
    return 'unknown (not a git checkout)';
  }
}

export function provenance(): Provenance {
  const cores = cpus();
  return {
    commit: measuredCommit(),
    cpus: cores.length,
    cpuModel: cores[0]?.model.trim() ?? 'unknown',
    node: process.version,
    os: `${process.platform} ${release()}`,
  };
}
