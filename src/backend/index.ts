/** The backend stage: boot baseline and candidate, wait for health, always clean up. */
export * from './backend-spec.js';
export { BackendBootError, bootBackends, type BackendSession, type BootOptions, type BootStep } from './boot-backends.js';
export { removeBackendsFromState, removeLeftovers, type LeftoverSweepOptions, type LeftoverSweepResult } from './remove-backends.js';
export { DockerCli } from './docker-cli.js';
export { collectEnvironmentInfo, diffEnvironments, isSecretName, maskValue, type EnvDifference, type EnvironmentInfo } from './environment-info.js';
export { LABEL, DEFAULT_TTL_MS, makeRunId } from './run-labels.js';
export { installSignalCleanup, SIGNAL_EXIT_CODES } from './signal-cleanup.js';
