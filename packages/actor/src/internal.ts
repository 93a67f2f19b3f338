/**
 * Runtime-only entry point (`@pd/actor/internal`): address minting and the
 * identity accessors a transport needs. Not part of the public API; application code that
 * imports it still cannot reach an actor it holds no address for, because the runtime
 * checks every address against its own tables and secrets.
 */
export { mintAddr, addrTarget, addrIdentity, ownTarget } from './addr.js';
export { assert, InvariantError } from './assert.js';
