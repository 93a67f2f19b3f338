/**
 * What the control plane's tests share: the config issues a raw config gets (by field path),
 * a poll for an observable state (bounded generously; never an assertion on speed), a
 * counting kind for booted engines, and two engines booted as the nodes of one cluster.
 */
import { chmod, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { defineKind } from '@pd/actor';
import { ConfigError, ControlClient, bootEngine, validateConfig, type RunningEngine } from '@pd/control';

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

/** Two engines booted in this process as the nodes `a` and `b` of one cluster, each with its control plane and a client. */
export interface NodePair {
  readonly nodes: Record<'a' | 'b', RunningEngine>;
  readonly clients: Record<'a' | 'b', ControlClient>;
  /** Close the clients and stop both engines. */
  stop(): Promise<void>;
}

/**
 * Boots `a` and `b` (SWIM on loopback with quick timing, downing off, a shared secret file of
 * mode 0600): `first` boots first, the other joins through its gossip endpoint. `tree(node)`
 * gives each node's tree section (`{ id: 'app', ... }`); kinds: {@link counter}.
 */
export async function bootPair(name: string, tree: (node: 'a' | 'b') => Record<string, unknown>, first: 'a' | 'b' = 'a'): Promise<NodePair> {
  const dir = await mkdtemp(join(tmpdir(), `pd-${name}-`));
  const secretFile = join(dir, 'cluster.secret');
  await writeFile(secretFile, 'a cluster secret of more than sixteen bytes\n', { mode: 0o600 });
  await chmod(secretFile, 0o600);
  const timing = { probeIntervalMs: 200, probeTimeoutMs: 100, gossipIntervalMs: 50, pushPullIntervalMs: 2000 };
  const boot = (node: 'a' | 'b', seeds: { host: string; port: number }[]) => bootEngine(validateConfig({
    version: 1, engine: { id: `${name}-${node}-${process.pid}` },
    federation: { nodeId: node, secretFile, membership: { kind: 'swim', seeds, timing, downing: { strategy: 'off' } } },
    tree: tree(node),
  }), { stateDir: join(dir, 'state'), kinds: [counter] });
  const second = first === 'a' ? 'b' : 'a';
  const one = await boot(first, []);
  const gossip = one.federation!.swimMembership!.gossipAddress;
  const other = await boot(second, [{ host: '127.0.0.1', port: gossip.port }]);
  const nodes = { [first]: one, [second]: other } as Record<'a' | 'b', RunningEngine>;
  const clients = {
    a: await ControlClient.connect({ url: nodes.a.state!.url, token: nodes.a.state!.token }),
    b: await ControlClient.connect({ url: nodes.b.state!.url, token: nodes.b.state!.token }),
  };
  return {
    nodes, clients,
    async stop() {
      for (const n of ['a', 'b'] as const) {
        await clients[n].close();
        await nodes[n].stop();
      }
    },
  };
}
