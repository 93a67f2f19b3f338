/**
 * The TypeScript shape of a version-1 config, as the validator hands it on: what
 * schema.ts allows, with the defaults the contract documents filled in by
 * `withDefaults`. Plain data; no I/O.
 */
import { type FederationSection, federationWithDefaults } from './federation.js';
import { type PluginSpec, pluginsWithDefaults } from './plugins.js';

export type Strategy = 'one-for-one' | 'one-for-all' | 'rest-for-one';
export type Restart = 'permanent' | 'transient' | 'temporary';
export type Shutdown = number | 'brutal' | 'infinity';

/** Restart backoff (see the runtime's supervision); `false`: restart at once. */
export type Backoff = false | { readonly initialMs?: number; readonly maxMs?: number; readonly factor?: number; readonly jitter?: number; readonly resetAfterMs?: number };

export interface EngineSection {
  readonly id: string;
  readonly mode: 'single' | 'multi';
  readonly cores: number;
  /** `multi` mode: where spawns without a placement run (the runtime's placement policy). */
  readonly placement?: {
    readonly default?: 'local' | 'any' | 'hash';
    readonly kinds?: Readonly<Record<string, 'local' | 'any' | 'hash' | { readonly core: number }>>;
  };
  readonly seed?: number;
  readonly budget?: number;
  readonly sliceMs?: number;
  readonly askTimeoutMs?: number;
  readonly stopTimeoutMs?: number;
  readonly shutdownDeadlineMs: number;
  readonly terminatedHistory?: number;
  readonly deadLetterHistory?: number;
}

export interface ControlSection {
  readonly enabled: boolean;
  readonly host: string;
  readonly port: number;
  readonly allowRemote: boolean;
  /** Absolute, once loaded from a file. */
  readonly stateDir?: string;
  readonly maxConnections: number;
  readonly maxRequestBytes: number;
  readonly maxInFlight: number;
  /** How long a connection may take to finish its handshake, ms. */
  readonly handshakeTimeoutMs: number;
  /** Connections in their handshake (not yet authenticated) at once. */
  readonly maxPendingConnections: number;
}

/** Observability (docs/observability.md). */
export interface TelemetrySection {
  readonly enabled: boolean;
  readonly metrics: { readonly host: string; readonly port: number; readonly allowRemote: boolean };
  readonly otlp?: { readonly endpoint: string };
  readonly sampling: number;
  readonly log: { readonly level: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal'; readonly format: 'json' | 'pretty' | 'auto' };
  readonly observer: boolean;
}

/** A worker or supervisor child, as written in the config. */
export interface ChildSpec {
  readonly id: string;
  readonly kind?: string;
  readonly args?: unknown;
  readonly restart?: Restart;
  readonly shutdown?: Shutdown;
  readonly register?: string;
  /** A name in the cluster registry (needs `federation`); kept by the engine (control's cluster-names.ts). */
  readonly clusterName?: string;
  /** Worker or supervisor: claim its own path as a cluster path prefix (needs `federation`); kept like `clusterName`. */
  readonly clusterPrefix?: boolean;
  /** Worker or supervisor: process groups its actor joins, each incarnation (needs `federation`); kept like `clusterName`. */
  readonly clusterGroups?: readonly string[];
  readonly mailbox?: {
    readonly capacity?: number;
    readonly overflow?: 'drop-newest' | 'drop-oldest' | 'reject' | 'backpressure';
    /** `backpressure`: `sendWait` callers that may wait at once (default 10 000). */
    readonly maxWaiters?: number;
  };
  readonly budget?: number;
  /** Worker: the node of the cluster it runs on (needs `federation`); a local stand-in is its supervisor's child. */
  readonly placement?: { readonly node: string } | { readonly nodes: readonly string[] };
  readonly backoff?: Backoff;
  readonly strategy?: Strategy;
  readonly intensity?: number;
  readonly periodMs?: number;
  readonly children?: readonly ChildSpec[];
}

/** The root supervisor. Absent fields take the runtime's supervision defaults. */
export interface TreeSection {
  readonly id: string;
  readonly strategy?: Strategy;
  readonly intensity?: number;
  readonly periodMs?: number;
  readonly backoff?: Backoff;
  readonly children: readonly ChildSpec[];
}

/** A validated version-1 config with defaults applied. */
export interface PdConfig {
  readonly version: 1;
  readonly engine: EngineSection;
  readonly control: ControlSection;
  /** Absolute module paths (or specifiers) once loaded from a file. */
  readonly modules: readonly string[];
  readonly tree: TreeSection;
  readonly metadata: Readonly<Record<string, string>>;
  readonly telemetry: TelemetrySection;
  /** WebAssembly plugins loaded before the tree starts (config/plugins.ts). */
  readonly plugins: readonly PluginSpec[];
  /** Present when the engine is a node of a cluster (config/federation.ts). */
  readonly federation?: FederationSection;
  /** The file it came from, absolute; undefined for a config built in code. */
  readonly file?: string;
}

/** Defaults of the contract, in one place (they are also the schema's `default`s). */
export const CONFIG_DEFAULTS = {
  engine: { id: 'engine', mode: 'single', cores: 1, shutdownDeadlineMs: 10_000 },
  control: { enabled: true, host: '127.0.0.1', port: 0, allowRemote: false, maxConnections: 16, maxRequestBytes: 1_048_576, maxInFlight: 32, handshakeTimeoutMs: 5000, maxPendingConnections: 64 },
  tree: { id: 'root' },
  telemetry: { enabled: false, sampling: 0, observer: false, metrics: { host: '127.0.0.1', port: 9464, allowRemote: false }, log: { level: 'info', format: 'auto' } },
  /** What the runtime's supervision uses for fields a child leaves out (documented in docs/config.md). */
  child: { restart: 'permanent', workerShutdownMs: 5000, supervisorShutdown: 'infinity', strategy: 'one-for-one', intensity: 1, periodMs: 5000 },
} as const;

/** Fill in the documented defaults of a schema-valid raw config. */
export function withDefaults(raw: Record<string, any>): PdConfig {
  return {
    version: 1,
    engine: { ...CONFIG_DEFAULTS.engine, ...raw.engine },
    control: { ...CONFIG_DEFAULTS.control, ...raw.control },
    modules: raw.modules ?? [],
    tree: { ...CONFIG_DEFAULTS.tree, children: [], ...raw.tree },
    metadata: raw.metadata ?? {},
    telemetry: telemetryWithDefaults(raw.telemetry ?? {}),
    plugins: pluginsWithDefaults(raw.plugins),
    ...(raw.federation === undefined ? {} : { federation: federationWithDefaults(raw.federation)! }),
  };
}

function telemetryWithDefaults(t: Record<string, any>): TelemetrySection {
  const d = CONFIG_DEFAULTS.telemetry;
  return { ...d, ...t, metrics: { ...d.metrics, ...t.metrics }, log: { ...d.log, ...t.log } };
}
