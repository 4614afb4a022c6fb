/**
 * Test helpers for the reference backend: apply its migrations with `pg`, start server.mjs as a
 * child process on a free loopback port, scrape and parse its /metrics.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { freePort } from './postgres.js';

export const exampleDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'examples', 'backend-rag');
export const serverPath = join(exampleDir, 'server.mjs');

export function migrationSql(file: string): string {
  return readFileSync(join(exampleDir, 'migrations', file), 'utf8');
}

/** Applies migration files in order, each in its own transaction (as perf-gate's runner does). */
export async function applyMigrations(url: string, files: string[]): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    for (const file of files) {
      await client.query('BEGIN');
      try {
        await client.query(migrationSql(file));
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw new Error(`${file}: ${(error as Error).message}`);
      }
    }
  } finally {
    await client.end();
  }
}

export async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export interface RunningServer {
  baseUrl: string;
  child: ChildProcess;
  output(): string;
  /** Sends SIGTERM and resolves with the exit code. */
  stop(): Promise<number | null>;
}

export interface ExitedServer {
  code: number | null;
  output: string;
}

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/** Runs the server with `env` (on top of a minimal environment) and waits for its exit. */
export async function runServerToExit(env: Record<string, string>, timeoutMs = 15_000): Promise<ExitedServer> {
  const child = spawn(process.execPath, [serverPath], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const code = await exited(child);
  clearTimeout(timer);
  return { code, output };
}

/** Starts the server and waits until it answers /health with any status (200 or 503). */
export async function startServer(env: Record<string, string>): Promise<RunningServer> {
  const port = await freePort();
  const child = spawn(process.execPath, [serverPath], {
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  const baseUrl = `http://127.0.0.1:${port}`;
  const server: RunningServer = {
    baseUrl,
    child,
    output: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited(child);
    },
  };
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}: ${output}`);
    try {
      await fetch(`${baseUrl}/health`);
      return server;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  child.kill('SIGKILL');
  throw new Error(`server did not answer within 20 s: ${output}`);
}

export interface SearchResponse {
  query: string;
  golden: { answer: string; documentId: number } | null;
  results: Array<{ id: number; title: string; score: number; rerankScore?: number }>;
  steps: { golden_lookup: boolean; retrieval: boolean; rerank: boolean };
  earlyExit: boolean;
  topScore: number;
}

export async function search(baseUrl: string, query: string): Promise<SearchResponse> {
  const res = await fetch(`${baseUrl}/api/search`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query }),
  });
  if (res.status !== 200) throw new Error(`search ${JSON.stringify(query)}: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as SearchResponse;
}

export interface Scrape {
  text: string;
  /** Value of one sample, by its exact series text, e.g. `rag_searches_total` or `x{step="total"}`. */
  value(series: string): number | undefined;
}

export async function scrape(baseUrl: string): Promise<Scrape> {
  const res = await fetch(`${baseUrl}/metrics`);
  if (res.status !== 200) throw new Error(`/metrics: HTTP ${res.status}`);
  const text = await res.text();
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    samples.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return { text, value: (series) => samples.get(series) };
}
