/**
 * one-for-all: every other child is stopped, in reverse start order, then all are started
 * again in start order. As in OTP (`one_for_all`), that includes children that were not
 * running (stopped by an operator, or transient ones that ended normally), and temporary
 * children that are stopped are removed rather than restarted.
 */
import { liveInReverse, type Strategy } from './strategy.js';

export const oneForAll = {
  name: 'one-for-all',
  dynamic: false,
  concurrentShutdown: false,
  plan: (children, failed) => ({
    stop: liveInReverse(children.filter((c) => c !== failed)),
    start: children.filter((c) => c === failed || !c.temporary),
  }),
} as const satisfies Strategy;
