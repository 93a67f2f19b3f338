/**
 * The path-prefix rule a cluster node's send policy is decided by (`pathAllowed`, used by the
 * federation on core 0 and by the other cores for their own actors), the shape check of a
 * policy, and the seam that hands one to the other cores (`RemoteHost.guardOtherCores`):
 * true on a multi-core engine, false on a single-core one, a clear error for bad input.
 * What the other cores then do with it is tested end to end in @pd/federation
 * (multi-core.threads.test.ts, multi-core.sim.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { type RemoteHost, type RouterFactory, SimCores, checkPathPolicy, pathAllowed } from '@pd/runtime';
import { SimWorld } from '../../src/sim/index.js';
import { LoopbackLink } from './loopback-router.js';

describe('path policies', () => {
  it('match segment by segment; deny wins; an absent allow allows what is not denied', () => {
    const policy = { allow: ['/user/ok'], deny: ['/user/ok/admin'] };
    expect(pathAllowed(policy, '/user/ok')).toBe(true);
    expect(pathAllowed(policy, '/user/ok/7')).toBe(true);
    expect(pathAllowed(policy, '/user/okay')).toBe(false);
    expect(pathAllowed(policy, '/user/ok/admin/x')).toBe(false);
    expect(pathAllowed({ deny: ['/user/x'] }, '/user/y')).toBe(true);
    expect(pathAllowed(undefined, '/anything')).toBe(true);
    // No path (an actor already gone): allowed only without an allow list.
    expect(pathAllowed(policy, undefined)).toBe(false);
    expect(pathAllowed({ deny: ['/user/x'] }, undefined)).toBe(true);
  });

  it('a policy that is not lists of prefixes is refused, naming the field', () => {
    expect(() => checkPathPolicy({ allow: '/user' }, 'policy')).toThrow(/policy\.allow must be an array of path prefixes/);
    expect(() => checkPathPolicy({ allow: ['/user'], block: [] }, 'policy')).toThrow(/policy\.block is not a list/);
    expect(() => checkPathPolicy(null, 'policy')).toThrow(/policy must be an object/);
    expect(() => checkPathPolicy({ deny: ['/user/x'] }, 'policy')).not.toThrow();
  });

  it('guardOtherCores: true where there are other cores, false on a single-core engine, an error for a bad policy', async () => {
    const world = new SimWorld({ seed: 1, autoRun: true });
    const link = new LoopbackLink();
    const hosts: RemoteHost[] = [];
    const capture = (factory: RouterFactory): RouterFactory => (host) => {
      hosts.push(host);
      return factory(host);
    };
    const cores = new SimCores(world, { cores: 2, gateway: true, routers: [capture(link.end(0))] });
    const single = world.engine({ host: 'node-b', id: 'node-b', routers: [capture(link.end(1))] });
    const [gateway, lone] = [hosts.find((h) => h.incarnation === cores.engine.incarnation)!, hosts.find((h) => h.incarnation === single.incarnation)!];
    expect(gateway.guardOtherCores({ allow: ['/user/ok'] }, () => undefined)).toBe(true);
    expect(gateway.guardOtherCores(null, () => undefined)).toBe(true);
    expect(lone.guardOtherCores({ allow: ['/user/ok'] }, () => undefined)).toBe(false);
    expect(() => gateway.guardOtherCores({ allow: '/user/ok' } as never, () => undefined)).toThrow(expect.objectContaining({ code: 'arg/invalid' }));
    await cores.engine.shutdown({ deadlineMs: 500 });
    await single.shutdown({ deadlineMs: 500 });
    world.dispose();
  });
});
