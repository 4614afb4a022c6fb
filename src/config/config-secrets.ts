/**
 * The values a config carries that no log, report or backend log may show: values that `${NAME}`
 * expanded to when they look like credentials (see isSecretExpansion), backend environment variables
 * with secret-like names (DB_PASS, API_TOKEN), and the passwords in URLs (a `kind: url` backend's,
 * the database's).
 */
import { databaseSecrets } from '../database/database-url.js';
import { isPlainSetting, isSecretName } from '../log.js';
import type { PerfGateConfig } from './config.js';

/** One `${NAME}` expansion: the variable, its value, the config key it sits under and the whole string it ended in. */
export interface Expansion {
  name: string;
  value: string;
  key: string;
  text: string;
}

/**
 * Long enough, and mixed enough, to be a credential: 8 or more characters without spaces, with a
 * letter and a digit or symbol. Passwords and tokens are made that way (generators and password
 * policies mix character classes), while the settings a config takes from the environment are
 * mostly words and numbers ("app", "test", "production", "20"): masking those would hide words all
 * through the logs ("***lied" for "applied"). URLs and paths are left to their own rules: a URL's
 * password is masked, its host and path are not. A credential of plain letters is masked when its
 * key or its variable has a secret-like name (DB_PASS: ${DB_PASS}).
 */
function looksLikeCredential(value: string): boolean {
  if (value.length < 8 || /\s/.test(value) || !/[A-Za-z]/.test(value) || !/[^A-Za-z]/.test(value)) return false;
  if (/^(\/|\.\.?\/|~\/)/.test(value)) return false;
  return !/^[a-z][a-z0-9+.-]*:\/\//i.test(value);
}

/**
 * An expanded value is secret when it sits under a secret-like key or comes from a secret-like
 * variable (`DB_PASS: ${DB_PASS}`, `url: ${DATABASE_URL}`), or looks like a credential. Numbers and
 * booleans never are.
 */
export function isSecretExpansion(expansion: Expansion): boolean {
  if (isPlainSetting(expansion.value)) return false;
  return isSecretName(expansion.key) || isSecretName(expansion.name) || looksLikeCredential(expansion.value);
}

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

export function configSecrets(config: Omit<PerfGateConfig, 'secrets'>, expanded: Iterable<Expansion>): string[] {
  const out = new Set<string>();
  for (const expansion of expanded) {
    if (isSecretExpansion(expansion)) out.add(expansion.value);
    // An expansion inside a URL's password (`postgres://app:${PGPASSWORD}@db/app`), wherever that URL is.
    for (const password of urlPasswords(expansion.text)) if (password.includes(expansion.value) || expansion.value.includes(password)) out.add(password);
  }
  for (const variant of ['baseline', 'candidate'] as const) {
    const backend = config.backend[variant];
    for (const [name, value] of Object.entries(backend.env)) if (isSecretName(name) && !isPlainSetting(value)) out.add(value);
    if (backend.url) for (const secret of urlPasswords(backend.url)) out.add(secret);
  }
  const { database } = config;
  for (const url of [database.url, database.baseline.strategy === 'separate-url' ? database.baseline.url : undefined]) {
    if (url) for (const secret of databaseSecrets(url)) out.add(secret);
  }
  // The masker ignores values under 3 characters; an empty one would match everywhere.
  return [...out].filter((secret) => secret.length >= 3);
}
