/**
 * The TCP carrier (`node:net`): plain sockets, authenticated by the handshake's HMAC over
 * the cluster secret. Use TLS (tls.ts) where the network is not trusted: TCP is not private.
 */
import { connect, createServer, type Server } from 'node:net';
import { SocketPort } from './socket-port.js';
import type { Carrier, Listening, NetAddress, StreamPort } from './stream.js';

export function tcpCarrier(): Carrier {
  return {
    kind: 'tcp',
    listen: (address, accept) => {
      const server = createServer({ noDelay: true }, (socket) => accept(new SocketPort(socket)));
      return bind(server, address);
    },
    dial: (address): StreamPort => new SocketPort(connect({ host: address.host, port: address.port, noDelay: true }), false, `${address.host}:${address.port}`),
  };
}

/** Listens on `address` and resolves with the bound address and a close that waits. */
export function bind(server: Server, address: NetAddress): Promise<Listening> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(address.port, address.host, () => {
      server.off('error', reject);
      const bound = server.address();
      const port = typeof bound === 'object' && bound !== null ? bound.port : address.port;
      resolve({
        host: address.host, port,
        close: () => new Promise<void>((done) => server.close(() => done())),
      });
    });
  });
}
