/**
 * The secrets in a Docker `--env-file`: the backend gets them as environment variables and may print
 * them in any form (its config dump, a connection string it builds), so they are masked like the
 * config's own backend `env`.
 */
import { readFileSync } from 'node:fs';
import { isPlainSetting, isSecretName } from '../log.js';

/**
 * Parses Docker's env-file format (docs.docker.com, `docker run --env-file`): one `NAME=value` per
 * line, the value taken literally (quotes included) up to the end of the line; blank lines and lines
 * starting with `#` are skipped; a bare `NAME` passes that variable from perf-gate's environment.
 */
export function parseEnvFile(text: string, env: NodeJS.ProcessEnv): Map<string, string> {
  const out = new Map<string, string>();
  for (const raw of text.replace(/^\uFEFF/, '').split(/\r?\n/)) {
    const line = raw.trimStart();
    if (line === '' || line.startsWith('#')) continue;
    const equals = line.indexOf('=');
    if (equals === -1) {
      const name = line.trimEnd();
      const value = env[name];
      if (value !== undefined) out.set(name, value);
    } else {
      out.set(line.slice(0, equals), line.slice(equals + 1));
    }
  }
  return out;
}

/** Values of the secret-named variables in the env file at `path` (none when it cannot be read: Docker then refuses it itself). */
export function envFileSecrets(path: string, env: NodeJS.ProcessEnv): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return [];
  }
  return [...parseEnvFile(text, env)]
    .filter(([name, value]) => isSecretName(name) && !isPlainSetting(value) && value.length >= 3)
    .map(([, value]) => value);
}
