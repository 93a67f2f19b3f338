/**
 * The control-plane client: one WebSocket connection, JSON-RPC 2.0 calls with ids and
 * per-call timeouts, and notification handlers. Connection failures become
 * {@link ControlError}s that tell unreachable from bad token, so the CLI can say what to
 * do. Used by `pd` and by tests; holds no engine state.
 */
import WebSocket from 'ws';
import { ControlError, type RpcErrorObject } from './errors.js';

export interface ConnectOptions {
  /** `ws://host:port/`, from the state file. */
  readonly url: string;
  readonly token: string;
  /** Connection and handshake timeout, ms; default 5000. */
  readonly timeoutMs?: number;
}

/** Socket errors that mean something listens at the endpoint but dropped the connection. */
const ANSWERED_BUT_DROPPED = new Set(['ECONNRESET', 'EPIPE']);

export type NotificationHandler = (params: any) => void;

export class ControlClient {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void; timer: NodeJS.Timeout | undefined }>();
  private readonly handlers = new Map<string, Set<NotificationHandler>>();
  private closeHandlers: ((code: number, reason: string) => void)[] = [];

  private constructor(private readonly ws: WebSocket, readonly url: string) {
    ws.on('message', (data) => this.onMessage(data.toString()));
    ws.on('close', (code, reason) => {
      const why = reason.toString() || `code ${code}`;
      for (const [, p] of this.pending) {
        clearTimeout(p.timer);
        p.reject(new ControlError('conn/closed', `the connection closed before the reply (${why})`, { hint: 'the engine may have stopped; check `pd status`' }));
      }
      this.pending.clear();
      for (const fn of this.closeHandlers) fn(code, why);
    });
    ws.on('error', () => {});
  }

  /** Connect and authenticate; rejects with `conn/unreachable` or `conn/bad-token`. */
  static connect(options: ConnectOptions): Promise<ControlClient> {
    const timeoutMs = options.timeoutMs ?? 5000;
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(options.url, { headers: { authorization: `Bearer ${options.token}` }, handshakeTimeout: timeoutMs, maxPayload: 256 * 1024 * 1024 });
      let settled = false;
      const fail = (error: ControlError) => {
        if (settled) return;
        settled = true;
        ws.terminate();
        reject(error);
      };
      ws.once('open', () => {
        settled = true;
        resolve(new ControlClient(ws, options.url));
      });
      ws.once('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => {
          const why = body.trim() || `HTTP ${res.statusCode}`;
          if (res.statusCode === 401) fail(new ControlError('conn/bad-token', `the engine at ${options.url} refused the token (${why})`, { hint: 'the token is in the state file; is it the state file of this engine? (`pd doctor`)' }));
          else if (res.statusCode === 503) fail(busy(options.url, why));
          else fail(new ControlError('conn/unreachable', `the engine at ${options.url} refused the connection: ${why}`));
        });
      });
      ws.once('error', (error: NodeJS.ErrnoException) => {
        // Something accepted the connection and then dropped it, or never finished the
        // handshake: the engine is there but refuses for now (its slots are taken).
        if (ANSWERED_BUT_DROPPED.has(error.code ?? '') || /handshake has timed out/.test(error.message)) {
          fail(busy(options.url, `the connection was closed before the handshake finished (${error.code ?? error.message})`));
          return;
        }
        fail(new ControlError('conn/unreachable', `cannot reach ${options.url}: ${error.code ?? error.message}`, { hint: 'is the engine running? start it with `pd start`, check with `pd doctor`' }));
      });
    });
  }

  /** Call `method`; resolves with its result, rejects with a {@link ControlError}. */
  call<T = any>(method: string, params?: Record<string, unknown>, options: { timeoutMs?: number } = {}): Promise<T> {
    if (this.ws.readyState !== WebSocket.OPEN) return Promise.reject(new ControlError('conn/closed', 'the connection is closed'));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timeoutMs = options.timeoutMs ?? 30_000;
      const timer = timeoutMs === Infinity ? undefined : setTimeout(() => {
        this.pending.delete(id);
        reject(new ControlError('op/timeout', `${method}: no reply within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
      this.ws.send(JSON.stringify({ jsonrpc: '2.0', id, method, ...(params === undefined ? {} : { params }) }));
    });
  }

  /** Handle notifications of `method`; returns the function that removes the handler. */
  on(method: string, handler: NotificationHandler): () => void {
    let set = this.handlers.get(method);
    if (set === undefined) this.handlers.set(method, (set = new Set()));
    set.add(handler);
    return () => set.delete(handler);
  }

  /** Called once when the connection closes (by either side). */
  onClose(handler: (code: number, reason: string) => void): void {
    this.closeHandlers.push(handler);
  }

  get open(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      this.ws.once('close', () => resolve());
      this.ws.close(1000);
      setTimeout(() => {
        this.ws.terminate();
        resolve();
      }, 1000).unref();
    });
  }

  // --- internal ---

  private onMessage(text: string): void {
    let msg: unknown;
    try {
      msg = JSON.parse(text);
    } catch {
      return;
    }
    for (const m of Array.isArray(msg) ? msg : [msg]) {
      const r = m as { id?: unknown; result?: unknown; error?: RpcErrorObject; method?: string; params?: unknown };
      if (typeof r.method === 'string' && r.id === undefined) {
        for (const h of this.handlers.get(r.method) ?? []) h(r.params);
        continue;
      }
      const p = typeof r.id === 'number' ? this.pending.get(r.id) : undefined;
      if (p === undefined) continue;
      this.pending.delete(r.id as number);
      clearTimeout(p.timer);
      if (r.error !== undefined) p.reject(ControlError.fromRpc(r.error));
      else p.resolve(r.result);
    }
  }
}

/** The engine answered but refused the connection for now. */
function busy(url: string, why: string): ControlError {
  return new ControlError('conn/busy', `engine busy: the engine at ${url} answered but refused the connection (${why})`, {
    hint: 'every connection slot is taken (other pd clients, or connections that never authenticate); try again shortly, check `control.maxConnections`',
  });
}
