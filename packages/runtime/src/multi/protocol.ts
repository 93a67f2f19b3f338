/**
 * Control messages between cores: what one core's router sends to another core's endpoint
 * (slot `ENDPOINT_SLOT`) rather than to an actor. They ride the same rings as user messages,
 * as `user` frames (or `ask` frames for the ones that want an answer), so they keep per-pair
 * FIFO with everything else and need no envelope kinds of their own.
 *
 * Owns: the shapes. Must not: carry anything but plain data (they cross the codec).
 */
import type { AddrIdentity, SpawnOptions } from '@pd/actor';
import type { TraceContext } from '@pd/transport';
import type { PathPolicy } from '../path-policy.js';
import type { CoreTelemetrySetup } from '../telemetry/core-telemetry.js';
import type { SpanData } from '../telemetry/worker-tracer.js';

/** Which registry a binding is in. */
export type Space = 'name' | 'path';

export type Control =
  /** Run an actor under a leased identity (slot, generation minted by the sender). */
  | {
    readonly op: 'spawn'; readonly slot: number; readonly generation: number; readonly secret: number;
    readonly kind: string; readonly options: SpawnOptions; readonly parentPath: string | null;
    readonly restart: { readonly restarts: number; readonly previous: unknown } | null;
    /** A monitor to hold from the start (a stand-in watching its remote child). */
    readonly watch: { readonly watcher: AddrIdentity; readonly ref: number } | null;
  }
  /**
   * First frame to a restarted core: the sender's next spawn sequence number for it, and
   * (the gateway, guarding the other cores) the policy it checks `checked` messages against.
   */
  | { readonly op: 'hello'; readonly next: number; readonly policy?: PathPolicy }
  /** From the gateway (core 0 of a cluster node): check `checked` messages against `policy` from now on (null: none). */
  | { readonly op: 'guard'; readonly policy: PathPolicy | null }
  /**
   * From the gateway: a message or signal another node sent to the actor `to` of this core,
   * to be checked against the guard's policy (the target's path) before it is acted on. `kind`
   * is the envelope kind it would have had (user, ask, exit, stop, kill, swap), `body` its
   * payload; an ask is a control ask whose correlation id is the asker's.
   */
  | {
    readonly op: 'checked'; readonly kind: number; readonly to: AddrIdentity; readonly from: AddrIdentity | null; readonly body: unknown;
    readonly lane: number; readonly deadline: number | null; readonly trace: TraceContext | null;
  }
  /** To the gateway: this core refused a `checked` message (or a guarded sendWait); counted there. */
  | { readonly op: 'denied' }
  /** To a name's home core: bind `key` to `addr` unless another live actor holds it. */
  | { readonly op: 'claim'; readonly space: Space; readonly key: string; readonly addr: AddrIdentity }
  /** To a name's home core: unbind `key` if it is bound to `addr`. */
  | { readonly op: 'release'; readonly space: Space; readonly key: string; readonly addr: AddrIdentity }
  /** From a home core to every core: `key` is now bound to `addr`. */
  | { readonly op: 'bind'; readonly space: Space; readonly key: string; readonly addr: AddrIdentity }
  /** From a home core to every core: `key` is no longer bound to `addr`. */
  | { readonly op: 'unbind'; readonly space: Space; readonly key: string; readonly addr: AddrIdentity }
  /** From a home core to a claimant: `key` was already bound to `holder`. */
  | { readonly op: 'refused'; readonly space: Space; readonly key: string; readonly addr: AddrIdentity; readonly holder: AddrIdentity }
  /** The sender now has `count` local subscribers of `topic`. */
  | { readonly op: 'topic'; readonly topic: string; readonly count: number }
  /** Deliver `message` to this core's subscribers of `topic`. */
  | { readonly op: 'publish'; readonly topic: string; readonly message: unknown }
  /**
   * A `sendWait` (an ask): put `message` in the mailbox of `to` (a lane, an absolute
   * deadline or null), waiting for room if it is `backpressure`; the answer is the SendResult.
   */
  | {
    readonly op: 'sendWait'; readonly to: AddrIdentity; readonly message: unknown; readonly lane: number; readonly deadline: number | null;
    /** From the gateway for another node: checked as a `checked` message is. */
    readonly guarded?: true;
  }
  /** Introspection (an ask): this core's view, as plain data. */
  | { readonly op: 'inspect'; readonly what: 'list' | 'tree' | 'stats' | 'terminated' | 'dead-letters' | 'telemetry'; readonly filter?: Readonly<Record<string, string>> }
  /** From core 0 (instrumented): record this core's metrics as `setup` says (null: stop). */
  | { readonly op: 'telemetry'; readonly setup: CoreTelemetrySetup | null }
  /** To core 0: spans this core's message tracing recorded, for core 0's span processors. */
  | { readonly op: 'spans'; readonly spans: readonly SpanData[] };
