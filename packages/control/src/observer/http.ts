/**
 * The web observer's HTTP face, on the control-plane port: `GET /observer/` serves a page
 * and its script (no secrets in them), `POST /observer/rpc` runs one JSON-RPC request
 * through the same methods `pd` calls. The page sends the control-plane token as a bearer
 * header (a cross-site page cannot: the custom header needs a CORS preflight we never
 * grant), the Host must be the bound loopback address (no DNS rebinding), and an Origin,
 * when present, must be this very host. Bounded: body size, requests in flight.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isLoopbackHost } from '../loopback.js';
import { tokensEqual } from '../state.js';
import { OBSERVER_JS } from './app.js';
import { OBSERVER_CSS, OBSERVER_HTML } from './page.js';

/** Where the observer lives on the control-plane endpoint. */
export const OBSERVER_PATH = '/observer/';

/** The observer's address for a control-plane `ws://host:port/` URL, with the token in the fragment (never sent to a server). */
export function observerUrl(controlUrl: string, token: string): string {
  return `${controlUrl.replace(/^ws/, 'http').replace(/\/$/, '')}${OBSERVER_PATH}#token=${encodeURIComponent(token)}`;
}

export interface ObserverBackend {
  readonly token: string;
  readonly maxRequestBytes: number;
  /** The bound host and port (the only Host accepted besides loopback names for it). */
  bound(): { host: string; port: number } | null;
  /** Run one JSON-RPC request body; resolves with the response object (null for a notification). */
  call(body: Buffer): Promise<unknown>;
}

/** True when `url` belongs to the observer. */
export function isObserverRequest(url: string | undefined): boolean {
  return url !== undefined && (url === '/observer' || url.startsWith(OBSERVER_PATH));
}

/** Serve one observer request. Never throws. */
export function serveObserver(req: IncomingMessage, res: ServerResponse, backend: ObserverBackend): void {
  try {
    if (!hostAllowed(req.headers.host, backend.bound())) return send(res, 421, 'text/plain', 'wrong Host for this endpoint\n');
    const path = (req.url ?? '').split(/[?#]/)[0];
    if (req.method === 'GET' || req.method === 'HEAD') {
      if (path === '/observer') return send(res, 308, 'text/plain', '', { location: OBSERVER_PATH });
      if (path === OBSERVER_PATH) return send(res, 200, 'text/html; charset=utf-8', OBSERVER_HTML);
      if (path === `${OBSERVER_PATH}app.js`) return send(res, 200, 'text/javascript; charset=utf-8', OBSERVER_JS);
      if (path === `${OBSERVER_PATH}style.css`) return send(res, 200, 'text/css; charset=utf-8', OBSERVER_CSS);
      return send(res, 404, 'text/plain', 'not found\n');
    }
    if (req.method === 'POST' && path === `${OBSERVER_PATH}rpc`) return void rpc(req, res, backend);
    send(res, 405, 'text/plain', 'method not allowed\n');
  } catch {
    if (!res.headersSent) send(res, 500, 'text/plain', 'internal error\n');
    else res.destroy();
  }
}

// --- internal ---

async function rpc(req: IncomingMessage, res: ServerResponse, backend: ObserverBackend): Promise<void> {
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== `http://${req.headers.host}`) return send(res, 403, 'text/plain', 'cross-origin requests are refused\n');
  const auth = req.headers.authorization ?? '';
  const token = auth.startsWith('Bearer ') ? auth.slice(7).trim() : '';
  if (!tokensEqual(token, backend.token)) return send(res, 401, 'text/plain', token === '' ? 'a bearer token is required\n' : 'bad token\n');
  if (!(req.headers['content-type'] ?? '').startsWith('application/json')) return send(res, 415, 'text/plain', 'send application/json\n');
  const body = await readBody(req, backend.maxRequestBytes);
  if (body === null) return send(res, 413, 'text/plain', `request larger than ${backend.maxRequestBytes} bytes\n`);
  const response = await backend.call(body);
  send(res, 200, 'application/json', response === null ? '' : JSON.stringify(response));
}

function readBody(req: IncomingMessage, max: number): Promise<Buffer | null> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) {
        resolve(null);
        req.destroy();
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', () => resolve(null));
  });
}

function hostAllowed(header: string | undefined, bound: { host: string; port: number } | null): boolean {
  if (header === undefined || bound === null) return false;
  const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(header);
  if (m === null || Number(m[2]) !== bound.port) return false;
  const name = m[1]!.replace(/^\[|\]$/g, '');
  return name === bound.host || isLoopbackHost(name);
}

function send(res: ServerResponse, status: number, type: string, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, {
    'content-type': type, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', 'x-frame-options': 'DENY',
    'content-security-policy': "default-src 'self'; connect-src 'self'; img-src 'self' data:; frame-ancestors 'none'", ...headers,
  });
  res.end(body);
}
