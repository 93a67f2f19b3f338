/**
 * @pd/actor: the actor model of Palladium for TypeScript. Addresses, paths, actor
 * definitions, messages, exit reasons and errors. No I/O; the runtime implements it.
 */
export { Addr, isAddr, type AddrIdentity, type AnyAddr, type MessageOf, type ReplyOf } from './addr.js';
export * from './exit.js';
export * from './errors.js';
export * from './path.js';
export * from './signals.js';
export * from './behavior.js';
