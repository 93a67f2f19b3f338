import { describe, expect, it, vi } from 'vitest';
import * as one from './index.js';
import * as oneInternal from './internal.js';

// npm installs two copies of @pd/actor when versions drift: the runtime makes signals,
// errors and addresses with its copy, the application checks them with its own.
async function secondCopy(): Promise<{ actor: typeof one; internal: typeof oneInternal }> {
  vi.resetModules();
  const actor = await import('./index.js');
  const internal = await import('./internal.js');
  expect(actor.Down).not.toBe(one.Down); // really a second copy
  return { actor, internal };
}

const id = { node: 1, core: 0, slot: 3, generation: 1, secret: 42 };

describe('two copies of @pd/actor', () => {
  it('instanceof Down, ExitSignal, MonitorRef, Kind and the errors hold across copies', async () => {
    const { actor: two, internal: twoInternal } = await secondCopy();
    const addr = twoInternal.mintAddr<unknown>(id, null);
    const reason = two.Exit.normal;
    expect(new two.Down(new two.MonitorRef(1), addr, reason)).toBeInstanceOf(one.Down);
    expect(new two.ExitSignal(addr, reason) instanceof one.ExitSignal).toBe(true);
    expect(new two.MonitorRef(1) instanceof one.MonitorRef).toBe(true);
    expect(two.defineKind('k', () => ({ receive() {} })) instanceof one.Kind).toBe(true);
    const error = new two.SendError('send/mailbox-full', 'full');
    expect(error instanceof one.SendError).toBe(true);
    expect(error instanceof one.PdError).toBe(true);
    expect(error instanceof Error).toBe(true);
    // Brands are per class: a Down is not an ExitSignal, a SendError is not an AskError.
    expect(new two.Down(new two.MonitorRef(1), addr, reason) instanceof one.ExitSignal).toBe(false);
    expect(error instanceof one.AskError).toBe(false);
  });

  it('a subclass an application defines keeps plain instanceof', async () => {
    class MyError extends one.PdError {}
    expect(new one.SendError('send/mailbox-full', 'x') instanceof MyError).toBe(false);
    expect(new MyError('arg/invalid', 'x') instanceof MyError).toBe(true);
    expect(new MyError('arg/invalid', 'x') instanceof one.PdError).toBe(true);
  });

  it('an address minted by one copy is an Addr to the other, equal by identity and secret', async () => {
    const { actor: two, internal: twoInternal } = await secondCopy();
    const mine = oneInternal.mintAddr<unknown>(id, null);
    const theirs = twoInternal.mintAddr<unknown>(id, null);
    expect(one.isAddr(theirs)).toBe(true);
    expect(theirs instanceof one.Addr).toBe(true);
    expect(mine instanceof two.Addr).toBe(true);
    expect(mine.equals(theirs)).toBe(true);
    expect(theirs.equals(mine)).toBe(true);
    expect(mine.equals(twoInternal.mintAddr<unknown>({ ...id, secret: 43 }, null))).toBe(false);
    expect(oneInternal.addrIdentity(theirs)).toEqual(id);
    const target = {};
    expect(oneInternal.addrTarget(twoInternal.mintAddr<unknown>(id, target))).toBe(target);
  });

  it('a look-alike is still not an address, in either copy', async () => {
    const { actor: two } = await secondCopy();
    const fake = Object.create(one.Addr.prototype) as object;
    Object.assign(fake, id);
    expect(one.isAddr(fake)).toBe(false);
    expect(two.isAddr(fake)).toBe(false);
    expect(fake instanceof one.Addr).toBe(false);
    expect(() => oneInternal.addrIdentity(fake as never)).toThrow(TypeError);
    expect(() => new (one.Addr as unknown as new (...a: unknown[]) => unknown)(Symbol('pd.addr.mint'), id, null)).toThrow(/minted by the runtime/);
  });
});
