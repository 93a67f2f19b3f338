/**
 * The federation policy (after Palladium's): allow / deny lists of path prefixes for what
 * remote nodes may send to or spawn under, checked on the node that hosts the target. Owns:
 * the refusal counts, and which decisions are this core's. The rule itself is the runtime's
 * `pathAllowed`, because on a multi-core node the send policy of an actor on another core is
 * checked there (`RemoteHost.guardOtherCores`), by the same rule. Must not: know how
 * refusals are reported (the router turns one into a dead letter or a failed request).
 */
import { type PathPolicy, pathAllowed } from '@pd/runtime';
import type { FederationPolicy, PrefixPolicy } from './options.js';

/** Refusals so far, by what was refused. */
export interface PolicyRefusals {
  /** Sends, asks and sendWaits from remote nodes refused by `policy.send`. */
  send: number;
  /** Spawns asked for by remote nodes refused by `policy.spawn`. */
  spawn: number;
}

export class PolicyGate {
  readonly refused: PolicyRefusals = { send: 0, spawn: 0 };
  /** Whether `send` needs a check at all (so an open node pays nothing per message). */
  readonly checksSend: boolean;

  constructor(private readonly policy: FederationPolicy = {}) {
    this.checksSend = restricts(policy.send);
  }

  /** The send policy, as plain data for the other cores of a multi-core node (null: none in force). */
  get sendPolicy(): PathPolicy | null {
    return this.checksSend ? this.policy.send! : null;
  }

  /** Whether a remote node may send to the actor at `path`; counts a refusal. */
  allowSend(path: string | undefined): boolean {
    if (pathAllowed(this.policy.send, path)) return true;
    this.refused.send++;
    return false;
  }

  /** Another core of this node refused a send from a remote node by the send policy: counted here, with this core's. */
  refusedElsewhere(): void {
    this.refused.send++;
  }

  /**
   * A send to an actor whose path this core cannot see (on another core of a multi-core
   * node whose other cores cannot check it): refused while a send policy is in force,
   * counted — a prefix rule nobody can check never lets it through.
   */
  refuseUnseen(): false {
    this.refused.send++;
    return false;
  }

  /** Whether a remote node may spawn an actor at `path`; counts a refusal. */
  allowSpawn(path: string): boolean {
    if (pathAllowed(this.policy.spawn, path)) return true;
    this.refused.spawn++;
    return false;
  }
}

function restricts(p: PrefixPolicy | undefined): boolean {
  return p !== undefined && (p.allow !== undefined || (p.deny?.length ?? 0) > 0);
}
