// Reads the service's knobs from the environment once, up front, so a bad value stops the process
// before it listens. Pure: takes an env object, returns a frozen config or throws ConfigError.

/** A knob with an invalid value. The entry point prints the message and exits with code 2. */
export class ConfigError extends Error {
  constructor(message) {
    super(message);
    this.name = 'ConfigError';
  }
}

// Same shape as perf-gate's invalidValue(): name the input, what was given, what is allowed.
function invalid(name, given, allowed) {
  return new ConfigError(`${name}: got ${JSON.stringify(given)}; expected ${allowed}`);
}

function integerKnob(env, name, fallback, min, max) {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  if (!/^\d+$/.test(raw.trim())) throw invalid(name, raw, `an integer from ${min} to ${max}`);
  const value = Number(raw.trim());
  if (value < min || value > max) throw invalid(name, raw, `an integer from ${min} to ${max}`);
  return value;
}

function numberKnob(env, name, fallback, min, max, allowed) {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw.trim());
  if (!Number.isFinite(value) || value < min || value > max) throw invalid(name, raw, allowed);
  return value;
}

/**
 * Checks DATABASE_URL without ever echoing it: a connection URL usually carries a password, and
 * an error message is exactly the kind of text that ends up in a CI log.
 */
function databaseUrl(env) {
  const raw = env.DATABASE_URL;
  const expected = 'a connection URL such as postgres://user:password@host:5432/database';
  if (raw === undefined || raw.trim() === '') {
    throw new ConfigError(`DATABASE_URL: got nothing; expected ${expected}`);
  }
  let url;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new ConfigError(
      `DATABASE_URL: got a value that is not a URL (not shown, it may hold a password); expected ${expected}`,
    );
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new ConfigError(
      `DATABASE_URL: got a ${JSON.stringify(url.protocol.replace(/:$/, ''))} URL; expected ${expected}`,
    );
  }
  return raw.trim();
}

/** The URL with its password replaced by ***, for log lines. */
export function maskDatabaseUrl(raw) {
  try {
    const url = new URL(raw);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return '(unparseable URL)';
  }
}

/**
 * EARLY_EXIT_SCORE: unset, empty or "off" disables early exit; otherwise a score in [0, 1]. A
 * search whose golden answer hits, or whose best retrieval score is above it, skips the rerank.
 */
function earlyExitScore(env) {
  const raw = env.EARLY_EXIT_SCORE;
  if (raw === undefined || raw.trim() === '' || raw.trim().toLowerCase() === 'off') return null;
  return numberKnob(env, 'EARLY_EXIT_SCORE', null, 0, 1, 'a score from 0 to 1 (e.g. 0.9), or "off"');
}

/**
 * Default rerank work: 20 mixing rounds per candidate, a few milliseconds for the top 20 on a
 * 2-core CI runner (see README, "What a request costs").
 */
export const DEFAULT_RERANK_WORK = 20;

/** @param {Record<string, string | undefined>} env */
export function parseConfig(env) {
  return Object.freeze({
    port: integerKnob(env, 'PORT', 8080, 0, 65535),
    host: env.HOST === undefined || env.HOST.trim() === '' ? '0.0.0.0' : env.HOST.trim(),
    databaseUrl: databaseUrl(env),
    poolSize: integerKnob(env, 'DB_POOL_SIZE', 10, 1, 1000),
    earlyExitScore: earlyExitScore(env),
    rerankWork: integerKnob(env, 'RERANK_WORK', DEFAULT_RERANK_WORK, 0, 100000),
    slowdown: numberKnob(
      env,
      'SLOWDOWN',
      0,
      0,
      10,
      'a fraction from 0 to 10 (0.05 makes every request take 5 % longer)',
    ),
    extraWorkMs: numberKnob(
      env,
      'EXTRA_WORK_MS',
      0,
      0,
      1000,
      'CPU milliseconds of extra work per request, from 0 to 1000 (0.5 adds half a millisecond of mixing)',
    ),
  });
}
