/**
 * The values a config carries that no log, report or backend log may show: what `${NAME}` expanded to
 * (a config is committed, so a value it takes from the environment is one its author kept out of the
 * repository), backend environment variables with secret-like names (DB_PASS, API_TOKEN), and the
 * passwords in URLs (a `kind: url` backend's, the database's).
 */
import { databaseSecrets } from '../database/database-url.js';
import { isSecretName } from '../log.js';
import type { PerfGateConfig } from './config.js';

/**
 * Expanded values that only say how much or whether: masking every "20" or "true" in a report would
 * hide the numbers the report exists for, and such a value is no credential.
 */
const PLAIN_SETTING = /^(-?\d{1,6}(\.\d+)?|true|false|on|off|yes|no)$/i;

/** The password of an http(s) URL (raw and decoded), leaving the host readable in the report. */
function urlPasswords(url: string): string[] {
  try {
    const { password } = new URL(url);
    if (!password) return [];
    try {
      return [password, decodeURIComponent(password)];
    } catch {
      return [password];
    }
  } catch {
    return [];
  }
}

export function configSecrets(config: Omit<PerfGateConfig, 'secrets'>, expanded: Iterable<string>): string[] {
  const out = new Set<string>();
  for (const value of expanded) if (!PLAIN_SETTING.test(value.trim())) out.add(value);
  for (const variant of ['baseline', 'candidate'] as const) {
    const backend = config.backend[variant];
    for (const [name, value] of Object.entries(backend.env)) if (isSecretName(name)) out.add(value);
    if (backend.url) for (const secret of urlPasswords(backend.url)) out.add(secret);
  }
  const { database } = config;
  for (const url of [database.url, database.baseline.strategy === 'separate-url' ? database.baseline.url : undefined]) {
    if (url) for (const secret of databaseSecrets(url)) out.add(secret);
  }
  // The masker ignores values under 3 characters; an empty one would match everywhere.
  return [...out].filter((secret) => secret.length >= 3);
}
