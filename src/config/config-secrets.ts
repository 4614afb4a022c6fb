/**
 * The values a config carries that no log, report or backend log may show: values that `${NAME}`
 * expanded to (see isSecretExpansion), backend environment variables
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

/** A URL or a path: its own rules apply (a URL's password is masked; a host, a path or a folder is not). */
function isAddress(value: string): boolean {
  return /^(\/|\.\.?\/|~\/)/.test(value) || /^[a-z][a-z0-9+.-]*:\/\//i.test(value);
}

/**
 * A config is committed, so a value it takes from the environment is one its author kept out of the
 * repository: every expanded value is masked, except numbers and booleans (masking each "20" would hide
 * the figures a report exists for) and URLs and paths without a secret-like name (their passwords are
 * masked by the URL rule; hosts and folders are what a reader needs). Masking is by whole token, so a
 * value "app" hides `dbname=app` but not "applied".
 */
export function isSecretExpansion(expansion: Expansion): boolean {
  if (isPlainSetting(expansion.value)) return false;
  if (isSecretName(expansion.key) || isSecretName(expansion.name)) return true;
  return !isAddress(expansion.value);
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
    for (const password of urlPasswords(expansion.text))
      if (password.includes(expansion.value) || expansion.value.includes(password)) out.add(password);
  }
  for (const variant of ['baseline', 'candidate'] as const) {
    const backend = config.backend[variant];
    if (backend.kind === 'image' || backend.kind === 'command') {
      for (const [name, value] of Object.entries(backend.env))
        if (isSecretName(name) && !isPlainSetting(value)) out.add(value);
    }
    if (backend.kind === 'url') for (const secret of urlPasswords(backend.url)) out.add(secret);
  }
  const { database } = config;
  for (const url of [database.url, database.baseline.strategy === 'separate-url' ? database.baseline.url : undefined]) {
    if (url) for (const secret of databaseSecrets(url)) out.add(secret);
  }
  // The masker ignores values under 3 characters; an empty one would match everywhere.
  return [...out].filter((secret) => secret.length >= 3);
}
