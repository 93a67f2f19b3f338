/**
 * The WebSocket carrier (`ws`), for networks where only HTTP(S) passes. Each batch of
 * records leaves as one binary message; the receiver treats messages as a byte stream, so
 * record boundaries need not match message boundaries. `maxPayload` bounds a message
 * (one write's worth), compression is off (it costs more than it saves on small frames).
 */
import { WebSocket, WebSocketServer } from 'ws';
import type { Carrier, Listening, StreamEvents, StreamPort } from './stream.js';

/** Bytes the `ws` send buffer may hold before `write` asks the connection to wait for a drain. */
const HIGH_WATER_BYTES = 1024 * 1024;

export interface WsCarrierOptions {
  /** The largest message accepted: at least one write (limits.maxWriteBytes + maxFrameBytes + 64). */
  readonly maxPayload: number;
  /** URL path (default `/pd-wire`). */
  readonly path?: string;
}

export function wsCarrier(options: WsCarrierOptions): Carrier {
  const path = options.path ?? '/pd-wire';
  return {
    kind: 'ws',
    listen: (address, accept) => new Promise<Listening>((resolve, reject) => {
      const server = new WebSocketServer({ host: address.host, port: address.port, path, maxPayload: options.maxPayload, perMessageDeflate: false, clientTracking: true });
      server.once('error', reject);
      server.on('connection', (socket, request) => {
        accept(new WsPort(socket, `${request.socket.remoteAddress ?? '?'}:${request.socket.remotePort ?? '?'}`, true));
      });
      server.once('listening', () => {
        server.off('error', reject);
        const bound = server.address();
        const port = typeof bound === 'object' && bound !== null ? bound.port : address.port;
        resolve({
          host: address.host, port,
          close: () => new Promise<void>((done) => {
            for (const client of server.clients) client.terminate();
            server.close(() => done());
          }),
        });
      });
    }),
    dial: (address): StreamPort => {
      const socket = new WebSocket(`ws://${address.host}:${address.port}${path}`, { maxPayload: options.maxPayload, perMessageDeflate: false });
      return new WsPort(socket, `${address.host}:${address.port}`, false);
    },
  };
}

class WsPort implements StreamPort {
  readonly peerCertificateVerified = false;
  private events: StreamEvents | null = null;
  private pending: Uint8Array[] = [];
  private blocked = false;
  private done = false;

  constructor(private readonly socket: WebSocket, readonly remote: string, open: boolean) {
    socket.binaryType = 'nodebuffer';
    if (!open) socket.once('open', () => this.opened());
  }

  attach(events: StreamEvents): void {
    this.events = events;
    const socket = this.socket;
    socket.on('message', (data: Buffer | ArrayBuffer | Buffer[]) => {
      if (this.done) return;
      if (Array.isArray(data)) for (const part of data) events.data(part);
      else events.data(data instanceof ArrayBuffer ? new Uint8Array(data) : data);
    });
    socket.on('error', (error) => this.closed(error));
    socket.on('close', () => this.closed(null));
  }

  write(bytes: Uint8Array): boolean {
    if (this.done) return false;
    const socket = this.socket;
    if (socket.readyState === WebSocket.CONNECTING) {
      this.pending.push(bytes);
      return true;
    }
    if (socket.readyState !== WebSocket.OPEN) return false;
    socket.send(bytes, { binary: true }, () => this.sent());
    if (socket.bufferedAmount < HIGH_WATER_BYTES) return true;
    this.blocked = true;
    return false;
  }

  end(): void {
    if (this.socket.readyState === WebSocket.CONNECTING) {
      this.socket.terminate();
      return;
    }
    this.socket.close(1000);
  }

  destroy(): void {
    this.socket.terminate();
  }

  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  // --- internal ---

  private opened(): void {
    const pending = this.pending;
    this.pending = [];
    for (const bytes of pending) this.write(bytes);
  }

  private sent(): void {
    if (this.blocked && !this.done && this.socket.bufferedAmount < HIGH_WATER_BYTES / 2) {
      this.blocked = false;
      this.events?.drain();
    }
  }

  private closed(error: Error | null): void {
    if (this.done) return;
    this.done = true;
    this.events?.closed(error);
  }
}
