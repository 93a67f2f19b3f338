/**
 * The shape of a control method and what it may use: the engine's public API, the tree
 * host, and its own connection (for notifications). Methods are plain objects in tables,
 * one table per area (engine, actors, messages, events); the server owns none of them.
 */
import type { Federation } from '@pd/federation';
import type { PluginHost } from '@pd/plugin';
import type { Engine } from '@pd/runtime';
import type { ClusterNameKeeper } from '../cluster-names.js';
import type { Params } from '../params.js';
import type { TreeHost } from '../tree.js';

/** What the process hosting the engine tells the control plane. */
export interface ControlHost {
  readonly engine: Engine;
  readonly tree: TreeHost;
  /** Wall-clock start time, ms since the epoch. */
  readonly startedAt: number;
  /** The engine's WebAssembly plugins (`plugin.*` methods); absent: those methods say so. */
  readonly plugins?: PluginHost | undefined;
  /** The engine's federation, when it is a node of a cluster (`cluster.*` methods); absent: those methods say so. */
  readonly federation?: Federation | undefined;
  /** The config's cluster names and path prefixes (`clusterName`, `clusterPrefix` of its tree's entries), kept claimed; absent without a federation. */
  readonly clusterNames?: ClusterNameKeeper | undefined;
  /** Extra fields for `engine.status` (mode, cores, config file, metadata). */
  readonly details: Readonly<Record<string, unknown>>;
  /** Shut the engine down (after the reply is sent) and end the hosting process. */
  requestStop(deadlineMs?: number): void;
}

/** One client connection, as a method sees it. */
export interface Session {
  readonly id: number;
  /** Send a JSON-RPC notification on this connection (dropped when the connection is congested). */
  notify(method: string, params: unknown): boolean;
  /** Cleanups to run when the connection closes, by key. */
  readonly cleanups: Map<string, () => void>;
}

export interface Method {
  /** The params it takes (anything else is an `rpc/invalid-params` error). */
  readonly params: readonly string[];
  /** One line for `rpc.methods` and the docs. */
  readonly summary: string;
  run(params: Params, host: ControlHost, session: Session): unknown;
}

export type MethodTable = Readonly<Record<string, Method>>;
