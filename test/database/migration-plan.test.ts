import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { describeMigrationFile, migrationChecksum, planMigrations } from '../../src/database/migration-plan.js';
import { concurrentIndexTarget, positionToLineColumn, splitStatements } from '../../src/database/sql-text.js';
import { InputError } from '../../src/errors.js';

const file = (name: string, sql = `SELECT '${name}';`) => describeMigrationFile(name, sql);

describe('splitStatements', () => {
  it('does not split inside strings, dollar quotes, comments or BEGIN ATOMIC bodies', () => {
    const sql = [
      "INSERT INTO t VALUES ('a;b', E'it\\'s;');",
      'CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $body$ BEGIN RETURN 1; END; $body$;',
      '/* a; /* nested; */ comment */ SELECT 1; -- trailing; comment',
      'CREATE FUNCTION g() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT CASE WHEN true THEN 2 END; END;',
      'SELECT "semi;colon" FROM t',
    ].join('\n');
    expect(splitStatements(sql)).toHaveLength(5);
    expect(splitStatements('-- only a comment\n;\n  ;')).toEqual([]);
  });
});

describe('positionToLineColumn', () => {
  it('maps a 1-based character position to line and column, counting an emoji as one character', () => {
    expect(positionToLineColumn('SELECT 1;\nSELECT nope;', 18)).toEqual({ line: 2, column: 8 });
    expect(positionToLineColumn("SELECT '😀', nope", 14)).toEqual({ line: 1, column: 14 });
  });
  it('never returns a line beyond the text (property)', () => {
    fc.assert(
      fc.property(fc.string(), fc.integer({ min: 1, max: 500 }), (text, position) => {
        const { line } = positionToLineColumn(text, position);
        return line >= 1 && line <= text.split('\n').length;
      }),
    );
  });
});

describe('concurrentIndexTarget', () => {
  it('reads the index and table names of CREATE INDEX CONCURRENTLY', () => {
    expect(
      concurrentIndexTarget('-- c\nCREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS "My Idx" ON public.items (v);'),
    ).toEqual({ index: 'My Idx', table: 'public.items' });
    expect(concurrentIndexTarget('CREATE INDEX CONCURRENTLY ON Items (v)')).toEqual({
      index: undefined,
      table: 'items',
    });
    expect(concurrentIndexTarget('VACUUM items')).toBeUndefined();
  });
});

describe('planMigrations', () => {
  it('orders numerically, applies what is missing up to `to`, skips what is applied', () => {
    const files = [file('10_c.sql'), file('2_b.sql'), file('001_a.sql')];
    const plan = planMigrations({
      files,
      applied: [{ name: '001_a.sql', version: '1', checksum: files[2]!.checksum }],
      to: '2',
    });
    expect(plan.alreadyApplied.map((f) => f.name)).toEqual(['001_a.sql']);
    expect(plan.toApply.map((f) => f.name)).toEqual(['2_b.sql']);
    expect(plan.beyondTarget.map((f) => f.name)).toEqual(['10_c.sql']);
  });

  it('rejects duplicate numbers, an unknown `to`, and a pending file numbered below an applied one', () => {
    expect(() => planMigrations({ files: [file('021_a.sql'), file('21_b.sql')], applied: [] })).toThrow(
      /share version/,
    );
    expect(() => planMigrations({ files: [file('001_a.sql')], applied: [], to: '7' })).toThrow(
      /no migration file has number 7/,
    );
    const b = file('002_b.sql');
    expect(() =>
      planMigrations({
        files: [file('001_a.sql'), b],
        applied: [{ name: '002_b.sql', version: '2', checksum: b.checksum }],
      }),
    ).toThrow(/001_a.sql is not applied but numbered below 002_b.sql/);
  });

  it('treats CRLF and LF copies of a file as the same checksum, but any other edit as a change', () => {
    expect(migrationChecksum('A;\r\nB;\r\n')).toBe(migrationChecksum('A;\nB;\n'));
    expect(migrationChecksum('A;\nB;\n')).not.toBe(migrationChecksum('A;\nB; \n'));
  });

  it('rejects badly named .sql files and transaction control in transactional files', () => {
    expect(() => describeMigrationFile('22-add.sql', 'SELECT 1')).toThrow(InputError);
    expect(() => describeMigrationFile('001_a.sql', '-- note\nCOMMIT;')).toThrow(/contains "COMMIT"/);
    expect(() => describeMigrationFile('001_a.sql', 'SAVEPOINT s; ROLLBACK TO s;')).not.toThrow();
    expect(
      describeMigrationFile('001_a.sql', '-- perf-gate: no-transaction\nCREATE INDEX CONCURRENTLY i ON t (x);')
        .transactional,
    ).toBe(false);
  });
});
