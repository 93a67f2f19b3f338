/**
 * `Addr<M>`: the capability to send messages of type `M` to one actor.
 *
 * Owns: the address value and its identity (node incarnation, core, slot, generation,
 * secret). Must not: do I/O or know how delivery works. Only the runtime mints addresses,
 * through the `@pd/actor/internal` entry point; a hand-made object is not an `Addr`, and
 * the runtime checks every address it is given against its own tables (and, for an
 * address that crossed a boundary, the secret), so a guessed or stale address reaches
 * nobody.
 */

const MINT_TOKEN: unique symbol = Symbol('pd.addr.mint');

/**
 * How one copy of this package reads its own addresses. npm may install two copies of
 * `@pd/actor` (versions drift); each has its own private fields, so every copy registers
 * its accessors in a list shared through a `Symbol.for` key, and an address minted by one
 * copy is an `Addr` to the others. Minting stays private to each copy (MINT_TOKEN), and
 * the accessors give nothing `@pd/actor/internal` does not already give: whoever holds an
 * address can read it, nobody can make one the runtime's tables and secrets accept.
 */
interface AddrCopy {
  readonly owns: (value: object) => boolean;
  readonly target: (addr: object) => object | null;
  readonly secret: (addr: object) => number;
}

const COPIES_KEY = Symbol.for('@pd/actor:addr-copies@1');

function sharedCopies(): AddrCopy[] {
  const holder = globalThis as unknown as Record<symbol, unknown>;
  const existing = holder[COPIES_KEY];
  if (Array.isArray(existing)) return existing as AddrCopy[];
  const list: AddrCopy[] = [];
  // Not writable, not configurable: a later copy joins the list, it cannot replace it.
  Object.defineProperty(globalThis, COPIES_KEY, { value: list });
  return list;
}

const copies = sharedCopies();
let ownCopy: AddrCopy;

/** The copy that minted `value`, when another copy of this package did. */
function foreignCopy(value: object): AddrCopy | null {
  for (const copy of copies) if (copy !== ownCopy && copy.owns(value)) return copy;
  return null;
}

/** The wire identity of an address: what an encoded address carries. */
export interface AddrIdentity {
  /** Incarnation of the engine (node) that minted it; a restarted engine has a new one. */
  readonly node: number;
  /** The core (worker) that hosts the actor, 0 in single-core mode. */
  readonly core: number;
  /** Slot in that core's actor table. */
  readonly slot: number;
  /** Generation of the slot: a reused slot has a new generation (the runtime mints the actor id here, increasing per engine). */
  readonly generation: number;
  /** Random secret checked by the receiving engine. */
  readonly secret: number;
}

/**
 * An unforgeable, typed reference to an actor. Sending `M` to it is allowed by the type
 * system; anything else is a compile error. Addresses compare by identity with
 * {@link Addr.equals}, print as `<node.core.slot.generation>`, and never reveal their
 * secret through enumeration or `JSON.stringify`.
 *
 * @typeParam M - The messages the actor accepts. Contravariant: an `Addr<A | B>` may stand
 *   in for an `Addr<A>`, not the other way round.
 * @typeParam R - What the actor answers an `ask` with: `ask` on an `Addr<M, R>` resolves to
 *   an `R`. `spawn` infers it from what the behaviour's `receive` returns (or resolves to);
 *   `unknown` (the default) when the actor does not declare it, as for an address from a
 *   registry lookup or an actor that answers through `ctx.reply`. Covariant: an
 *   `Addr<M, number>` may stand in for an `Addr<M>`, not the other way round.
 */
export class Addr<M = unknown, R = unknown> {
  /** Phantom: makes `Addr` contravariant in `M`, so an address accepting more may stand in for one accepting less. */
  declare readonly __accepts?: (message: M) => void;
  /** Phantom: makes `Addr` covariant in `R`, the type of the actor's answers to an ask. */
  declare readonly __replies?: R;

  // The target first: the send path reads the address's map and its target, and a field at
  // the object's end always lies a cache line away from the map word (72-byte object).
  readonly #target: object | null;
  readonly #secret: number;
  readonly node: number;
  readonly core: number;
  readonly slot: number;
  readonly generation: number;

  /** Use the runtime: addresses cannot be constructed by hand (the token is private to this package). */
  constructor(token: typeof MINT_TOKEN, id: AddrIdentity, target: object | null) {
    if (token !== MINT_TOKEN) {
      throw new TypeError('addr: addresses are minted by the runtime, not constructed');
    }
    this.node = id.node;
    this.core = id.core;
    this.slot = id.slot;
    this.generation = id.generation;
    this.#secret = id.secret;
    this.#target = target;
  }

  /** True when both name the same actor incarnation. */
  equals(other: Addr<any> | null | undefined): boolean {
    return Addr.is(other) && other.slot === this.slot && other.generation === this.generation &&
      other.node === this.node && other.core === this.core && Addr._secret(other) === this.#secret;
  }

  /** A stable string key (no secret) for maps and logs. */
  get key(): string {
    return `${this.node}.${this.core}.${this.slot}.${this.generation}`;
  }

  toString(): string {
    return `<${this.key}>`;
  }

  toJSON(): string {
    return this.toString();
  }

  /**
   * True when `value` really is an address minted by a runtime (with this copy of
   * `@pd/actor` or another one). A brand check: an object made with
   * `Object.create(Addr.prototype)` is not one.
   */
  static is(value: unknown): value is Addr<any> {
    if (typeof value !== 'object' || value === null) return false;
    return #target in value || foreignCopy(value) !== null;
  }

  /** `instanceof Addr` is the brand check {@link Addr.is}, so it holds across copies too. */
  static [Symbol.hasInstance](value: unknown): boolean {
    return Addr.is(value);
  }

  /** @internal */
  static _target(addr: Addr<any>): object | null {
    if (#target in addr) return addr.#target;
    return foreignCopy(addr)?.target(addr) ?? null;
  }

  /**
   * @internal The local target of an address minted by this copy of `@pd/actor`, or
   * undefined for anything else (another copy's address, a look-alike, a non-object): one
   * brand check, for the send path, which falls back to {@link Addr.is} on undefined.
   */
  static _ownTarget(value: unknown): object | null | undefined {
    return typeof value === 'object' && value !== null && #target in value ? (value as Addr).#target : undefined;
  }

  /** @internal */
  static _secret(addr: Addr<any>): number {
    if (#secret in addr) return addr.#secret;
    const copy = foreignCopy(addr);
    if (copy === null) throw new TypeError('addr: not an address minted by a runtime');
    return copy.secret(addr);
  }

  static {
    ownCopy = Object.freeze({
      owns: (value: object) => #target in value,
      target: (addr: object) => (addr as Addr).#target,
      secret: (addr: object) => (addr as Addr).#secret,
    });
    copies.push(ownCopy);
  }
}

/** True when `value` is an address minted by a runtime (not a look-alike object). */
export function isAddr(value: unknown): value is Addr<any> {
  return Addr.is(value);
}

/** Any address, whatever it accepts. */
export type AnyAddr = Addr<any>;

/** The message type an address accepts. */
export type MessageOf<A> = A extends Addr<infer M> ? M : never;

/** The reply type an address declares: what an ask to it resolves to (`unknown` when undeclared). */
export type ReplyOf<A> = A extends Addr<any, infer R> ? R : never;

// --- internal (re-exported only from @pd/actor/internal) ---

/** Mint an address. Runtime use only, through `@pd/actor/internal`. */
export function mintAddr<M>(id: AddrIdentity, target: object | null): Addr<M> {
  return new Addr<M>(MINT_TOKEN, id, target);
}

/** Runtime use only, through `@pd/actor/internal`: the local target object an address was minted with (null for remote ones). */
export const addrTarget: (addr: Addr<any>) => object | null = Addr._target;

/**
 * Runtime use only, through `@pd/actor/internal`: the local target of an address minted by
 * this copy of the package, or undefined for anything else (check with `Addr.is` then).
 */
export const ownTarget: (value: unknown) => object | null | undefined = Addr._ownTarget;

/** Runtime use only, through `@pd/actor/internal`: the identity of an address, secret included, for encoding. */
export function addrIdentity(addr: Addr<any>): AddrIdentity {
  return { node: addr.node, core: addr.core, slot: addr.slot, generation: addr.generation, secret: Addr._secret(addr) };
}

/** Runtime use only, through `@pd/actor/internal`: {@link addrIdentity} written into `into` (a caller's reused object), which it returns. */
export function addrIdentityInto(addr: Addr<any>, into: { node: number; core: number; slot: number; generation: number; secret: number }): AddrIdentity {
  into.node = addr.node;
  into.core = addr.core;
  into.slot = addr.slot;
  into.generation = addr.generation;
  into.secret = Addr._secret(addr);
  return into;
}
