/**
 * The federation's options as a user writes them, and their validation. Owns: the
 * documented shape ({@link FederationOptions}) and one check that names every bad field by
 * its path (`peers[1].port`), so a config loader (`pd start`, later) can pass it through
 * unchanged. Must not: load secrets or open sockets (node-router.ts and federation.ts do).
 */
import { ArgumentError, describeType } from '@pd/actor';
import type { Carrier, NetLimits, SecretSource } from '@pd/transport';
import type { Membership, PeerAddress } from './membership.js';

/** Path prefixes (segment-wise: `/user/a` covers `/user/a/b`, not `/user/ab`). */
export interface PrefixPolicy {
  /** When given, only paths under one of these are allowed. */
  readonly allow?: readonly string[];
  /** Paths under one of these are refused, even when also allowed. */
  readonly deny?: readonly string[];
}

/** What remote nodes may do here. Absent lists allow everything. */
export interface FederationPolicy {
  /** Which local actors remote nodes may send to, ask, sendWait (checked against the target's path). */
  readonly send?: PrefixPolicy;
  /** Where remote nodes may spawn (checked against `/user/<name>`, or `/user` for an unnamed spawn). */
  readonly spawn?: PrefixPolicy;
}

/** Everything {@link createFederation} accepts. */
export interface FederationOptions {
  /** This node's id: unique in the cluster, at most 255 UTF-8 bytes. */
  readonly nodeId: string;
  /** The cluster's name: nodes of other clusters are refused at handshake. Default `pd`. */
  readonly cluster?: string;
  /** The carrier; default `tcp`. */
  readonly transport?: 'tcp' | 'tls' | 'ws';
  /** Where to listen (port 0: any free port; see `Federation.address`). None: this node only dials. */
  readonly listen?: { readonly host?: string; readonly port: number };
  /** The shared cluster secret (at least 16 bytes); default `$PD_CLUSTER_SECRET`. */
  readonly secret?: SecretSource;
  /** Certificates for `transport: 'tls'` (as in @pd/transport's `NetConfig`). */
  readonly tls?: {
    readonly cert: SecretSource;
    readonly key: SecretSource;
    readonly ca?: SecretSource;
    readonly mutual?: boolean;
    readonly servername?: string;
  };
  /** The peers this node knows (a static membership). Ignored when `membership` is given. */
  readonly peers?: readonly PeerAddress[];
  /** Who is in the cluster (peer up / peer down); default a static list made of `peers`. */
  readonly membership?: Membership;
  /** What remote nodes may do here. */
  readonly policy?: FederationPolicy;
  /** How long `spawn`, `whereis` and a remote `sendWait` wait for the other node, ms; default 5000. */
  readonly requestTimeoutMs?: number;
  /** Network limits (frame ceiling, queue bounds, heartbeats, reconnect backoff). */
  readonly limits?: Partial<NetLimits>;
  /** Environment to read secrets from (default `process.env`). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /**
   * A byte-stream carrier in place of `transport` (the simulator's `simNetCarrier` from
   * `@pd/runtime/sim`, or a test's); the wire protocol runs over it unchanged.
   */
  readonly carrier?: Carrier;
}

/** Defaults, in one place. */
export const FEDERATION_DEFAULTS = {
  cluster: 'pd',
  transport: 'tcp',
  requestTimeoutMs: 5000,
} as const;

const KNOWN_FIELDS = new Set([
  'nodeId', 'cluster', 'transport', 'listen', 'secret', 'tls', 'peers', 'membership', 'policy', 'requestTimeoutMs', 'limits', 'env', 'carrier',
]);

/**
 * Checks `options`; throws an `ArgumentError` (`arg/invalid`) whose message and
 * `details.field` name the first bad field by its path.
 */
export function validateFederationOptions(options: unknown): asserts options is FederationOptions {
  const bad = (field: string, why: string): never => {
    throw new ArgumentError(`federation option ${field} ${why}`, { field });
  };
  if (typeof options !== 'object' || options === null || Array.isArray(options)) bad('(root)', `must be an object, got ${describeType(options)}`);
  const o = options as Record<string, unknown>;
  for (const key of Object.keys(o)) if (!KNOWN_FIELDS.has(key)) bad(key, `is not a federation option (known: ${[...KNOWN_FIELDS].join(', ')})`);
  checkId(o.nodeId, 'nodeId', bad);
  if (o.cluster !== undefined) checkId(o.cluster, 'cluster', bad);
  if (o.transport !== undefined && o.transport !== 'tcp' && o.transport !== 'tls' && o.transport !== 'ws') bad('transport', `must be 'tcp', 'tls' or 'ws', got ${JSON.stringify(o.transport)}`);
  if (o.transport === 'tls' && o.tls === undefined) bad('tls', "is required with transport 'tls' (cert and key)");
  if (o.listen !== undefined) checkEndpoint(o.listen, 'listen', false, bad);
  if (o.peers !== undefined) {
    if (!Array.isArray(o.peers)) bad('peers', `must be an array, got ${describeType(o.peers)}`);
    const seen = new Set<string>();
    (o.peers as unknown[]).forEach((peer, i) => {
      const field = `peers[${i}]`;
      if (typeof peer !== 'object' || peer === null) bad(field, `must be an object { id, host, port }, got ${describeType(peer)}`);
      const p = peer as Record<string, unknown>;
      checkId(p.id, `${field}.id`, bad);
      if (p.id === o.nodeId) bad(`${field}.id`, `is this node's own id '${String(p.id)}'`);
      if (seen.has(p.id as string)) bad(`${field}.id`, `'${String(p.id)}' is listed twice`);
      seen.add(p.id as string);
      checkEndpoint(p, field, true, bad);
    });
  }
  if (o.membership !== undefined) {
    const m = o.membership as Record<string, unknown> | null;
    if (typeof m !== 'object' || m === null || typeof m.subscribe !== 'function' || typeof m.addressOf !== 'function') {
      bad('membership', 'must implement Membership (subscribe, addressOf)');
    }
  }
  if (o.policy !== undefined) {
    if (typeof o.policy !== 'object' || o.policy === null) bad('policy', `must be an object { send?, spawn? }, got ${describeType(o.policy)}`);
    const policy = o.policy as Record<string, unknown>;
    for (const key of Object.keys(policy)) if (key !== 'send' && key !== 'spawn') bad(`policy.${key}`, "is not a policy (known: send, spawn)");
    for (const what of ['send', 'spawn'] as const) {
      const p = policy[what];
      if (p === undefined) continue;
      if (typeof p !== 'object' || p === null) bad(`policy.${what}`, `must be an object { allow?, deny? }, got ${describeType(p)}`);
      for (const key of Object.keys(p as object)) if (key !== 'allow' && key !== 'deny') bad(`policy.${what}.${key}`, 'is not a list (known: allow, deny)');
      for (const list of ['allow', 'deny'] as const) {
        const l = (p as Record<string, unknown>)[list];
        if (l === undefined) continue;
        if (!Array.isArray(l)) bad(`policy.${what}.${list}`, `must be an array of path prefixes, got ${describeType(l)}`);
        (l as unknown[]).forEach((prefix, i) => {
          if (typeof prefix !== 'string' || !prefix.startsWith('/') || (prefix.length > 1 && prefix.endsWith('/'))) {
            bad(`policy.${what}.${list}[${i}]`, `must be an absolute path such as '/user/workers' (no trailing slash), got ${JSON.stringify(prefix)}`);
          }
        });
      }
    }
  }
  if (o.requestTimeoutMs !== undefined && (typeof o.requestTimeoutMs !== 'number' || !(o.requestTimeoutMs > 0) || !Number.isFinite(o.requestTimeoutMs))) {
    bad('requestTimeoutMs', `must be a positive finite number of milliseconds, got ${String(o.requestTimeoutMs)}`);
  }
  if (o.limits !== undefined && (typeof o.limits !== 'object' || o.limits === null)) bad('limits', `must be an object, got ${describeType(o.limits)}`);
  if (o.env !== undefined && (typeof o.env !== 'object' || o.env === null)) bad('env', `must be an object, got ${describeType(o.env)}`);
  if (o.carrier !== undefined) {
    const c = o.carrier as Record<string, unknown> | null;
    if (typeof c !== 'object' || c === null || typeof c.kind !== 'string' || typeof c.listen !== 'function' || typeof c.dial !== 'function') {
      bad('carrier', 'must be a Carrier { kind, listen, dial }');
    }
  }
}

function checkId(value: unknown, field: string, bad: (field: string, why: string) => never): void {
  if (typeof value !== 'string' || value === '' || Buffer.byteLength(value) > 255) bad(field, `must be a non-empty string of at most 255 bytes, got ${describeValue(value)}`);
}

function checkEndpoint(value: unknown, field: string, hostRequired: boolean, bad: (field: string, why: string) => never): void {
  if (typeof value !== 'object' || value === null) bad(field, `must be an object { host, port }, got ${describeType(value)}`);
  const v = value as Record<string, unknown>;
  if (hostRequired || v.host !== undefined) {
    if (typeof v.host !== 'string' || v.host === '') bad(`${field}.host`, `must be a non-empty string, got ${describeValue(v.host)}`);
  }
  const port = v.port;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535 || (hostRequired && port === 0)) {
    bad(`${field}.port`, `must be an integer in [${hostRequired ? 1 : 0}, 65535], got ${describeValue(port)}`);
  }
}

function describeValue(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : typeof value === 'number' ? String(value) : describeType(value);
}
