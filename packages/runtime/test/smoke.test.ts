import { describe, it, expect } from 'vitest';
import { createEngine } from '@pd/runtime';
import { Actor, Down, Exit, defineKind, type Context } from '@pd/actor';

describe('smoke', () => {
  it('ring', async () => {
    const engine = createEngine();
    const N = 10000, H = 1_000_000;
    let done!: () => void; const finished = new Promise<void>(r => done = r);
    const addrs: any[] = [];
    for (let i = 0; i < N; i++) addrs.push(engine.spawn({ receive(k: number, ctx: Context<number>) { if (k === 0) done(); else ctx.send(addrs[(i + 1) % N], k - 1); } }));
    const t0 = performance.now();
    engine.send(addrs[0], H);
    await finished;
    console.log('ring hops/s', (H / ((performance.now() - t0) / 1000)).toFixed(0));
    await engine.shutdown();
  });
  it('ask, crash, monitor', async () => {
    const engine = createEngine();
    class Counter extends Actor<{ t: 'inc' } | { t: 'get' } | { t: 'boom' }> {
      n = 0;
      receive(m: any) { if (m.t === 'inc') this.n++; else if (m.t === 'get') return this.n; else throw new Error('boom'); }
    }
    const c = engine.spawn(Counter);
    engine.send(c, { t: 'inc' }); engine.send(c, { t: 'inc' });
    expect(await engine.ask(c, { t: 'get' })).toBe(2);
    const client = engine.client();
    const ref = client.monitor(c);
    engine.send(c, { t: 'boom' });
    const d = await client.receive<Down>();
    expect(d).toBeInstanceOf(Down);
    expect(d.reason.type).toBe('error');
    expect(engine.send(c, { t: 'inc' })).toBe('dead');
    const t0 = performance.now(); let n = 0;
    const c2 = engine.spawn(Counter);
    while (n < 200000) { await engine.ask(c2, { t: 'get' }); n++; }
    console.log('ask/s', (n / ((performance.now() - t0) / 1000)).toFixed(0));
    await engine.shutdown();
  });
});
