/**
 * The watchdog clock: real monotonic milliseconds for the wall-time limit of plugin
 * handlers. Owns: the one read of the host's clock in this package. It is deliberately not
 * the reactor's clock: a simulation's virtual time stands still while a handler runs, so
 * only real time can interrupt a runaway one. A timeout is therefore the one plugin limit
 * that is not replayable; fuel is (docs/plugins.md).
 */
import { performance } from 'node:perf_hooks';

/** Milliseconds from an arbitrary origin, never going back. */
export const watchdogClock = (): number => performance.now();
