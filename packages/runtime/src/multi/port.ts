/**
 * CorePort: what the helpers of a core's router (inbound, control, stand-ins, the
 * engine-wide registry and topics, forwarded asks, inspection) may ask of it. The router
 * implements it; the helpers import this file, never core-router.ts, so the router sits
 * above its helpers and multi/ has no import circle.
 */
import type { AddrIdentity, AnyAddr, ExitReason, MonitorRef, SendResult, SpawnOptions } from '@pd/actor';
import type { Codec, MessageKind } from '@pd/transport';
import type { ActorCell } from '../kernel/cell.js';
import type { Engine } from '../kernel/engine.js';
import type { PathPolicy } from '../path-policy.js';
import type { RemoteSpawn } from '../remote.js';
import type { Books } from './books.js';
import type { Peer } from './peer.js';
import type { Control, Space } from './protocol.js';
import type { CoreTelemetry, CoreTelemetrySetup } from '../telemetry/core-telemetry.js';
import type { SpanData } from '../telemetry/worker-tracer.js';

/** Counters of what crossed a core's rings (see `CoreStats`). */
export interface CoreCounters {
  framesIn: number;
  messagesIn: number;
  badFrames: number;
  errors: number;
  heldForSpawn: number;
}

export interface CorePort {
  readonly engine: Engine;
  /** This core. */
  readonly self: number;
  /** The engine's incarnation (the `node` of every address). */
  readonly node: number;
  readonly cores: number;
  /** The core that carries this engine's traffic with other nodes, or -1 (see `CoreRouterOptions.gateway`). */
  readonly gateway: number;
  /** This core's restart count. */
  readonly epoch: number;
  readonly codec: Codec;
  readonly books: Books;
  readonly peers: readonly (Peer | null)[];
  /** This core's endpoint, as the watcher of the router's own monitors. */
  readonly endpoint: AnyAddr;
  /** Cells living here under identities leased by other cores, by `slot.generation`. */
  readonly leasedHere: Map<string, ActorCell>;
  readonly stats: CoreCounters;
  /** Frames waiting to go out to other cores. */
  readonly backlog: number;
  /** This core's metrics recorder, when core 0 asked it to record (worker cores). */
  readonly coreTelemetry: CoreTelemetry | null;
  /** Record this core's metrics as `setup` says (a `telemetry` control message); null: stop. */
  recordTelemetry(setup: CoreTelemetrySetup | null): void;
  /** Spans another core recorded (core 0: handed to the instrumentation's span export). */
  onSpans(core: number, spans: readonly SpanData[]): void;
  /**
   * What `checked` messages (from another node, through the gateway) are checked against
   * here: set by the gateway's `guard` (or its hello); null until then, and a checked message
   * that finds none is refused (a rule this core has not seen never lets one through).
   */
  inboundPolicy: PathPolicy | null;
  /** `core` refused a message passed on under the guard (the gateway counts it). */
  onDenied(core: number): void;
  readonly registry: { onControl(from: number, m: Extract<Control, { space: Space }>): void };
  readonly topics: { onCount(core: number, topic: string, count: number): void; deliverLocal(topic: string, message: unknown): void };
  /** One frame of its own to the actor `to` (which lives on another core). */
  frame(to: AnyAddr | AddrIdentity, kind: MessageKind, from: AnyAddr | null, correlationId: number, body: unknown, flags?: number): void;
  /** A control message to another core's endpoint. */
  control(core: number, message: Control, correlationId?: number): void;
  /** The reply to an ask that came from `core`: `[0, value]` or `[1, wire error]`. */
  reply(core: number, correlationId: number, body: readonly [0 | 1, unknown]): void;
  /** A fresh id for a monitor the router holds itself. */
  internalRef(): MonitorRef;
  /** A monitor of a remote actor: a Down for `watcher`, or (internal watches) a callback. */
  watch(watcher: AnyAddr, remote: AnyAddr, ref: MonitorRef, onDown: ((reason: ExitReason) => void) | null): void;
  /** Send the spawn request for `identity` to `peer`. */
  sendSpawn(peer: Peer, identity: AddrIdentity, kind: string, spawn: RemoteSpawn, options: SpawnOptions, watch: { watcher: AnyAddr; ref: number } | null): void;
  /** An address from a decoded identity: a local actor's own address when it is alive here. */
  resolveAddr(id: AddrIdentity): AnyAddr;
  deadLetter(to: AnyAddr, message: unknown): SendResult;
  /** A local actor exited: tell remote linkers and watchers. */
  exited(local: AnyAddr, reason: ExitReason): void;
  exit(target: AnyAddr, reason: ExitReason, from: AnyAddr | null): void;
  stop(target: AnyAddr, reason: ExitReason): void;
  kill(target: AnyAddr): void;
}
