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
import { type CoreActorInfo, EngineView } from './cores.js';
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

function whereis(engine: Engine, name: string): AnyAddr | undefined {
  try {
    return engine.registry.whereis(name);
  } catch {
    return undefined;
  }
}

function lookup(engine: Engine, target: string): AnyAddr | undefined {
  try {
    return engine.resolve(target);
  } catch {
    return undefined;
  }
}

/**
 * The live actor `target` names on any core of the engine, with what is known about it:
 * as {@link resolveTarget} on this core, then — on a multi-core engine — an address or a
 * path of an actor on another core. A stand-in's address or path (a child on another core
 * than its parent) gives the actor it stands for. Throws as {@link resolveTarget}.
 */
export async function resolveTargetInfo(engine: Engine, target: string): Promise<{ addr: AnyAddr; info: CoreActorInfo }> {
  const view = EngineView.of(engine);
  const local = findTarget(engine, target);
  let info: CoreActorInfo | undefined;
  if (local !== undefined) info = await view.info(local);
  else if (view.multi && target.length > 0 && target.length <= 1024) {
    const m = ADDR_RE.exec(target);
    if (m !== null) info = await view.byKey(`${m[1]}.${m[2]}.${m[3]}.${m[4]}`);
    else if (target.startsWith('/')) info = await view.byPath(target);
    else {
      // The registry is engine-wide: a name held by an actor of another core resolves here.
      const named = whereis(engine, target);
      if (named !== undefined) info = await view.info(named);
    }
  }
  if (info === undefined) {
    resolveTarget(engine, target); // Throws the error that says why, or the actor exited meanwhile:
    throw new ControlError('target/unknown', `no live actor has the target "${target}" (it exited)`, { hint: 'see `pd dead`', data: { target } });
  }
  return { addr: info.addr, info };
}
