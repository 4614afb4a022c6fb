/** Shared set-up for the backend-stage integration tests. */
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
export const fixtureServer = join(root, 'test/fixtures/backend/server.cjs');
export const FIXTURE_IMAGE = 'perf-gate-test/backend-fixture:latest';

/** Builds (or reuses) the fixture image offline with the project's image builder. */
export function buildFixtureImage(): string {
  execFileSync(
    'node',
    [join(root, 'scripts/build-node-image.mjs'), '--tag', FIXTURE_IMAGE, '--file', `${fixtureServer}=/app/server.js`],
    {
      stdio: 'pipe',
    },
  );
  return FIXTURE_IMAGE;
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `perf-gate-backend-${prefix}-`));
}

export function uniqueRunId(prefix: string): string {
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

/** Names of containers (running or not) carrying the label, straight from the docker CLI. */
export function containersWithLabel(label: string): string[] {
  const out = spawnSync('docker', ['ps', '-a', '--filter', `label=${label}`, '--format', '{{.Names}}'], {
    encoding: 'utf8',
  });
  if (out.status !== 0) throw new Error(out.stderr);
  return out.stdout.split('\n').filter((line) => line.trim() !== '');
}

export function removeContainersWithLabel(label: string): void {
  const names = containersWithLabel(label);
  if (names.length > 0) spawnSync('docker', ['rm', '-f', ...names]);
}

export interface BootChild {
  child: ChildProcess;
  ready: { backends: Record<string, { baseUrl: string; pid?: number; containerName?: string }>; bothHealthyMs: number };
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts test/fixtures/backend/boot-and-wait.ts and resolves once it printed READY. */
export async function startBootChild(plan: unknown): Promise<BootChild> {
  // `node --import tsx`, not the tsx CLI: the CLI is a parent process that relays signals to the
  // real one, and the test must signal the perf-gate process itself.
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(root, 'test/fixtures/backend/boot-and-wait.ts'), JSON.stringify(plan)],
    {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  let err = '';
  child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const ready = await new Promise<BootChild['ready']>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = out.match(/READY (.*)\n/);
      if (match) resolve(JSON.parse(match[1]!) as BootChild['ready']);
    });
    void exited.then(({ code }) => reject(new Error(`boot child exited with ${code} before READY:\n${err}`)));
  });
  return { child, ready, stderr: () => err, exited };
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const stat = spawnSync('cat', [`/proc/${pid}/stat`], { encoding: 'utf8' }).stdout;
  return stat !== '' && !/\) Z /.test(stat);
}
