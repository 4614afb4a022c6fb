/**
 * scripts/config-reference.mjs: README's table of every config key, generated from the JSON Schema.
 * Runs the script as a user (and CI) would, on copies, and once on the real README; the key lists it
 * must cover are read from the schema here, not from the script.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/config-schema.js';

const SCRIPT = `${REPO_ROOT}scripts/config-reference.mjs`;
const SCHEMA_PATH = `${REPO_ROOT}schema/perf-gate.schema.json`;
const schema = JSON.parse(readFileSync(SCHEMA_PATH, 'utf8')) as {
  properties: Record<string, unknown>;
  definitions: Record<string, { properties: Record<string, unknown> }>;
};
const dir = mkdtempSync(join(tmpdir(), 'perf-gate-config-reference-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(...args: string[]) {
  const r = spawnSync(process.execPath, [SCRIPT, ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const keysIn = (table: string) =>
  table
    .split('\n')
    .map((line) => /^\| `([^`]+)` \|/.exec(line)?.[1])
    .filter((key): key is string => key !== undefined);

describe('config-reference', () => {
  const table = run().stdout;
  const keys = keysIn(table);

  it('has a row for every top-level section, every backend key, every server-metric key and every request key', () => {
    for (const key of Object.keys(schema.properties)) expect(keys).toContain(key);
    for (const key of Object.keys(schema.definitions.variantFields!.properties))
      expect(keys).toContain(`backend.${key}`);
    for (const key of Object.keys(schema.definitions.serverMetric!.properties))
      expect(keys).toContain(`metrics[].${key}`);
    for (const key of Object.keys(schema.definitions.request!.properties))
      expect(keys).toContain(`load.workload.requests[].${key}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it("states each metric kind's own keys with their type and allowed values", () => {
    const row = (key: string) => table.split('\n').find((line) => line.startsWith(`| \`${key}\` |`)) ?? '';
    expect(row('metrics[].kind')).toContain('`histogram_quantile`, `counter_ratio`');
    expect(row('metrics[].quantile')).toContain('number (0..1)');
    expect(row('metrics[].quantile')).toContain('For kind histogram_quantile');
    expect(row('metrics[].denominator')).toContain('For kind counter_ratio');
    expect(row('metrics[].denominator.metric')).toContain('| text |');
    expect(row('metrics[].direction')).toContain('`lower-is-better`, `higher-is-better` | `"lower-is-better"`');
    expect(row('load.rate')).toContain('number (0.1..1000000) | `50`');
  });

  it('keeps every row at four cells on GitHub: pipes escaped once, and <metric> written so it is not taken for a tag', () => {
    const targets = table.split('\n').find((line) => line.startsWith('| `targets` |'))!;
    expect(targets).toContain('"&lt;metric> improves >= N%"');
    expect(targets).not.toContain('\\\\|');
    // Unescaped pipes are the cell separators: five per row (four cells).
    for (const line of table.split('\n').filter((l) => l.startsWith('| `')))
      expect(line.split(/(?<!\\)\|/).length - 1, line.slice(0, 60)).toBe(5);
  });

  it('README.md holds the reference as generated from the schema', () => {
    const check = run('--check');
    expect(check.stderr).toBe('');
    expect(check.status).toBe(0);
  });

  it('--check fails when the schema gains a key the README does not list; --write brings it back in line', () => {
    const readme = join(dir, 'README.md');
    writeFileSync(readme, readFileSync(`${REPO_ROOT}README.md`, 'utf8'));
    const grown = JSON.parse(readFileSync(SCHEMA_PATH, 'utf8'));
    grown.properties.gate.properties.newKey = { description: 'Something new.', type: 'string' };
    const schemaCopy = join(dir, 'schema.json');
    writeFileSync(schemaCopy, JSON.stringify(grown));
    const check = run('--check', '--readme', readme, '--schema', schemaCopy);
    expect(check.status).toBe(1);
    expect(check.stderr).toContain('--write');
    expect(run('--write', '--readme', readme, '--schema', schemaCopy).status).toBe(0);
    expect(readFileSync(readme, 'utf8')).toContain('| `gate.newKey` | text |  | Something new. |');
    expect(run('--check', '--readme', readme, '--schema', schemaCopy).status).toBe(0);
  });

  it('--check fails, naming the markers, on a README without them', () => {
    const readme = join(dir, 'README-bare.md');
    writeFileSync(readme, '# no markers\n');
    const check = run('--check', '--readme', readme);
    expect(check.status).toBe(1);
    expect(check.stderr).toContain('<!-- config-reference:start -->');
  });
});
