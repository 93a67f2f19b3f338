/**
 * rest-for-one: the failed child and every child started after it. Those after it are
 * stopped in reverse start order, then the failed one and they are started again in start
 * order; children before it are not touched. OTP: `rest_for_one` (same treatment of
 * stopped and temporary children as one-for-all).
 */
import { liveInReverse, type Strategy } from './strategy.js';

export const restForOne = {
  name: 'rest-for-one',
  dynamic: false,
  concurrentShutdown: false,
  plan: (children, failed) => {
    const after = children.slice(children.indexOf(failed) + 1);
    return { stop: liveInReverse(after), start: [failed, ...after.filter((c) => !c.temporary)] };
  },
} as const satisfies Strategy;
