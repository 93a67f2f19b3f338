/**
 * simple-one-for-one: dynamic children of one template, started on demand with
 * `startChild(args)`; each is restarted on its own, as one-for-one. As in OTP
 * (`simple_one_for_one`), the children are shut down all at once, not in order.
 */
import type { Strategy } from './strategy.js';

export const simpleOneForOne = {
  name: 'simple-one-for-one',
  dynamic: true,
  concurrentShutdown: true,
  plan: (_children, failed) => ({ stop: [], start: [failed] }),
} as const satisfies Strategy;
