import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { findSquawk, lintMigrations, parseSquawkReport } from '../../src/database/migration-lint.js';
import { InfrastructureError } from '../../src/errors.js';

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
// squawk-cli is a devDependency: its platform binary must be here, here and in CI.
const squawk = findSquawk({ searchRoots: [root] });

function scratch(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'perf-gate-lint-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

describe('lintMigrations with the real squawk binary', () => {
  it('finds the squawk-cli platform binary in node_modules', () => {
    expect(squawk).toMatch(/node_modules\/@squawk-cli\/[a-z0-9]+-[a-z0-9]+\/bin\/squawk$/);
  });

  it("flags the reference migration 022's plain CREATE INDEX on the line it is written, not on the comment above", async () => {
    const file = 'examples/backend-rag/migrations/022_search_indexes.sql';
    const report = await lintMigrations({ files: [file], squawk: squawk!, assumeInTransaction: true, cwd: root });
    expect(report.squawkVersion).toMatch(/^\d+\.\d+\.\d+$/);
    const concurrent = report.findings.filter((f) => f.rule === 'require-concurrent-index-creation');
    // Lines 8 and 13 of the file hold the two CREATE INDEX statements.
    expect(concurrent.map((f) => f.line)).toEqual([8, 13]);
    expect(concurrent.every((f) => f.file === file && f.level === 'warning' && f.column === 1)).toBe(true);
    expect(concurrent[0]!.message).toContain('table updates are blocked');
  });

  it('the CONCURRENTLY form gets no concurrent-index finding; a volatile default gets the rewrite rule', async () => {
    const dir = scratch({
      '001_concurrent.sql': 'CREATE INDEX CONCURRENTLY IF NOT EXISTS events_payload_idx ON events (payload);\n',
      '002_default.sql': '-- a column filled per row\nALTER TABLE events ADD COLUMN score float DEFAULT random();\n',
    });
    const report = await lintMigrations({
      files: ['001_concurrent.sql', '002_default.sql'],
      squawk: squawk!,
      assumeInTransaction: false,
      cwd: dir,
    });
    const rules = (name: string) => report.findings.filter((f) => f.file === name).map((f) => f.rule);
    expect(rules('001_concurrent.sql')).not.toContain('require-concurrent-index-creation');
    expect(rules('002_default.sql')).toContain('adding-field-with-default');
    expect(report.findings.find((f) => f.rule === 'adding-field-with-default')!.line).toBe(2);
  });

  it('passes excluded rules through, and a clean file gives no findings', async () => {
    const dir = scratch({
      '001_index.sql': 'CREATE INDEX IF NOT EXISTS a_idx ON a (x);\n',
      '002_clean.sql': 'SELECT 1;\n',
    });
    const report = await lintMigrations({
      files: ['001_index.sql', '002_clean.sql'],
      squawk: squawk!,
      assumeInTransaction: true,
      cwd: dir,
      exclude: ['require-concurrent-index-creation', 'require-lock-timeout', 'require-statement-timeout'],
    });
    expect(report.findings).toEqual([]);
  });

  it('an unknown rule name or a missing file is squawk failing (exit 3), never "no findings"', async () => {
    const dir = scratch({ '001_a.sql': 'SELECT 1;\n' });
    await expect(
      lintMigrations({
        files: ['001_a.sql'],
        squawk: squawk!,
        assumeInTransaction: true,
        cwd: dir,
        exclude: ['no-such-rule'],
      }),
    ).rejects.toThrow(/squawk failed \(exit 2\).*no-such-rule/s);
    await expect(
      lintMigrations({ files: ['missing.sql'], squawk: squawk!, assumeInTransaction: true, cwd: dir }),
    ).rejects.toBeInstanceOf(InfrastructureError);
  });

  it('a squawk that is not there is found nowhere; a named path that does not run is exit 3', async () => {
    expect(findSquawk({ searchRoots: [tmpdir()], pathVariable: '' })).toBeUndefined();
    await expect(
      lintMigrations({ files: [], squawk: '/nonexistent/squawk', assumeInTransaction: true, cwd: root }),
    ).rejects.toThrow(/squawk could not be run/);
  });
});

describe('parseSquawkReport', () => {
  it('refuses a report whose fields are not what squawk writes, naming the field', () => {
    expect(() => parseSquawkReport('{"not":"a list"}')).toThrow("squawk's report is not a list of findings");
    expect(() =>
      parseSquawkReport('[{"file":"a.sql","line":"7","column":0,"level":"Warning","message":"m","rule_name":"r"}]'),
    ).toThrow("squawk's report, finding 0: field 'line' is \"7\"");
    expect(parseSquawkReport('')).toEqual([]);
  });
});
