/**
 * etcd as a discovery provider and a lease provider. Discovery: each node puts its
 * membership endpoint at `<prefix>/members/<nodeId>` under an etcd lease it keeps alive;
 * the seeds are the others' entries, so a node that stops renewing (crashed, cut off from
 * etcd) drops out of everyone's seeds once its lease expires. Lease: one key, created only
 * when absent (a transaction), holding the holder's node id under the holder's etcd lease.
 * Owns: the leases and their keep-alive timers (on the reactor). Must not: throw out of a
 * timer (failures are counted and retried on the next tick).
 */
import type { ReactorTimer } from '@pd/runtime';
import { type SecretSource, loadPem, loadSecret } from '@pd/transport';
import { EtcdClient, type EtcdClientTls } from './etcd-client.js';
import { type DiscoveryContext, DiscoveryError, type DiscoveryProvider, type DiscoverySelf, type LeaseProvider, type SeedAddress } from './provider.js';

/**
 * How to reach an etcd that is secured: TLS for `https://` endpoints, and etcd's user
 * authentication. Each source is a string (the PEM or the password itself), `{ env }` or
 * `{ file }`; a key or password file must not be readable by group or others.
 */
export interface EtcdSecurityOptions {
  readonly tls?: {
    /** CA certificates to trust instead of the system's (PEM). */
    readonly ca?: SecretSource;
    /** A client certificate and its key (PEM), for an etcd started with `--client-cert-auth`. */
    readonly cert?: SecretSource;
    readonly key?: SecretSource;
    /** The name the server's certificate must carry, when not the endpoint's host. */
    readonly servername?: string;
  };
  /** etcd's user authentication (`etcdctl auth enable`): the user's name and password. */
  readonly auth?: { readonly username: string; readonly password: SecretSource };
}

/** Options of {@link etcdDiscovery}. */
export interface EtcdDiscoveryOptions extends EtcdSecurityOptions {
  /** etcd client URLs (`http://10.0.0.5:2379`, `https://...` with `tls`); tried in turn. */
  readonly endpoints: readonly string[];
  /** Key prefix of this cluster's entries (default `/pd/<cluster>`, given by the federation; `pd` alone). */
  readonly prefix?: string;
  /** The entry's lease TTL, ms (default 10000; etcd rounds up to seconds and to its minimum, about 3 s). */
  readonly ttlMs?: number;
  /** How often the federation asks for seeds again, ms (default 10000). */
  readonly refreshMs?: number;
  /** How long one request waits, ms (default 2000). */
  readonly requestTimeoutMs?: number;
}

/** Options of {@link etcdLease}. */
export interface EtcdLeaseOptions extends EtcdSecurityOptions {
  readonly endpoints: readonly string[];
  /** The lock's key (default `/pd/<cluster>/lease`). */
  readonly key?: string;
  /** How long etcd keeps the lock after its holder stops renewing, ms (default 10000). */
  readonly ttlMs?: number;
  readonly requestTimeoutMs?: number;
}

/** What an etcd provider counts (shown in the federation's stats). */
export interface EtcdCounters {
  keepAlives: number;
  keepAliveFailures: number;
  /** Times the lease was found gone and granted anew. */
  regrants: number;
  lastError: string | null;
}

/** A renewed etcd lease: granted on demand, renewed every third of its TTL, granted anew when etcd lost it. */
class KeptLease {
  id: string | null = null;
  private granting: Promise<string> | null = null;
  private timer: ReactorTimer | null = null;
  private closed = false;
  readonly counters: EtcdCounters = { keepAlives: 0, keepAliveFailures: 0, regrants: 0, lastError: null };

  constructor(private readonly client: EtcdClient, private readonly context: DiscoveryContext, private readonly ttlMs: number, private readonly onLost: () => void) {}

  async ensure(): Promise<string> {
    if (this.id !== null) return this.id;
    // One grant at a time: a register and a refresh racing must not leave a second lease behind.
    this.granting ??= (async () => {
      const { id } = await this.client.grant(this.ttlMs);
      if (this.closed) {
        await this.client.revoke(id);
        throw new DiscoveryError('etcd', 'lease/grant', 'the provider is closed');
      }
      this.id = id;
      this.arm();
      return id;
    })().finally(() => {
      this.granting = null;
    });
    return this.granting;
  }

  async revoke(): Promise<void> {
    this.closed = true;
    if (this.timer !== null) this.context.reactor.clearTimer(this.timer);
    this.timer = null;
    const id = this.id;
    this.id = null;
    if (id !== null) await this.client.revoke(id);
  }

  private arm(): void {
    const reactor = this.context.reactor;
    if (this.timer !== null) reactor.clearTimer(this.timer);
    this.timer = reactor.setTimer(Math.max(100, this.ttlMs / 3), () => void this.renew());
    reactor.keepAlive(this.timer, false);
  }

  private async renew(): Promise<void> {
    const id = this.id;
    if (this.closed || id === null) return;
    try {
      const ttl = await this.client.keepAlive(id);
      this.counters.keepAlives++;
      if (ttl === 0 && this.id === id) {
        // Expired (etcd unreachable for longer than the TTL, or restarted): what it held is gone.
        this.id = null;
        this.counters.regrants++;
        this.onLost();
        return;
      }
    } catch (error) {
      this.counters.keepAliveFailures++;
      this.counters.lastError = (error as Error).message;
    }
    if (!this.closed && this.id === id) this.arm();
  }
}

async function clientOf(options: EtcdDiscoveryOptions | EtcdLeaseOptions, context: DiscoveryContext): Promise<EtcdClient> {
  const { tls, auth } = await loadSecurity(options);
  return new EtcdClient({
    endpoints: options.endpoints, reactor: context.reactor, provider: 'etcd',
    ...(options.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: options.requestTimeoutMs }),
    ...(tls === undefined ? {} : { tls }), ...(auth === undefined ? {} : { auth }),
  });
}

/** Reads the TLS material and the password; errors name the field (`tls.ca`, `auth.password`) and where it was looked for, never a value. */
async function loadSecurity(options: EtcdSecurityOptions): Promise<{ tls?: EtcdClientTls; auth?: { username: string; password: string } }> {
  const env = process.env;
  const t = options.tls;
  const tls: EtcdClientTls | undefined = t === undefined ? undefined : {
    ...(t.ca === undefined ? {} : { ca: await loadPem(t.ca, 'tls.ca', env) }),
    ...(t.cert === undefined ? {} : { cert: await loadPem(t.cert, 'tls.cert', env) }),
    ...(t.key === undefined ? {} : { key: await loadSecret(t.key, 'tls.key', env) }),
    ...(t.servername === undefined ? {} : { servername: t.servername }),
  };
  if (options.auth === undefined) return tls === undefined ? {} : { tls };
  // A password file's last newline is not part of the password.
  const password = (await loadSecret(options.auth.password, 'auth.password', env)).toString('utf8').replace(/\r?\n$/, '');
  if (password === '') throw new DiscoveryError('etcd', 'start', 'auth.password is empty');
  return { ...(tls === undefined ? {} : { tls }), auth: { username: options.auth.username, password } };
}

function notStarted(operation: string): never {
  throw new DiscoveryError('etcd', operation, 'the provider is not started (the federation starts it)');
}

/** The etcd discovery provider: see the file's comment; `counters` says how the keep-alives go. */
export function etcdDiscovery(options: EtcdDiscoveryOptions): DiscoveryProvider & { readonly counters: EtcdCounters | null; readonly prefix: string } {
  const prefix = (options.prefix ?? '/pd/pd').replace(/\/+$/, '');
  const ttlMs = options.ttlMs ?? 10_000;
  let client: EtcdClient | null = null;
  let lease: KeptLease | null = null;
  let nodeId = '';
  let self: DiscoverySelf | null = null;
  const keyOf = (id: string): string => `${prefix}/members/${id}`;
  const put = async (): Promise<void> => {
    if (self === null || lease === null) return;
    const id = await lease.ensure();
    await client!.put(keyOf(self.nodeId), JSON.stringify({ id: self.nodeId, gossip: self.gossip, address: self.address }), id);
  };
  return {
    kind: 'etcd',
    prefix,
    ...(options.refreshMs === undefined ? {} : { refreshMs: options.refreshMs }),
    get counters() {
      return lease?.counters ?? null;
    },
    async start(context) {
      nodeId = context.nodeId;
      client = await clientOf(options, context);
      // The entry lost with its lease is put back under a new one at once (and on the next refresh if that fails).
      lease = new KeptLease(client, context, ttlMs, () => void put().catch(() => {}));
    },
    async seeds(): Promise<readonly SeedAddress[]> {
      if (client === null) notStarted('seeds');
      // Put back an entry lost with its lease (etcd restarted, or unreachable past the TTL).
      if (self !== null && lease!.id === null) await put();
      const out: SeedAddress[] = [];
      for (const kv of await client.range(`${prefix}/members/`)) {
        try {
          const entry = JSON.parse(kv.value) as { id?: unknown; gossip?: { host?: unknown; port?: unknown } };
          if (entry.id === nodeId || typeof entry.gossip?.host !== 'string' || typeof entry.gossip.port !== 'number') continue;
          out.push({ host: entry.gossip.host, port: entry.gossip.port });
        } catch {
          // not an entry of ours: skip it
        }
      }
      return out;
    },
    async register(me) {
      if (client === null) notStarted('register');
      self = me;
      await put();
    },
    async deregister() {
      self = null;
      await lease?.revoke();
    },
    async close() {
      self = null;
      await lease?.revoke().catch(() => {});
      client?.close();
    },
  };
}

/** The etcd lease provider for `lease-majority` downing: see the file's comment. */
export function etcdLease(options: EtcdLeaseOptions): LeaseProvider & { readonly key: string; readonly counters: EtcdCounters | null } {
  const key = options.key ?? '/pd/pd/lease';
  const ttlMs = options.ttlMs ?? 10_000;
  let client: EtcdClient | null = null;
  let lease: KeptLease | null = null;
  return {
    kind: 'etcd',
    ttlMs,
    key,
    get counters() {
      return lease?.counters ?? null;
    },
    async start(context) {
      client = await clientOf(options, context);
      lease = new KeptLease(client, context, ttlMs, () => {});
    },
    async tryLock(nodeId) {
      if (client === null) notStarted('tryLock');
      const id = await lease!.ensure();
      let holder = await client.createIfAbsent(key, nodeId, id);
      // Gone between the compare and the read: one more try.
      if (holder === '') holder = await client.createIfAbsent(key, nodeId, id);
      return { holder };
    },
    async close() {
      await lease?.revoke().catch(() => {});
      client?.close();
    },
  };
}
