/**
 * The engine's client handles (`/client/$N`, the caller side of the control plane's calls)
 * are not targets: they cannot be inspected, stopped, killed or messaged by path, so no
 * operator command can break another caller's call (issue #17, item 6).
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineKind } from '@pd/actor';
import { ControlClient, ControlError, bootEngine, validateConfig, type RunningEngine } from '@pd/control';

let finishStopping: () => void = () => {};
let stopSlowly = true;
/** Takes until the test says so to stop: keeps `pd stop`'s wait (a client handle) in flight. */
const slow = defineKind<unknown, void>('slow', () => ({
  receive: () => undefined,
  stopping: () => (stopSlowly ? new Promise<void>((resolve) => (finishStopping = resolve)) : undefined),
}));

describe('internal client actors', () => {
  let running: RunningEngine;
  let client: ControlClient;

  beforeAll(async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pd-internal-'));
    const config = validateConfig({ version: 1, engine: { id: 'internal', stopTimeoutMs: 60_000 }, tree: { id: 'app', children: [{ id: 'slow', kind: 'slow', shutdown: 60_000 }] } });
    running = await bootEngine(config, { stateDir: dir, kinds: [slow] });
    client = await ControlClient.connect({ url: running.state!.url, token: running.state!.token });
  });

  afterAll(async () => {
    await client?.close();
    await running?.stop();
  });

  it('are refused as targets, and a caller\'s call in flight survives every attempt', async () => {
    const held = client.call('actor.stop', { target: '/user/app/slow' }, { timeoutMs: 60_000 });
    // The waiting side of that call is a client handle at /client/$N; find it through the public API.
    let path: string | undefined;
    for (let i = 0; i < 200 && path === undefined; i++) {
      await new Promise((r) => setTimeout(r, 10));
      for (let n = 1; n < 2000 && path === undefined; n++) if (running.engine.info(`/client/$${n}`) !== undefined) path = `/client/$${n}`;
    }
    expect(path).toBeDefined();
    const addr = running.engine.info(path!)!.addr.toString();
    for (const [method, params] of [
      ['actor.info', { target: path }], ['actor.kill', { target: path }], ['actor.stop', { target: path }], ['actor.restart', { target: path }],
      ['msg.send', { target: path, message: 'forged reply' }], ['actor.kill', { target: addr }],
    ] as const) {
      const error = await client.call(method, params).then(() => undefined, (e: unknown) => e);
      expect(error, `${method} ${params.target}`).toBeInstanceOf(ControlError);
      expect((error as ControlError).code, `${method} ${params.target}`).toBe('target/unknown');
    }
    const refused = await client.call('actor.kill', { target: path }).catch((e: ControlError) => e);
    expect(refused.message).toContain('is an internal client actor of the engine');
    const list = await client.call('actor.list', {});
    expect(JSON.stringify(list)).not.toContain('/client/');
    stopSlowly = false;
    finishStopping();
    expect((await held).path).toBe('/user/app/slow');
  });
});
