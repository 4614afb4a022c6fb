/**
 * The one place perf-gate runs the `docker` binary. Every other module calls this class.
 *
 * Shape taken from docker/actions-toolkit (src/docker/docker.ts): argv arrays only (never a shell
 * string), a non-zero exit becomes an error carrying stderr, and listing commands use
 * `--format '{{json .}}'`, which prints one JSON object per line.
 *
 * Secrets: environment values never appear in argv. `docker run -e NAME` (no `=VALUE`) makes the
 * client copy NAME from its own environment (docs.docker.com, "docker container run", --env), so
 * the values travel in the child's environment, not on the command line, in `ps` or in our errors.
 */
import { spawn } from 'node:child_process';
import { InfrastructureError } from '../errors.js';
import { SecretMasker } from '../log.js';

export interface DockerExecResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

export interface DockerExecOptions {
  /** Extra variables for the docker client's own environment (used with `-e NAME`). */
  env?: Record<string, string>;
  /** Return the result instead of throwing on a non-zero exit. */
  allowFailure?: boolean;
  timeoutMs?: number;
}

/** How to run one container; turned into argv by `dockerRunArgs`. */
export interface DockerRunSpec {
  image: string;
  name: string;
  labels: Record<string, string>;
  /** Values are passed through the client's environment, never in argv. */
  env: Record<string, string>;
  envFile?: string;
  network: 'host' | 'bridge';
  /** Bridge network only: publish `containerPort` on `hostIp:hostPort`. */
  publish?: { hostIp: string; hostPort: number; containerPort: number };
  cpus?: string;
  memory?: string;
  cpusetCpus?: string;
  /** Extra `docker run` arguments, placed before the image name. */
  extraArgs?: readonly string[];
  /** Arguments after the image name (the container's CMD). */
  command?: readonly string[];
}

/** The subset of `docker inspect <container>` perf-gate reads. */
export interface ContainerInspect {
  Id: string;
  Name: string;
  Created: string;
  State: {
    Status: string;
    Running: boolean;
    ExitCode: number;
    Error: string;
    OOMKilled: boolean;
    StartedAt: string;
    FinishedAt: string;
  };
  Config: { Image: string; Labels: Record<string, string> | null };
  Image: string;
}

/** The subset of `docker image inspect` perf-gate reads. */
export interface ImageInspect {
  Id: string;
  RepoTags: string[] | null;
  RepoDigests: string[] | null;
}

/** One line of `docker ps --format '{{json .}}'`. */
export interface ContainerSummary {
  ID: string;
  Names: string;
  Image: string;
  State: string;
  Status: string;
  Labels: string;
  CreatedAt: string;
}

export interface DockerVersion {
  client: string;
  server: string;
}

/** Parses output made of one JSON document per line (`--format '{{json .}}'`); blank lines are skipped. */
export function parseJsonLines<T>(text: string): T[] {
  const out: T[] = [];
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (trimmed === '') continue;
    out.push(JSON.parse(trimmed) as T);
  }
  return out;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Builds the argv of `docker run -d` for a spec. Pure: no value of `spec.env` appears in the result. */
export function dockerRunArgs(spec: DockerRunSpec): string[] {
  const args = ['run', '--detach', '--name', spec.name];
  for (const [key, value] of Object.entries(spec.labels)) args.push('--label', `${key}=${value}`);
  for (const name of Object.keys(spec.env)) {
    // A name with '=' would smuggle a value into argv; Docker would also misread it.
    if (!ENV_NAME.test(name))
      throw new InfrastructureError(
        `docker run: environment variable name ${JSON.stringify(name)} is not a valid name`,
      );
    args.push('--env', name);
  }
  if (spec.envFile) args.push('--env-file', spec.envFile);
  if (spec.network === 'host') args.push('--network', 'host');
  if (spec.publish)
    args.push('--publish', `${spec.publish.hostIp}:${spec.publish.hostPort}:${spec.publish.containerPort}`);
  if (spec.cpus) args.push('--cpus', spec.cpus);
  if (spec.memory) args.push('--memory', spec.memory);
  if (spec.cpusetCpus) args.push('--cpuset-cpus', spec.cpusetCpus);
  args.push(...(spec.extraArgs ?? []));
  args.push(spec.image, ...(spec.command ?? []));
  return args;
}

/** Renders argv for a message: arguments with spaces or quotes are JSON-quoted so the split is visible. */
export function formatCommand(binary: string, args: readonly string[]): string {
  return [binary, ...args].map((arg) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : JSON.stringify(arg))).join(' ');
}

export class DockerCli {
  private readonly binary: string;
  private readonly masker: SecretMasker;

  constructor(options: { binary?: string } = {}) {
    this.binary = options.binary ?? 'docker';
    this.masker = new SecretMasker();
  }

  /** Registers a value that must never appear in an error this class raises. */
  addSecret(value: string): void {
    this.masker.add(value);
  }

  /** Runs `docker <args>`; throws an InfrastructureError naming the command and its stderr on failure. */
  exec(args: readonly string[], options: DockerExecOptions = {}): Promise<DockerExecResult> {
    const env = options.env ? { ...process.env, ...options.env } : process.env;
    for (const value of Object.values(options.env ?? {})) this.masker.add(value);
    const command = formatCommand(this.binary, args);
    return new Promise((resolve, reject) => {
      const child = spawn(this.binary, [...args], {
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
        timeout: options.timeoutMs ?? 120_000,
      });
      const stdout: Buffer[] = [];
      const stderr: Buffer[] = [];
      child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
      child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
      child.once('error', (error) => {
        reject(
          new InfrastructureError(this.masker.mask(`${command} could not run: ${error.message}`), { cause: error }),
        );
      });
      child.once('close', (code, signal) => {
        const result = {
          stdout: Buffer.concat(stdout).toString('utf8'),
          stderr: Buffer.concat(stderr).toString('utf8'),
          exitCode: code ?? -1,
        };
        if (result.exitCode === 0 || options.allowFailure) return resolve(result);
        const why = signal ? `was killed by ${signal}` : `failed (exit ${result.exitCode})`;
        const detail = result.stderr.trim() || result.stdout.trim() || 'no output';
        reject(new InfrastructureError(this.masker.mask(`${command} ${why}: ${detail}`)));
      });
    });
  }

  async version(): Promise<DockerVersion> {
    const { stdout } = await this.exec(['version', '--format', '{{json .}}']);
    const parsed = JSON.parse(stdout) as { Client?: { Version?: string }; Server?: { Version?: string } | null };
    return { client: parsed.Client?.Version ?? 'unknown', server: parsed.Server?.Version ?? 'unknown' };
  }

  /** Starts a detached container and returns its full id. */
  async run(spec: DockerRunSpec): Promise<string> {
    const { stdout } = await this.exec(dockerRunArgs(spec), { env: spec.env });
    return stdout.trim().split('\n').pop() ?? '';
  }

  /** Inspects containers; a missing container yields no entry rather than an error. */
  async inspectContainers(ids: readonly string[]): Promise<ContainerInspect[]> {
    if (ids.length === 0) return [];
    const result = await this.exec(['container', 'inspect', ...ids], { allowFailure: true });
    // With several ids docker prints the ones it found and exits 1 for the rest.
    const text = result.stdout.trim();
    if (result.exitCode !== 0 && !/no such (container|object)/i.test(result.stderr)) {
      throw new InfrastructureError(
        this.masker.mask(
          `${formatCommand(this.binary, ['container', 'inspect', ...ids])} failed: ${result.stderr.trim()}`,
        ),
      );
    }
    return text.startsWith('[') ? (JSON.parse(text) as ContainerInspect[]) : [];
  }

  async inspectContainer(id: string): Promise<ContainerInspect | undefined> {
    return (await this.inspectContainers([id]))[0];
  }

  async inspectImage(reference: string): Promise<ImageInspect> {
    const { stdout } = await this.exec(['image', 'inspect', reference]);
    const parsed = JSON.parse(stdout) as ImageInspect[];
    if (!parsed[0]) throw new InfrastructureError(`docker image inspect ${reference}: no image returned`);
    return parsed[0];
  }

  /**
   * The container's output, stdout and stderr interleaved in arrival order (docker replays them on
   * its own stdout and stderr; the order between the two streams is approximate).
   */
  logs(id: string, options: { tail?: number } = {}): Promise<string> {
    const args = ['logs', ...(options.tail !== undefined ? ['--tail', String(options.tail)] : []), id];
    return new Promise((resolve, reject) => {
      const child = spawn(this.binary, args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
      const chunks: Buffer[] = [];
      child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
      child.stderr.on('data', (chunk: Buffer) => chunks.push(chunk));
      child.once('error', (error) =>
        reject(new InfrastructureError(`${formatCommand(this.binary, args)} could not run: ${error.message}`)),
      );
      child.once('close', (code) => {
        const text = Buffer.concat(chunks).toString('utf8');
        if (code === 0) resolve(text);
        else
          reject(
            new InfrastructureError(
              this.masker.mask(`${formatCommand(this.binary, args)} failed (exit ${code}): ${text.trim()}`),
            ),
          );
      });
    });
  }

  /** Removes containers (running ones too: SIGKILL, per `docker rm --force`). Missing ones are ignored. */
  async rm(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    const result = await this.exec(['rm', '--force', '--volumes', ...ids], { allowFailure: true });
    if (result.exitCode === 0) return;
    const lines = result.stderr.split('\n').filter((line) => line.trim() !== '' && !/no such container/i.test(line));
    // Two cleanups at once (a signal handler and the run's own teardown, or the action's cleanup step):
    // the engine answers the second "removal of container X is already in progress". The container is
    // going; wait until it is gone rather than fail a cleanup that is succeeding.
    const inProgress = lines.filter((line) => /removal of container \S+ is already in progress/i.test(line));
    const unexpected = lines.filter((line) => !inProgress.includes(line));
    if (unexpected.length === 0 && inProgress.length > 0 && (await this.waitUntilGone(ids, 30_000))) return;
    if (lines.length > 0) {
      throw new InfrastructureError(
        this.masker.mask(
          `${formatCommand(this.binary, ['rm', '--force', '--volumes', ...ids])} failed: ${lines.join('\n')}`,
        ),
      );
    }
  }

  /** Polls until none of `ids` exists; false when some still do after `timeoutMs`. */
  private async waitUntilGone(ids: readonly string[], timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if ((await this.inspectContainers(ids)).length === 0) return true;
      if (Date.now() > deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  /** Containers (running or not) carrying every given label (`key=value`, or `key` for presence). */
  async psByLabel(labels: Record<string, string | true>): Promise<ContainerSummary[]> {
    const filters = Object.entries(labels).flatMap(([key, value]) => [
      '--filter',
      value === true ? `label=${key}` : `label=${key}=${value}`,
    ]);
    const { stdout } = await this.exec(['ps', '--all', '--no-trunc', ...filters, '--format', '{{json .}}']);
    return parseJsonLines<ContainerSummary>(stdout);
  }
}
