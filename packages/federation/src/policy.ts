/**
 * The federation policy (after Palladium's): allow / deny lists of path prefixes for what
 * remote nodes may send to or spawn under, checked on the node that hosts the target. Owns:
 * the decision and the refusal counts. Must not: know how refusals are reported (the router
 * turns one into a dead letter or a failed request).
 */
import { isUnderPath } from '@pd/actor';
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

  /** Whether a remote node may send to the actor at `path`; counts a refusal. */
  allowSend(path: string | undefined): boolean {
    if (allows(this.policy.send, path)) return true;
    this.refused.send++;
    return false;
  }

  /**
   * A send to an actor whose path this core cannot see (on another core of a multi-core
   * node): refused while a send policy is in force, counted — a prefix rule it cannot check
   * never lets it through.
   */
  refuseUnseen(): false {
    this.refused.send++;
    return false;
  }

  /** Whether a remote node may spawn an actor at `path`; counts a refusal. */
  allowSpawn(path: string): boolean {
    if (allows(this.policy.spawn, path)) return true;
    this.refused.spawn++;
    return false;
  }
}

function restricts(p: PrefixPolicy | undefined): boolean {
  return p !== undefined && (p.allow !== undefined || (p.deny?.length ?? 0) > 0);
}

function allows(p: PrefixPolicy | undefined, path: string | undefined): boolean {
  if (p === undefined) return true;
  // An actor with no path (already gone): nothing to match; the delivery dead-letters it anyway.
  if (path === undefined) return p.allow === undefined;
  if (p.deny?.some((prefix) => isUnderPath(path, prefix)) === true) return false;
  return p.allow === undefined || p.allow.some((prefix) => isUnderPath(path, prefix));
}
