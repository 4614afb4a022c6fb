/**
 * Which values are secret. Every value a config takes from the environment is, but numbers and
 * booleans; masking is by whole token, so a config that takes DB_NAME=app and NODE_ENV=test from
 * the environment still never turns "applied" into "***lied".
 */
import { describe, expect, it } from 'vitest';
import { isSecretName, MemoryLogger, SecretMasker } from '../../src/log.js';
import { parse, withSections } from '../helpers/config-text.js';

const LINE = '3 migrations applied; application_name=perf-gate; latest tests passed; auth none';

describe('secrets a config carries', () => {
  const env = {
    DB_NAME: 'app',
    NODE_ENV: 'test',
    LOG_LEVEL: 'error',
    DB_PASS: 'hunter2',
    API_SETTING: 'expanded-value-93017',
    PGPASSWORD: 'pg-pw-7781',
    DEPLOY_KEY: 'letmein',
  };
  const config = parse(
    withSections({
      backend: {
        kind: 'command',
        command: ['node', 'server.js'],
        env: {
          DB_NAME: '${DB_NAME}',
          NODE_ENV: '${NODE_ENV}',
          LOG_LEVEL: '${LOG_LEVEL}',
          AUTH_MODE: 'none',
          POOL_TOKEN_LIMIT: '20',
          DB_PASS: '${DB_PASS}',
          API_SETTING: '${API_SETTING}',
          WEBHOOK: '${DEPLOY_KEY}',
        },
      },
      database: { url: 'postgres://app:${PGPASSWORD}@127.0.0.1:5432/${DB_NAME}' },
    }),
    { env },
  );

  it('plain settings are not secrets; every other expanded value is, masked only where it stands alone', () => {
    for (const plain of ['none', '20']) expect(config.secrets).not.toContain(plain);
    expect(config.secrets).toEqual(expect.arrayContaining(['app', 'test', 'error']));
    const log = new MemoryLogger();
    for (const secret of config.secrets) log.addSecret(secret);
    log.info(LINE);
    log.info('dbname=app env test level error');
    expect(log.lines).toEqual([LINE, 'dbname=*** env *** level ***']);
  });

  it('credentials are: a secret-like key or variable, a URL password, any expanded value', () => {
    expect(config.secrets).toEqual(
      expect.arrayContaining(['hunter2', 'expanded-value-93017', 'pg-pw-7781', 'letmein']),
    );
  });
});

describe('secret-like names', () => {
  it('match on whole words of the name, or a one-word name ending in PASSWORD, TOKEN or SECRET', () => {
    for (const name of [
      'DB_PASS',
      'API_KEY',
      'GITHUB_TOKEN',
      'PGPASSWORD',
      'APITOKEN',
      'AWS_SECRET_ACCESS_KEY',
      'client_secret',
      'apiKey',
      'DATABASE_URL',
      'SENTRY_DSN',
      'password',
      'sslpassword',
      'AUTH_MODE',
      'DBPASS',
      'PGPASS',
      'MYSQL_PWD',
      'DB_PW',
      'SECRETKEY',
      'PRIVATEKEY',
      'STRIPEKEY_APIKEY',
    ]) {
      expect(isSecretName(name), name).toBe(true);
    }
    for (const name of [
      'bypass',
      'monkey',
      'author',
      'keyframes',
      'AUTHOR_NAME',
      'DB_POOL_SIZE',
      'NODE_ENV',
      'DB_NAME',
      'PWD',
      'OLDPWD',
      'COMPASS',
      'surpass',
    ])
      expect(isSecretName(name), name).toBe(false);
  });

  it('only a secret-like NAME=value in printed text is masked', () => {
    const masker = new SecretMasker();
    expect(masker.mask('bypass=1 monkey=2 author=x keyframes=3 AUTH_MODE=none')).toBe(
      'bypass=1 monkey=2 author=x keyframes=3 AUTH_MODE=none',
    );
    expect(masker.mask('PGPASSWORD=abc123 APITOKEN=xyz789 DB_PASS=hunter2')).toBe(
      'PGPASSWORD=*** APITOKEN=*** DB_PASS=***',
    );
    // Flags on a backend's or a JVM's command line, printed in its log.
    expect(
      masker.mask(
        '--password=hunter2 --db-password=hunter2 -Dspring.datasource.password=hunter2 --api-key=abcd --port=8080',
      ),
    ).toBe('--password=*** --db-password=*** -Dspring.datasource.password=*** --api-key=*** --port=8080');
  });
});

describe('registered secrets are masked as whole tokens', () => {
  it('"app" is hidden where it stands alone, not inside applied or application_name', () => {
    const masker = SecretMasker.of(['app']);
    expect(masker.mask('applied; application_name=app; user app; postgres://app:x@h/app')).toBe(
      'applied; application_name=***; user ***; postgres://***:***@h/***',
    );
  });

  it('a long secret is hidden wherever it appears', () => {
    const masker = SecretMasker.of(['0123456789abcdefXYZ']);
    expect(masker.mask('token=Bearer0123456789abcdefXYZ!')).toBe('token=***');
    expect(masker.mask('prefix0123456789abcdefXYZsuffix')).toBe('prefix***suffix');
  });
});
