import { invalidValue } from '../errors.js';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000 };

/**
 * Parses a duration written as "500ms", "5s", "2m" or a bare number of seconds, into milliseconds.
 * `input` names the config key or flag for the error message.
 */
export function parseDuration(input: string, given: unknown): number {
  if (typeof given === 'number' && Number.isFinite(given) && given >= 0) return given * 1000;
  if (typeof given === 'string') {
    const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m)?\s*$/.exec(given);
    if (match) return Number(match[1]) * UNIT_MS[match[2] ?? 's']!;
  }
  throw invalidValue(input, given, 'a duration such as "500ms", "5s", "2m", or a number of seconds');
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${Number((ms / 1000).toFixed(1))}s`;
  return `${Math.floor(ms / 60_000)}m${Math.round((ms % 60_000) / 1000)}s`;
}
