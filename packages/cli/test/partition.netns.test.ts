/**
 * A real partition of real `pd` processes (issues #12 and #13): five engines whose
 * federation runs SWIM with keep-majority downing, in two Linux network namespaces joined
 * by a veth pair — a, b and c in one (10.213.0.1), d and e in the other (10.213.0.2), each
 * listening on its namespace's address with ports the engine picks — and the pair's link
 * set down to cut them 3 | 2.
 *
 * How pd runs across namespaces: `pd start --detach` and every `pd` client command run
 * through `ip netns exec NS` (helpers' `pd(…, { netns })`). The control plane listens on
 * 127.0.0.1 inside the engine's namespace, which the root namespace cannot reach; the state
 * files (PD_STATE_DIR) are on the shared filesystem, so a client in the same namespace finds
 * each engine by id as usual. Process ids are global (no pid namespace), so the test checks
 * and kills engines by pid from here. Each run makes its own namespaces (named with the
 * test's pid; the veth pair is created inside them, so its addresses and names cannot clash
 * with another run's) and deletes them in afterAll, after killing whatever is left.
 *
 * The sequence: all five see each other alive; across the future cut every majority
 * node's `watcher` monitors each minority node's counter and links (trapping exits) with
 * its watcher, and every minority watcher monitors each majority counter (the minority
 * watchers also write what they get to a file, read after their engine is gone). Cut:
 * messages sent across it (from an actor, and `pd send --node`) are counted (send results,
 * dead letters, router and network counters: printed, and the ones that must exist asserted);
 * a, b and c declare d and e dead, every monitor and link across the cut fires
 * `noconnection` on both sides, d and e (two of five) stop their engines and their
 * processes exit, a, b and c down them and keep serving (`pd call`). Heal (link up), d and
 * e started again from their configs: they rejoin with a higher incarnation, are usable,
 * and the cluster registry agrees on every node (no names here: a conflict across a real
 * cut is cluster-names.netns.test.ts).
 *
 * Skipped, saying why, unless run as root on Linux with iproute2 (`ip netns add` must work).
 * Nothing here asserts speed: every wait is for a state, bounded (60 s) only to fail a
 * state that never comes; the times measured are printed.
 */
import { spawnSync } from 'node:child_process';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KINDS, PD_TIMEOUT_MS, configDir, pd, requireBuild, until } from './helpers.js';
import { ip, netnsUnavailable, running } from './netns.js';

type Node = 'a' | 'b' | 'c' | 'd' | 'e';
type Side = 'major' | 'minor';
const MAJORITY = ['a', 'b', 'c'] as const;
const MINORITY = ['d', 'e'] as const;
const NODES: readonly Node[] = [...MAJORITY, ...MINORITY];
const NS: Record<Side, string> = { major: `pd-ns-a-${process.pid}`, minor: `pd-ns-b-${process.pid}` };
const HOST: Record<Side, string> = { major: '10.213.0.1', minor: '10.213.0.2' };
const VETH: Record<Side, string> = { major: 'pd-veth-a', minor: 'pd-veth-b' };
const E2E_TIMEOUT_MS = 3 * PD_TIMEOUT_MS;
/** Fast probing (a detection in a few seconds), with room for a loaded machine's scheduling. */
const TIMING = { probeIntervalMs: 500, probeTimeoutMs: 300, gossipIntervalMs: 100, pushPullIntervalMs: 5000 };

const sideOf = (node: Node): Side => ((MAJORITY as readonly string[]).includes(node) ? 'major' : 'minor');
const engineId = (node: Node): string => `netns-${node}-${process.pid}`;

const why = netnsUnavailable(`pd-ns-probe-${process.pid}`);
if (why !== null) console.log(`partition.netns.test.ts skipped: ${why}`);

let env: Record<string, string>;
let dir: string;
let stateDir: string;
const files = {} as Record<Node, string>;
const logs = {} as Record<Node, string>;
const pids = new Map<Node, number>();

/** `pd ARGS --engine <node's engine> --json` in the node's namespace; the exit code must be `code`. */
async function pdj(node: Node, args: string[], code = 0): Promise<any> {
  const run = await pd([...args, '--engine', engineId(node), '--json'], env, { netns: NS[sideOf(node)] });
  if (run.code !== code) throw new Error(`pd ${args.join(' ')} on ${node} exited ${run.code} (expected ${code})\nstdout: ${run.stdout}\nstderr: ${run.stderr}`);
  return run.json;
}

async function start(node: Node): Promise<void> {
  const run = await pd(['start', '--config', files[node], '--detach', '--json'], env, { netns: NS[sideOf(node)] });
  if (run.code !== 0) throw new Error(`pd start ${node} failed (${run.code}): ${run.stdout}${run.stderr}`);
  pids.set(node, run.json.pid);
}

function config(node: Node, seeds: { host: string; port: number }[]): Record<string, unknown> {
  const watcherArgs = sideOf(node) === 'minor' ? { args: { log: logs[node] } } : {};
  return {
    version: 1, modules: [KINDS], engine: { id: engineId(node), shutdownDeadlineMs: 60_000 },
    federation: {
      nodeId: node, secretFile: 'cluster.secret', listen: { host: HOST[sideOf(node)], port: 0 },
      membership: { kind: 'swim', seeds, timing: TIMING, downing: { strategy: 'keep-majority', stableAfterMs: 3000 } },
    },
    tree: {
      id: 'app', children: [
        { id: 'watcher', kind: 'watcher', register: 'watcher', ...watcherArgs },
        { id: 'counter', kind: 'counter', args: { start: 7 }, register: 'counter' },
      ],
    },
  };
}

/** The JSON lines a minority watcher wrote (its Downs and exits). */
async function logged(node: Node): Promise<{ down?: string; exit?: string }[]> {
  const text = await readFile(logs[node], 'utf8').catch(() => '');
  return text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l));
}

(why === null ? describe : describe.skip)(`pd in two network namespaces, cut 3 | 2${why === null ? '' : ` (skipped: ${why})`}`, { timeout: E2E_TIMEOUT_MS }, () => {
  let cutAt = 0;
  const deadIncarnation = new Map<Node, number>();

  beforeAll(async () => {
    requireBuild();
    // Two namespaces, the veth pair made inside them, loopback up in each (the control plane).
    ip('netns', 'add', NS.major);
    ip('netns', 'add', NS.minor);
    ip('link', 'add', 'name', VETH.major, 'netns', NS.major, 'type', 'veth', 'peer', 'name', VETH.minor, 'netns', NS.minor);
    for (const s of ['major', 'minor'] as const) {
      ip('-n', NS[s], 'addr', 'add', `${HOST[s]}/24`, 'dev', VETH[s]);
      ip('-n', NS[s], 'link', 'set', 'lo', 'up');
      ip('-n', NS[s], 'link', 'set', VETH[s], 'up');
    }
    const a = await configDir({});
    dir = a.dir;
    stateDir = a.stateDir;
    env = { PD_STATE_DIR: stateDir };
    for (const node of NODES) {
      files[node] = join(dir, `${node}.json`);
      logs[node] = join(dir, `${node}.downs.jsonl`);
    }
    const secret = join(dir, 'cluster.secret');
    await writeFile(secret, 'a cluster secret of more than sixteen bytes\n', { mode: 0o600 });
    await chmod(secret, 0o600);
    await writeFile(files.a, JSON.stringify(config('a', [])));
    await start('a');
    // a is the seed: the others join through the gossip port its engine picked.
    const self = (await pdj('a', ['cluster', 'members'])).members[0];
    const seeds = [{ host: HOST.major, port: self.gossip.port }];
    for (const node of NODES.slice(1)) await writeFile(files[node], JSON.stringify(config(node, seeds)));
    await Promise.all(NODES.slice(1).map(start));
  }, 4 * PD_TIMEOUT_MS);

  afterAll(async () => {
    // Whatever is left: pd stop where it still runs, then SIGKILL; the namespaces go last.
    await Promise.all([...pids].map(async ([node, pid]) => {
      if (running(pid)) await pd(['stop', '--engine', engineId(node)], env, { netns: NS[sideOf(node)], timeoutMs: 30_000 }).catch(() => undefined);
      if (running(pid)) process.kill(pid, 'SIGKILL');
    }));
    for (const ns of Object.values(NS)) spawnSync('ip', ['netns', 'del', ns]);
  }, 3 * PD_TIMEOUT_MS);

  it('all five see each other alive (pd cluster members in each namespace)', async () => {
    for (const observer of NODES) {
      const view = await until(async () => {
        const v = await pdj(observer, ['cluster', 'members']);
        return v.members.length === 5 && v.members.every((m: { status: string }) => m.status === 'alive') ? v : null;
      }, `${observer} sees five alive members`);
      expect(view.members[0]).toMatchObject({ id: observer, status: 'alive', address: { host: HOST[sideOf(observer)] } });
      expect(view.members.map((m: { id: string }) => m.id).sort()).toEqual([...NODES]);
    }
  });

  it('monitors and links across the future cut are in place', async () => {
    // big's watcher monitors small's counter and links with small's watcher (small sends the
    // addresses), then has small's watcher monitor big's counter (`back`).
    await Promise.all(MAJORITY.flatMap((big) => MINORITY.map((small) =>
      pdj(small, ['send', '--node', big, 'watcher', '{"watch":{"$addr":"counter"},"link":{"$addr":"watcher"},"back":"counter"}']))));
    await Promise.all(NODES.map((node) => {
      const other = sideOf(node) === 'major' ? MINORITY.length : MAJORITY.length;
      return until(async () => {
        const { books } = await pdj(node, ['cluster', 'status']);
        return books.watching === other && books.links === other && books.watchedBy === other ? true : null;
      }, `${node} holds ${other} monitors, ${other} links and ${other} watchers across the cut`);
    }));
  });

  it('the cut: the minority stops itself, the majority keeps serving, every monitor and link fires, sends are counted', async () => {
    cutAt = Date.now();
    ip('-n', NS.major, 'link', 'set', VETH.major, 'down');
    const exited = MINORITY.map(async (node) => {
      // Watched by pid (no pd process): d and e (two of five) stop themselves.
      const pid = pids.get(node)!;
      await until(async () => (running(pid) ? null : true), `${node} stops its engine and exits`);
      console.log(`partition netns: ${node}'s process exited ${Date.now() - cutAt} ms after the cut`);
      pids.delete(node);
    });
    // Sends across the cut while it lasts: from an actor (a's watcher to everything it
    // watches or links on d and e), and from pd (`pd send --node d` looks the name up on d).
    const poked = (await pdj('a', ['call', 'watcher', '{"type":"poke","msg":{"type":"inc"}}'])).reply;
    console.log(`partition netns: a's watcher sent 4 messages across the cut just after it: ${JSON.stringify(poked)}`);
    const sending = pd(['send', '--engine', engineId('a'), '--node', 'd', 'counter', '{"type":"inc"}', '--json'], env, { netns: NS.major });
    // The majority declares d and e dead.
    await Promise.all(MAJORITY.map(async (observer) => {
      await until(async () => {
        const v = await pdj(observer, ['cluster', 'members']);
        const gone = v.members.filter((m: { id: Node; status: string }) => sideOf(m.id) === 'minor' && m.status === 'dead');
        for (const m of gone) deadIncarnation.set(m.id, Math.max(deadIncarnation.get(m.id) ?? 0, m.incarnation));
        return gone.length === MINORITY.length ? true : null;
      }, `${observer} declares d and e dead`);
      console.log(`partition netns: ${observer} saw d and e dead ${Date.now() - cutAt} ms after the cut`);
    }));
    const sent = await sending;
    console.log(`partition netns: pd send --node d during the cut: exit ${sent.code}, ${sent.json?.error?.message ?? sent.stdout.trim()}`);
    expect(sent.code).not.toBe(0);
    expect(sent.json.error).toMatchObject({ code: 'cluster/failed' });

    await Promise.all(exited);
    for (const node of MINORITY) {
      const log = await readFile(join(stateDir, `${engineId(node)}.log`), 'utf8');
      expect(log).toContain(`node ${node} is on the losing side of a partition (keep-majority`);
      // Every monitor and link it held across the cut fired noconnection before it stopped.
      // (Its own shutdown may add a `shutdown` exit from its supervisor after those.)
      const got = await logged(node);
      expect(got.filter((g) => g.down !== undefined).map((g) => g.down)).toEqual(['noconnection', 'noconnection', 'noconnection']);
      expect(got.filter((g) => g.exit !== undefined && g.exit !== 'shutdown').map((g) => g.exit)).toEqual(['noconnection', 'noconnection', 'noconnection']);
    }
    // The majority downs them, keeps running, and every monitor and link across the cut fired there too.
    await Promise.all(MAJORITY.map(async (node) => {
      const view = await until(async () => {
        const v = await pdj(node, ['cluster', 'members']);
        return v.downing.downed.includes('d') && v.downing.downed.includes('e') ? v : null;
      }, `${node} downs d and e`);
      expect(view.downing.decisions.at(-1)).toMatchObject({ decision: 'keep', members: 5, reachable: 3, strategy: 'keep-majority' });
      expect([...view.downing.decisions.at(-1).unreachable].sort()).toEqual(['d', 'e']);
      expect((await pdj(node, ['call', 'watcher', '{"type":"downs"}'])).reply).toEqual(['noconnection', 'noconnection']);
      expect((await pdj(node, ['call', 'watcher', '{"type":"exits"}'])).reply).toEqual(['noconnection', 'noconnection']);
      expect(running(pids.get(node)!)).toBe(true);
    }));
    console.log(`partition netns: a, b and c downed d and e by ${Date.now() - cutAt} ms after the cut`);
    // The majority keeps serving, locally and across its side.
    const replies = await Promise.all([
      pdj('a', ['call', 'counter', '{"type":"get"}']), pdj('a', ['call', '--node', 'c', 'counter', '{"type":"get"}']), pdj('b', ['call', '--node', 'a', 'counter', '{"type":"get"}']),
    ]);
    expect(replies.map((r) => r.reply)).toEqual([7, 7, 7]);

    // What became of the sends across the cut.
    const pokedLater = (await pdj('a', ['call', 'watcher', '{"type":"poke","msg":{"type":"inc"}}'])).reply;
    console.log(`partition netns: a's watcher sent 4 more once d and e were down: ${JSON.stringify(pokedLater)}`);
    const status = await pdj('a', ['cluster', 'status']);
    const peers = (await pdj('a', ['cluster', 'peers'])).peers;
    const dead = (await pdj('a', ['dead'])).deadLetters;
    console.log(`partition netns: on a: router ${JSON.stringify(status.router)}, net dropped ${JSON.stringify(status.net.dropped)}, dead letters ${JSON.stringify({ total: dead.total, byReason: dead.byReason })}, peers ${JSON.stringify(peers.map((p: any) => ({ id: p.id, state: p.state, queuedFrames: p.queuedFrames, sent: p.sent })))}`);
    // Sends to a member declared dead are dead letters here, counted (reason dead, and in the
    // router's staleSends), never queued for a run that will not read them.
    expect(pokedLater).toEqual(['dead', 'dead', 'dead', 'dead']);
    expect(dead.byReason.dead).toBeGreaterThanOrEqual(4);
    expect(status.router.staleSends).toBeGreaterThanOrEqual(4);
    for (const node of MINORITY) expect(peers.find((p: { id: string }) => p.id === node)).toMatchObject({ state: 'down' });
  });

  it('heal: d and e started again rejoin with a higher incarnation, are usable, and the registry agrees', async () => {
    ip('-n', NS.major, 'link', 'set', VETH.major, 'up');
    const healedAt = Date.now();
    await Promise.all(MINORITY.map(start));
    await Promise.all(NODES.map((observer) => until(async () => {
      const v = await pdj(observer, ['cluster', 'members']);
      const ok = v.members.length === 5 && v.members.every((m: { id: Node; status: string; incarnation: number }) =>
        m.status === 'alive' && (!deadIncarnation.has(m.id) || m.incarnation > deadIncarnation.get(m.id)!));
      return ok ? v : null;
    }, `${observer} sees all five alive again`)));
    console.log(`partition netns: all five alive on every node ${Date.now() - healedAt} ms after the heal (restart included)`);
    const replies = await Promise.all(MINORITY.map((small) => until(async () => {
      const run = await pd(['call', '--engine', engineId('a'), '--node', small, 'counter', '{"type":"get"}', '--json'], env, { netns: NS.major });
      return run.code === 0 ? run.json.reply : null;
    }, `a calls the counter on the new ${small}`)));
    expect(replies).toEqual([7, 7]);
    const status = await pdj('a', ['cluster', 'status']);
    const dead = (await pdj('a', ['dead'])).deadLetters;
    console.log(`partition netns: on a after the heal: router ${JSON.stringify(status.router)}, net dropped ${JSON.stringify(status.net.dropped)}, dead letters ${dead.total}`);
    const registries = await Promise.all(NODES.map((node) => pdj(node, ['registry', '--cluster'])));
    // Nothing registered, so nothing to replicate or repair either.
    const untroubled = { repairs: 0, unsent: 0, stale: 0, malformed: 0 };
    expect(registries).toEqual(NODES.map((node) => ({
      nodeId: node, names: [], conflicts: [], configured: [], groups: [], prefixes: [], prefixConflicts: [], replication: { registry: untroubled, groups: untroubled },
    })));
  });
});
