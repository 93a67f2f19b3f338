/**
 * The `federation` section of a version-1 config: what makes the engine `pd start` boots a
 * node of a cluster (@pd/federation). Owns: the section's JSON Schema fragment, its
 * TypeScript shape and defaults, the rules a schema cannot say (run through
 * `validateFederationOptions`, so the config and the library refuse the same things with
 * the same field names), making the section's files absolute, and turning it into `FederationOptions`. Must not: read the
 * secret or certificate files, or open sockets (../federation.ts does, at boot).
 */
import { ArgumentError } from '@pd/actor';
import {
  DOWNING_DEFAULTS, type DiscoverySpec, type DowningOptions, type EtcdSecurityOptions, type FederationOptions, SWIM_DEFAULTS, type SwimTiming, validateFederationOptions,
} from '@pd/federation';

/** A path-prefix policy as written in a config. */
export interface PrefixPolicySpec {
  readonly allow?: readonly string[];
  readonly deny?: readonly string[];
}

/** The `federation` section with defaults applied. */
export interface FederationSection {
  /** This node's id, unique in the cluster. */
  readonly nodeId: string;
  readonly cluster: string;
  readonly transport: 'tcp' | 'tls' | 'ws';
  /** Where the node listens; port 0 picks a free one (`pd status` and `pd cluster status` show it). */
  readonly listen: { readonly host: string; readonly port: number };
  /** The peers this node dials on first use. */
  readonly peers: readonly { readonly id: string; readonly host: string; readonly port: number }[];
  /** The cluster secret's file (mode 0600; absolute once loaded from a file); absent: `$PD_CLUSTER_SECRET`. */
  readonly secretFile?: string;
  /** Files of other secrets accepted while the cluster secret is rotated (mode 0600; absolute once loaded; docs/federation.md#rotating-the-cluster-secret). */
  readonly acceptSecretFiles?: readonly string[];
  /** Certificate files for `transport: "tls"` (absolute once loaded from a file). */
  readonly tls?: { readonly cert: string; readonly key: string; readonly ca?: string; readonly mutual?: boolean; readonly servername?: string };
  /** What remote nodes may do here. */
  readonly policy?: { readonly send?: PrefixPolicySpec; readonly spawn?: PrefixPolicySpec };
  readonly requestTimeoutMs?: number;
  /** The network's poll spin after each write, µs (`limits.pollSpinUs` of @pd/transport; absent or 0: off). */
  readonly pollSpinUs?: number;
  /** Who is in the cluster: the `peers` list (`static`, the default) or SWIM with seeds. */
  readonly membership?: MembershipSpec;
  /** Where SWIM finds its seeds beyond `membership.seeds`: static, DNS (A/AAAA/SRV) or etcd (swim only). */
  readonly discovery?: ConfigDiscovery;
}

/**
 * How the config reaches a secured etcd: PEM files (relative to the config file, absolute
 * once loaded) and a user whose password is in a file (mode 0600) or an environment variable.
 */
export interface EtcdSecurityConfig {
  readonly tls?: { readonly ca?: string; readonly cert?: string; readonly key?: string; readonly servername?: string };
  readonly auth?: { readonly username: string; readonly passwordFile?: string; readonly passwordEnv?: string };
}

/** `federation.discovery`: the library's spec, with etcd's TLS and password as files. */
export type ConfigDiscovery = Exclude<DiscoverySpec, { readonly kind: 'etcd' }> | ({
  readonly kind: 'etcd'; readonly endpoints: readonly string[]; readonly prefix?: string; readonly ttlMs?: number;
  readonly refreshMs?: number; readonly requestTimeoutMs?: number;
} & EtcdSecurityConfig);

/** `federation.membership.downing`: the library's options, with the etcd lease's TLS and password as files. */
export type ConfigDowning = Omit<DowningOptions, 'lease'> & {
  readonly lease?: { readonly kind?: 'etcd'; readonly endpoints: readonly string[]; readonly key?: string; readonly ttlMs?: number } & EtcdSecurityConfig;
};

/** The `federation.membership` section. */
export interface MembershipSpec {
  /** `static`: the `peers` list; `swim`: SWIM with Lifeguard, members found through `seeds` (docs/membership.md). */
  readonly kind: 'static' | 'swim';
  /** Where the membership endpoint listens (swim): host default `listen.host`, port default 0 (any free one; such a node cannot be a seed). */
  readonly gossip?: { readonly host?: string; readonly port: number };
  /** Gossip endpoints of other nodes to join through (swim). */
  readonly seeds?: readonly { readonly host: string; readonly port: number }[];
  /** The host peers dial for this node's federation port (swim; default `listen.host`). */
  readonly advertiseHost?: string;
  /** Which SWIM messages are sealed, encrypted with the cluster secret (swim; default `auto`; docs/membership.md#privacy). */
  readonly encryption?: 'auto' | 'always' | 'never';
  /** SWIM timing overrides (memberlist's LAN profile by default). */
  readonly timing?: SwimTiming;
  /** Which side of a partition keeps running (swim; default keep-majority). */
  readonly downing?: ConfigDowning;
}

/** Defaults of the section (also the schema's `default`s). */
export const FEDERATION_SECTION_DEFAULTS = {
  cluster: 'pd',
  transport: 'tcp',
  listen: { host: '127.0.0.1', port: 0 },
} as const;

const ID = { type: 'string', minLength: 1, maxLength: 255 } as const;
const HOST = { type: 'string', minLength: 1, maxLength: 253 } as const;
const FILE = { type: 'string', minLength: 1, maxLength: 4096 } as const;
const PREFIXES = { type: 'array', maxItems: 1024, items: { type: 'string', minLength: 1, maxLength: 1024 } } as const;

const GOSSIP_SEEDS = {
  type: 'array',
  maxItems: 1024,
  items: {
    type: 'object',
    additionalProperties: false,
    required: ['host', 'port'],
    properties: {
      host: { ...HOST, description: 'The seed\'s host name or address.' },
      port: { type: 'integer', minimum: 1, maximum: 65535, description: 'Its gossip port.' },
    },
  },
} as const;
const ETCD_ENDPOINTS = { type: 'array', minItems: 1, maxItems: 16, items: { type: 'string', pattern: '^https?://[^/\\s]+/?$', maxLength: 1024 } } as const;
const PEM_FILE = { type: 'string', minLength: 1, maxLength: 4096 } as const;
/** etcd's TLS and user authentication, for discovery and for the lease alike. */
const ETCD_SECURITY = {
  tls: {
    type: 'object',
    additionalProperties: false,
    description: 'For https:// endpoints (PEM files, relative to the config file).',
    properties: {
      ca: { ...PEM_FILE, description: 'The CAs to trust instead of the system\'s.' },
      cert: { ...PEM_FILE, description: 'A client certificate, for an etcd started with --client-cert-auth (with its gateway and auth on, one without a Common Name).' },
      key: { ...PEM_FILE, description: 'The client certificate\'s key (mode 0600).' },
      servername: { type: 'string', minLength: 1, maxLength: 253, description: 'The name etcd\'s certificate must carry, when not the endpoint\'s host.' },
    },
  },
  auth: {
    type: 'object',
    additionalProperties: false,
    required: ['username'],
    description: 'etcd\'s user authentication: a user, and its password from `passwordFile` (mode 0600) or `passwordEnv`.',
    properties: {
      username: { type: 'string', minLength: 1, maxLength: 255, description: 'The etcd user.' },
      passwordFile: { ...PEM_FILE, description: 'A file holding the password (mode 0600; a last newline is ignored), relative to the config file.' },
      passwordEnv: { type: 'string', minLength: 1, maxLength: 255, description: 'An environment variable holding the password.' },
    },
  },
} as const;

/** The schema of the top-level `federation` field. */
export const FEDERATION_PROPERTY = { $ref: '#/definitions/federation' } as const;

/** Definitions the `federation` field refers to, merged into the config schema's `definitions`. */
export const FEDERATION_DEFINITIONS = {
  federation: {
    type: 'object',
    description: 'Make this engine a node of a cluster (@pd/federation, docs/federation.md); on a multi-core engine the federation runs on core 0.',
    additionalProperties: false,
    required: ['nodeId'],
    properties: {
      nodeId: { ...ID, description: 'This node\'s id: unique in the cluster, at most 255 bytes.' },
      cluster: { ...ID, default: FEDERATION_SECTION_DEFAULTS.cluster, description: 'The cluster\'s name: nodes of another cluster are refused at handshake.' },
      transport: { enum: ['tcp', 'tls', 'ws'], default: FEDERATION_SECTION_DEFAULTS.transport, description: 'The carrier between nodes; `tls` needs `tls`.' },
      listen: {
        type: 'object',
        additionalProperties: false,
        description: 'Where this node listens for its peers.',
        properties: {
          host: { ...HOST, default: FEDERATION_SECTION_DEFAULTS.listen.host, description: 'Address to bind (loopback by default: give the machine\'s address for peers on other machines).' },
          port: { type: 'integer', minimum: 0, maximum: 65535, default: FEDERATION_SECTION_DEFAULTS.listen.port, description: 'TCP port; 0 picks a free one (shown by `pd status`).' },
        },
      },
      peers: {
        type: 'array',
        maxItems: 4096,
        description: 'The nodes this one knows, dialed on first use and kept.',
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['id', 'host', 'port'],
          properties: {
            id: { ...ID, description: 'The peer\'s node id.' },
            host: { ...HOST, description: 'Its host name or address.' },
            port: { type: 'integer', minimum: 1, maximum: 65535, description: 'Its federation port.' },
          },
        },
      },
      secretFile: { ...FILE, description: 'File holding the cluster secret (at least 16 bytes; mode 0600: a file others can read is refused); relative to the config file. Absent: $PD_CLUSTER_SECRET.' },
      acceptSecretFiles: {
        type: 'array', maxItems: 8, items: FILE,
        description: 'Files of other secrets peers may prove with, and membership messages may come under, while the cluster secret is rotated (each at least 16 bytes, mode 0600); this node proves and sends with the secret of secretFile. Relative to the config file (docs/federation.md#rotating-the-cluster-secret).',
      },
      tls: {
        type: 'object',
        additionalProperties: false,
        required: ['cert', 'key'],
        description: 'Certificates for `transport: "tls"` (PEM files, relative to the config file).',
        properties: {
          cert: { ...FILE, description: 'This node\'s certificate chain.' },
          key: { ...FILE, description: 'Its private key (mode 0600).' },
          ca: { ...FILE, description: 'CA bundle peers\' certificates are checked against (default: the system\'s).' },
          mutual: { type: 'boolean', description: 'Require and check the peer\'s certificate on accepted connections.' },
          servername: { ...HOST, description: 'The name checked in a peer\'s certificate (default: the peer\'s host).' },
        },
      },
      policy: {
        type: 'object',
        additionalProperties: false,
        description: 'What remote nodes may do here: path prefixes (`/user/public`) allowed and denied; absent lists allow everything.',
        properties: {
          send: { $ref: '#/definitions/federationPrefixes' },
          spawn: { $ref: '#/definitions/federationPrefixes' },
        },
      },
      requestTimeoutMs: { type: 'number', exclusiveMinimum: 0, maximum: 86_400_000, description: 'How long a remote spawn, whereis or sendWait waits for the other node, ms (default 5000).' },
      pollSpinUs: {
        type: 'number', minimum: 0, maximum: 10_000,
        description: 'After each write, keep the event loop polling without blocking for up to this many µs (adaptive), so an answer that comes back within it is read without a sleep and a wake-up: lower round trips for CPU while it spins (docs/wire-protocol.md#after-the-handshake). Default 0: off.',
      },
      membership: { $ref: '#/definitions/federationMembership' },
      discovery: { $ref: '#/definitions/federationDiscovery' },
    },
  },
  federationDiscovery: {
    type: 'object',
    additionalProperties: false,
    required: ['kind'],
    description: 'Where SWIM finds the seeds it joins through, beside `membership.seeds` (docs/membership.md#discovery): asked before joining and every `refreshMs` after; a failure keeps the last seeds. Needs `membership.kind: "swim"`.',
    properties: {
      kind: { enum: ['static', 'dns', 'etcd'], description: 'static: `seeds`; dns: the A/AAAA records of `name` (with `port`) or its SRV records (a Kubernetes headless service); etcd: the entries other nodes keep under `prefix`.' },
      seeds: { ...GOSSIP_SEEDS, description: 'static: gossip endpoints to join through.' },
      name: { ...HOST, description: 'dns: the name to resolve (the full SRV name for `type: "SRV"`, such as `_gossip._tcp.pd.default.svc.cluster.local`).' },
      type: { enum: ['A', 'AAAA', 'SRV'], default: 'A', description: 'dns: which records; A and AAAA need `port`.' },
      port: { type: 'integer', minimum: 1, maximum: 65535, description: 'dns (A, AAAA): the gossip port of every address.' },
      servers: { type: 'array', maxItems: 16, items: { ...HOST }, description: 'dns: DNS servers to ask (`10.0.0.10`, `127.0.0.1:5353`); default the system\'s.' },
      timeoutMs: { type: 'number', exclusiveMinimum: 0, description: 'dns: how long one query waits, ms (default 2000).' },
      endpoints: { ...ETCD_ENDPOINTS, description: 'etcd: client URLs, tried in turn.' },
      prefix: { type: 'string', minLength: 1, maxLength: 1024, description: 'etcd: key prefix of this cluster\'s entries (default `/pd/<cluster>`).' },
      ttlMs: { type: 'number', minimum: 1000, description: 'etcd: TTL of this node\'s entry, renewed every third of it, ms (default 10000).' },
      requestTimeoutMs: { type: 'number', exclusiveMinimum: 0, description: 'etcd: how long one request waits, ms (default 2000).' },
      tls: { ...ETCD_SECURITY.tls, description: `etcd: ${ETCD_SECURITY.tls.description}` },
      auth: { ...ETCD_SECURITY.auth, description: `etcd: ${ETCD_SECURITY.auth.description}` },
      refreshMs: { type: 'number', minimum: 100, description: 'How often the seeds are asked for again, ms (default 10000).' },
    },
  },
  federationMembership: {
    type: 'object',
    additionalProperties: false,
    required: ['kind'],
    description: 'Who is in the cluster (docs/membership.md): `static` (the default) is the `peers` list; `swim` finds members through `seeds` and detects failures (SWIM with Lifeguard), firing `noconnection` on everything linked to a member declared dead. SWIM messages are signed with the cluster secret.',
    properties: {
      kind: { enum: ['static', 'swim'], description: 'static: the peers list; swim: SWIM with seeds.' },
      gossip: {
        type: 'object',
        additionalProperties: false,
        required: ['port'],
        description: 'Where the SWIM endpoint listens (its own TCP port, beside `listen`).',
        properties: {
          host: { ...HOST, description: 'Address to bind (default `listen.host`).' },
          port: { type: 'integer', minimum: 0, maximum: 65535, description: 'TCP port; 0 picks a free one (such a node can join others but cannot be a seed).' },
        },
      },
      seeds: { ...GOSSIP_SEEDS, description: 'Gossip endpoints (`membership.gossip` of other nodes) to join through; any live member will do.' },
      advertiseHost: { ...HOST, description: 'The host other members dial for this node\'s federation port (default `listen.host`; give it when listening on 0.0.0.0).' },
      encryption: {
        enum: ['auto', 'always', 'never'], default: 'auto',
        description: 'Which SWIM messages are sealed (AES-256-GCM with the cluster secret) rather than only signed: auto (to every member that opens sealed messages; older versions get signed ones), always (sealed only; signed ones dropped), never (signed only, as versions before).',
      },
      timing: {
        type: 'object',
        additionalProperties: false,
        description: 'SWIM timing overrides; every field defaults to memberlist\'s LAN profile.',
        properties: Object.fromEntries(Object.entries(SWIM_DEFAULTS).map(([key, value]) => [key, {
          type: key.endsWith('Ms') || key === 'suspicionMaxTimeoutMult' ? 'number' : 'integer', minimum: 0, default: value,
        }])),
      },
      downing: {
        type: 'object',
        additionalProperties: false,
        description: 'Which side of a partition keeps running (swim): once this node\'s view has been stable for `stableAfterMs` with members declared dead, the winning side downs them and the losing side stops its engine (docs/membership.md#downing).',
        properties: {
          strategy: {
            enum: ['keep-majority', 'static-quorum', 'keep-oldest', 'lease-majority', 'off'], default: DOWNING_DEFAULTS.strategy,
            description: 'keep-majority: the side with more than half the members (on an even split, the side with the lowest node id); static-quorum: a side of at least quorumSize; keep-oldest: the side of the member that started first; lease-majority: a side of half or more that holds the etcd lock in `lease` (a side that cannot reach etcd stops); off: never decide (a partition leaves both sides running).',
          },
          lease: {
            type: 'object',
            additionalProperties: false,
            required: ['endpoints'],
            description: 'With lease-majority: the etcd lock that breaks ties (docs/membership.md#downing).',
            properties: {
              kind: { const: 'etcd', description: 'The store (etcd only today).' },
              endpoints: { ...ETCD_ENDPOINTS, description: 'etcd client URLs, tried in turn.' },
              key: { type: 'string', minLength: 1, maxLength: 1024, description: 'The lock\'s key (default `/pd/<cluster>/lease`).' },
              ttlMs: { type: 'number', minimum: 1000, description: 'How long etcd keeps the lock once its holder stops renewing, ms (default 10000).' },
              ...ETCD_SECURITY,
            },
          },
          leaseWaitMs: { type: 'number', minimum: 0, description: 'With lease-majority: how long a side waits for a lock held across the partition, or for etcd, before stopping, ms (default twice the lease TTL).' },
          quorumSize: { type: 'integer', minimum: 1, description: 'With static-quorum: the smallest side that keeps running (more than half the cluster).' },
          stableAfterMs: { type: 'number', minimum: 0, default: DOWNING_DEFAULTS.stableAfterMs, description: 'How long the view must be unchanged before a decision, ms.' },
        },
      },
    },
  },
  federationPrefixes: {
    type: 'object',
    additionalProperties: false,
    properties: {
      allow: { ...PREFIXES, description: 'Only paths under one of these are allowed.' },
      deny: { ...PREFIXES, description: 'Paths under one of these are refused, even when allowed.' },
    },
  },
} as const;

/** The section with defaults applied, or undefined when the config has none. */
export function federationWithDefaults(raw: Record<string, any> | undefined): FederationSection | undefined {
  if (raw === undefined) return undefined;
  const d = FEDERATION_SECTION_DEFAULTS;
  return { ...d, peers: [], ...raw, listen: { ...d.listen, ...raw.listen } } as unknown as FederationSection;
}

/**
 * Rules beyond the schema, for a schema-valid raw config: the library's own checks (peer
 * ids unique and not this node's, `tls` with transport `tls`, absolute prefixes), reported
 * at `federation.<field>`. A multi-core engine may be a node: its federation runs on core 0.
 */
export function federationIssues(raw: Record<string, any>): { path: string; message: string }[] {
  const section = federationWithDefaults(raw.federation);
  if (section === undefined) return [];
  const out: { path: string; message: string }[] = [];
  const etcd: [string, EtcdSecurityConfig | undefined][] = [
    ['discovery', section.discovery?.kind === 'etcd' ? section.discovery : undefined], ['membership.downing.lease', section.membership?.downing?.lease],
  ];
  for (const [at, spec] of etcd) {
    if (spec?.auth?.passwordFile !== undefined && spec.auth.passwordEnv !== undefined) {
      out.push({ path: `federation.${at}.auth.passwordEnv`, message: 'and passwordFile are two sources for one password: give one' });
    }
  }
  if (out.length > 0) return out;
  try {
    validateFederationOptions(federationOptions(section));
  } catch (error) {
    if (!(error instanceof ArgumentError)) throw error;
    const field = String(error.details?.field ?? '(root)');
    const message = error.message.replace(/^arg\/invalid: /, '').replace(`federation option ${field} `, '');
    out.push({ path: `federation.${configField(field)}`, message });
  }
  return out;
}

/** The section with its files made absolute by `absolute` (relative to the config file). */
export function resolveFederationFiles(section: FederationSection | undefined, absolute: (file: string) => string): FederationSection | undefined {
  if (section === undefined) return undefined;
  const tls = section.tls === undefined ? {} : {
    tls: { ...section.tls, cert: absolute(section.tls.cert), key: absolute(section.tls.key), ...(section.tls.ca === undefined ? {} : { ca: absolute(section.tls.ca) }) },
  };
  const discovery = section.discovery?.kind === 'etcd' ? { discovery: { ...section.discovery, ...etcdFiles(section.discovery, absolute) } } : {};
  const lease = section.membership?.downing?.lease;
  const membership = lease === undefined ? {} : {
    membership: { ...section.membership!, downing: { ...section.membership!.downing, lease: { ...lease, ...etcdFiles(lease, absolute) } } },
  };
  return {
    ...section, ...(section.secretFile === undefined ? {} : { secretFile: absolute(section.secretFile) }),
    ...(section.acceptSecretFiles === undefined ? {} : { acceptSecretFiles: section.acceptSecretFiles.map(absolute) }), ...tls, ...discovery, ...membership,
  };
}

/** `tls` and `auth` of an etcd spec with their files made absolute. */
function etcdFiles(spec: EtcdSecurityConfig, absolute: (file: string) => string): EtcdSecurityConfig {
  const t = spec.tls;
  const a = spec.auth;
  const file = (f: string | undefined) => (f === undefined ? undefined : absolute(f));
  return {
    ...(t === undefined ? {} : { tls: definedOnly({ ...t, ca: file(t.ca), cert: file(t.cert), key: file(t.key) }) }),
    ...(a === undefined ? {} : { auth: definedOnly({ ...a, passwordFile: file(a.passwordFile) }) as NonNullable<EtcdSecurityConfig['auth']> }),
  };
}

/** The library's etcd security options for the config's: files as `{ file }`, the password from its file or variable. */
function etcdSecurity(spec: EtcdSecurityConfig): EtcdSecurityOptions {
  const t = spec.tls;
  const a = spec.auth;
  const source = (f: string | undefined) => (f === undefined ? undefined : { file: f });
  const password = a?.passwordFile !== undefined ? { file: a.passwordFile } : a?.passwordEnv !== undefined ? { env: a.passwordEnv } : undefined;
  return {
    ...(t === undefined ? {} : { tls: definedOnly({ ca: source(t.ca), cert: source(t.cert), key: source(t.key), servername: t.servername }) }),
    // Without a password source the library names `auth.password` (the config's `auth.passwordFile`).
    ...(a === undefined ? {} : { auth: { username: a.username, password: password as never } }),
  };
}

function definedOnly<T extends Record<string, unknown>>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/** The options `createFederation` takes for this section (files as `{ file }` sources). */
export function federationOptions(section: FederationSection): FederationOptions {
  const t = section.tls;
  return {
    nodeId: section.nodeId, cluster: section.cluster, transport: section.transport, listen: section.listen, peers: section.peers,
    ...(section.secretFile === undefined ? {} : { secret: { file: section.secretFile } }),
    ...(section.acceptSecretFiles === undefined ? {} : { acceptSecrets: section.acceptSecretFiles.map((file) => ({ file })) }),
    ...(t === undefined ? {} : {
      tls: {
        cert: { file: t.cert }, key: { file: t.key }, ...(t.ca === undefined ? {} : { ca: { file: t.ca } }),
        ...(t.mutual === undefined ? {} : { mutual: t.mutual }), ...(t.servername === undefined ? {} : { servername: t.servername }),
      },
    }),
    ...(section.policy === undefined ? {} : { policy: section.policy }),
    ...(section.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: section.requestTimeoutMs }),
    ...(section.pollSpinUs === undefined ? {} : { limits: { pollSpinUs: section.pollSpinUs } }),
    ...(section.membership === undefined ? {} : { membership: membershipOptions(section.membership) }),
    ...(section.discovery === undefined ? {} : {
      discovery: section.discovery.kind === 'etcd' ? { ...withoutSecurity(section.discovery), ...etcdSecurity(section.discovery) } : section.discovery,
    }),
  };
}

function membershipOptions(m: MembershipSpec): NonNullable<FederationOptions['membership']> {
  const lease = m.downing?.lease;
  if (lease === undefined) return m as NonNullable<FederationOptions['membership']>;
  return { ...m, downing: { ...m.downing, lease: { ...withoutSecurity(lease), ...etcdSecurity(lease) } } } as NonNullable<FederationOptions['membership']>;
}

function withoutSecurity<T extends EtcdSecurityConfig>(spec: T): Omit<T, 'tls' | 'auth'> {
  const { tls: _tls, auth: _auth, ...rest } = spec;
  return rest;
}

// --- internal ---

/** The config's name of a library option (`secret` is written `secretFile`, `acceptSecrets[i]` `acceptSecretFiles[i]`). */
export function configField(field: string): string {
  if (field === 'secret') return 'secretFile';
  if (field.startsWith('acceptSecrets[')) return `acceptSecretFiles${field.slice('acceptSecrets'.length)}`;
  // The library's password source is the config's passwordFile (or passwordEnv).
  return field.endsWith('.auth.password') ? `${field}File` : field;
}
