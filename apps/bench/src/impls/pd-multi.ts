/**
 * pd-multi: Palladium in multi-core mode (one engine core per worker thread, shared-memory
 * rings between them). EXTENSION POINT: the runtime has no multi-core mode yet, so
 * `available()` says so and the harness prints the note. When it lands:
 *   - `cross-core`: spawn a counting actor placed on core 1, send `messages` small objects
 *     to it from an actor on core 0, resolve when it has counted them all;
 *   - `cross-core-rtt`: ask an echo actor on core 1 from core 0, one request at a time,
 *     recording each round trip in a `Latencies`;
 *   - and optionally the in-process workloads (ring across cores, fan-in from both cores).
 * Implement them here with the same shapes as ./pd.ts and ./postmessage.ts, and detect the
 * mode from the runtime's exports in `available()`.
 */
import type { Impl } from '../types.js';

const RUNTIME = '@pd/runtime';

export const impl: Impl = {
  name: 'pd-multi',
  available: async () => {
    try {
      const rt = (await import(RUNTIME)) as Record<string, unknown>;
      if (typeof rt['createMultiEngine'] === 'function' || typeof rt['createCluster'] === 'function') {
        return 'multi-core mode exists in @pd/runtime but its bench workloads are not written yet (apps/bench/src/impls/pd-multi.ts)';
      }
    } catch {
      // fall through
    }
    return 'multi-core mode not in @pd/runtime yet (extension point: apps/bench/src/impls/pd-multi.ts)';
  },
  workloads: {},
};
