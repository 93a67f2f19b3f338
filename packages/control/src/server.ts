/**
 * The control-plane server: JSON-RPC 2.0 over WebSocket (`ws`), bound to loopback unless
 * told otherwise, a bearer token required on every connection, bounded everywhere
 * (invariant 9): connections, request frame size, requests in flight per connection,
 * batch size, and notification backlog. A connection that has not finished an
 * authenticated handshake costs little: it is closed at a short deadline, and such
 * connections have their own cap, so idle sockets from anyone cannot lock `pd` out. It owns connections and framing only; what each
 * method does lives in methods/. A request can never crash the engine: every failure
 * becomes a JSON-RPC error (invariant 8).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { PdError } from '@pd/actor';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { ControlError, type RpcErrorObject } from './errors.js';
import { isLoopbackHost } from './loopback.js';
import { actorMethods } from './methods/actors.js';
import { clusterMethods } from './methods/cluster.js';
import { REMOTE_METHODS, forwardToNode, serveRemoteMethods } from './remote.js';
import { engineMethods } from './methods/engine.js';
import { eventMethods } from './methods/events.js';
import { messageMethods } from './methods/messages.js';
import { pluginMethods } from './methods/plugins.js';
import { isObserverRequest, serveObserver } from './observer/http.js';
import type { ControlHost, Method, MethodTable, Session } from './methods/types.js';
import { Params } from './params.js';
import { tokensEqual } from './state.js';

/** Defaults, in one place (the config contract documents the same numbers). */
export const CONTROL_DEFAULTS = {
  host: '127.0.0.1',
  port: 0,
  maxConnections: 16,
  maxRequestBytes: 1_048_576,
  maxInFlight: 32,
  /** Bytes a connection may have waiting to be sent before notifications are dropped. */
  maxBufferedBytes: 4 * 1_048_576,
  /** How long a connection may take to finish its authenticated handshake, ms. */
  handshakeTimeoutMs: 5000,
  /** Connections not yet authenticated, at once. */
  maxPendingConnections: 64,
} as const;

export interface ControlServerOptions {
  /** The bearer token every connection must present. */
  readonly token: string;
  readonly host?: string;
  readonly port?: number;
  /** Required to bind a non-loopback host: the token then crosses the network in clear. */
  readonly allowRemote?: boolean;
  readonly maxConnections?: number;
  readonly maxRequestBytes?: number;
  readonly maxInFlight?: number;
  /** A connection not upgraded and authenticated within this many ms is closed. */
  readonly handshakeTimeoutMs?: number;
  /** Connections still in their handshake at once; more are answered 503 and closed. */
  readonly maxPendingConnections?: number;
  /** More methods (cluster, plugins) added to the built-in ones. */
  readonly methods?: MethodTable;
  /** Serve the web observer at `/observer/` (same token; see observer/http.ts). Default false. */
  readonly observer?: boolean;
}

/** The built-in methods, by name. */
export const BUILTIN_METHODS: MethodTable = { ...engineMethods, ...actorMethods, ...messageMethods, ...eventMethods, ...pluginMethods, ...clusterMethods };

export class ControlServer {
  private readonly http: Server;
  private readonly wss: WebSocketServer;
  private readonly methods: Record<string, Method>;
  private readonly sockets = new Set<WebSocket>();
  /** Connections not (yet) authenticated, with the timer that closes them at the deadline. */
  private readonly pending = new Map<Socket, NodeJS.Timeout>();
  /** Connections answered 503 at once: whatever they send next is ignored. */
  private readonly turnedAway = new WeakSet<Duplex>();
  private readonly limits: { maxConnections: number; maxInFlight: number; maxBufferedBytes: number; handshakeTimeoutMs: number; maxPendingConnections: number };
  private nextSession = 1;
  private closing = false;
  /** Stops serving the read-only methods to the other nodes of the cluster. */
  private unserve: (() => void) | null = null;

  constructor(private readonly host: ControlHost, private readonly options: ControlServerOptions) {
    if (typeof options.token !== 'string' || options.token.length < 16) throw new ControlError('rpc/invalid-params', 'control: the token must be a string of at least 16 characters');
    const bind = options.host ?? CONTROL_DEFAULTS.host;
    if (!isLoopbackHost(bind) && options.allowRemote !== true) {
      throw new ControlError('rpc/invalid-params', `control: refusing to bind "${bind}": not a loopback address (set allowRemote to bind it anyway)`);
    }
    this.limits = {
      maxConnections: options.maxConnections ?? CONTROL_DEFAULTS.maxConnections,
      maxInFlight: options.maxInFlight ?? CONTROL_DEFAULTS.maxInFlight,
      maxBufferedBytes: CONTROL_DEFAULTS.maxBufferedBytes,
      handshakeTimeoutMs: options.handshakeTimeoutMs ?? CONTROL_DEFAULTS.handshakeTimeoutMs,
      maxPendingConnections: options.maxPendingConnections ?? CONTROL_DEFAULTS.maxPendingConnections,
    };
    this.methods = { ...BUILTIN_METHODS, ...options.methods, 'rpc.methods': this.listMethods() };
    // The other nodes of the cluster may run the read-only methods here (one control plane per node serves them).
    if (host.federation !== undefined) {
      try {
        this.unserve = serveRemoteMethods(host.federation, host, this.methods);
      } catch {
        this.unserve = null;
      }
    }
    this.http = createServer((req, res) => {
      if (options.observer === true && isObserverRequest(req.url)) return this.observe(req, res);
      res.writeHead(426, { 'content-type': 'text/plain', connection: 'close' });
      res.end('pd control plane: connect with a WebSocket JSON-RPC 2.0 client (pd) and a bearer token\n');
    });
    this.wss = new WebSocketServer({ noServer: true, maxPayload: options.maxRequestBytes ?? CONTROL_DEFAULTS.maxRequestBytes });
    this.http.on('connection', (socket: Socket) => this.admit(socket));
    this.http.on('upgrade', (req, socket, head) => this.upgrade(req, socket, head));
  }

  /** Start listening; resolves with the bound address (the actual port when 0 was asked). */
  listen(): Promise<{ host: string; port: number; url: string }> {
    const host = this.options.host ?? CONTROL_DEFAULTS.host;
    return new Promise((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen(this.options.port ?? CONTROL_DEFAULTS.port, host, () => {
        this.http.off('error', reject);
        const port = (this.http.address() as AddressInfo).port;
        const urlHost = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
        resolve({ host, port, url: `ws://${urlHost}:${port}/` });
      });
    });
  }

  /** Authenticated connections open now. */
  get connections(): number {
    return this.sockets.size;
  }

  /** Connections open now that have not (yet) finished an authenticated handshake. */
  get pendingConnections(): number {
    return this.pending.size;
  }

  /** Close every connection (code 1001) and stop listening. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.unserve?.();
    for (const [socket, timer] of this.pending) {
      clearTimeout(timer);
      socket.destroy();
    }
    this.pending.clear();
    for (const ws of this.sockets) ws.close(1001, 'engine stopping');
    await new Promise<void>((resolve) => {
      const force = setTimeout(() => {
        for (const ws of this.sockets) ws.terminate();
      }, 1000);
      this.http.close(() => {
        clearTimeout(force);
        resolve();
      });
      this.http.closeAllConnections?.();
    });
  }

  // --- boundary: the observer (HTTP) ---

  /** Observer requests share one in-flight budget, and run through the same methods. */
  private observerInFlight = 0;

  private observe(req: IncomingMessage, res: ServerResponse): void {
    serveObserver(req, res, {
      token: this.options.token,
      maxRequestBytes: this.options.maxRequestBytes ?? CONTROL_DEFAULTS.maxRequestBytes,
      bound: () => {
        const a = this.http.address() as AddressInfo | null;
        return a === null ? null : { host: this.options.host ?? CONTROL_DEFAULTS.host, port: a.port };
      },
      call: async (body) => {
        // A session per request: no notifications over plain HTTP, cleanups run at once.
        const session: Session = { id: this.nextSession++, cleanups: new Map(), notify: () => false };
        try {
          return await this.onMessage(session, body, false, () => this.observerInFlight, (d) => (this.observerInFlight += d));
        } finally {
          for (const cleanup of session.cleanups.values()) {
            try {
              cleanup();
            } catch {
              // As for WebSocket sessions: one failing cleanup must not stop the others.
            }
          }
        }
      },
    });
  }

  // --- boundary: connections ---

  /**
   * Every TCP connection starts unauthenticated: it is counted against its own cap and
   * closed at the handshake deadline unless {@link accept} takes it first. Over the cap it
   * is told 503 and closed at once, so a flood of idle sockets holds no descriptors.
   */
  private admit(socket: Socket): void {
    socket.on('error', () => socket.destroy());
    if (this.pending.size >= this.limits.maxPendingConnections) {
      this.turnedAway.add(socket);
      socket.end(httpResponse(503, `too many connections in their handshake (at most ${this.limits.maxPendingConnections})`), () => socket.destroy());
      return;
    }
    const timer = setTimeout(() => {
      this.pending.delete(socket);
      socket.destroy();
    }, this.limits.handshakeTimeoutMs);
    timer.unref();
    this.pending.set(socket, timer);
    socket.once('close', () => this.settle(socket));
  }

  /** `socket` is authenticated or gone: it no longer counts as pending. */
  private settle(socket: Duplex): void {
    const timer = this.pending.get(socket as Socket);
    if (timer === undefined) return;
    clearTimeout(timer);
    this.pending.delete(socket as Socket);
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    if (this.turnedAway.has(socket)) return void socket.destroy();
    if (this.closing) return refuse(socket, 503, 'the engine is stopping');
    // Browsers cannot set the Authorization header on a WebSocket, but refuse them anyway:
    // no page may drive an engine (cross-site WebSocket hijacking).
    if (req.headers.origin !== undefined) return refuse(socket, 403, 'requests from browser origins are refused');
    const auth = req.headers.authorization ?? '';
    const token = auth.startsWith('Bearer ') ? auth.slice(7).trim() : '';
    if (!tokensEqual(token, this.options.token)) return refuse(socket, 401, token === '' ? 'a bearer token is required' : 'bad token');
    if (this.sockets.size >= this.limits.maxConnections) return refuse(socket, 503, `too many connections (at most ${this.limits.maxConnections})`);
    this.settle(socket);
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws));
  }

  private accept(ws: WebSocket): void {
    this.sockets.add(ws);
    let inFlight = 0;
    const session: Session = {
      id: this.nextSession++,
      cleanups: new Map(),
      notify: (method, params) => {
        if (ws.readyState !== ws.OPEN || ws.bufferedAmount > this.limits.maxBufferedBytes) return false;
        ws.send(JSON.stringify({ jsonrpc: '2.0', method, params }));
        return true;
      },
    };
    const reply = (response: unknown) => {
      if (ws.readyState === ws.OPEN) ws.send(stringify(response));
    };
    ws.on('message', (data: RawData, isBinary: boolean) => {
      void this.onMessage(session, data, isBinary, () => inFlight, (d) => (inFlight += d)).then((response) => {
        if (response !== null) reply(response);
      });
    });
    ws.on('error', () => ws.terminate());
    ws.on('close', () => {
      this.sockets.delete(ws);
      for (const cleanup of session.cleanups.values()) {
        try {
          cleanup();
        } catch {
          // A cleanup that throws must not keep the others from running.
        }
      }
      session.cleanups.clear();
    });
  }

  // --- internal: JSON-RPC ---

  private async onMessage(session: Session, data: RawData, isBinary: boolean, inFlight: () => number, add: (d: number) => void): Promise<unknown> {
    if (isBinary) return errorResponse(null, new ControlError('rpc/invalid-request', 'send JSON-RPC as text frames'));
    let request: unknown;
    try {
      request = JSON.parse(rawText(data));
    } catch {
      return errorResponse(null, new ControlError('rpc/parse', 'the request is not valid JSON'));
    }
    if (!Array.isArray(request)) return this.handle(session, request, inFlight, add);
    if (request.length === 0) return errorResponse(null, new ControlError('rpc/invalid-request', 'an empty batch'));
    if (request.length > this.limits.maxInFlight) {
      return errorResponse(null, new ControlError('rpc/busy', `a batch of ${request.length} requests (at most ${this.limits.maxInFlight})`));
    }
    const responses = (await Promise.all(request.map((r) => this.handle(session, r, inFlight, add)))).filter((r) => r !== null);
    return responses.length === 0 ? null : responses;
  }

  private async handle(session: Session, request: unknown, inFlight: () => number, add: (d: number) => void): Promise<unknown> {
    const r = request as { jsonrpc?: unknown; method?: unknown; params?: unknown; id?: unknown };
    const validId = r !== null && typeof r === 'object' && (r.id === undefined || r.id === null || typeof r.id === 'string' || typeof r.id === 'number');
    const id = validId && r.id !== undefined ? (r.id as string | number | null) : null;
    if (!validId || r.jsonrpc !== '2.0' || typeof r.method !== 'string') {
      return errorResponse(id, new ControlError('rpc/invalid-request', 'expected {"jsonrpc": "2.0", "method": string, "params"?: object, "id"?: string | number}'));
    }
    const notification = !('id' in r);
    if (inFlight() >= this.limits.maxInFlight) {
      return notification ? null : errorResponse(id, new ControlError('rpc/busy', `${this.limits.maxInFlight} requests already in flight on this connection`, { hint: 'wait for replies before sending more' }));
    }
    add(1);
    try {
      const method = Object.hasOwn(this.methods, r.method) ? this.methods[r.method] : undefined;
      if (method === undefined) throw new ControlError('rpc/unknown-method', `no method "${r.method}"`, { hint: 'call rpc.methods for the list' });
      const raw = r.params as Record<string, unknown> | undefined;
      // A read-only method with `node`: run by that node of the cluster (remote.ts).
      const result = REMOTE_METHODS.has(r.method) && typeof raw === 'object' && raw !== null && !Array.isArray(raw) && raw.node !== undefined
        ? await forwardToNode(this.host, this.methods, r.method, raw, raw.node)
        : await method.run(Params.from(r.method, r.params, method.params), this.host, session);
      return notification ? null : { jsonrpc: '2.0', id, result: result ?? null };
    } catch (error) {
      return notification ? null : errorResponse(id, error);
    } finally {
      add(-1);
    }
  }

  private listMethods(): Method {
    return {
      params: [],
      summary: 'Every method with its params and a one-line summary.',
      run: () => ({
        methods: Object.entries(this.methods).map(([name, m]) => ({ name, params: m.params, summary: m.summary })).sort((a, b) => (a.name < b.name ? -1 : 1)),
      }),
    };
  }
}

function errorResponse(id: string | number | null, error: unknown): { jsonrpc: '2.0'; id: string | number | null; error: RpcErrorObject } {
  return { jsonrpc: '2.0', id, error: toControlError(error).toRpc() };
}

/** Any thrown value as a ControlError: runtime errors keep their code as `data.cause`. */
function toControlError(error: unknown): ControlError {
  if (error instanceof ControlError) return error;
  if (error instanceof PdError) {
    if (error.code === 'engine/stopped') return new ControlError('engine/stopped', error.message);
    if (error.code === 'arg/invalid' || error.code === 'registry/invalid-name') return new ControlError('rpc/invalid-params', error.message, { data: { cause: error.code } });
    return new ControlError('rpc/internal', error.message, { data: { cause: error.code } });
  }
  return new ControlError('rpc/internal', `internal error: ${(error as Error)?.message ?? String(error)}`, { hint: 'this is a bug in pd; please report it with the engine output' });
}

function stringify(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch (error) {
    const id = (value as { id?: unknown })?.id ?? null;
    return JSON.stringify(errorResponse(typeof id === 'string' || typeof id === 'number' ? id : null, new ControlError('rpc/internal', `the result cannot be encoded: ${(error as Error).message}`)));
  }
}

function rawText(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data as ArrayBuffer).toString('utf8');
}

function refuse(socket: Duplex, status: number, reason: string): void {
  socket.end(httpResponse(status, reason));
}

function httpResponse(status: number, reason: string): string {
  const text = { 401: 'Unauthorized', 403: 'Forbidden', 503: 'Service Unavailable' }[status] ?? 'Error';
  const body = `${reason}\n`;
  return `HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}
