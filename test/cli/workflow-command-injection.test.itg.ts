/**
 * Untrusted text never becomes a workflow command in the runner's log. The CLI runs as a real
 * process with GITHUB_ACTIONS=true, as in a workflow step, and its stdout and stderr are read the
 * way the runner reads them (test/harness/workflow-commands.ts): a results.json whose runId carries
 * `::error::`, `::stop-commands::` and `::set-output`, and a migration script whose output does.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inertLogText } from '../../src/log-line.js';
import { parseWorkflowCommands, type WorkflowCommand } from '../harness/workflow-commands.js';
import { FakeGitHubApi } from '../helpers/fake-github-api.js';
import { probePostgres, startTestCluster } from '../helpers/postgres.js';
import { errorResults, failResults } from '../helpers/results-fixtures.js';
import { requireService } from '../helpers/services.js';

const root = resolve(import.meta.dirname, '../..');
const fixtures = join(root, 'test/fixtures/github');
const dir = mkdtempSync(join(tmpdir(), 'perf-gate-log-injection-'));
let api: FakeGitHubApi;

beforeAll(async () => {
  api = await FakeGitHubApi.start();
});
afterAll(async () => {
  await api.close();
  rmSync(dir, { recursive: true, force: true });
});

const HOSTILE =
  'run-1\n::error title=pwned::pwned by the fork\n::stop-commands::tok\n::set-output name=verdict::pass\r::add-mask::x\n  ::warning::indented\n##[error]old form';

/** The CLI from source in its own process, as a workflow step runs it. */
async function cli(args: string[], env: Record<string, string> = {}) {
  // spawnSync would block the fake API in this process: run it asynchronously.
  const { spawn } = await import('node:child_process');
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((done) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'src/index.ts'), ...args], {
      cwd: root, // where --import tsx resolves
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? dir, GITHUB_ACTIONS: 'true', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

/** Commands the runner would act on in either stream, and whether a stop-commands switched it off. */
function commands(out: { stdout: string; stderr: string }): WorkflowCommand[] {
  return [...parseWorkflowCommands(out.stdout).commands, ...parseWorkflowCommands(out.stderr).commands];
}

function injected(list: WorkflowCommand[]): WorkflowCommand[] {
  return list.filter(
    (c) =>
      ['stop-commands', 'set-output', 'warning'].includes(c.command) ||
      (c.command === 'add-mask' && c.message === 'x') ||
      (c.command === 'error' && (c.properties.title === 'pwned' || c.message.startsWith('pwned'))) ||
      c.message === 'old form',
  );
}

describe('workflow commands from untrusted text', () => {
  it('a results.json whose runId carries workflow commands: exit 2, and none of them reaches the runner', async () => {
    const path = join(dir, 'results.json');
    writeFileSync(path, JSON.stringify({ ...failResults(), runId: HOSTILE }));
    const out = await cli(['comment', '--results', path, '--github-token', api.token], {
      GITHUB_API_URL: api.baseUrl,
      GITHUB_REPOSITORY: 'acme/rag-backend',
      GITHUB_EVENT_NAME: 'pull_request',
      GITHUB_EVENT_PATH: join(fixtures, 'pull_request.json'),
      GITHUB_WORKFLOW: 'perf',
      GITHUB_JOB: 'comment',
    });
    const found = commands(out);
    expect(injected(found), `${out.stdout}\n${out.stderr}`).toEqual([]);
    expect(out.code).toBe(2);
    // The one error annotation is perf-gate's own, naming the field.
    expect(found.filter((c) => c.command === 'error').map((c) => c.message.split(':')[0])).toEqual([
      `--results '${path}' field 'runId'`,
    ]);
  });

  it('a schema-valid results.json whose error message, target note and config path carry workflow commands: comment posts it, and the log acts on none', async () => {
    // Accepted by the schema (free text fields), so the comment path reads, renders, publishes and
    // logs it: the runner must still see no command in either stream, even with --verbose.
    const workspace = join(dir, 'workspace');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(workspace, { recursive: true });
    const results = errorResults();
    results.error = { stage: 'bench', message: HOSTILE, exitCode: 3 };
    results.config = `perf-gate.yml${HOSTILE}`;
    const withNote = failResults();
    results.targets = withNote.targets.map((t) => ({ ...t, note: HOSTILE }));
    const path = join(dir, 'results-valid.json');
    writeFileSync(path, JSON.stringify(results));
    api.seedPullRequest('acme', 'rag-backend', {
      number: 57,
      headOwner: 'contributor',
      headBranch: 'faster-rerank',
      headSha: '9f1c2b7d4e5a6f708192a3b4c5d6e7f8091a2b3c',
    });
    const out = await cli(
      ['comment', '--results', path, '--github-token', api.token, '--check-name', 'perf-gate', '--verbose'],
      {
        GITHUB_API_URL: api.baseUrl,
        GITHUB_REPOSITORY: 'acme/rag-backend',
        GITHUB_EVENT_NAME: 'workflow_run',
        GITHUB_EVENT_PATH: join(fixtures, 'workflow_run-fork.json'),
        GITHUB_WORKSPACE: workspace,
        GITHUB_WORKFLOW: 'perf (comment)',
        GITHUB_JOB: 'comment',
      },
    );
    expect(out.code, out.stderr).toBe(0);
    const found = commands(out);
    expect(injected(found), `${out.stdout}\n${out.stderr}`).toEqual([]);
    expect(found.filter((c) => c.command === 'error')).toEqual([]);
    expect(`${out.stdout}\n${out.stderr}`).not.toContain('##[');
    // The hostile text was read and published (as inert text), not refused.
    const [comment] = api.commentsOn('acme', 'rag-backend', 57);
    expect(comment?.body).toContain('pwned by the fork');
  });

  it("a migration script's output lines that are workflow commands are shown, not acted on", async () => {
    const script = join(dir, 'migrate.mjs');
    writeFileSync(
      script,
      `process.stdout.write(${JSON.stringify(`${HOSTILE}\n`)}); process.stderr.write(${JSON.stringify(`${HOSTILE}\n`)});`,
    );
    const out = await cli([
      'migrate',
      '--database-url',
      'postgres://u:p@localhost:1/preview',
      '--command',
      process.execPath,
      '--command',
      script,
    ]);
    expect(out.code, out.stderr).toBe(0);
    expect(injected(commands(out)), out.stdout).toEqual([]);
    // What the script printed is still in the log, readable.
    expect(out.stdout.replace(/\u200b/g, '')).toContain('::error title=pwned::pwned by the fork');
    // The old `##[command]` form, which the runner finds anywhere in a line, is broken up too.
    expect(`${out.stdout}\n${out.stderr}`).not.toContain('##[');
  });
});

describe.skipIf(!requireService('PostgreSQL', probePostgres()))(
  'workflow commands in what a command prints on stdout',
  () => {
    it("migrate --dir --dry-run prints a migration's SQL; its lines that are workflow commands are shown, not acted on", {
      timeout: 60_000,
    }, async () => {
      const cluster = await startTestCluster();
      try {
        const migrations = join(dir, 'migrations');
        const { mkdirSync } = await import('node:fs');
        mkdirSync(migrations, { recursive: true });
        writeFileSync(
          join(migrations, '001_init.sql'),
          `-- a migration from the pull request\n${HOSTILE}\nCREATE TABLE t (id int);\n`,
        );
        const out = await cli(['migrate', '--database-url', cluster.url, '--dir', migrations, '--dry-run']);
        expect(out.code, out.stderr).toBe(0);
        expect(injected(commands(out)), out.stdout).toEqual([]);
        expect(out.stdout.replace(/\u200b/g, '')).toContain('::stop-commands::tok');
        expect(out.stdout).toContain('CREATE TABLE t (id int);');
        expect(out.stdout).not.toContain('##[');
      } finally {
        await cluster.stop();
      }
    });
  },
);

describe('inertLogText', () => {
  it('breaks :: after leading blanks (including those .NET trims) and ##[ anywhere, and splits at \\r as the runner does', () => {
    const text = inertLogText(
      'a\n::error::x\r\u0085::warning::y\n\u3000 ::debug::z\nsee ##[error]w\nkeep: a::b and ::: in the middle',
    );
    for (const line of text.split('\n')) expect(parseWorkflowCommands(line).commands).toEqual([]);
    expect(text.split('\n')).toHaveLength(6);
    expect(text).toContain('keep: a::b and ::: in the middle');
    expect(text.replace(/\u200b/g, '')).toBe(
      'a\n::error::x\n\u0085::warning::y\n\u3000 ::debug::z\nsee ##[error]w\nkeep: a::b and ::: in the middle',
    );
  });
});
