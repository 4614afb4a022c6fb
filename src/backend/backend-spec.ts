/**
 * What the user asks for per variant (how to get a backend) and what the stage hands on (a running
 * backend the load and metrics stages can talk to). The config stage builds `BackendSpec`s; this
 * module validates the parts only the backend stage can judge (ports that would collide, paths).
 */
import { invalidValue } from '../errors.js';
import type { Variant } from '../model/round-record.js';

export type { Variant };
export const VARIANTS: readonly Variant[] = ['baseline', 'candidate'];

interface Probes {
  /** Path answered with 2xx once the backend is ready; default '/health'. */
  healthPath?: string;
  /** Prometheus exposition path; default '/metrics'. */
  metricsPath?: string;
}

/** A Docker container started from an image. */
export interface ImageBackendSpec extends Probes {
  kind: 'image';
  image: string;
  /** Port the server listens on inside the container. */
  port: number;
  /**
   * 'host' shares the host's network namespace: no NAT on the request path, but the port must be
   * free on the host and baseline and candidate must use different ports. 'bridge' (default) publishes
   * the port on 127.0.0.1 at a free host port, so both variants may use the same container port.
   */
  network?: DockerNetwork;
  /** Bridge only: fixed host port instead of a free one. */
  hostPort?: number;
  env?: Record<string, string>;
  /** Path of a `docker run --env-file` file on the host. */
  envFile?: string;
  /** Extra `docker run` arguments (an argv array, never parsed by a shell). */
  dockerArgs?: string[];
  /** `docker run --cpus`, e.g. "1.5". */
  cpus?: string;
  /** `docker run --memory`, e.g. "512m". */
  memory?: string;
  /** `docker run --cpuset-cpus`, e.g. "1" or "2-3" (config key `backend.cpuset`). */
  cpuset?: string;
  /** Arguments after the image (override the image's CMD). */
  command?: string[];
}

/** A local process: for machines without Docker and for the demo. */
export interface CommandBackendSpec extends Probes {
  kind: 'command';
  /** argv; argv[0] is looked up on PATH. Never run through a shell. */
  command: string[];
  /** Port the process listens on; exported to it as PORT unless `env` sets PORT. */
  port: number;
  env?: Record<string, string>;
  cwd?: string;
}

/** Already running somewhere (a deployed preview app): health-checked, never started or stopped. */
export interface UrlBackendSpec extends Probes {
  kind: 'url';
  url: string;
}

export type BackendSpec = ImageBackendSpec | CommandBackendSpec | UrlBackendSpec;

export type BackendKind = BackendSpec['kind'];

export type DockerNetwork = 'host' | 'bridge';

export interface RunningBackend {
  variant: Variant;
  kind: BackendKind;
  /** Without a trailing slash, e.g. http://127.0.0.1:41234 */
  baseUrl: string;
  healthUrl: string;
  metricsUrl: string;
  /** Image reference and id, command and git sha, or the URL: what exactly was measured. */
  description: string;
  /** Milliseconds from the start of this variant's boot to its first 2xx health answer. */
  timeToHealthyMs: number;
  containerId?: string;
  containerName?: string;
  pid?: number;
  /** Process group id (= pid: the process is started as a group leader). */
  pgid?: number;
  /** Where the backend's output is (or will be, for containers: written on stop). */
  logPath?: string;
}

export const DEFAULT_HEALTH_PATH = '/health';
export const DEFAULT_METRICS_PATH = '/metrics';

/** Joins a base URL and an absolute path without doubling or losing the slash. */
export function joinUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}

function checkPort(input: string, port: unknown): void {
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw invalidValue(input, port, 'an integer port between 1 and 65535');
  }
}

function checkPath(input: string, path: string | undefined): void {
  if (path !== undefined && !path.startsWith('/'))
    throw invalidValue(input, path, "an absolute path such as '/health'");
}

/**
 * The host port a spec occupies before boot, when it is fixed: host-network containers and local
 * processes bind the host port themselves; bridge containers only with an explicit `hostPort`.
 */
export function fixedHostPort(spec: BackendSpec): number | undefined {
  if (spec.kind === 'command') return spec.port;
  if (spec.kind === 'image') return spec.network === 'host' ? spec.port : spec.hostPort;
  return undefined;
}

/** Validates both specs together; throws an InputError naming the key (`backend.<variant>.<key>`). */
export function validateBackendSpecs(specs: Record<Variant, BackendSpec>): void {
  for (const variant of VARIANTS) {
    const spec = specs[variant];
    const key = `backend.${variant}`;
    if (!spec) throw invalidValue(key, spec, 'a backend: image, command or url');
    checkPath(`${key}.healthPath`, spec.healthPath);
    checkPath(`${key}.metricsPath`, spec.metricsPath);
    if (spec.kind === 'image') {
      if (!spec.image) throw invalidValue(`${key}.image`, spec.image, 'an image reference');
      checkPort(`${key}.port`, spec.port);
      if (spec.hostPort !== undefined) checkPort(`${key}.hostPort`, spec.hostPort);
      if (spec.network !== undefined && spec.network !== 'host' && spec.network !== 'bridge') {
        throw invalidValue(`${key}.network`, spec.network, "'host' or 'bridge'");
      }
    } else if (spec.kind === 'command') {
      if (
        !Array.isArray(spec.command) ||
        spec.command.length === 0 ||
        spec.command.some((a) => typeof a !== 'string')
      ) {
        throw invalidValue(`${key}.command`, spec.command, 'a non-empty array of strings (argv)');
      }
      checkPort(`${key}.port`, spec.port);
    } else if (spec.kind === 'url') {
      let parsed: URL | undefined;
      try {
        parsed = new URL(spec.url);
      } catch {
        parsed = undefined;
      }
      if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
        throw invalidValue(`${key}.url`, spec.url, 'an http:// or https:// URL');
      }
    } else {
      throw invalidValue(`${key}.kind`, (spec as { kind: unknown }).kind, "'image', 'command' or 'url'");
    }
  }
  const basePort = fixedHostPort(specs.baseline);
  if (basePort !== undefined && basePort === fixedHostPort(specs.candidate)) {
    throw invalidValue(
      'backend.candidate.port',
      basePort,
      `a host port other than baseline's ${basePort}: both variants run at the same time`,
    );
  }
}
