/**
 * Targets: how an operator names an actor. A target is an address as printed
 * (`<node.core.slot.gen>`, brackets optional), a path (`/user/orders`), or a registered
 * name (`payments`). Resolution goes through the engine's public API only and finds live
 * actors only; anything else is a `target/unknown` error that says how to list actors.
 */
import type { AnyAddr } from '@pd/actor';
import type { Engine } from '@pd/runtime';
import { ControlError } from './errors.js';

const ADDR_RE = /^<?(\d+)\.(\d+)\.(\d+)\.(\d+)>?$/;

/** True when `target` is written as an address. */
export function isAddressTarget(target: string): boolean {
  return ADDR_RE.test(target);
}

/** The live actor `target` names, or a `target/unknown` error. */
export function resolveTarget(engine: Engine, target: string): AnyAddr {
  const addr = findTarget(engine, target);
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
  try {
    return engine.resolve(target);
  } catch {
    return undefined;
  }
}
