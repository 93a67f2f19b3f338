/**
 * A {@link StreamPort} over a `node:net` or `node:tls` socket. Owns: turning socket events
 * into port events exactly once each. Must not: buffer beyond the socket's own buffer (the
 * connection waits for `drain` when `write` returns false).
 */
import type { Socket } from 'node:net';
import type { StreamEvents, StreamPort } from './stream.js';

export class SocketPort implements StreamPort {
  readonly remote: string;

  constructor(private readonly socket: Socket, readonly peerCertificateVerified = false, remote?: string) {
    this.remote = remote ?? `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    socket.setNoDelay(true);
  }

  attach(events: StreamEvents): void {
    const socket = this.socket;
    let done = false;
    const closed = (error: Error | null): void => {
      if (done) return;
      done = true;
      events.closed(error);
    };
    socket.on('data', (chunk: Buffer) => {
      if (!done) events.data(chunk);
    });
    socket.on('drain', () => {
      if (!done) events.drain();
    });
    socket.on('error', (error) => closed(error));
    socket.on('close', () => closed(null));
  }

  write(bytes: Uint8Array): boolean {
    if (this.socket.destroyed) return false;
    return this.socket.write(bytes);
  }

  end(): void {
    this.socket.end();
  }

  destroy(): void {
    this.socket.destroy();
  }

  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }
}
