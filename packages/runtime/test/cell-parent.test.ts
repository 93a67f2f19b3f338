/**
 * A cell keeps its parent in the field that later holds its extras (kernel/cell.ts: `up`,
 * F_EXTRAS): the parent moves into the extras when they are made. Whenever they are made (at
 * spawn for a named child, later for one that subscribes or sets a timer), the child still
 * knows its parent: its `ctx.parent`, its path, introspection, and the exit that takes it
 * out of its parent's children.
 */
import { describe, expect, it } from 'vitest';
import { type AnyAddr, type Context, Actor } from '@pd/actor';
import { createEngine } from '@pd/runtime';

type ChildMsg = 'extras' | 'who';
interface Who {
  readonly parent: AnyAddr | null;
  readonly path: string;
}

class Child extends Actor<ChildMsg> {
  receive(m: ChildMsg, ctx: Context<ChildMsg>): Who | undefined {
    // Subscribing makes the extras (the topics live there); a timer would too.
    if (m === 'extras') ctx.subscribe('t');
    else return { parent: ctx.parent, path: ctx.path };
    return undefined;
  }
}

type ParentMsg = { readonly spawn: 'plain' | 'named' } | 'stop-children';

class Parent extends Actor<ParentMsg> {
  kids: AnyAddr[] = [];
  receive(m: ParentMsg, ctx: Context<ParentMsg>): AnyAddr | undefined {
    if (m === 'stop-children') {
      for (const kid of this.kids) ctx.stop(kid);
      return undefined;
    }
    const kid = m.spawn === 'named' ? ctx.spawn(Child, { name: 'kid', budget: 7 }) : ctx.spawn(Child);
    this.kids.push(kid);
    return kid;
  }
}

describe('a cell keeps its parent beside its extras', () => {
  it('before and after the extras are made, and for a child made with them', async () => {
    const engine = createEngine();
    const parent = engine.spawn(Parent);
    const plain = (await engine.ask(parent, { spawn: 'plain' })) as AnyAddr;
    const named = (await engine.ask(parent, { spawn: 'named' })) as AnyAddr;
    const before = (await engine.ask(plain, 'who')) as Who;
    expect(before.parent!.equals(parent)).toBe(true);
    expect(before.path).toMatch(/^\/user\/\$\d+\/\$\d+$/);

    // Extras made after the spawn: the parent moved into them.
    await engine.ask(plain, 'extras');
    const after = (await engine.ask(plain, 'who')) as Who;
    expect(after.parent!.equals(parent)).toBe(true);
    expect(after.path).toBe(before.path);

    // Extras made at the spawn (a name, a budget of its own).
    const fromNamed = (await engine.ask(named, 'who')) as Who;
    expect(fromNamed.parent!.equals(parent)).toBe(true);
    const parentPath = engine.info(parent)!.path;
    expect(fromNamed.path).toBe(`${parentPath}/kid`);

    // Introspection sees the parent of both, and the parent sees both.
    expect(engine.info(plain)!.parent).toBe(parentPath);
    expect(engine.info(named)!.parent).toBe(parentPath);
    expect(engine.info(parent)!.children.sort()).toEqual([before.path, fromNamed.path].sort());

    // Their exits take them out of their parent's children.
    engine.send(parent, 'stop-children');
    await engine.idle();
    expect(engine.info(parent)!.children).toEqual([]);
    expect(engine.info(parent)!.parent).toBeNull();
    await engine.shutdown();
  });
});
