/**
 * The typed configuration perf-gate runs on, after validation. One definition used by the CLI,
 * the action and every stage; built only by `loadConfig` (src/config/load.ts).
 */
import type { Target } from '../gate/target.js';
import type { Variant } from '../model/round-record.js';
import type { ServerMetricDefinition } from '../metrics/server-metric-definition.js';

export interface MigrationConfig {
  /** Folder of NNN_name.sql files, applied in order. */
  dir?: string;
  /** Apply up to and including this version ("022"). */
  to?: string;
  /** Command mode: a team's own migration script, run with DATABASE_URL in its environment. */
  command?: string[];
}

export type BaselineDatabaseStrategy =
  /** Baseline gets a copy (CREATE DATABASE ... TEMPLATE) of the preview database taken before `before` is applied. */
  | { strategy: 'template-copy'; before: string }
  /** Baseline uses its own URL, prepared by the user. */
  | { strategy: 'separate-url'; url: string }
  /** Both variants use the same database (the schema change is not under test). */
  | { strategy: 'shared' };

export interface DatabaseConfig {
  /** Preview database URL; absent means a throwaway server is started. */
  url?: string;
  migrations?: MigrationConfig;
  baseline: BaselineDatabaseStrategy;
  /** Refuse databases whose host or name matches this pattern, unless `allowProduction`. */
  productionPattern: string;
  allowProduction: boolean;
}

export interface BackendVariantConfig {
  /** 'results' (baseline only): no backend; the rounds come from a stored results.json (`results`). */
  kind: 'image' | 'command' | 'url' | 'results';
  image?: string;
  command?: string[];
  cwd?: string;
  url?: string;
  /** kind 'results': a results.json of an earlier run whose candidate rounds become this baseline. */
  results?: string;
  env: Record<string, string>;
  envFile?: string;
  /** Port the backend listens on inside its container or process. */
  port: number;
  /** Environment variable that tells a command-mode backend which port to use. */
  portEnv: string;
  /** Environment variable that carries the database URL into the backend. */
  databaseUrlEnv: string;
  network: 'host' | 'bridge';
  dockerArgs: string[];
  cpus?: string;
  /** CPUs for the backend, e.g. "1": `docker run --cpuset-cpus` for images, taskset for commands. */
  cpuset?: string;
  memory?: string;
  healthPath: string;
  metricsPath?: string;
  healthTimeoutMs: number;
}

export interface WorkloadRequestConfig {
  method: string;
  path: string;
  headers?: Record<string, string>;
  /** Text is sent as written; any other JSON value is sent as JSON with content-type application/json. */
  body?: unknown;
  weight: number;
}

export interface WorkloadConfig {
  requests?: WorkloadRequestConfig[];
  file?: string;
  /** weighted: random by weight (lists); sequential: replay in file order; shuffled: seeded shuffle. */
  order: 'weighted' | 'sequential' | 'shuffled';
}

export interface LoadConfig {
  mode: 'open' | 'closed';
  /** Open loop: planned arrivals per second. */
  rate: number;
  /** Closed loop: connections; open loop: the cap on requests in flight. */
  connections: number;
  roundDurationMs: number;
  warmupMs: number;
  /** Pairs (one baseline and one candidate round each) measured at first. */
  pairs: number;
  /** Upper bound on pairs when inconclusive targets extend the run. */
  maxPairs: number;
  design: 'shuffled-pairs' | 'abba';
  seed: number;
  timeoutMs: number;
  /** A round whose achieved rate misses the target by more than this share is invalid. */
  rateTolerance: number;
  /** CPUs for the load generator (this process, pinned with taskset), e.g. "0". */
  cpuset?: string;
  workload: WorkloadConfig;
}

/** A server metric computed from each round's two /metrics scrapes (see src/metrics). */
export type ServerMetricConfig = ServerMetricDefinition;

export interface GateConfig {
  confidence: number;
  minPairs: number;
  failOnInconclusive: boolean;
}

export interface ReportConfig {
  dir: string;
  title: string;
}

export interface PerfGateConfig {
  /** Where the config came from: a file path, or "embedded default". */
  source: string;
  /** Folder relative paths in the config are resolved against. */
  baseDir: string;
  database: DatabaseConfig;
  backend: Record<Variant, BackendVariantConfig>;
  load: LoadConfig;
  metrics: ServerMetricConfig[];
  targets: Target[];
  gate: GateConfig;
  report: ReportConfig;
  /**
   * Values masked in every log, report and backend log: `${NAME}` expansions, secret-like backend
   * environment variables, URL passwords (src/config/config-secrets.ts).
   */
  secrets: string[];
}
