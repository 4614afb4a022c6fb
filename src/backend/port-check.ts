/**
 * Host ports: find a free one for a published container port, and detect a taken one before boot.
 *
 * A taken port is worse than a failed boot: with host networking or a local process, the health
 * check could succeed against whatever already listens there and perf-gate would benchmark the
 * wrong server. So fixed ports are checked before anything starts.
 */
import { createServer } from 'node:net';

/** True when nothing listens on host:port (we can bind it ourselves and release it at once). */
export function isPortFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    // A wildcard (0.0.0.0) listener on the same port also makes this bind fail with EADDRINUSE on
    // Linux, so one check on loopback catches both.
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** A port the kernel considers free right now. Another process may take it before we use it. */
export function findFreePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ port: 0, host, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Recognises Docker's messages for a host port that is already taken. */
export function isPortConflictMessage(text: string): boolean {
  return /port is already allocated|address already in use|EADDRINUSE/i.test(text);
}
