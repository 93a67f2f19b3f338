// kinds.ts (built to kinds.js): loaded by every core
import { defineKind } from '@pd/actor';

/** A counter; its state lives in the factory's closure, one per actor. */
export const Counter = defineKind('counter', () => {
  let n = 0;
  return {
    receive(m: 'inc' | 'get') {
      if (m === 'get') return n;
      n++;
      return undefined;
    },
  };
});
