/**
 * pd-wasm-fuel: the AssemblyScript counter plugin of @pd/plugin on a single-core engine,
 * with fuel metering injected at load. Only the `plugin-msg` workload (./plugin-msg.ts).
 */
import type { Impl } from '../types.js';
import { counterAvailable, pluginMsg } from './plugin-msg.js';

export const impl: Impl = {
  name: 'pd-wasm-fuel',
  available: counterAvailable,
  workloads: { 'plugin-msg': (p) => pluginMsg('wasm-fuel', p) },
};
