/**
 * one-for-one: only the failed child is restarted; its siblings are not touched.
 * OTP: `one_for_one`.
 */
import type { Strategy } from './strategy.js';

export const oneForOne = {
  name: 'one-for-one',
  dynamic: false,
  concurrentShutdown: false,
  plan: (_children, failed) => ({ stop: [], start: [failed] }),
} as const satisfies Strategy;
