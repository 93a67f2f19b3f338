/**
 * Implementation registry. Each implementation is a module loaded on demand in the child
 * process, so a missing optional dependency (or a runtime not built yet) skips only it.
 * BEAM is not here: it runs in `erl`, driven by ../beam.ts.
 *
 * Extension points: `pd-multi` (../impls/pd-multi.ts) for the multi-core engine and
 * `pd-remote` (../impls/pd-remote.ts) for two engines in two processes over loopback show
 * the pattern: a module here plus a row in ../workloads.ts.
 */
import type { Impl, ImplName } from '../types.js';

const MODULES: Partial<Record<ImplName, string>> = {
  'bare-v8': './bare.js',
  pd: './pd.js',
  'pd-multi': './pd-multi.js',
  xstate: './xstate.js',
  comedy: './comedy.js',
  postMessage: './postmessage.js',
  'postMessage-batch': './postmessage.js',
  'bare-v8-workers': './bare-workers.js',
  'pd-tcp': './wire.js',
  'pd-tls': './wire.js',
  'pd-ws': './wire.js',
  'bare-tcp': './wire.js',
  'pd-otel-api': './pd-otel-api.js',
  'pd-otel-metrics': './pd-otel-metrics.js',
  'pd-wasm-fuel': './pd-wasm-fuel.js',
  'pd-wasm': './pd-wasm.js',
  'pd-remote': './pd-remote.js',
  'pd-remote-spin': './pd-remote.js',
};

/** The implementation, or why it cannot be loaded here. */
export async function loadImpl(name: ImplName): Promise<Impl | string> {
  const path = MODULES[name];
  if (!path) return `${name} is not an in-process implementation`;
  try {
    // A module serves one implementation (`impl`) or several by name (`impls`).
    const mod = (await import(path)) as { impl?: Impl; impls?: Partial<Record<ImplName, Impl>> };
    const impl = mod.impls?.[name] ?? mod.impl;
    return impl ?? `${name} is not exported by ${path}`;
  } catch (e) {
    return `${name} could not be loaded: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`;
  }
}
