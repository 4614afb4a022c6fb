/**
 * Starts test/fixtures/load/http-target.mjs in a child process (argv array, no shell) and controls it over HTTP.
 * A separate process matters: a server sharing the generator's event loop would make each slow the other.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface TargetProcess {
  url: string;
  /** Calls a control endpoint, e.g. control('/__stall?ms=2000'). */
  control(pathAndQuery: string): Promise<void>;
  /** Requests served so far (control requests excluded). */
  served(): Promise<number>;
  stop(): Promise<void>;
}

const script = fileURLToPath(new URL('../fixtures/load/http-target.mjs', import.meta.url));

export async function startTargetProcess(delayMs = 0): Promise<TargetProcess> {
  const child: ChildProcess = spawn(process.execPath, [script, String(delayMs)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let text = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const match = /listening (\d+)/.exec(text);
      if (match) resolve(Number(match[1]));
    });
    child.once('exit', (code) => reject(new Error(`http-target exited early with code ${code}`)));
  });
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    async control(pathAndQuery) {
      const response = await fetch(url + pathAndQuery, { method: 'POST' });
      await response.arrayBuffer();
    },
    async served() {
      const response = await fetch(`${url}/__count`);
      return Number(await response.text());
    },
    stop() {
      if (child.exitCode !== null) return Promise.resolve();
      return new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      });
    },
  };
}
