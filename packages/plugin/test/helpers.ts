// Shared test helpers: an engine with a plugin host, a bystander actor whose work must go
// on whatever a plugin does, and waiting for an actor's exit reason.
import { type AnyAddr, Down, type ExitReason, defineKind } from '@pd/actor';
import { type Engine, createEngine } from '@pd/runtime';
import { expect } from 'vitest';
import { PluginHost } from '../src/index.js';

const bystanderKind = defineKind('bystander', () => ({
  n: 0,
  receive(this: { n: number }, m: unknown) {
    if (m === 'get') return this.n;
    this.n += m as number;
    return this.n;
  },
}));

export interface Rig {
  engine: Engine;
  host: PluginHost;
  bystander: AnyAddr;
  /** Asserts the engine runs and the bystander still counts correctly. */
  checkAlive(): Promise<void>;
  /** The exit reason of `addr`, once it exits. */
  exitOf(addr: AnyAddr): Promise<ExitReason>;
  close(): Promise<void>;
}

export function rig(engine: Engine = createEngine()): Rig {
  const host = new PluginHost(engine);
  const bystander = engine.spawn(bystanderKind);
  let expected = 0;
  return {
    engine, host, bystander,
    async checkAlive() {
      expect(engine.status).toBe('running');
      for (let i = 1; i <= 3; i++) {
        expected += i;
        engine.send(bystander as never, i as never);
      }
      expect(await engine.ask(bystander, 'get')).toBe(expected);
    },
    async exitOf(addr) {
      const client = engine.client();
      client.monitor(addr);
      const down = await client.receive<Down>({ match: (m): m is Down => m instanceof Down, timeoutMs: 20_000 });
      client.close();
      return down.reason;
    },
    async close() {
      await engine.shutdown();
    },
  };
}
