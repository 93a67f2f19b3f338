/**
 * The simulator's test aid `startInSim` takes `acceptSecrets` as `start` does: in the middle
 * of a rotation, a node that sends with the new secret and accepts the old one and a node
 * that sends with the old one and accepts the new talk (an ask goes through: each side
 * takes the other's proof only through its `acceptSecrets`); a node that knows only a third secret
 * is refused, its ask failing rather than being answered. Nothing reads real time.
 */
import { describe, expect, it } from 'vitest';
import { defineKind } from '@pd/actor';
import { createEngine, type Engine } from '@pd/runtime';
import { SimWorld, simNetCarrier } from '@pd/runtime/sim';
import { type Federation, createFederation } from './index.js';

const OLD = 'start-in-sim-old-secret-0123456789';
const NEW = 'start-in-sim-new-secret-0123456789';
const OTHER = 'start-in-sim-other-secret-012345678';
const LIMITS = { handshakeTimeoutMs: 500, heartbeatMs: 100, idleTimeoutMs: 600, reconnectMinMs: 20, reconnectMaxMs: 200 };
const Echo = defineKind('echo', () => ({ receive: (m: unknown) => m }));

async function run(seed: number) {
  const world = new SimWorld({ seed });
  const specs: Record<string, { secret: string; acceptSecrets?: string[] }> = { a: { secret: NEW, acceptSecrets: [OLD] }, b: { secret: OLD, acceptSecrets: [NEW] }, c: { secret: OTHER } };
  const ids = Object.keys(specs);
  const nodes = new Map<string, { engine: Engine; federation: Federation }>();
  for (const id of ids) {
    const federation = createFederation({
      nodeId: id, cluster: 'sim', ...specs[id], carrier: simNetCarrier(world, `h${id}`), listen: { host: `h${id}`, port: 7000 }, limits: LIMITS,
      peers: ids.filter((p) => p !== id).map((p) => ({ id: p, host: `h${p}`, port: 7000 })), requestTimeoutMs: 2000,
    });
    const engine = createEngine({ id, reactor: world.reactor(`h${id}`), kinds: [Echo], routers: [federation.router], askTimeoutMs: 2000 });
    nodes.set(id, { engine, federation });
  }
  for (const [id, n] of nodes) {
    const peers = Object.fromEntries(ids.filter((p) => p !== id).map((p) => [p, nodes.get(p)!.engine.incarnation]));
    n.federation.startInSim(n.engine, peers).catch(() => {});
  }
  const echo = nodes.get('a')!.engine.spawn(Echo);
  const outcome: { fromB?: unknown; fromC?: string } = {};
  world.at(10, () => {
    nodes.get('b')!.engine.ask(echo, 'hello').then((v) => (outcome.fromB = v), (e: unknown) => (outcome.fromB = String(e)));
    nodes.get('c')!.engine.ask(echo, 'hello').then((v) => (outcome.fromC = `answered ${String(v)}`), (e: unknown) => (outcome.fromC = (e as { code?: string }).code ?? String(e)));
  });
  world.at(4000, () => {
    for (const n of nodes.values()) n.federation.close().catch(() => {});
  });
  await world.run({ untilMs: 5000 });
  world.dispose();
  return outcome;
}

describe('startInSim with acceptSecrets', () => {
  it.each([1, 2, 3])('seed %i: old and new secret talk mid-rotation; a third secret is refused', async (seed) => {
    const outcome = await run(seed);
    expect(outcome.fromB).toBe('hello');
    expect(outcome.fromC).toBeDefined();
    expect(outcome.fromC).not.toMatch(/^answered/);
  });

  it('refuses acceptSecrets that are not strings (files and env are for start)', () => {
    const world = new SimWorld({ seed: 1 });
    const federation = createFederation({
      nodeId: 'a', cluster: 'sim', secret: NEW, acceptSecrets: [{ env: 'PD_OLD' }], carrier: simNetCarrier(world, 'ha'), listen: { host: 'ha', port: 7000 }, peers: [],
    });
    const engine = createEngine({ id: 'a', reactor: world.reactor('ha'), routers: [federation.router] });
    expect(() => federation.startInSim(engine, {})).toThrow(/acceptSecrets of strings/);
    world.dispose();
  });
});
