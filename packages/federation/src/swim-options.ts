/**
 * The SWIM membership's options and their validation. Owns: the documented shape
 * ({@link SwimOptions}), the defaults ({@link SWIM_DEFAULTS}, memberlist's LAN profile) and
 * one check that names the first bad field by its path (`seeds[2].port`,
 * `timing.probeTimeoutMs`). Must not: open anything (swim.ts and swim-transport.ts do).
 */
import { ArgumentError, describeType } from '@pd/actor';
import type { SwimTransport } from './swim-transport.js';

/** Where a node's membership endpoint listens (not its federation port). */
export interface GossipAddress {
  readonly host: string;
  readonly port: number;
}

/**
 * Timing and fan-out of the protocol. Every field is optional; a missing one takes
 * {@link SWIM_DEFAULTS}. Names follow memberlist's `Config` so its tuning advice applies.
 */
export interface SwimTiming {
  /** How often a member is probed, ms (memberlist `ProbeInterval`, 1000). Scaled by the local health multiplier. */
  readonly probeIntervalMs?: number;
  /** How long a direct ping waits for its ack before going indirect, ms (`ProbeTimeout`, 500). Scaled by the health multiplier. Must be below `probeIntervalMs`. */
  readonly probeTimeoutMs?: number;
  /** Members asked to ping a target that did not answer (`IndirectChecks`, 3). */
  readonly indirectChecks?: number;
  /** Suspicion timeout multiplier: the shortest timeout is `suspicionMult * log10(max(1, n)) * probeIntervalMs` (`SuspicionMult`, 4). Must be at least 2. */
  readonly suspicionMult?: number;
  /** The longest suspicion timeout, as a multiple of the shortest (Lifeguard; `SuspicionMaxTimeoutMult`, 6). */
  readonly suspicionMaxTimeoutMult?: number;
  /** An update is piggybacked `retransmitMult * ceil(log10(n + 1))` times (`RetransmitMult`, 4). */
  readonly retransmitMult?: number;
  /** How often pending updates are gossiped on their own, ms (`GossipInterval`, 200). */
  readonly gossipIntervalMs?: number;
  /** Members each gossip round goes to (`GossipNodes`, 3). */
  readonly gossipNodes?: number;
  /** How long dead members still get gossip (so they learn and refute), ms (`GossipToTheDeadTime`, 30000). */
  readonly gossipToTheDeadMs?: number;
  /** How often the full state is exchanged with one random member, ms (`PushPullInterval`, 30000); 0 turns it off. */
  readonly pushPullIntervalMs?: number;
  /** Local health multiplier ceiling (Lifeguard; `AwarenessMaxMultiplier`, 8): timeouts stretch up to this many times. */
  readonly awarenessMaxMultiplier?: number;
  /** Updates piggybacked on one message at most (memberlist fills a UDP packet; 16 here). */
  readonly maxPiggyback?: number;
}

/** Everything {@link SwimMembership} accepts. */
export interface SwimOptions {
  /** This node's id (the federation's `nodeId`). */
  readonly nodeId: string;
  /** The cluster name: messages of other clusters are ignored. Default `pd`. */
  readonly cluster?: string;
  /** Where this node's federation listens: what peers learn as its `PeerAddress`. */
  readonly advertise: { readonly host: string; readonly port: number };
  /** Where this node's membership endpoint listens (its own port, like memberlist's 7946; 0: any free port). */
  readonly gossip: GossipAddress;
  /** Membership endpoints to join through (any live member will do). May include this node's own. */
  readonly seeds?: readonly GossipAddress[];
  /** How messages travel (see `carrierSwimTransport`). */
  readonly transport: SwimTransport;
  /**
   * A shared secret (at least 16 bytes): every message is sealed (AES-256-GCM under a key
   * derived from it) or signed (HMAC-SHA256) with it, as `encryption` says, and messages
   * that are neither are dropped. Strongly advised off a private test network: without it
   * anyone who can reach the port can declare members dead, and read who is in the cluster.
   */
  readonly secret?: string | Uint8Array;
  /**
   * Other secrets (at least 16 bytes each) whose messages are accepted while the secret is
   * rotated (docs/federation.md#rotating-the-cluster-secret): messages go out under `secret`
   * and are taken under it or any of these. Needs `secret`.
   */
  readonly acceptSecrets?: readonly (string | Uint8Array)[];
  /**
   * Which messages are sealed (encrypted and authenticated) rather than only signed; needs
   * `secret` (docs/membership.md#privacy):
   * - `'auto'` (default): sealed to every endpoint whose node said it opens sealed ones (each
   *   message says so); signed to others — nodes of a version before sealing, and the first
   *   message to an endpoint not heard from yet. Both are accepted. A rolling upgrade needs
   *   nothing; unsealed arrivals are counted in `stats.unsealed`.
   * - `'always'`: every message sealed, and signed ones dropped (counted in `badMessages`):
   *   nothing readable on the way, once every node runs a version that seals.
   * - `'never'`: signed only, as versions before sealing (sealed ones are still accepted).
   */
  readonly encryption?: SwimEncryption;
  readonly timing?: SwimTiming;
  /**
   * Whether a member declared dead (at `incarnation`) may be reaped once `gossipToTheDeadMs`
   * has passed; asked again on every probe tick until it says yes. Members that left are
   * always reaped. Default: always. A federation answers with its downing: a member is reaped
   * only when this side's downing decision put it out (or downing is `off`), so a side that
   * has decided nothing yet — a minority about to stop, a partition still unsettled — keeps
   * its dead members and finds the other half again when the partition heals
   * (docs/membership.md, "Reaping").
   */
  readonly mayReap?: (id: string, incarnation: number) => boolean;
}

/** memberlist's `DefaultLANConfig`, in milliseconds. */
export const SWIM_DEFAULTS: Required<SwimTiming> = Object.freeze({
  probeIntervalMs: 1000,
  probeTimeoutMs: 500,
  indirectChecks: 3,
  suspicionMult: 4,
  suspicionMaxTimeoutMult: 6,
  retransmitMult: 4,
  gossipIntervalMs: 200,
  gossipNodes: 3,
  gossipToTheDeadMs: 30_000,
  pushPullIntervalMs: 30_000,
  awarenessMaxMultiplier: 8,
  maxPiggyback: 16,
});

/** How membership messages are protected with the secret: see `SwimOptions.encryption`. */
export type SwimEncryption = 'auto' | 'always' | 'never';
const ENCRYPTIONS: readonly SwimEncryption[] = ['auto', 'always', 'never'];

const KNOWN = new Set(['nodeId', 'cluster', 'advertise', 'gossip', 'seeds', 'transport', 'secret', 'acceptSecrets', 'encryption', 'timing', 'mayReap']);
/** Which timing fields are integers, and their smallest value. */
const TIMING_RULES: Record<keyof SwimTiming, { readonly min: number; readonly integer: boolean }> = {
  probeIntervalMs: { min: 1, integer: false },
  probeTimeoutMs: { min: 1, integer: false },
  indirectChecks: { min: 0, integer: true },
  suspicionMult: { min: 2, integer: true },
  suspicionMaxTimeoutMult: { min: 1, integer: false },
  retransmitMult: { min: 1, integer: true },
  gossipIntervalMs: { min: 1, integer: false },
  gossipNodes: { min: 0, integer: true },
  gossipToTheDeadMs: { min: 0, integer: false },
  pushPullIntervalMs: { min: 0, integer: false },
  awarenessMaxMultiplier: { min: 1, integer: true },
  maxPiggyback: { min: 1, integer: true },
};

/**
 * Checks `options`; throws an `ArgumentError` (`arg/invalid`) whose message and
 * `details.field` name the first bad field by its path. Returns the timing with defaults filled in.
 */
export function validateSwimOptions(options: unknown): Required<SwimTiming> {
  const bad = (field: string, why: string): never => {
    throw new ArgumentError(`swim option ${field} ${why}`, { field });
  };
  if (typeof options !== 'object' || options === null || Array.isArray(options)) bad('(root)', `must be an object, got ${describeType(options)}`);
  const o = options as Record<string, unknown>;
  for (const key of Object.keys(o)) if (!KNOWN.has(key)) bad(key, `is not a swim option (known: ${[...KNOWN].join(', ')})`);
  checkId(o.nodeId, 'nodeId', bad);
  if (o.cluster !== undefined) checkId(o.cluster, 'cluster', bad);
  checkEndpoint(o.advertise, 'advertise', bad);
  checkEndpoint(o.gossip, 'gossip', bad, 0);
  if (o.seeds !== undefined) {
    if (!Array.isArray(o.seeds)) bad('seeds', `must be an array of { host, port }, got ${describeType(o.seeds)}`);
    (o.seeds as unknown[]).forEach((seed, i) => checkEndpoint(seed, `seeds[${i}]`, bad));
  }
  const t = o.transport as Record<string, unknown> | null | undefined;
  if (typeof t !== 'object' || t === null || typeof t.listen !== 'function' || typeof t.send !== 'function' || typeof t.close !== 'function') {
    bad('transport', 'must be a SwimTransport { listen, send, close } (see carrierSwimTransport)');
  }
  if (o.mayReap !== undefined && typeof o.mayReap !== 'function') bad('mayReap', `must be a function (id, incarnation) => boolean, got ${describeType(o.mayReap)}`);
  if (o.secret !== undefined) checkSecret(o.secret, 'secret', bad);
  if (o.acceptSecrets !== undefined) {
    if (!Array.isArray(o.acceptSecrets)) bad('acceptSecrets', `must be an array of secrets, got ${describeType(o.acceptSecrets)}`);
    if (o.secret === undefined && (o.acceptSecrets as unknown[]).length > 0) bad('acceptSecrets', 'needs secret (messages go out under it)');
    (o.acceptSecrets as unknown[]).forEach((s, i) => checkSecret(s, `acceptSecrets[${i}]`, bad));
  }
  if (o.encryption !== undefined) {
    if (!ENCRYPTIONS.includes(o.encryption as SwimEncryption)) bad('encryption', `must be one of ${ENCRYPTIONS.map((e) => `'${e}'`).join(', ')}, got ${describeValue(o.encryption)}`);
    if (o.secret === undefined && o.encryption !== 'never') bad('encryption', `'${o.encryption as string}' needs a secret to seal with (set secret)`);
  }
  const timing: Record<string, number> = { ...SWIM_DEFAULTS };
  if (o.timing !== undefined) {
    if (typeof o.timing !== 'object' || o.timing === null || Array.isArray(o.timing)) bad('timing', `must be an object, got ${describeType(o.timing)}`);
    for (const [key, value] of Object.entries(o.timing as Record<string, unknown>)) {
      const rule = TIMING_RULES[key as keyof SwimTiming];
      if (rule === undefined) bad(`timing.${key}`, `is not a timing option (known: ${Object.keys(TIMING_RULES).join(', ')})`);
      if (value === undefined) continue;
      if (typeof value !== 'number' || !Number.isFinite(value) || value < rule.min || (rule.integer && !Number.isInteger(value))) {
        bad(`timing.${key}`, `must be ${rule.integer ? 'an integer' : 'a finite number'} >= ${rule.min}, got ${describeValue(value)}`);
      }
      timing[key] = value as number;
    }
  }
  if (timing.probeTimeoutMs! >= timing.probeIntervalMs!) {
    bad('timing.probeTimeoutMs', `must be below timing.probeIntervalMs (${timing.probeIntervalMs}), got ${timing.probeTimeoutMs}: the indirect probes need the rest of the interval`);
  }
  return Object.freeze(timing) as unknown as Required<SwimTiming>;
}

/** A secret: a string or bytes, at least 16 bytes. */
export function checkSecret(value: unknown, field: string, bad: (field: string, why: string) => never): void {
  const length = typeof value === 'string' ? Buffer.byteLength(value) : value instanceof Uint8Array ? value.length : -1;
  if (length < 16) bad(field, length < 0 ? `must be a string or bytes, got ${describeType(value)}` : `must be at least 16 bytes, got ${length}`);
}

function checkId(value: unknown, field: string, bad: (field: string, why: string) => never): void {
  if (typeof value !== 'string' || value === '' || Buffer.byteLength(value) > 255) bad(field, `must be a non-empty string of at most 255 bytes, got ${describeValue(value)}`);
}

function checkEndpoint(value: unknown, field: string, bad: (field: string, why: string) => never, minPort = 1): void {
  if (typeof value !== 'object' || value === null) bad(field, `must be an object { host, port }, got ${describeType(value)}`);
  const v = value as Record<string, unknown>;
  if (typeof v.host !== 'string' || v.host === '' || v.host.length > 255) bad(`${field}.host`, `must be a non-empty string, got ${describeValue(v.host)}`);
  if (typeof v.port !== 'number' || !Number.isInteger(v.port) || v.port < minPort || v.port > 65535) {
    bad(`${field}.port`, `must be an integer in [${minPort}, 65535], got ${describeValue(v.port)}`);
  }
}

function describeValue(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : typeof value === 'number' ? String(value) : describeType(value);
}

