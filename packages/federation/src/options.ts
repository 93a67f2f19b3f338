/**
 * The federation's options as a user writes them, and their validation. Owns: the
 * documented shape ({@link FederationOptions}) and one check that names every bad field by
 * its path (`peers[1].port`), so a config loader (`pd start`, later) can pass it through
 * unchanged. Must not: load secrets or open sockets (node-router.ts and federation.ts do).
 */
import { ArgumentError, describeType } from '@pd/actor';
import type { Carrier, NetLimits, SecretSource } from '@pd/transport';
import type { Membership, PeerAddress } from './membership.js';
import type { EtcdSecurityOptions } from './discovery/etcd.js';
import { type DowningDecision, type DowningOptions, checkEtcdSpec, validateDowningOptions } from './downing.js';
import type { DiscoveryProvider } from './discovery/provider.js';
import { type GossipAddress, type SwimEncryption, type SwimTiming, validateSwimOptions } from './swim-options.js';

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
  /**
   * Other secrets peers may prove with, and membership messages may come under, while the
   * cluster secret is rotated (docs/federation.md#rotating-the-cluster-secret): this node
   * proves and sends with `secret` and takes `secret` or any of these. At least 16 bytes each.
   */
  readonly acceptSecrets?: readonly SecretSource[];
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
  /**
   * Who is in the cluster (peer up / peer down): a {@link Membership} of your own, or a
   * choice the federation builds and runs itself — `{ kind: 'static' }` (the default: the
   * `peers` list) or `{ kind: 'swim', seeds, ... }` (SWIM with Lifeguard, see
   * {@link SwimMembershipSpec}; needs `listen`).
   */
  readonly membership?: Membership | StaticMembershipSpec | SwimMembershipSpec;
  /**
   * Where SWIM finds seeds beyond `membership.seeds` (docs/membership.md#discovery): a
   * {@link DiscoveryProvider} (`staticSeeds`, `dnsSeeds`, `etcdDiscovery`, or your own) or
   * its options (`{ kind: 'dns', name, type, port }`, `{ kind: 'etcd', endpoints }`...).
   * Asked before the membership starts and every `refreshMs` after; a failure keeps the
   * seeds it had. Needs `membership: { kind: 'swim' }`.
   */
  readonly discovery?: DiscoveryProvider | DiscoverySpec;
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
  /**
   * Called when downing decides this node is on the losing side of a partition (SWIM
   * membership only). Default: shut the engine down (its actors exit with the engine's
   * shutdown reason) and close the federation.
   */
  readonly onDowned?: (decision: DowningDecision) => void;
}

/** The static membership as a choice: the `peers` list, fixed (the default). */
export interface StaticMembershipSpec {
  readonly kind: 'static';
}

/**
 * SWIM with Lifeguard as the membership (docs/membership.md), built and run by the
 * federation: started on the engine's reactor when the federation starts, leaving the
 * cluster gracefully when it closes. Its messages are sealed (AES-256-GCM) or signed
 * (HMAC-SHA256) with the cluster secret, as `encryption` says, and travel over the
 * federation's carrier kind (TCP unless the federation runs on a custom `carrier`) on a
 * port of their own, `gossip`. `peers` is ignored: members are found through `seeds`.
 */
export interface SwimMembershipSpec {
  readonly kind: 'swim';
  /** Where the membership endpoint listens; host default `listen.host`, port default 0 (any free one: then this node can join others but cannot be a seed). */
  readonly gossip?: { readonly host?: string; readonly port: number };
  /** Membership endpoints (`gossip` addresses of other nodes) to join through; this node's own may be listed. */
  readonly seeds?: readonly GossipAddress[];
  /** The host peers dial to reach this node's federation port (default `listen.host`; give it when listening on 0.0.0.0). */
  readonly advertiseHost?: string;
  /**
   * Which membership messages are encrypted (see `SwimOptions.encryption`): `'auto'` (default:
   * sealed to every member that opens sealed messages, signed to older versions), `'always'`
   * (sealed only; signed ones dropped) or `'never'` (signed only, as versions before).
   */
  readonly encryption?: SwimEncryption;
  /** Timing overrides (memberlist's LAN profile by default, see `SWIM_DEFAULTS`). */
  readonly timing?: SwimTiming;
  /**
   * What to do about members declared dead (docs/membership.md#downing): by default
   * `keep-majority` — after the view is stable for `stableAfterMs`, the side of a partition
   * with more than half the members keeps running and the other stops itself.
   */
  readonly downing?: DowningOptions;
}

/** Discovery as options: the federation builds the provider (`staticSeeds`, `dnsSeeds`, `etcdDiscovery`). */
export type DiscoverySpec =
  | { readonly kind: 'static'; readonly seeds: readonly GossipAddress[] }
  | {
    readonly kind: 'dns'; readonly name: string; readonly type?: 'A' | 'AAAA' | 'SRV'; readonly port?: number;
    readonly servers?: readonly string[]; readonly timeoutMs?: number; readonly refreshMs?: number;
  }
  | {
    readonly kind: 'etcd'; readonly endpoints: readonly string[]; readonly prefix?: string; readonly ttlMs?: number;
    readonly refreshMs?: number; readonly requestTimeoutMs?: number;
  } & EtcdSecurityOptions;

const DISCOVERY_FIELDS: Record<string, readonly string[]> = {
  static: ['kind', 'seeds'],
  dns: ['kind', 'name', 'type', 'port', 'servers', 'timeoutMs', 'refreshMs'],
  etcd: ['kind', 'endpoints', 'prefix', 'ttlMs', 'refreshMs', 'requestTimeoutMs', 'tls', 'auth'],
};

/** Whether `d` is a discovery provider rather than its options. */
export function isDiscoveryProvider(d: unknown): d is DiscoveryProvider {
  return typeof d === 'object' && d !== null && typeof (d as { seeds?: unknown }).seeds === 'function';
}

/** Whether `m` is a membership choice (static or SWIM) rather than a {@link Membership} object. */
export function isMembershipSpec(m: unknown): m is StaticMembershipSpec | SwimMembershipSpec {
  return typeof m === 'object' && m !== null && typeof (m as { subscribe?: unknown }).subscribe !== 'function' && 'kind' in m;
}

const SWIM_SPEC_FIELDS = new Set(['kind', 'gossip', 'seeds', 'advertiseHost', 'encryption', 'timing', 'downing']);

/** Defaults, in one place. */
export const FEDERATION_DEFAULTS = {
  cluster: 'pd',
  transport: 'tcp',
  requestTimeoutMs: 5000,
} as const;

const KNOWN_FIELDS = new Set([
  'nodeId', 'cluster', 'transport', 'listen', 'secret', 'acceptSecrets', 'tls', 'peers', 'membership', 'policy', 'requestTimeoutMs', 'limits', 'env', 'carrier', 'onDowned', 'discovery',
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
  if (o.acceptSecrets !== undefined && !Array.isArray(o.acceptSecrets)) bad('acceptSecrets', `must be an array of secrets (each a string, { env } or { file }), got ${describeType(o.acceptSecrets)}`);
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
  if (o.membership !== undefined) checkMembership(o, bad);
  if (o.discovery !== undefined) checkDiscovery(o, bad);
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
  if (o.onDowned !== undefined && typeof o.onDowned !== 'function') bad('onDowned', `must be a function, got ${describeType(o.onDowned)}`);
  if (o.env !== undefined && (typeof o.env !== 'object' || o.env === null)) bad('env', `must be an object, got ${describeType(o.env)}`);
  if (o.carrier !== undefined) {
    const c = o.carrier as Record<string, unknown> | null;
    if (typeof c !== 'object' || c === null || typeof c.kind !== 'string' || typeof c.listen !== 'function' || typeof c.dial !== 'function') {
      bad('carrier', 'must be a Carrier { kind, listen, dial }');
    }
  }
}

function checkMembership(o: Record<string, unknown>, bad: (field: string, why: string) => never): void {
  const m = o.membership as Record<string, unknown> | null;
  if (isMembershipSpec(m)) {
    if (m.kind === 'static') {
      for (const key of Object.keys(m)) if (key !== 'kind') bad(`membership.${key}`, 'is not an option of the static membership (its members are `peers`)');
      return;
    }
    if (m.kind !== 'swim') bad('membership.kind', `must be 'static' or 'swim', got ${describeValue(m.kind)}`);
    const spec = m as Record<string, unknown>;
    for (const key of Object.keys(spec)) if (!SWIM_SPEC_FIELDS.has(key)) bad(`membership.${key}`, `is not a swim membership option (known: ${[...SWIM_SPEC_FIELDS].join(', ')})`);
    if (o.listen === undefined) bad('listen', 'is required with membership \'swim\' (members must be able to dial this node)');
    const listen = o.listen as { host?: string };
    if (spec.advertiseHost !== undefined && (typeof spec.advertiseHost !== 'string' || spec.advertiseHost === '')) {
      bad('membership.advertiseHost', `must be a non-empty string, got ${describeValue(spec.advertiseHost)}`);
    }
    const gossip = spec.gossip as Record<string, unknown> | undefined;
    if (gossip !== undefined && (typeof gossip !== 'object' || gossip === null)) bad('membership.gossip', `must be an object { host?, port }, got ${describeType(gossip)}`);
    const host = listen.host ?? '127.0.0.1';
    if (spec.downing !== undefined) validateDowningOptions(spec.downing, 'membership.downing');
    try {
      // The library's own check, with a stand-in transport: the same rules, reported under `membership.`.
      validateSwimOptions({
        nodeId: o.nodeId, advertise: { host: (spec.advertiseHost as string | undefined) ?? host, port: 1 },
        gossip: { host: gossip?.host ?? host, port: gossip?.port ?? 0 },
        ...(spec.seeds === undefined ? {} : { seeds: spec.seeds }), ...(spec.timing === undefined ? {} : { timing: spec.timing }),
        // The federation always has a secret (its handshakes need one): a stand-in here too.
        ...(spec.encryption === undefined ? {} : { encryption: spec.encryption, secret: 'a stand-in secret' }),
        transport: { listen: async () => ({ host, port: 0 }), send() {}, close: async () => {} },
      });
    } catch (error) {
      if (!(error instanceof ArgumentError)) throw error;
      const field = String(error.details?.field ?? '(root)');
      bad(`membership.${field}`, error.message.replace(/^arg\/invalid: /, '').replace(`swim option ${field} `, ''));
    }
    return;
  }
  if (typeof m !== 'object' || m === null || typeof m.subscribe !== 'function' || typeof m.addressOf !== 'function') {
    bad('membership', "must implement Membership (subscribe, addressOf), or be { kind: 'static' } or { kind: 'swim', ... }");
  }
}

function checkDiscovery(o: Record<string, unknown>, bad: (field: string, why: string) => never): void {
  const m = o.membership as { kind?: unknown } | undefined;
  if (!isMembershipSpec(m) || m.kind !== 'swim') bad('discovery', "needs membership { kind: 'swim' } (discovery finds the seeds SWIM joins through)");
  const d = o.discovery as Record<string, unknown> | null;
  if (isDiscoveryProvider(d)) {
    if (typeof d.close !== 'function' || typeof d.kind !== 'string') bad('discovery', 'must implement DiscoveryProvider (kind, seeds, close)');
    return;
  }
  if (typeof d !== 'object' || d === null || Array.isArray(d)) bad('discovery', `must be { kind: 'static' | 'dns' | 'etcd', ... } or a DiscoveryProvider, got ${describeType(d)}`);
  const fields = DISCOVERY_FIELDS[d.kind as string];
  if (fields === undefined) bad('discovery.kind', `must be 'static', 'dns' or 'etcd', got ${describeValue(d.kind)}`);
  const ms = (key: string, min: number): void => {
    const v = d[key];
    if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v) || v < min)) bad(`discovery.${key}`, `must be a number of milliseconds >= ${min}, got ${describeValue(v)}`);
  };
  ms('refreshMs', 100);
  switch (d.kind) {
    case 'static':
      for (const key of Object.keys(d)) if (!fields.includes(key)) bad(`discovery.${key}`, `is not a static discovery option (known: ${fields.join(', ')})`);
      if (!Array.isArray(d.seeds)) bad('discovery.seeds', `must be an array of { host, port }, got ${describeType(d.seeds)}`);
      (d.seeds as unknown[]).forEach((s, i) => checkEndpoint(s, `discovery.seeds[${i}]`, true, bad));
      return;
    case 'dns': {
      for (const key of Object.keys(d)) if (!fields.includes(key)) bad(`discovery.${key}`, `is not a dns discovery option (known: ${fields.join(', ')})`);
      if (typeof d.name !== 'string' || d.name === '' || d.name.length > 253) bad('discovery.name', `must be a DNS name, got ${describeValue(d.name)}`);
      const type = d.type ?? 'A';
      if (type !== 'A' && type !== 'AAAA' && type !== 'SRV') bad('discovery.type', `must be 'A', 'AAAA' or 'SRV', got ${describeValue(d.type)}`);
      if (type !== 'SRV' && d.port === undefined) bad('discovery.port', `is required with type '${String(type)}' (the gossip port of every address; SRV records carry their own)`);
      if (d.port !== undefined && (typeof d.port !== 'number' || !Number.isInteger(d.port) || d.port < 1 || d.port > 65535)) bad('discovery.port', `must be an integer in [1, 65535], got ${describeValue(d.port)}`);
      if (d.servers !== undefined) {
        if (!Array.isArray(d.servers)) bad('discovery.servers', `must be an array of addresses ('10.0.0.10' or '127.0.0.1:5353'), got ${describeType(d.servers)}`);
        (d.servers as unknown[]).forEach((s, i) => {
          if (typeof s !== 'string' || s === '') bad(`discovery.servers[${i}]`, `must be a server address such as '10.0.0.10' or '127.0.0.1:5353', got ${describeValue(s)}`);
        });
      }
      ms('timeoutMs', 1);
      return;
    }
    default: {
      checkEtcdSpec(d, 'discovery', fields);
      if (d.prefix !== undefined && (typeof d.prefix !== 'string' || !d.prefix.startsWith('/'))) bad('discovery.prefix', `must be a key prefix starting with '/', got ${describeValue(d.prefix)}`);
      ms('requestTimeoutMs', 1);
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
