import { describe, expect, it } from 'vitest';
import { assertNotProduction, databaseSecrets, maskDatabaseUrl, parseDatabaseUrl, withDatabase } from '../../src/database/database-url.js';
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
    expect(parsed).toMatchObject({ user: 'app', password: 'p@ss/w', host: 'db.internal', port: 6543, database: 'rag', params: { sslmode: 'require' } });
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
    expect(withDatabase('postgres://a:b@h:1/one?sslmode=disable', 'two')).toBe('postgres://a:b@h:1/two?sslmode=disable');
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
    expect(() => assertNotProduction('postgres://app@live-db/rag', { allow: false, pattern: 'live' })).toThrow(InputError);
    expect(() => assertNotProduction('postgres://app@h/rag', { allow: false, pattern: '(' })).toThrow(/valid regular expression/);
  });
});
