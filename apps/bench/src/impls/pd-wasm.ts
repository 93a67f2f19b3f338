/**
 * pd-wasm: the AssemblyScript counter plugin of @pd/plugin on a single-core engine,
 * uninstrumented (no fuel, no wall-time limit). Only the `plugin-msg` workload (./plugin-msg.ts).
 */
import type { Impl } from '../types.js';
import { counterAvailable, pluginMsg } from './plugin-msg.js';

export const impl: Impl = {
  name: 'pd-wasm',
  available: counterAvailable,
  workloads: { 'plugin-msg': (p) => pluginMsg('wasm', p) },
};
