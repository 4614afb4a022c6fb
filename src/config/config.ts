/**
 * The typed configuration perf-gate runs on, after validation. One definition used by the CLI,
 * the action and every stage; built only by `loadConfig` (src/config/load.ts).
 */

import type { DockerNetwork } from '../backend/backend-spec.js';
import type { Target } from '../gate/target.js';
import type { BudgetPlan } from '../load/budget-plan.js';
import type { ServerMetricDefinition } from '../metrics/server-metric-definition.js';
import type { DriftTarget } from './drift-targets.js';

/**
 * How the database gets its schema: perf-gate applies a folder of SQL files, or runs the team's own
 * migration script, or runs Alembic. The config file says which by giving `dir` or `command` (both only
 * with the command's `version`), or `alembic`.
 */
export type MigrationConfig = SqlMigrationConfig | CommandMigrationConfig | AlembicMigrationConfig;

export interface SqlMigrationConfig {
  kind: 'sql';
  /** Folder of NNN_name.sql files, applied in order. */
  dir: string;
  /** Apply up to and including this version ("022"). */
  to?: string;
  /** PostgreSQL lock_timeout / statement_timeout of the migrating session, ms; absent: the server's. */
  lockTimeoutMs?: number;
  statementTimeoutMs?: number;
  /** squawk over the files this run applies. */
  lint: MigrationLintConfig;
  /** Apply the migrations under test to the baseline's database while the baseline serves the workload. */
  rehearse: MigrationRehearsalConfig;
}

export interface MigrationLintConfig {
  enabled: boolean;
  /** squawk rule names to leave out, and opt-in rules to add. */
  exclude: string[];
  include: string[];
  /** The squawk binary; absent: squawk-cli in node_modules, then PATH. */
  squawk?: string;
}

export interface MigrationRehearsalConfig {
  enabled: boolean;
  /** Arrival rate during the rehearsal; default the load's rate. */
  rate?: number;
  /** Traffic before the migration starts (the reference) and after it ends. */
  beforeMs: number;
  afterMs: number;
  /** The migrating session's lock_timeout during the rehearsal, ms (a stuck migration fails, never hangs). */
  lockTimeoutMs: number;
}

export interface CommandMigrationConfig {
  kind: 'command';
  /** A team's own migration script, run with DATABASE_URL in its environment. */
  command: string[];
  /**
   * The migration version the command applies ("022"), when declared: SQL files in `dir` before it run
   * first, and a template-copy baseline is copied before the command (or before an earlier SQL file).
   */
  version?: string;
  /** NNN_name.sql files applied before the command: those with a version below `version`. */
  dir?: string;
  /**
   * Run the command again on the baseline's database copy while the baseline serves the workload (needs a
   * template-copy baseline taken at `version`); its sessions are told apart by application_name.
   */
  rehearse: MigrationRehearsalConfig;
}

/**
 * Alembic, run by perf-gate: `upgrade <revision>` for the candidate and, with a template-copy baseline,
 * `upgrade <before>-1` first, the copy taken between the two (Alembic's relative revision: the one before).
 */
export interface AlembicMigrationConfig {
  kind: 'alembic';
  /** The candidate's revision: "head", a revision id, or anything `alembic upgrade` takes. */
  revision: string;
  /** How Alembic is started, before `-c FILE upgrade REV`: ["alembic"] or ["python3", "-m", "alembic"]. */
  command: string[];
  /** Alembic's ini file, relative to the config's folder (which is also where Alembic runs). */
  iniFile: string;
  /** `alembic upgrade <revision>` on the baseline's database copy while the baseline serves the workload. */
  rehearse: MigrationRehearsalConfig;
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
  /** Absent: no migrations (the config has no `migrations`, or it gives neither `dir` nor `command`). */
  migrations?: MigrationConfig;
  baseline: BaselineDatabaseStrategy;
  /**
   * The PostgreSQL major version production runs (`database.postgres: "16"`): the throwaway server must be
   * that version, and a given database must run it. Absent: whatever the runner has.
   */
  postgresMajor?: number;
  /** Refuse databases whose host or name matches this pattern, unless `allowProduction`. */
  productionPattern: string;
  allowProduction: boolean;
}

/**
 * One variant's backend, by kind. The config file writes the keys of every kind in one mapping (shared
 * keys under `backend`, overrides under `backend.baseline` and `backend.candidate`); the loader keeps
 * the keys the variant's kind uses. A key another kind uses is accepted there and has no effect, so a
 * shared `image` does not stop one variant from being a `command`.
 */
export type BackendConfig = ImageBackendConfig | CommandBackendConfig | UrlBackendConfig;

/** The baseline may also come from an earlier run's results instead of a running backend. */
export type BaselineBackendConfig = BackendConfig | ResultsBaselineConfig;

/** What perf-gate asks of every backend it sends load to. */
interface ProbedBackendConfig {
  /** Path answered with 2xx once the backend is ready. */
  healthPath: string;
  /** Prometheus exposition path; absent: no server metrics. */
  metricsPath?: string;
  healthTimeoutMs: number;
}

/** What perf-gate needs to start a backend itself (a container or a local process). */
interface StartedBackendConfig extends ProbedBackendConfig {
  env: Record<string, string>;
  /** Environment variable that tells the backend which port to listen on. */
  portEnv: string;
  /** Environment variable that carries the database URL into the backend. */
  databaseUrlEnv: string;
  /** CPUs for the backend, e.g. "1": `docker run --cpuset-cpus` for images, taskset for commands. */
  cpuset?: string;
}

/** A Docker container started from an image. */
export interface ImageBackendConfig extends StartedBackendConfig {
  kind: 'image';
  image: string;
  /** Port the backend listens on inside its container. */
  port: number;
  network: DockerNetwork;
  dockerArgs: string[];
  /** A `docker run --env-file` file, relative to the config file. */
  envFile?: string;
  /** `docker run --cpus`, e.g. "1.5". */
  cpus?: string;
  /** `docker run --memory`, e.g. "512m". */
  memory?: string;
}

/** A local process; its port is chosen free at boot and passed in `portEnv`. */
export interface CommandBackendConfig extends StartedBackendConfig {
  kind: 'command';
  /** argv, never run through a shell. */
  command: string[];
  /** Working directory, relative to the config file. */
  cwd?: string;
}

/** A backend already running somewhere (a deployed app): health-checked, never started. */
export interface UrlBackendConfig extends ProbedBackendConfig {
  kind: 'url';
  url: string;
}

/** Baseline only, with a `url` candidate: no backend; the baseline rounds come from a stored results.json. */
export interface ResultsBaselineConfig {
  kind: 'results';
  /** A results.json of an earlier run whose candidate rounds become this baseline. */
  results: string;
}

export interface BackendVariantsConfig {
  baseline: BaselineBackendConfig;
  candidate: BackendConfig;
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
  design: 'shuffled-pairs' | 'abba' | 'duet';
  /**
   * Most fresh starts of both backends the pairs are spread over (1: one start for the whole run); each
   * measures ceil(maxPairs / processes) pairs. Above 1, the backends are restarted between blocks of pairs
   * and each start is the unit of the paired analysis.
   */
  processes: number;
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
  /**
   * `gate.budget`: the measuring time and the plan made from it; absent when the config sets no budget.
   * Its round duration and pairs are already in `load`.
   */
  budget?: BudgetPlan;
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
  backend: BackendVariantsConfig;
  load: LoadConfig;
  metrics: ServerMetricConfig[];
  /** Targets on the benchmark's metrics: judged on the paired rounds. */
  targets: Target[];
  /**
   * Targets on the migration rehearsal's figures (src/model/rehearsal-metrics.ts), in the order written:
   * judged on the one rehearsal, outside the paired analysis. Absent or empty: none.
   */
  rehearsalTargets?: Target[];
  /**
   * Targets on the base branch's drift over the recorded history (`pipeline_time drift since
   * last-release worsens <= 5%`), judged apart from this run's pairs. Absent or empty: none.
   */
  driftTargets?: DriftTarget[];
  gate: GateConfig;
  report: ReportConfig;
  /**
   * Values masked in every log, report and backend log: `${NAME}` expansions, secret-like backend
   * environment variables, URL passwords (src/config/config-secrets.ts).
   */
  secrets: string[];
}
