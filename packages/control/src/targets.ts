/**
 * Targets: how an operator names an actor. A target is an address as printed
 * (`<node.core.slot.gen>`, brackets optional), a path (`/user/orders`), or a registered
 * name (`payments`). Resolution goes through the engine's public API only and finds live
 * actors only; anything else is a `target/unknown` error that says how to list actors.
 *
 * The engine's client handles (`/client/$N`: the control plane's own, and any made with
 * `engine.client()`) are never targets: they are the callers of calls in flight, so
 * inspecting, stopping or messaging one would break another caller's call. `engine.list()`
 * already leaves them out; a path that names one is refused here, saying why.
 */
import type { AnyAddr } from '@pd/actor';
import type { Engine } from '@pd/runtime';
import { ControlError } from './errors.js';

const ADDR_RE = /^<?(\d+)\.(\d+)\.(\d+)\.(\d+)>?$/;
/** Written like an address (in brackets, or dotted numbers) though not a well-formed one. */
const ADDR_LIKE_RE = /^<.*>$|^\d+(\.\d+)+$/;
/** The runtime's kind name of client handles (engine.client()). */
const CLIENT_KIND = '$client';

/** True when `target` is written as an address. */
export function isAddressTarget(target: string): boolean {
  return ADDR_RE.test(target);
}

/** The live actor `target` names, or a `target/unknown` error. */
export function resolveTarget(engine: Engine, target: string): AnyAddr {
  const addr = findTarget(engine, target);
  if (addr === undefined && isInternal(engine, target)) {
    throw new ControlError('target/unknown', `"${target}" is an internal client actor of the engine (the caller side of a call in flight); it is not a target`, {
      hint: 'list the actors you can target with `pd ps`', data: { target, internal: true },
    });
  }
  if (addr === undefined && !isAddressTarget(target) && ADDR_LIKE_RE.test(target)) {
    throw new ControlError('target/unknown', `"${target}" is not a well-formed address: an address is four numbers, <node.core.slot.generation>`, {
      hint: 'copy an address as `pd ps` prints it, e.g. <1.0.12.1>', data: { target },
    });
  }
  if (addr === undefined) {
    const how = isAddressTarget(target) ? 'address' : target.startsWith('/') ? 'path' : 'registered name';
    const asPath = how === 'registered name' ? findTarget(engine, `/user/${target}`) : undefined;
    throw new ControlError('target/unknown', `no live actor has the ${how} "${target}"`, {
      hint: asPath !== undefined
        ? `a name without "/" is a registered name; did you mean the path /user/${target}?`
        : 'list live actors with `pd ps`, registered names with `pd registry`; exited ones with `pd dead`',
      data: { target },
    });
  }
  return addr;
}

/** The live actor `target` names, if any. */
export function findTarget(engine: Engine, target: string): AnyAddr | undefined {
  const m = ADDR_RE.exec(target);
  if (m !== null) {
    const key = `${m[1]}.${m[2]}.${m[3]}.${m[4]}`;
    // The token already grants full control, so an address is looked up by its key; an
    // address that no longer names a live actor finds nothing.
    for (const info of engine.list()) if (info.addr.key === key) return info.addr;
    return undefined;
  }
  if (target.length === 0 || target.length > 1024) return undefined;
  const addr = lookup(engine, target);
  return addr === undefined || engine.info(addr)?.kind === CLIENT_KIND ? undefined : addr;
}

// --- internal ---

/** True when `target` (a path or name) names one of the engine's client handles. */
function isInternal(engine: Engine, target: string): boolean {
  if (ADDR_RE.test(target) || target.length === 0 || target.length > 1024) return false;
  const addr = lookup(engine, target);
  return addr !== undefined && engine.info(addr)?.kind === CLIENT_KIND;
}

function lookup(engine: Engine, target: string): AnyAddr | undefined {
  try {
    return engine.resolve(target);
  } catch {
    return undefined;
  }
}
