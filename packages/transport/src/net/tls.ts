/**
 * The TLS carrier (`node:tls`): private and server-authenticated; with `mutual`, the
 * server asks for a client certificate and refuses one not signed by the configured CA
 * (counted and reported as an `auth` refusal), so mutual TLS can stand in for the cluster
 * secret. Keys and certificates come in as PEM (config.ts loads them; never logged).
 */
import { connect, createServer } from 'node:tls';
import { SocketPort } from './socket-port.js';
import type { Carrier, StreamPort } from './stream.js';
import { bind } from './tcp.js';

export interface TlsMaterial {
  readonly cert: string | Buffer;
  readonly key: string | Buffer;
  /** The CA that signs peers' certificates (default: the system's). */
  readonly ca?: string | Buffer;
  /** Require and verify client certificates (mutual TLS). */
  readonly mutual?: boolean;
  /** The name the server's certificate must carry (default: the dialed host). */
  readonly servername?: string;
}

export function tlsCarrier(material: TlsMaterial): Carrier {
  const mutual = material.mutual === true;
  const common = { cert: material.cert, key: material.key, ...(material.ca === undefined ? {} : { ca: material.ca }), minVersion: 'TLSv1.2' as const };
  return {
    kind: 'tls',
    listen: (address, accept, rejected) => {
      const server = createServer({ ...common, requestCert: mutual, rejectUnauthorized: mutual }, (socket) => {
        accept(new SocketPort(socket, mutual && socket.authorized));
      });
      server.on('tlsClientError', (error, socket) => {
        rejected?.(`${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`, `TLS handshake failed: ${error.message}`);
      });
      return bind(server, address);
    },
    dial: (address): StreamPort => {
      const socket = connect({
        ...common, host: address.host, port: address.port, rejectUnauthorized: true,
        ...(material.servername === undefined ? {} : { servername: material.servername }),
      });
      return new SocketPort(socket, true, `${address.host}:${address.port}`);
    },
  };
}
