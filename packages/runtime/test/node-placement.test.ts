/**
 * A spawn placed on another node (`placement: { node }` / `{ nodes }`) on an engine with no
 * federation attached: refused with `spawn/no-federation`, never spawned here in silence;
 * malformed node placements are argument errors, and a supervisor refuses a child spec that
 * places a factory on a node. The placement itself, across nodes, is tested in
 * packages/federation/test/sim/remote-children.sim.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { ArgumentError, type Context, PdError, SpawnError, defineKind } from '@pd/actor';
import { SupervisorError, createEngine, startSupervisor, supervisor } from '@pd/runtime';

const Echo = defineKind('echo', () => ({ receive: (m: unknown) => m }));

describe('node placement without a federation', () => {
  it('engine.spawn and ctx.spawn with { node } or { nodes } are refused with spawn/no-federation, naming the node', async () => {
    const engine = createEngine({ kinds: [Echo] });
    const refusal = (fn: () => unknown): unknown => {
      try {
        fn();
      } catch (error) {
        return error;
      }
      return null;
    };
    const top = refusal(() => engine.spawn(Echo, { placement: { node: 'b' } }));
    expect(top).toBeInstanceOf(SpawnError);
    expect((top as PdError).code).toBe('spawn/no-federation');
    expect((top as PdError).message).toContain("node 'b'");
    expect((refusal(() => engine.spawn('echo', { placement: { nodes: ['c', 'b'] } })) as PdError).code).toBe('spawn/no-federation');

    let inside: unknown = null;
    const parent = engine.spawn({
      receive(_m: unknown, ctx: Context) {
        inside = refusal(() => ctx.spawn(Echo, { placement: { node: 'b' } }));
        return 'done';
      },
    });
    expect(await engine.ask(parent, 'go')).toBe('done');
    expect((inside as PdError).code).toBe('spawn/no-federation');
    // Nothing was spawned here instead: only the parent is alive.
    expect(engine.list().map((a) => a.path)).toEqual([engine.info(parent)!.path]);
    await engine.shutdown();
  });

  it('a malformed node placement is an ArgumentError', async () => {
    const engine = createEngine({ kinds: [Echo] });
    expect(() => engine.spawn(Echo, { placement: { nodes: [] } })).toThrow(ArgumentError);
    expect(() => engine.spawn(Echo, { placement: { node: '' } })).toThrow(ArgumentError);
    expect(() => engine.spawn(Echo, { placement: { nodes: ['b', 7 as never] } })).toThrow(ArgumentError);
    await engine.shutdown();
  });

  it('a supervisor child placed on a node: the start fails with spawn/no-federation; a factory cannot be placed on a node', async () => {
    const engine = createEngine({ kinds: [Echo] });
    let failure: unknown = null;
    try {
      startSupervisor(engine, supervisor({ children: [{ id: 'w', kind: 'echo', placement: { node: 'b' } }] }));
    } catch (error) {
      failure = error;
    }
    expect(failure).toBeInstanceOf(SupervisorError);
    expect(((failure as Error).cause as PdError).code).toBe('spawn/no-federation');
    expect(() => supervisor({ children: [{ id: 'w', factory: () => ({ receive() {} }), placement: { node: 'b' } }] }))
      .toThrow(/child "w": placement on a node needs a named kind/);
    await engine.shutdown();
  });
});
