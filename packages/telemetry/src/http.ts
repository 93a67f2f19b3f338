/**
 * The metrics and health endpoint: `GET /metrics` (Prometheus text, from the exporter),
 * `GET /healthz` (live: the process answers) and `GET /readyz` (ready: the supervision
 * tree is up, and not stopping). Loopback by default; GET and HEAD only; bounded in
 * connections and request time; nothing here can throw into the engine.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { TELEMETRY_DEFAULTS } from './options.js';

export interface HealthState {
  /** Why the engine is not ready, or null when it is. */
  notReady(): string | null;
}

/** A bound endpoint. */
export interface Endpoint {
  readonly host: string;
  readonly port: number;
  /** `http://host:port`. */
  readonly base: string;
  close(): Promise<void>;
}

/** Serve `/metrics` (when `exporter` is given), `/healthz` and `/readyz` on host:port (0: a free port). */
export function serveTelemetry(host: string, port: number, exporter: PrometheusExporter | null, health: HealthState): Promise<Endpoint> {
  const server = createServer((req, res) => route(req, res, exporter, health));
  server.maxConnections = TELEMETRY_DEFAULTS.maxConnections;
  server.requestTimeout = 10_000;
  server.headersTimeout = 5_000;
  return new Promise((resolve, reject) => {
    const failed = (error: NodeJS.ErrnoException) => {
      const why = error.code === 'EADDRINUSE' ? 'the address is in use (another engine? set telemetry.metrics.port, 0 for a free one)' : error.message;
      reject(new Error(`telemetry: cannot serve metrics and health on ${host}:${port}: ${why}`, { cause: error }));
    };
    server.once('error', failed);
    server.listen(port, host, () => {
      server.off('error', failed);
      const bound = (server.address() as AddressInfo).port;
      const urlHost = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
      resolve({ host, port: bound, base: `http://${urlHost}:${bound}`, close: () => closeServer(server) });
    });
  });
}

// --- internal ---

function route(req: IncomingMessage, res: ServerResponse, exporter: PrometheusExporter | null, health: HealthState): void {
  try {
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain', 'GET only\n', { allow: 'GET, HEAD' });
    const path = (req.url ?? '/').split('?')[0];
    switch (path) {
      case '/metrics':
        if (exporter === null) return send(res, 404, 'text/plain', 'metrics are off\n');
        return exporter.getMetricsRequestHandler(req, res);
      case '/healthz':
        return send(res, 200, 'application/json', '{"status":"ok"}\n');
      case '/readyz': {
        const why = health.notReady();
        return why === null ? send(res, 200, 'application/json', '{"status":"ready"}\n') : send(res, 503, 'application/json', `${JSON.stringify({ status: 'not-ready', reason: why })}\n`);
      }
      default:
        return send(res, 404, 'text/plain', 'not found: try /metrics, /healthz or /readyz\n');
    }
  } catch {
    if (!res.headersSent) send(res, 500, 'text/plain', 'internal error\n');
    else res.destroy();
  }
}

function send(res: ServerResponse, status: number, type: string, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', ...headers });
  res.end(body);
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
