/**
 * What the control plane's tests share: the config issues a raw config gets (by field path),
 * a poll for an observable state (bounded generously; never an assertion on speed), and a
 * counting kind for booted engines.
 */
import { expect } from 'vitest';
import { defineKind } from '@pd/actor';
import { ConfigError, validateConfig } from '@pd/control';

/** The issues `validateConfig` reports for `raw`; fails the test if it accepts it. */
export function issues(raw: unknown): { path: string; message: string }[] {
  try {
    validateConfig(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return [...(error as ConfigError).issues];
  }
  throw new Error(`accepted: ${JSON.stringify(raw)}`);
}

/** Polls `probe` every 50 ms until it gives a value; throws naming `what` after `ms`. */
export async function until<T>(probe: () => Promise<T | null | undefined> | T | null | undefined, what: string, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== null && v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`${what}: not seen within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Counts `inc`s from `start`; answers `get` with the count. */
export const counter = defineKind<{ type: string }, { start?: number } | undefined>('counter', (args) => {
  let n = args?.start ?? 0;
  return {
    receive: (msg) => {
      if (msg?.type === 'inc') n++;
      return msg?.type === 'get' ? n : undefined;
    },
  };
});
