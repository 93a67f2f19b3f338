/**
 * Lease-majority downing with real `pd` processes and a real etcd (issue #13): four engines
 * in two Linux network namespaces joined by a veth pair — a and b in one (10.217.0.1), c and
 * d in the other (10.217.0.2) — and one etcd (Debian's `etcd-server`) in the root
 * namespace, which each namespace reaches over a veth pair of its own (10.217.1.0/24 and
 * 10.217.2.0/24). The link between the two namespaces is set down: an even split, 2 | 2,
 * where both sides still reach etcd. Keep-majority would keep the side of the lowest id
 * whatever happens; lease-majority keeps the side whose member holds the etcd lock, and the
 * other side, finding the lock held across the cut, waits `leaseWaitMs` for it and stops.
 *
 * What must hold: exactly one side stops (both its processes exit, each saying in its log
 * that it is on the losing side, lease-majority); the other keeps serving and has downed
 * the stopped pair; the lock's holder (read from etcd) is on the side that kept running.
 * The in-process etcd tests (packages/federation/src/discovery/etcd.test.ts) cover the
 * other cases (etcd gone, a lease not kept alive) with a cut made by the carrier.
 *
 * Skipped, saying why, unless run as root on Linux with iproute2 and an etcd binary. Nothing
 * here asserts speed: every wait is for a state, bounded only to fail one that never comes.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KINDS, PD_TIMEOUT_MS, configDir, pd, requireBuild, until } from './helpers.js';
import { ip, netnsUnavailable, running } from './netns.js';

type Node = 'a' | 'b' | 'c' | 'd';
type Side = 'left' | 'right';
const SIDES: Record<Side, readonly Node[]> = { left: ['a', 'b'], right: ['c', 'd'] };
const NODES: readonly Node[] = [...SIDES.left, ...SIDES.right];
const NS: Record<Side, string> = { left: `pd-lm-a-${process.pid}`, right: `pd-lm-b-${process.pid}` };
/** Each side's address on the link between the namespaces (the one that is cut). */
const HOST: Record<Side, string> = { left: '10.217.0.1', right: '10.217.0.2' };
const VETH: Record<Side, string> = { left: 'pd-lmveth-a', right: 'pd-lmveth-b' };
/** etcd's address as each side reaches it (root namespace end), and the side's own end. */
const ETCD_HOST: Record<Side, string> = { left: '10.217.1.1', right: '10.217.2.1' };
const UPLINK_HOST: Record<Side, string> = { left: '10.217.1.2', right: '10.217.2.2' };
/** The root-namespace ends of the uplinks: global names, so they carry the pid (15 characters at most). */
const ROOT_VETH: Record<Side, string> = { left: `pdlma${process.pid}`.slice(0, 15), right: `pdlmb${process.pid}`.slice(0, 15) };
const E2E_TIMEOUT_MS = 3 * PD_TIMEOUT_MS;
const TIMING = { probeIntervalMs: 500, probeTimeoutMs: 300, gossipIntervalMs: 100, pushPullIntervalMs: 5000 };
const LEASE_KEY = `/pd-test/lease-netns-${process.pid}/lease`;

const sideOf = (node: Node): Side => (SIDES.left.includes(node) ? 'left' : 'right');
const other = (side: Side): Side => (side === 'left' ? 'right' : 'left');
const engineId = (node: Node): string => `lm-netns-${node}-${process.pid}`;

function findEtcd(): string | null {
  if (existsSync('/usr/bin/etcd')) return '/usr/bin/etcd';
  const found = spawnSync('sh', ['-c', 'command -v etcd'], { encoding: 'utf8' });
  return found.status === 0 && found.stdout.trim() !== '' ? found.stdout.trim() : null;
}

const ETCD = findEtcd();
const why = netnsUnavailable(`pd-lm-probe-${process.pid}`)
  ?? (ETCD === null ? 'needs an etcd binary (Debian\'s etcd-server: apt-get install -y etcd-server; .ci/run installs it)' : null);
if (why !== null) console.log(`lease.netns.test.ts skipped: ${why}`);

let env: Record<string, string>;
let stateDir: string;
let etcd: ChildProcess | null = null;
let etcdData = '';
let etcdLog = '';
let etcdPort = 0;
const files = {} as Record<Node, string>;
const pids = new Map<Node, number>();

async function pdj(node: Node, args: string[]): Promise<any> {
  const run = await pd([...args, '--engine', engineId(node), '--json'], env, { netns: NS[sideOf(node)] });
  if (run.code !== 0) throw new Error(`pd ${args.join(' ')} on ${node} exited ${run.code}\nstdout: ${run.stdout}\nstderr: ${run.stderr}`);
  return run.json;
}

async function start(node: Node): Promise<void> {
  const run = await pd(['start', '--config', files[node], '--detach', '--json'], env, { netns: NS[sideOf(node)] });
  if (run.code !== 0) throw new Error(`pd start ${node} failed (${run.code}): ${run.stdout}${run.stderr}`);
  pids.set(node, run.json.pid);
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** etcd in the root namespace, answering on both uplinks (raft timers short: its smallest lease TTL follows them). */
async function startEtcd(): Promise<void> {
  const [client, peer] = [await freePort(), await freePort()];
  etcdPort = client;
  etcdData = mkdtempSync(join(tmpdir(), 'pd-etcd-netns-'));
  const urls = (['left', 'right'] as const).map((s) => `http://${ETCD_HOST[s]}:${client}`).join(',');
  etcd = spawn(ETCD!, [
    '--name', 'pd-lm', '--data-dir', etcdData, '--listen-client-urls', urls, '--advertise-client-urls', urls,
    '--listen-peer-urls', `http://127.0.0.1:${peer}`, '--initial-advertise-peer-urls', `http://127.0.0.1:${peer}`,
    '--initial-cluster', `pd-lm=http://127.0.0.1:${peer}`, '--heartbeat-interval', '50', '--election-timeout', '500',
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  etcd.stderr!.on('data', (chunk: Buffer) => {
    etcdLog = (etcdLog + chunk.toString()).slice(-4000);
  });
  await until(async () => {
    try {
      const health = (await (await fetch(`http://${ETCD_HOST.left}:${client}/health`)).json()) as { health?: string };
      return health.health === 'true' ? true : null;
    } catch {
      return null;
    }
  }, `etcd answering on ${ETCD_HOST.left}:${client} (its log: ${etcdLog.slice(-500)})`);
}

/** The lock's holder as etcd has it (its JSON gateway; keys and values are base64), or null when nobody holds it. */
async function leaseHolder(): Promise<string | null> {
  const res = await fetch(`http://${ETCD_HOST.left}:${etcdPort}/v3/kv/range`, { method: 'POST', body: JSON.stringify({ key: Buffer.from(LEASE_KEY).toString('base64') }) });
  const body = (await res.json()) as { kvs?: { value: string }[] };
  const kv = body.kvs?.[0];
  return kv === undefined ? null : Buffer.from(kv.value, 'base64').toString('utf8');
}

function config(node: Node, seeds: { host: string; port: number }[]): Record<string, unknown> {
  return {
    version: 1, modules: [KINDS], engine: { id: engineId(node), shutdownDeadlineMs: 60_000 },
    federation: {
      nodeId: node, secretFile: 'cluster.secret', listen: { host: HOST[sideOf(node)], port: 0 },
      membership: {
        kind: 'swim', seeds, timing: TIMING,
        downing: {
          strategy: 'lease-majority', stableAfterMs: 3000, leaseWaitMs: 4000,
          lease: { endpoints: [`http://${ETCD_HOST[sideOf(node)]}:${etcdPort}`], key: LEASE_KEY, ttlMs: 2000 },
        },
      },
    },
    tree: { id: 'app', children: [{ id: 'counter', kind: 'counter', args: { start: 7 }, register: 'counter' }] },
  };
}

(why === null ? describe : describe.skip)(`pd lease-majority in two network namespaces with a real etcd, cut 2 | 2${why === null ? '' : ` (skipped: ${why})`}`, { timeout: E2E_TIMEOUT_MS }, () => {
  beforeAll(async () => {
    requireBuild();
    ip('netns', 'add', NS.left);
    ip('netns', 'add', NS.right);
    ip('link', 'add', 'name', VETH.left, 'netns', NS.left, 'type', 'veth', 'peer', 'name', VETH.right, 'netns', NS.right);
    for (const s of ['left', 'right'] as const) {
      ip('-n', NS[s], 'addr', 'add', `${HOST[s]}/24`, 'dev', VETH[s]);
      ip('-n', NS[s], 'link', 'set', 'lo', 'up');
      ip('-n', NS[s], 'link', 'set', VETH[s], 'up');
      // The uplink to etcd: its root end here, its other end (named `uplink`) inside the namespace.
      ip('link', 'add', 'name', ROOT_VETH[s], 'type', 'veth', 'peer', 'name', 'uplink', 'netns', NS[s]);
      ip('addr', 'add', `${ETCD_HOST[s]}/24`, 'dev', ROOT_VETH[s]);
      ip('link', 'set', ROOT_VETH[s], 'up');
      ip('-n', NS[s], 'addr', 'add', `${UPLINK_HOST[s]}/24`, 'dev', 'uplink');
      ip('-n', NS[s], 'link', 'set', 'uplink', 'up');
    }
    await startEtcd();
    const made = await configDir({});
    stateDir = made.stateDir;
    env = { PD_STATE_DIR: stateDir };
    for (const node of NODES) files[node] = join(made.dir, `${node}.json`);
    const secret = join(made.dir, 'cluster.secret');
    await writeFile(secret, 'a cluster secret of more than sixteen bytes\n', { mode: 0o600 });
    await chmod(secret, 0o600);
    await writeFile(files.a, JSON.stringify(config('a', [])));
    await start('a');
    const self = (await pdj('a', ['cluster', 'members'])).members[0];
    const seeds = [{ host: HOST.left, port: self.gossip.port }];
    for (const node of NODES.slice(1)) await writeFile(files[node], JSON.stringify(config(node, seeds)));
    await Promise.all(NODES.slice(1).map(start));
  }, 4 * PD_TIMEOUT_MS);

  afterAll(async () => {
    await Promise.all([...pids].map(async ([node, pid]) => {
      if (running(pid)) await pd(['stop', '--engine', engineId(node)], env, { netns: NS[sideOf(node)], timeoutMs: 30_000 }).catch(() => undefined);
      if (running(pid)) process.kill(pid, 'SIGKILL');
    }));
    etcd?.kill('SIGKILL');
    if (etcdData !== '') rmSync(etcdData, { recursive: true, force: true });
    // Deleting a namespace deletes its veth ends, and with them their root-namespace peers.
    for (const ns of Object.values(NS)) spawnSync('ip', ['netns', 'del', ns]);
    for (const link of Object.values(ROOT_VETH)) spawnSync('ip', ['link', 'del', link]);
  }, 3 * PD_TIMEOUT_MS);

  it('all four see each other alive, and nobody holds the lock before a partition', async () => {
    for (const observer of NODES) {
      await until(async () => {
        const v = await pdj(observer, ['cluster', 'members']);
        return v.members.length === 4 && v.members.every((m: { status: string }) => m.status === 'alive') ? v : null;
      }, `${observer} sees four alive members`);
    }
    expect(await leaseHolder()).toBeNull();
  });

  it('the cut: the side holding the etcd lock keeps serving, the other finds it held across the cut and stops', async () => {
    const cutAt = Date.now();
    ip('-n', NS.left, 'link', 'set', VETH.left, 'down');
    // One side's processes exit: whichever side's member took the lock first keeps running.
    const stopped = await until(async () => {
      const gone = NODES.filter((n) => !running(pids.get(n)!));
      return gone.length === 2 ? gone : gone.length > 2 ? gone : null;
    }, 'two engines stop themselves');
    console.log(`lease netns: ${stopped.join(' and ')} exited ${Date.now() - cutAt} ms after the cut`);
    const loser = sideOf(stopped[0]!);
    const winner = other(loser);
    expect([...stopped].sort()).toEqual([...SIDES[loser]]);

    const holder = await leaseHolder();
    console.log(`lease netns: the lock is held by ${holder}; ${SIDES[winner].join(' and ')} keep running`);
    expect(holder).not.toBeNull();
    expect(SIDES[winner]).toContain(holder);

    for (const node of SIDES[loser]) {
      const log = await readFile(join(stateDir, `${engineId(node)}.log`), 'utf8');
      expect(log).toContain(`node ${node} is on the losing side of a partition (lease-majority`);
      expect(log).toContain(`the lease is held by ${holder}, on the other side`);
      pids.delete(node);
    }
    // The winners down the stopped pair after the same wait, keep running, and serve.
    for (const node of SIDES[winner]) {
      const view = await until(async () => {
        const v = await pdj(node, ['cluster', 'members']);
        return SIDES[loser].every((n) => v.downing.downed.includes(n)) ? v : null;
      }, `${node} downs ${SIDES[loser].join(' and ')}`);
      const decision = view.downing.decisions.at(-1);
      expect(decision).toMatchObject({ decision: 'keep', members: 4, reachable: 2, strategy: 'lease-majority' });
      expect(decision.reason).toContain(node === holder ? 'this node holds the lease' : `the lease is held by ${holder}, on this side`);
      expect(running(pids.get(node)!)).toBe(true);
    }
    const [here, there] = SIDES[winner];
    const replies = await Promise.all([pdj(here!, ['call', 'counter', '{"type":"get"}']), pdj(here!, ['call', '--node', there!, 'counter', '{"type":"get"}'])]);
    expect(replies.map((r) => r.reply)).toEqual([7, 7]);
  });
});
