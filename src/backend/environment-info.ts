/**
 * What the report says about where the numbers came from: the exact builds compared, the
 * configuration that differs between them, and the machine. The diff and masking are pure; the
 * collector reads the machine and Docker.
 */
import { arch, cpus, type as osType, release } from 'node:os';
import { errorMessage } from '../errors.js';
import { isSecretName } from '../log.js';
import type { BackendSpec, RunningBackend, Variant } from './backend-spec.js';
import type { DockerCli } from './docker-cli.js';

export const MASK = '***';

/** Names whose values must never be printed (DB_PASS, API_TOKEN, DATABASE_URL...): one rule with the loggers. */
export { isSecretName };

/** Masks a value when its name looks secret, or when it is a URL with a password in it. */
export function maskValue(name: string, value: string): string {
  if (isSecretName(name)) return MASK;
  try {
    const url = new URL(value);
    if (url.password) {
      url.password = MASK;
      return url.toString();
    }
  } catch {
    // not a URL: nothing embedded to hide
  }
  return value;
}

export interface EnvDifference {
  name: string;
  /** undefined: not set for that variant. Masked when secret. */
  baseline?: string;
  candidate?: string;
  /** True when the values were masked (the diff still tells that they differ). */
  masked: boolean;
}

/** Variables set differently (or only on one side) for baseline and candidate, sorted by name. */
export function diffEnvironments(baseline: Record<string, string>, candidate: Record<string, string>): EnvDifference[] {
  const names = [...new Set([...Object.keys(baseline), ...Object.keys(candidate)])].sort();
  const out: EnvDifference[] = [];
  for (const name of names) {
    const b = baseline[name];
    const c = candidate[name];
    if (b === c) continue;
    const mb = b === undefined ? undefined : maskValue(name, b);
    const mc = c === undefined ? undefined : maskValue(name, c);
    out.push({ name, baseline: mb, candidate: mc, masked: mb !== b || mc !== c });
  }
  return out;
}

export interface EnvironmentInfo {
  backends: Record<Variant, { kind: string; description: string }>;
  envDifferences: EnvDifference[];
  cpuModel: string;
  cpuCount: number;
  dockerVersion?: string;
  nodeVersion: string;
  os: string;
}

function specEnv(spec: BackendSpec): Record<string, string> {
  return spec.kind === 'url' ? {} : (spec.env ?? {});
}

/** Reads the machine (and Docker, when a DockerCli is given) for the report. */
export async function collectEnvironmentInfo(input: {
  specs: Record<Variant, BackendSpec>;
  backends: Record<Variant, RunningBackend>;
  docker?: DockerCli;
}): Promise<EnvironmentInfo> {
  const cpuList = cpus();
  let dockerVersion: string | undefined;
  if (input.docker) {
    dockerVersion = await input.docker.version().then(
      (v) => `client ${v.client}, engine ${v.server}`,
      (error: unknown) => `unavailable (${errorMessage(error)})`,
    );
  }
  return {
    backends: {
      baseline: { kind: input.backends.baseline.kind, description: input.backends.baseline.description },
      candidate: { kind: input.backends.candidate.kind, description: input.backends.candidate.description },
    },
    envDifferences: diffEnvironments(specEnv(input.specs.baseline), specEnv(input.specs.candidate)),
    cpuModel: cpuList[0]?.model.trim() ?? 'unknown',
    cpuCount: cpuList.length,
    dockerVersion,
    nodeVersion: process.version,
    os: `${osType()} ${release()} ${arch()}`,
  };
}
