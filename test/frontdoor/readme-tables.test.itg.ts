/**
 * scripts/readme-tables.mjs: README's input/output tables generated from action.yml. Runs the script as
 * a user (and CI) would, on copies, and once on the real README.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { REPO_ROOT } from '../helpers/config-schema.js';

const SCRIPT = `${REPO_ROOT}scripts/readme-tables.mjs`;
const ACTION = `${REPO_ROOT}action.yml`;
const dir = mkdtempSync(join(tmpdir(), 'perf-gate-readme-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(...args: string[]) {
  const r = spawnSync(process.execPath, [SCRIPT, ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const MARKED = [
  '# x',
  '',
  '### Inputs',
  '<!-- inputs:start -->',
  'old',
  '<!-- inputs:end -->',
  '',
  'prose stays',
  '',
  '### Outputs',
  '<!-- outputs:start -->',
  '<!-- outputs:end -->',
  'tail',
  '',
].join('\n');

describe('readme-tables', () => {
  it('prints one row per input and output of action.yml, with defaults and descriptions', () => {
    const action = parseYaml(readFileSync(ACTION, 'utf8')) as {
      inputs: Record<string, { description: string }>;
      outputs: Record<string, unknown>;
    };
    const out = run();
    expect(out.status).toBe(0);
    for (const name of Object.keys(action.inputs)) expect(out.stdout).toContain(`| \`${name}\` |`);
    for (const name of Object.keys(action.outputs)) expect(out.stdout).toContain(`| \`${name}\` |`);
    expect(out.stdout).toContain('| `report-dir` | `perf-gate-report` |');
  });

  it('escapes a pipe in a description, so every row keeps its column count', () => {
    const action = join(dir, 'pipes.yml');
    writeFileSync(
      action,
      'inputs:\n  mode:\n    description: "a | b, over\\ntwo lines"\n    default: a\noutputs:\n  verdict:\n    description: pass | fail\n',
    );
    const out = run('--action', action);
    expect(out.stdout).toContain('| `mode` | `a` | a \\| b, over two lines |');
    expect(out.stdout).toContain('| `verdict` | pass \\| fail |');
    const columns = (line: string) => line.split(/(?<!\\)\|/).length - 2;
    const lines = out.stdout
      .trim()
      .split('\n')
      .filter((l) => l.startsWith('|'));
    expect(lines.filter((l) => columns(l) === 3).length).toBe(3);
    expect(lines.filter((l) => columns(l) === 2).length).toBe(3);
  });

  it('--write replaces only the marked regions; --check then passes', () => {
    const readme = join(dir, 'README.md');
    writeFileSync(readme, MARKED);
    expect(run('--check', '--readme', readme).status).toBe(1);
    expect(run('--write', '--readme', readme).status).toBe(0);
    const written = readFileSync(readme, 'utf8');
    expect(written).not.toContain('\nold\n');
    expect(written.startsWith('# x\n\n### Inputs\n<!-- inputs:start -->\n| Input | Default | Meaning |')).toBe(true);
    expect(written).toContain('<!-- inputs:end -->\n\nprose stays\n');
    expect(written.endsWith('<!-- outputs:end -->\ntail\n')).toBe(true);
    const check = run('--check', '--readme', readme);
    expect(check.stderr).toBe('');
    expect(check.status).toBe(0);
    // Idempotent: a second write changes nothing.
    run('--write', '--readme', readme);
    expect(readFileSync(readme, 'utf8')).toBe(written);
  });

  it('--check fails when action.yml gains an input the README does not list', () => {
    const readme = join(dir, 'README2.md');
    writeFileSync(readme, MARKED);
    run('--write', '--readme', readme);
    const action = join(dir, 'action.yml');
    copyFileSync(ACTION, action);
    writeFileSync(
      action,
      readFileSync(action, 'utf8').replace(
        'inputs:\n',
        'inputs:\n  new-input:\n    description: Something new.\n    default: x\n',
      ),
    );
    const check = run('--check', '--readme', readme, '--action', action);
    expect(check.status).toBe(1);
    expect(check.stderr).toContain('--write');
  });

  it('--check fails, naming the markers, on a README without them', () => {
    const readme = join(dir, 'README3.md');
    writeFileSync(readme, '# no markers\n');
    const check = run('--check', '--readme', readme);
    expect(check.status).toBe(1);
    expect(check.stderr).toContain('<!-- inputs:start -->');
  });

  // Fails until the lead adds the four markers to README.md and runs `node scripts/readme-tables.mjs --write`.
  it('README.md has the markers and its tables match action.yml', () => {
    const readme = readFileSync(`${REPO_ROOT}README.md`, 'utf8');
    for (const marker of [
      '<!-- inputs:start -->',
      '<!-- inputs:end -->',
      '<!-- outputs:start -->',
      '<!-- outputs:end -->',
    ])
      expect(readme).toContain(marker);
    const check = run('--check');
    expect(check.stderr).toBe('');
    expect(check.status).toBe(0);
  });
});
