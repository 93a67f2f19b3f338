/**
 * Path-prefix policies: allow / deny lists of path prefixes (a federation's `policy.send`
 * and `policy.spawn`), and the one rule that decides them. It lives in the runtime because a
 * multi-core cluster node checks what other nodes send on the core that hosts the target
 * (kernel/remote-host.ts, multi/inbound.ts), and the runtime never imports the federation;
 * the federation decides with the same function, so both sides agree.
 *
 * Owns: the decision and the shape check of a policy. Must not: count or report refusals
 * (the caller does).
 */
import { ArgumentError, describeType, isUnderPath } from '@pd/actor';

/**
 * Path prefixes, segment by segment (`/user/a` covers `/user/a/b`, not `/user/ab`): plain
 * data, so it can be handed to every core of an engine.
 */
export interface PathPolicy {
  /** When given, only paths under one of these are allowed. */
  readonly allow?: readonly string[];
  /** Paths under one of these are refused, even when also allowed. */
  readonly deny?: readonly string[];
}

/**
 * Whether `policy` allows `path`: `deny` wins over `allow`; an absent `allow` allows
 * everything not denied; no policy allows everything. An actor with no path (gone already)
 * has nothing to match: allowed only when there is no `allow` list (its delivery is a dead
 * letter anyway).
 */
export function pathAllowed(policy: PathPolicy | undefined, path: string | undefined): boolean {
  if (policy === undefined) return true;
  if (path === undefined) return policy.allow === undefined;
  const deny = policy.deny;
  if (deny !== undefined) for (let i = 0; i < deny.length; i++) if (isUnderPath(path, deny[i]!)) return false;
  const allow = policy.allow;
  if (allow === undefined) return true;
  for (let i = 0; i < allow.length; i++) if (isUnderPath(path, allow[i]!)) return true;
  return false;
}

/** Throws an `ArgumentError` naming `what` unless `policy` is a {@link PathPolicy} (lists of strings). */
export function checkPathPolicy(policy: unknown, what: string): asserts policy is PathPolicy {
  if (typeof policy !== 'object' || policy === null || Array.isArray(policy)) throw new ArgumentError(`${what} must be an object { allow?, deny? }, got ${describeType(policy)}`);
  for (const [key, list] of Object.entries(policy)) {
    if (key !== 'allow' && key !== 'deny') throw new ArgumentError(`${what}.${key} is not a list (known: allow, deny)`);
    if (list === undefined) continue;
    if (!Array.isArray(list) || list.some((p) => typeof p !== 'string')) throw new ArgumentError(`${what}.${key} must be an array of path prefixes, got ${describeType(list)}`);
  }
}
