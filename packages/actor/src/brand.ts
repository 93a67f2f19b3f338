/**
 * Brands that survive a duplicated install. npm installs two copies of `@pd/actor` when
 * versions drift; each copy has its own classes, so a plain `instanceof` is false for a
 * `Down` the runtime made with the other copy. A branded class answers `instanceof` for
 * instances of the same-named class of any copy, through a `Symbol.for` key on the
 * prototype and a `static [Symbol.hasInstance]`.
 *
 * Owns: the brand key and the `instanceof` hook. Must not: be used for anything whose
 * authenticity matters (an address checks its own brand, see addr.ts): a `Symbol.for`
 * key is public, so a brand is a type tag, not a capability.
 */

const ordinaryHasInstance = Function.prototype[Symbol.hasInstance];

/**
 * Make `value instanceof cls` also true for instances of the class branded with the same
 * name in another copy of the package. A subclass that is not branded itself keeps plain
 * `instanceof` semantics (it inherits the hook, which then defers to the prototype chain).
 */
export function brandAcrossCopies(cls: abstract new (...args: any[]) => unknown, name: string): void {
  const key = Symbol.for(`@pd/actor:${name}`);
  Object.defineProperty(cls.prototype, key, { value: true });
  Object.defineProperty(cls, Symbol.hasInstance, {
    value: function hasInstance(this: unknown, value: unknown): boolean {
      if (ordinaryHasInstance.call(this, value)) return true;
      return this === cls && typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[key] === true;
    },
  });
}
