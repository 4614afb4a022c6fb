import pg from 'pg';
import { describe, expect, it } from 'vitest';
import {
  assertNotProduction,
  DEFAULT_PRODUCTION_PATTERN,
  databaseSecrets,
  maskDatabaseUrl,
  parseDatabaseUrl,
  withApplicationName,
  withDatabase,
} from '../../src/database/database-url.js';
import { InputError } from '../../src/errors.js';
import { SecretMasker } from '../../src/log.js';

function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a throw');
}

describe('parseDatabaseUrl', () => {
  it('reads user, decoded password, host, port, database and parameters', () => {
    const parsed = parseDatabaseUrl('postgresql://app:p%40ss%2Fw@db.internal:6543/rag?sslmode=require', 'database-url');
    expect(parsed).toMatchObject({
      user: 'app',
      password: 'p@ss/w',
      host: 'db.internal',
      port: 6543,
      database: 'rag',
      params: { sslmode: 'require' },
    });
    expect(parseDatabaseUrl('postgres://u@127.0.0.1/x', 'database-url').port).toBe(5432);
  });

  it('a URL that does not parse names the input and shows *** instead of the password', () => {
    const error = thrown(() => parseDatabaseUrl('postgres://app:s3cr#t:pw@db:5432:99/rag', 'database-url'));
    process.stdout.write(`\n----- malformed URL -----\n${error.message}\n`);
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toContain('database-url');
    expect(error.message).toContain('postgres://app:***@db:5432:99/rag');
    expect(error.message).not.toContain('s3cr');
  });

  it('rejects other schemes and URLs without a database, masking the password', () => {
    const scheme = thrown(() => parseDatabaseUrl('mysql://root:hunter22@db/app', 'database-url'));
    expect(scheme.message).toContain('postgres://');
    expect(scheme.message).not.toContain('hunter22');
    const noDb = thrown(() => parseDatabaseUrl('postgres://root:hunter22@db', 'database-url'));
    expect(noDb.message).toContain('naming a database');
    expect(noDb.message).not.toContain('hunter22');
  });
});

describe('maskDatabaseUrl and databaseSecrets', () => {
  it('masks the password even when it contains an unencoded @', () => {
    expect(maskDatabaseUrl('postgres://app:p@ss@db/x')).toBe('postgres://app:***@db/x');
    expect(maskDatabaseUrl('postgres://app@db/x')).toBe('postgres://app@db/x');
    expect(maskDatabaseUrl('postgres://db/x?user=a&password=zz9')).toBe('postgres://db/x?user=a&password=***');
  });

  it('gives a logger what it needs to mask the password in every spelling', () => {
    const url = 'postgres://app:p%40ss%2Fword@db/x';
    const masker = new SecretMasker();
    for (const s of databaseSecrets(url)) masker.add(s);
    expect(masker.mask(`connecting to ${url}`)).toBe('connecting to ***');
    expect(masker.mask('password is p@ss/word')).toBe('password is ***');
    expect(databaseSecrets('postgres://app@db/x')).toEqual([]);
  });

  it('withDatabase swaps only the database', () => {
    expect(withDatabase('postgres://a:b@h:1/one?sslmode=disable', 'two')).toBe(
      'postgres://a:b@h:1/two?sslmode=disable',
    );
  });
});

describe('assertNotProduction', () => {
  it('refuses production-looking hosts and database names unless allowed', () => {
    const error = thrown(() => assertNotProduction('postgres://app:topsecret@db-prod.internal/rag', { allow: false }));
    process.stdout.write(`\n----- production guard -----\n${error.message}\n`);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).exitCode).toBe(2);
    expect(error.message).not.toContain('topsecret');
    expect(() => assertNotProduction('postgres://app@localhost/rag_production', { allow: false })).toThrow(InputError);
    expect(() => assertNotProduction('postgres://app@db-prod.internal/rag', { allow: true })).not.toThrow();
  });

  it('does not mistake "products" for production, and honours a custom pattern', () => {
    expect(() => assertNotProduction('postgres://app@localhost/products', { allow: false })).not.toThrow();
    expect(() => assertNotProduction('postgres://app@live-db/rag', { allow: false, pattern: 'live' })).toThrow(
      InputError,
    );
    expect(() => assertNotProduction('postgres://app@h/rag', { allow: false, pattern: '(' })).toThrow(
      /valid regular expression/,
    );
  });
});

describe('the production guard judges where a client really connects', () => {
  it('node-postgres connects to the ?host= value, and that host is the one judged', () => {
    const url = 'postgres://u:hunter22@db-preview.internal/db?host=db-prod.internal';
    // What node-postgres itself resolves: the query parameter wins over the URL's host.
    expect(new pg.Client({ connectionString: url }).host).toBe('db-prod.internal');
    expect(parseDatabaseUrl(url, 'database-url').host).toBe('db-prod.internal');
    const error = thrown(() => assertNotProduction(url, { allow: false }));
    process.stdout.write(`\n----- production guard, ?host= -----\n${error.message}\n`);
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toContain('host "db-prod.internal" (its ?host= parameter, where node-postgres connects)');
    expect(error.message).not.toContain('hunter22');
  });

  it.each([
    ['a host list (libpq tries each)', 'postgres://u@db-preview.internal,db-prod.internal/app'],
    ['a host list in ?host=', 'postgres://u@db-preview.internal/app?host=db-preview.internal,db-prod.internal'],
    ['a Unix socket directory in ?host=', 'postgres://u@/app?host=/var/run/prod-postgres'],
    ['a percent-encoded socket directory as the host', 'postgres://u@%2Fvar%2Frun%2Fprod/app'],
    ['?dbname= (libpq opens it)', 'postgres://u@db-preview.internal/app?dbname=app_production'],
    ['?database=', 'postgres://u@db-preview.internal/app?database=prod'],
    ['?service= (pg_service.conf)', 'postgres://u@db-preview.internal/app?service=prod'],
    ['the last of two ?host= parameters', 'postgres://u@db-preview.internal/app?host=preview&host=db-prod'],
  ])('refuses %s', (_, url) => {
    expect(() => assertNotProduction(url, { allow: false })).toThrow(/matches the production pattern/);
    expect(() => assertNotProduction(url, { allow: true })).not.toThrow();
  });

  it('reads a socket URL without a host the way node-postgres does', () => {
    const parsed = parseDatabaseUrl('postgres://u@/app?host=/var/run/postgresql', 'database-url');
    expect(parsed).toMatchObject({ host: '/var/run/postgresql', database: 'app', user: 'u' });
    expect(withDatabase('postgres://u@/app?host=/tmp', 'other')).toBe('postgres://u@/other?host=/tmp');
    expect(() => assertNotProduction('postgres://u@/app?host=/var/run/postgresql', { allow: false })).not.toThrow();
  });

  it('never lets PGHOST or PGDATABASE pick the destination: a URL must name its host and database', () => {
    const saved = { PGHOST: process.env.PGHOST, PGDATABASE: process.env.PGDATABASE };
    process.env.PGHOST = 'db-prod.internal';
    process.env.PGDATABASE = 'app_production';
    try {
      // node-postgres would fall back to the environment for these; the URL parser refuses them instead.
      expect(new pg.Client({ connectionString: 'postgres://u@/app' }).host).toBe('db-prod.internal');
      expect(() => parseDatabaseUrl('postgres://u@/app', 'database-url')).toThrow(/a URL naming a host/);
      expect(() => parseDatabaseUrl('postgres://u@db-preview.internal', 'database-url')).toThrow(/naming a database/);
    } finally {
      for (const [key, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    }
  });

  it('one default pattern: "live", "prd" and "prod2" are refused everywhere, "products" and "delivery" are not', () => {
    for (const host of ['db-live.internal', 'db-prd.internal', 'db-prod2.internal', 'PROD']) {
      expect(() => assertNotProduction(`postgres://u@${host}/app`, { allow: false }), host).toThrow(InputError);
      expect(DEFAULT_PRODUCTION_PATTERN.test(host), host).toBe(true);
    }
    for (const name of ['products', 'delivery', 'reproduce', 'olive']) {
      expect(() => assertNotProduction(`postgres://u@localhost/${name}`, { allow: false }), name).not.toThrow();
    }
  });
});

describe('masking reads the password where node-postgres does', () => {
  it('masks the ?password= node-postgres uses (the last of several) and a percent-encoded key', () => {
    const url = 'postgres://u@db/x?password=decoy1&password=hunter22';
    expect(new pg.Client({ connectionString: url }).password).toBe('hunter22');
    expect(parseDatabaseUrl(url, 'database-url').password).toBe('hunter22');
    const masker = new SecretMasker();
    for (const s of databaseSecrets(url)) masker.add(s);
    expect(masker.mask('the script printed hunter22 and decoy1')).toBe('the script printed *** and ***');
    expect(maskDatabaseUrl(url)).toBe('postgres://u@db/x?password=***&password=***');
    const encodedKey = 'postgres://u@db/x?pass%77ord=hunter22&sslmode=disable';
    expect(new pg.Client({ connectionString: encodedKey }).password).toBe('hunter22');
    expect(maskDatabaseUrl(encodedKey)).toBe('postgres://u@db/x?pass%77ord=***&sslmode=disable');
    expect(databaseSecrets(encodedKey)).toContain('hunter22');
    expect(maskDatabaseUrl('postgres://u@db/x?sslpassword=keypass9')).not.toContain('keypass9');
    expect(databaseSecrets('postgres://u@db/x?sslpassword=keypass9')).toContain('keypass9');
  });
});

describe('withApplicationName', () => {
  it('adds application_name to the query as written, replacing one already there, keeping every other byte', () => {
    expect(withApplicationName('postgres://u:p@h:5432/db', 'perf-gate-x')).toBe(
      'postgres://u:p@h:5432/db?application_name=perf-gate-x',
    );
    expect(
      withApplicationName('postgres://u@h/db?options=-c%20search_path%3Dapp&application_name=old&sslmode=require', 'n'),
    ).toBe('postgres://u@h/db?options=-c%20search_path%3Dapp&sslmode=require&application_name=n');
    expect(withApplicationName('postgresql:///db?host=/tmp/pg', 'a b')).toBe(
      'postgresql:///db?host=/tmp/pg&application_name=a%20b',
    );
  });
});
