/** The backend stage: boot baseline and candidate, wait for health, always clean up. */
export * from './backend-spec.js';
export {
  BackendBootError,
  type BackendSession,
  type BootOptions,
  type BootStep,
  bootBackends,
} from './boot-backends.js';
export { DockerCli } from './docker-cli.js';
export {
  collectEnvironmentInfo,
  diffEnvironments,
  type EnvDifference,
  type EnvironmentInfo,
  isSecretName,
  maskValue,
} from './environment-info.js';
export {
  type LeftoverSweepOptions,
  type LeftoverSweepResult,
  removeBackendsFromState,
  removeLeftovers,
} from './remove-backends.js';
export { DEFAULT_TTL_MS, LABEL, makeRunId } from './run-labels.js';
export { installSignalCleanup, SIGNAL_EXIT_CODES } from './signal-cleanup.js';
