// Types for config.mjs, so the TypeScript tests can import the pure knob parser.
export class ConfigError extends Error {}
export const DEFAULT_RERANK_WORK: number;
export interface BackendRagConfig {
  readonly port: number;
  readonly host: string;
  readonly databaseUrl: string;
  readonly poolSize: number;
  readonly earlyExitScore: number | null;
  readonly rerankWork: number;
  readonly slowdown: number;
  readonly extraWorkMs: number;
}
export function parseConfig(env: Record<string, string | undefined>): BackendRagConfig;
export function maskDatabaseUrl(raw: string): string;
