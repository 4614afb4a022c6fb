/**
 * A real node:http server on 127.0.0.1 with a port chosen by the OS, for the load tests and bench scripts.
 * Its behaviour can be swapped while it runs (stall, fail, reset), as a misbehaving backend would.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type Behaviour = (request: IncomingMessage, response: ServerResponse) => void;

export interface LoopbackServer {
  url: string;
  port: number;
  /** Requests the server has seen (all of them, answered or not). */
  readonly received: number;
  /** TCP connections the server has accepted so far. */
  readonly connections: number;
  /** Connections open right now. */
  readonly openConnections: number;
  setBehaviour(behaviour: Behaviour): void;
  close(): Promise<void>;
}

export const answerOk: Behaviour = (_request, response) => {
  response.writeHead(200, { 'content-type': 'text/plain', 'content-length': '2' });
  response.end('ok');
};

export async function startLoopbackServer(initial: Behaviour = answerOk): Promise<LoopbackServer> {
  let behaviour = initial;
  let received = 0;
  const sockets = new Set<Socket>();
  const server = createServer((request, response) => {
    received++;
    // Drain the request body before answering so keep-alive stays usable.
    request.resume();
    request.on('end', () => behaviour(request, response));
  });
  server.keepAliveTimeout = 60_000;
  let connections = 0;
  server.on('connection', (socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    get received() {
      return received;
    },
    get connections() {
      return connections;
    },
    get openConnections() {
      return sockets.size;
    },
    setBehaviour(next) {
      behaviour = next;
    },
    close() {
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
