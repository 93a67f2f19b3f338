/**
 * pd end to end with two engines that are nodes of one cluster: `pd start --detach` boots
 * each from a config with a `federation` section on loopback (free ports picked by the
 * engines; the second config lists the first's port as `pd status` reports it), sharing a
 * secret file the test creates with mode 0600. `pd send` and `pd call` with `--node` reach a
 * registered counter on the other node through the federation; `pd cluster peers` shows the
 * connection up with frames counted both ways; `pd ps`, `pd tree`, `pd inspect`, `pd
 * children` and `pd dead` with `--node` show the other node's actors; `pd stop` ends both.
 * Node a is a multi-core engine whose counter runs on core 1, behind a's gateway core; `pd
 * cluster register` names it there and b calls it by that name. `pd cluster set-secret`
 * takes both nodes through the three steps of rotating the cluster secret, and a third node
 * with only the new secret then calls a's counter. Also:
 * a secret file others can read is a config error naming the field, and nothing starts.
 *
 * Nothing here depends on speed: every step waits for the answer of the one before.
 */
import { chmod, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KINDS, PD_TIMEOUT_MS, configDir, pd, requireBuild, type Run } from './helpers.js';

const E2E_TIMEOUT_MS = 2 * PD_TIMEOUT_MS;
const A = `fed-a-${process.pid}`;
const B = `fed-b-${process.pid}`;
let env: Record<string, string>;
let dir: string;
const started: Run[] = [];

async function pdj(args: string[], code = 0): Promise<any> {
  const run = await pd([...args, '--json'], env);
  if (run.code !== code) throw new Error(`pd ${args.join(' ')} exited ${run.code} (expected ${code})\nstdout: ${run.stdout}\nstderr: ${run.stderr}`);
  return run.json;
}

/** Retry `probe` until it gives a value; a bound only for a state that never comes. */
async function until<T>(probe: () => Promise<T | null>, what: string): Promise<T> {
  for (let i = 0; i < 100; i++) {
    const value = await probe();
    if (value !== null) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what}: not seen after 100 tries`);
}

async function start(file: string): Promise<void> {
  const run = await pd(['start', '--config', file, '--detach', '--json'], env);
  if (run.code !== 0) throw new Error(`pd start ${file} failed (${run.code}): ${run.stdout}${run.stderr}`);
  started.push(run);
}

beforeAll(async () => {
  requireBuild();
  const a = await configDir({
    // Node a is a two-core engine with its counter on core 1: what node b sends it crosses
    // the network to a's core 0 (the gateway), then a's ring.
    version: 1, engine: { id: A, shutdownDeadlineMs: 60_000, mode: 'multi', cores: 2, placement: { kinds: { counter: { core: 1 } } } },
    federation: { nodeId: 'a', secretFile: 'cluster.secret' },
    tree: { id: 'app', children: [{ id: 'counter', kind: 'counter', args: { start: 40 }, register: 'counter' }] },
  });
  dir = a.dir;
  env = { PD_STATE_DIR: a.stateDir };
  const secret = join(dir, 'cluster.secret');
  await writeFile(secret, 'a cluster secret of more than sixteen bytes\n', { mode: 0o600 });
  await chmod(secret, 0o600);
  await start(a.file);
  // Node b dials node a at the port a's engine picked.
  const status = await pdj(['status', '--engine', A]);
  const file = join(dir, 'b.json');
  await writeFile(file, JSON.stringify({
    version: 1, modules: [KINDS],
    engine: { id: B, shutdownDeadlineMs: 60_000 },
    federation: { nodeId: 'b', secretFile: 'cluster.secret', peers: [{ id: 'a', host: '127.0.0.1', port: status.federation.listen.port }] },
  }));
  await start(file);
}, 4 * PD_TIMEOUT_MS);

afterAll(async () => {
  for (const run of started) {
    const pid = run?.json?.pid;
    if (typeof pid !== 'number') continue;
    try {
      process.kill(pid, 0);
      await pd(['stop', '--engine', run.json.id], env);
    } catch {
      // Already gone.
    }
  }
}, 3 * PD_TIMEOUT_MS);

describe('pd with two engines federated on loopback', { timeout: E2E_TIMEOUT_MS }, () => {
  it('status reports each node: id, listen address, incarnation', async () => {
    const [a, b] = await Promise.all([pdj(['status', '--engine', A]), pdj(['status', '--engine', B])]);
    expect(a.federation).toMatchObject({ nodeId: 'a', cluster: 'pd', transport: 'tcp', listen: { host: '127.0.0.1', port: expect.any(Number) }, incarnation: a.incarnation });
    expect(a.federation.listen.port).toBeGreaterThan(0);
    expect(b.federation).toMatchObject({ nodeId: 'b', incarnation: b.incarnation });
    expect(b.federation.listen.port).not.toBe(a.federation.listen.port);
    const text = await pd(['status', '--engine', A], env);
    expect(text.stdout).toMatch(/federation: +node a \(incarnation \d+\), tcp on 127\.0\.0\.1:\d+/);
  });

  it('a node that would listen on a port another holds: a config error at federation.listen (exit 6)', async () => {
    const port = (await pdj(['status', '--engine', A])).federation.listen.port;
    const made = await configDir({ version: 1, engine: { id: `fed-taken-${process.pid}` }, federation: { nodeId: 'c', secretFile: join(dir, 'cluster.secret'), listen: { port } } });
    const run = await pd(['start', '--config', made.file, '--detach', '--json'], { PD_STATE_DIR: made.stateDir });
    expect(run.code).toBe(6);
    expect(run.json.error.issues).toEqual([{ path: 'federation.listen', message: `cannot listen on 127.0.0.1:${port}: EADDRINUSE, the port is in use (give another, or 0 for a free one)` }]);
    expect((await readdir(made.stateDir).catch(() => [])).filter((f) => f.endsWith('.json'))).toEqual([]);
  });

  it('send and call from b reach the counter registered on a, in order', async () => {
    expect(await pdj(['send', '--engine', B, '--node', 'a', 'counter', '{"type":"inc","by":2}'])).toMatchObject({ result: 'queued' });
    expect((await pdj(['call', '--engine', B, '--node', 'a', 'counter', '{"type":"get"}'])).reply).toBe(42);
    // The same actor, seen on its own node.
    expect((await pdj(['call', '--engine', A, 'counter', '{"type":"get"}'])).reply).toBe(42);
    const missing = await pd(['call', '--engine', B, '--node', 'a', 'nobody', '{}', '--json'], env);
    expect(missing.code).toBe(5);
    expect(missing.json.error.message).toBe('no live actor has the registered name "nobody" on node "a"');
  });

  it('pd cluster register names the counter on a\'s core 1; b resolves the name and calls through it', async () => {
    const registered = await pdj(['cluster', 'register', 'tally', 'counter', '--engine', A]);
    expect(registered).toMatchObject({ nodeId: 'a', name: 'tally', node: 'a', path: '/user/app/counter', already: false });
    expect(registered.addr).toMatch(/^<\d+\.1\.\d+\.\d+>$/);
    const held = await until(async () => {
      const names = await pdj(['cluster', 'names', '--engine', B]);
      return names.names.find((n: { name: string }) => n.name === 'tally') ?? null;
    }, 'b resolves tally');
    expect(held).toMatchObject({ node: 'a', addr: registered.addr });
    // b has no actor called tally: the call goes to the cluster name's holder on a's core 1.
    expect(await pdj(['call', '--engine', B, 'tally', '{"type":"get"}'])).toMatchObject({ addr: registered.addr, reply: 42 });
    expect(await pdj(['cluster', 'unregister', 'tally', '--engine', A])).toMatchObject({ unregistered: true });
  });

  it('cluster peers shows the connection up with frames both ways, on both nodes', async () => {
    // Up now; waited for all the same, as a connection a loaded machine let time out is
    // dialed again (a is a member of b's cluster), and the counts survive it.
    const fromB = await until(async () => {
      const peers = await pdj(['cluster', 'peers', '--engine', B]);
      return peers.peers[0]?.state === 'up' ? peers : null;
    }, "b's connection to a up");
    expect(fromB.nodeId).toBe('b');
    expect(fromB.peers).toEqual([expect.objectContaining({ id: 'a', state: 'up', member: true })]);
    expect(fromB.peers[0].sent).toBeGreaterThan(0);
    expect(fromB.peers[0].received).toBeGreaterThan(0);
    // Bytes, frames and heartbeats each way on the wire, and how long ago a was last heard.
    expect(fromB.peers[0].bytesOut).toBeGreaterThan(0);
    expect(fromB.peers[0].bytesIn).toBeGreaterThan(0);
    expect(fromB.peers[0].framesOut).toBeGreaterThan(0);
    expect(fromB.peers[0].framesIn).toBeGreaterThan(0);
    expect(fromB.peers[0].lastHeardAgoMs).toBeGreaterThanOrEqual(0);
    expect(fromB.peers[0].connectedForMs).toBeGreaterThanOrEqual(0);
    expect(fromB.peers[0]).toHaveProperty('heartbeatsOut');
    expect(fromB.peers[0]).toHaveProperty('heartbeatsIn');
    // a did not list b: it knows b from b's handshake.
    const fromA = await pdj(['cluster', 'peers', '--engine', A]);
    const b = fromA.peers.find((p: any) => p.id === 'b');
    expect(b).toMatchObject({ member: false });
    expect(b.received).toBeGreaterThan(0);
    expect(b.sent).toBeGreaterThan(0);
    expect(b.bytesIn).toBeGreaterThan(0);
    expect(b.bytesOut).toBeGreaterThan(0);
    const status = await pdj(['cluster', 'status', '--engine', B]);
    expect(status).toMatchObject({ nodeId: 'b', listen: { host: '127.0.0.1' }, peers: { total: 1 } });
    expect(status.net.frames.sent).toBeGreaterThan(0);
    const text = await pd(['cluster', 'peers', '--engine', B], env);
    expect(text.stdout).toMatch(/^PEER +STATE +INCARNATION/);
    expect(text.stdout).toMatch(/\na +up +\d+ +yes /);
    expect(text.stdout).toMatch(/ +BYTES OUT +BYTES IN +LAST HEARD\n/);
    expect(text.stdout).toMatch(/\na +up .* \d+(\.\d)? (B|KiB|MiB) +\d+(\.\d)? (B|KiB|MiB) +\S+ ago\n?/);
  });

  it('ps, tree, inspect, children and dead with --node show the other node, asked through this engine', async () => {
    const ps = await pdj(['ps', '--engine', B, '--node', 'a']);
    expect(ps.actors.map((x: any) => x.path)).toEqual(expect.arrayContaining(['/user/app', '/user/app/counter']));
    // b's own actors are not a's.
    expect((await pdj(['ps', '--engine', B])).actors.some((x: any) => x.path === '/user/app/counter')).toBe(false);
    const tree = await pd(['tree', '--engine', B, '--node', 'a'], env);
    expect(tree.code).toBe(0);
    expect(tree.stdout).toMatch(/counter/);
    const info = await pdj(['inspect', '--engine', B, '--node', 'a', 'counter']);
    expect(info).toMatchObject({ path: '/user/app/counter', kind: 'counter', names: ['counter'] });
    expect(info.handled).toBeGreaterThan(0);
    expect((await pdj(['children', '--engine', B, '--node', 'a', '/user/app'])).children).toEqual([expect.objectContaining({ id: 'counter', kind: 'counter' })]);
    expect(await pdj(['dead', '--engine', B, '--node', 'a'])).toMatchObject({ terminated: expect.any(Array), deadLetters: { total: expect.any(Number) } });
    // Its own id is this node, asked directly.
    expect((await pdj(['ps', '--engine', A, '--node', 'a'])).actors.length).toBe(ps.actors.length);
    // An error raised there comes back as it was raised, naming the node.
    const missing = await pd(['inspect', '--engine', B, '--node', 'a', 'nobody', '--json'], env);
    expect(missing.code).toBe(5);
    expect(missing.json.error).toMatchObject({ code: 'target/unknown', message: 'node a: no live actor has the registered name "nobody"' });
    const nowhere = await pd(['ps', '--engine', B, '--node', 'zz', '--json'], env);
    expect(nowhere.code).toBe(1);
    expect(nowhere.json.error).toMatchObject({ code: 'cluster/failed' });
    expect(nowhere.json.error.message).toMatch(/^cannot ask node "zz": .*not a known peer/);
  });

  it('pd cluster set-secret rotates the secret on both running nodes in three steps; a node with only the new secret then reaches a', async () => {
    const old = join(dir, 'cluster.secret');
    const next = join(dir, 'new.secret');
    await writeFile(next, 'the next cluster secret, of more than sixteen bytes\n', { mode: 0o600 });
    await chmod(next, 0o600);
    const open = join(dir, 'open.secret');
    await writeFile(open, 'a cluster secret others can read, sixteen bytes or more\n');
    await chmod(open, 0o644);
    const refused = await pd(['cluster', 'set-secret', old, open, '--engine', A, '--json'], env);
    expect(refused.code).not.toBe(0);
    expect(refused.json.error.message).toBe(`cluster.setSecrets: acceptFiles[0]: file ${open} is readable by group or others (mode 644); run chmod 600 on it`);
    for (const [secret, ...accept] of [[old, next], [next, old], [next]] as string[][]) {
      for (const engine of [A, B]) {
        expect(await pdj(['cluster', 'set-secret', secret!, ...accept, '--engine', engine])).toEqual({ nodeId: engine === A ? 'a' : 'b', secretFile: secret, acceptFiles: accept });
      }
    }
    // The connection b had stays up; a new node with the new secret alone connects to a.
    expect((await pdj(['call', '--engine', B, '--node', 'a', 'counter', '{"type":"get"}'])).reply).toBe(42);
    const status = await pdj(['status', '--engine', A]);
    const file = join(dir, 'c.json');
    const C = `fed-c-${process.pid}`;
    await writeFile(file, JSON.stringify({
      version: 1, engine: { id: C }, federation: { nodeId: 'c', secretFile: 'new.secret', peers: [{ id: 'a', host: '127.0.0.1', port: status.federation.listen.port }] },
    }));
    await start(file);
    try {
      expect((await pdj(['call', '--engine', C, '--node', 'a', 'counter', '{"type":"get"}'])).reply).toBe(42);
    } finally {
      await pdj(['stop', '--engine', C]);
    }
  });

  it('an engine without a federation says so', async () => {
    const made = await configDir({ version: 1, engine: { id: `fed-none-${process.pid}` } });
    const none = { PD_STATE_DIR: made.stateDir };
    const run = await pd(['start', '--config', made.file, '--detach', '--json'], none);
    expect(run.code).toBe(0);
    try {
      const peers = await pd(['cluster', 'peers', '--json'], none);
      expect(peers.code).toBe(1);
      expect(peers.json.error).toMatchObject({ code: 'cluster/unavailable', message: 'this engine is not a node of a cluster' });
    } finally {
      await pd(['stop'], none);
    }
  });

  it('pd stop ends both nodes and leaves nothing in the state folder', async () => {
    expect(await pdj(['stop', '--engine', B])).toMatchObject({ stopped: true, id: B });
    expect(await pdj(['stop', '--engine', A])).toMatchObject({ stopped: true, id: A });
    expect(await readdir(env.PD_STATE_DIR!)).toEqual([]);
  });
});

describe('pd start refuses a federation it cannot run', { timeout: E2E_TIMEOUT_MS }, () => {
  it('a secret file others can read: a config error at federation.secretFile (exit 6), nothing starts', async () => {
    const made = await configDir({ version: 1, engine: { id: `fed-open-${process.pid}` }, federation: { nodeId: 'x', secretFile: 'open.secret' } });
    await writeFile(join(made.dir, 'open.secret'), 'a cluster secret of more than sixteen bytes\n');
    await chmod(join(made.dir, 'open.secret'), 0o644);
    const run = await pd(['start', '--config', made.file, '--detach', '--json'], { PD_STATE_DIR: made.stateDir });
    expect(run.code).toBe(6);
    expect(run.json.error.issues).toEqual([{ path: 'federation.secretFile', message: `the cluster secret file ${join(made.dir, 'open.secret')} is readable by group or others (mode 644); run chmod 600 on it` }]);
    expect((await readdir(made.stateDir).catch(() => [])).filter((f) => f.endsWith('.json'))).toEqual([]);
  });

  it('an etcd password file others can read, a missing etcd CA: config errors at their paths (exit 6), nothing starts', async () => {
    const made = await configDir({
      version: 1, engine: { id: `fed-etcd-${process.pid}` },
      federation: {
        nodeId: 'x', membership: { kind: 'swim' },
        discovery: { kind: 'etcd', endpoints: ['https://127.0.0.1:2379'], tls: { ca: 'missing-ca.pem' }, auth: { username: 'pd', passwordFile: 'etcd.password' } },
      },
    });
    await writeFile(join(made.dir, 'etcd.password'), 'a password\n');
    await chmod(join(made.dir, 'etcd.password'), 0o644);
    const run = await pd(['start', '--config', made.file, '--detach', '--json'], { PD_STATE_DIR: made.stateDir, PD_CLUSTER_SECRET: 'a cluster secret of more than sixteen bytes' });
    expect(run.code).toBe(6);
    expect(run.json.error.issues.map((i: { path: string }) => i.path)).toEqual(['federation.discovery.auth.passwordFile', 'federation.discovery.tls.ca']);
    expect(run.json.error.issues[0].message).toBe(`the etcd password file ${join(made.dir, 'etcd.password')} is readable by group or others (mode 644); run chmod 600 on it`);
    expect((await readdir(made.stateDir).catch(() => [])).filter((f) => f.endsWith('.json'))).toEqual([]);
  });

  it('accepted secrets (a rotation): one others can read, or one shorter than 16 bytes, is a config error at its index (exit 6)', async () => {
    const made = await configDir({ version: 1, engine: { id: `fed-accept-${process.pid}` }, federation: { nodeId: 'x', secretFile: 'new.secret', acceptSecretFiles: ['old.secret'] } });
    await writeFile(join(made.dir, 'new.secret'), 'the new cluster secret, of more than sixteen bytes\n', { mode: 0o600 });
    await writeFile(join(made.dir, 'old.secret'), 'the old cluster secret, of more than sixteen bytes\n');
    await chmod(join(made.dir, 'old.secret'), 0o644);
    let run = await pd(['start', '--config', made.file, '--detach', '--json'], { PD_STATE_DIR: made.stateDir });
    expect(run.code).toBe(6);
    expect(run.json.error.issues).toEqual([{
      path: 'federation.acceptSecretFiles[0]', message: `the accepted cluster secret file ${join(made.dir, 'old.secret')} is readable by group or others (mode 644); run chmod 600 on it`,
    }]);
    await writeFile(join(made.dir, 'old.secret'), 'short\n');
    await chmod(join(made.dir, 'old.secret'), 0o600);
    run = await pd(['start', '--config', made.file, '--detach', '--json'], { PD_STATE_DIR: made.stateDir });
    expect(run.code).toBe(6);
    expect(run.json.error.issues).toEqual([{ path: 'federation.acceptSecretFiles[0]', message: `acceptSecrets[0]: from ${join(made.dir, 'old.secret')} is shorter than 16 bytes` }]);
    expect((await readdir(made.stateDir).catch(() => [])).filter((f) => f.endsWith('.json'))).toEqual([]);
  });

  it('a secret shorter than 16 bytes: a config error at federation.secretFile (exit 6)', async () => {
    const made = await configDir({ version: 1, engine: { id: `fed-short-${process.pid}` }, federation: { nodeId: 'x', secretFile: 'short.secret' } });
    await writeFile(join(made.dir, 'short.secret'), 'short\n', { mode: 0o600 });
    const run = await pd(['start', '--config', made.file, '--detach', '--json'], { PD_STATE_DIR: made.stateDir });
    expect(run.code).toBe(6);
    expect(run.json.error.issues).toEqual([{ path: 'federation.secretFile', message: `secret: from ${join(made.dir, 'short.secret')} is shorter than 16 bytes` }]);
  });

});
