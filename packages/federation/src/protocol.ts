/**
 * What nodes say to each other above the wire protocol: envelope frames (docs/envelope.md)
 * whose kinds mean what they mean inside an engine (user, ask, reply, exit, link, unlink,
 * monitor, demonitor, down, stop, kill, swap), plus control requests to a node's
 * *endpoint* (slot {@link ENDPOINT_SLOT}) for what no actor answers: spawn, whereis,
 * sendWait, publish, and queries to the node's services. Control requests ride `ask` frames and their answers `reply` frames,
 * so they keep per-pair order with everything else and need no kinds of their own.
 *
 * Owns: the shapes and the endpoint identity. Must not: trust what it reads (every shape
 * is checked by the router before use; a wrong one is a bad frame, counted).
 */
import type { AddrIdentity, AnyAddr } from '@pd/actor';

/** The slot of a node's endpoint: no actor has it (slots are table indexes). */
export const ENDPOINT_SLOT = 0xffff_ffff;

/** The endpoint of the node of incarnation `node` (0 while the peer's incarnation is unknown). */
export function endpointOf(node: number): AddrIdentity {
  return { node, core: 0, slot: ENDPOINT_SLOT, generation: 0, secret: 0 };
}

/** How an `exit` frame's signal acts (its body is `[mode, reason]`). */
export const ExitMode = { link: 0, exit: 1, kill: 2 } as const;

/** A control request (an `ask` frame to the endpoint); the answer is a {@link Answer}. */
export type Request =
  /**
   * Spawn a registered kind here; the answer is its address. `link`: a stand-in on the
   * asking node (a child placed on this one, remote-children.ts), linked to the new actor
   * before the answer leaves, so its exit is never missed there.
   */
  | {
    readonly op: 'spawn'; readonly kind: string; readonly args?: unknown; readonly name?: string; readonly register?: string;
    readonly trapExits?: boolean; readonly mailbox?: unknown; readonly budget?: number; readonly stopTimeoutMs?: number;
    readonly link?: AnyAddr;
  }
  /** The address registered under `name` (or at a path starting with `/`), or null. */
  | { readonly op: 'whereis'; readonly name: string }
  /** Put `message` in the mailbox of `to`, waiting for room if it is `backpressure`; the answer is the SendResult. */
  | { readonly op: 'sendWait'; readonly to: unknown; readonly message: unknown; readonly priority?: string }
  /** Ask the node service `service` (`federation.serve`) with `body`; the answer is what its handler returned. */
  | { readonly op: 'query'; readonly service: string; readonly body: unknown };

/** A one-way control message (a `user` frame to the endpoint). */
export type Notice =
  /** Deliver `message` to this node's subscribers of `topic`. */
  | { readonly op: 'publish'; readonly topic: string; readonly message: unknown }
  /**
   * The sender is connected to these nodes, running as these incarnations: the receiver
   * can route addresses of theirs it learns from messages (connecting on first use).
   */
  | { readonly op: 'peers'; readonly peers: readonly (readonly [id: string, incarnation: number])[] }
  /**
   * The cluster registry (cluster-registry.ts): names registered on the sender, as
   * `[name, addr, clock]`; `full`: these are all of them (the receiver forgets the others it
   * had from the sender), else a delta whose `removed` names are gone. Entries of other
   * kinds (path prefixes) ride `claims` as `[kind, key, addr, clock]` and `unclaimed` as
   * `[kind, key]`, absent when empty: a peer that predates them ignores both (it resolves
   * names only), and a kind the receiver does not know is dropped and counted.
   * Versions (delta-slice.ts): each item's last element (`removedAt[i]` for `removed[i]`), the
   * run `from..seq` of a delta, the counter `seq` of a full state; a peer that predates them
   * sends none, and its notice is joined as the next run.
   */
  | {
    readonly op: 'registry'; readonly full: boolean; readonly entries: readonly unknown[]; readonly removed: readonly string[];
    readonly removedAt?: readonly number[]; readonly claims?: readonly unknown[]; readonly unclaimed?: readonly unknown[];
    readonly from?: number; readonly seq?: number;
    /** Anti-entropy: the sender's last version (a receiver behind it asks for the full state). */
    readonly have?: number;
    /** Anti-entropy: send me your full state. */
    readonly resend?: boolean;
    /** The sender's incarnation: a notice of an earlier one, read late, is dropped. */
    readonly inc?: number;
  }
  /**
   * Process groups (cluster-groups.ts): members on the sender that joined and left, as
   * `[group, addr[], versions[]]`; `full`: `joins` are all of them (the receiver forgets the
   * others it had from the sender), else a delta of versions `from..seq` (versions as for
   * `registry`; a peer that predates them sends `[group, addr[]]` and no run).
   */
  | {
    readonly op: 'groups'; readonly full: boolean; readonly joins: readonly unknown[]; readonly leaves: readonly unknown[];
    readonly from?: number; readonly seq?: number; readonly have?: number; readonly resend?: boolean; readonly inc?: number;
  };

/** The body of a `reply` frame: `[0, value]`, or `[1, error]` with the error as `wireError` wrote it. */
export type Answer = readonly [0, unknown] | readonly [1, unknown];
