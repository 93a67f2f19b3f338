/**
 * A cluster-name conflict across a real partition of real `pd` processes (issue #13): three
 * engines whose federation runs SWIM with downing off (both sides keep running through the
 * cut), in two Linux network namespaces joined by a veth pair — a and b in one (10.214.0.1),
 * c in the other (10.214.0.2) — and the pair's link set down to cut them 2 | 1 (how pd runs
 * across namespaces: see partition.netns.test.ts).
 *
 * During the cut both sides register the name `leader` with `pd cluster register`: a first,
 * after one other name (`spare`), then c. Each registration is stamped by its node's hybrid
 * logical clock (`clock`: wall-clock milliseconds × 1024 + a counter, moved past every stamp
 * the node hears of): a's leader after its spare, and c's after a's — the nodes share one
 * wall clock, and neither side hears of the other's during the cut. On each side its own
 * holder is the holder. After the heal (link up; SWIM's push-pull with a member it declared
 * dead finds the other side, both refute and come back alive, and the nodes holding names
 * connect and exchange them) exactly one holder remains on every node: a's, the lower
 * (hybrid logical clock, node id). The loser c recorded the conflict (`pd cluster names`:
 * conflicts), emitted a `name-conflict` event (`pd events --type name-conflict` on c,
 * started during the cut), and its holder got the `pd/name-conflict` message (the
 * `recorder` actor answers what it got).
 *
 * Skipped, saying why, unless run as root on Linux with iproute2 (`ip netns add` must work).
 * Nothing here asserts speed: every wait is for a state, bounded only to fail a state that
 * never comes; the times measured are printed.
 */
import { spawnSync } from 'node:child_process';
import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KINDS, PD_TIMEOUT_MS, configDir, pd, requireBuild, until, type Run } from './helpers.js';
import { ip, netnsUnavailable, running } from './netns.js';

type Node = 'a' | 'b' | 'c';
type Side = 'major' | 'minor';
const NODES: readonly Node[] = ['a', 'b', 'c'];
const NS: Record<Side, string> = { major: `pd-cn-a-${process.pid}`, minor: `pd-cn-b-${process.pid}` };
const HOST: Record<Side, string> = { major: '10.214.0.1', minor: '10.214.0.2' };
const VETH: Record<Side, string> = { major: 'pd-cnveth-a', minor: 'pd-cnveth-b' };
const E2E_TIMEOUT_MS = 3 * PD_TIMEOUT_MS;
const TIMING = { probeIntervalMs: 500, probeTimeoutMs: 300, gossipIntervalMs: 100, pushPullIntervalMs: 2000 };

const sideOf = (node: Node): Side => (node === 'c' ? 'minor' : 'major');
const engineId = (node: Node): string => `cn-netns-${node}-${process.pid}`;

const why = netnsUnavailable(`pd-cn-probe-${process.pid}`);
if (why !== null) console.log(`cluster-names.netns.test.ts skipped: ${why}`);

let env: Record<string, string>;
const files = {} as Record<Node, string>;
const pids = new Map<Node, number>();

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
  return {
    version: 1, modules: [KINDS], engine: { id: engineId(node), shutdownDeadlineMs: 60_000 },
    federation: {
      nodeId: node, secretFile: 'cluster.secret', listen: { host: HOST[sideOf(node)], port: 0 },
      membership: { kind: 'swim', seeds, timing: TIMING, downing: { strategy: 'off' } },
    },
    tree: { id: 'app', children: [{ id: 'rec', kind: 'recorder' }] },
  };
}

/** Every name node `observer` knows, as [name, holder node, clock]. */
async function namesOn(observer: Node): Promise<[string, string, number][]> {
  return (await pdj(observer, ['cluster', 'names'])).names.map((n: { name: string; node: string; clock: number }) => [n.name, n.node, n.clock]);
}

async function statusOf(observer: Node, id: Node): Promise<string | undefined> {
  return (await pdj(observer, ['cluster', 'members'])).members.find((m: { id: string }) => m.id === id)?.status;
}

(why === null ? describe : describe.skip)(`pd cluster names across a network-namespace cut 2 | 1${why === null ? '' : ` (skipped: ${why})`}`, { timeout: E2E_TIMEOUT_MS }, () => {
  let events: Promise<Run> | null = null;
  /** The stamps of the registrations during the cut. */
  const clocks = { spare: 0, leaderA: 0, leaderC: 0 };

  beforeAll(async () => {
    requireBuild();
    ip('netns', 'add', NS.major);
    ip('netns', 'add', NS.minor);
    ip('link', 'add', 'name', VETH.major, 'netns', NS.major, 'type', 'veth', 'peer', 'name', VETH.minor, 'netns', NS.minor);
    for (const s of ['major', 'minor'] as const) {
      ip('-n', NS[s], 'addr', 'add', `${HOST[s]}/24`, 'dev', VETH[s]);
      ip('-n', NS[s], 'link', 'set', 'lo', 'up');
      ip('-n', NS[s], 'link', 'set', VETH[s], 'up');
    }
    const made = await configDir({});
    env = { PD_STATE_DIR: made.stateDir };
    for (const node of NODES) files[node] = join(made.dir, `${node}.json`);
    const secret = join(made.dir, 'cluster.secret');
    await writeFile(secret, 'a cluster secret of more than sixteen bytes\n', { mode: 0o600 });
    await chmod(secret, 0o600);
    await writeFile(files.a, JSON.stringify(config('a', [])));
    await start('a');
    const self = (await pdj('a', ['cluster', 'members'])).members[0];
    const seeds = [{ host: HOST.major, port: self.gossip.port }];
    for (const node of ['b', 'c'] as const) await writeFile(files[node], JSON.stringify(config(node, seeds)));
    await Promise.all([start('b'), start('c')]);
  }, 4 * PD_TIMEOUT_MS);

  afterAll(async () => {
    await Promise.all([...pids].map(async ([node, pid]) => {
      if (running(pid)) await pd(['stop', '--engine', engineId(node)], env, { netns: NS[sideOf(node)], timeoutMs: 30_000 }).catch(() => undefined);
      if (running(pid)) process.kill(pid, 'SIGKILL');
    }));
    await events?.catch(() => undefined);
    for (const ns of Object.values(NS)) spawnSync('ip', ['netns', 'del', ns]);
  }, 3 * PD_TIMEOUT_MS);

  it('all three see each other alive, and no names', async () => {
    for (const observer of NODES) {
      await until(async () => {
        const v = await pdj(observer, ['cluster', 'members']);
        return v.members.length === 3 && v.members.every((m: { status: string }) => m.status === 'alive') ? true : null;
      }, `${observer} sees three alive members`);
      expect(await namesOn(observer)).toEqual([]);
    }
  });

  it('during the cut both sides register leader: each side sees its own holder', async () => {
    const cutAt = Date.now();
    ip('-n', NS.major, 'link', 'set', VETH.major, 'down');
    await Promise.all([
      until(async () => ((await statusOf('a', 'c')) === 'dead' ? true : null), 'a declares c dead'),
      until(async () => ((await statusOf('c', 'a')) === 'dead' && (await statusOf('c', 'b')) === 'dead' ? true : null), 'c declares a and b dead'),
    ]);
    console.log(`cluster names netns: both sides declared the other dead ${Date.now() - cutAt} ms after the cut`);
    // Followed on c from now on (the loser's side): the conflict is decided after the heal.
    events = pd(['events', '--type', 'name-conflict', '--count', '1', '--json', '--engine', engineId('c')], env, { netns: NS.minor, timeoutMs: E2E_TIMEOUT_MS });
    // a first, after another name; then c (each command a process of its own: milliseconds later on the shared wall clock).
    const spare = await pdj('a', ['cluster', 'register', 'spare', '/user/app/rec']);
    expect(spare).toMatchObject({ node: 'a', clock: expect.any(Number) });
    const leaderA = await pdj('a', ['cluster', 'register', 'leader', '/user/app/rec']);
    expect(leaderA).toMatchObject({ node: 'a', clock: expect.any(Number) });
    const leaderC = await pdj('c', ['cluster', 'register', 'leader', '/user/app/rec']);
    expect(leaderC).toMatchObject({ node: 'c', clock: expect.any(Number) });
    Object.assign(clocks, { spare: spare.clock, leaderA: leaderA.clock, leaderC: leaderC.clock });
    expect(clocks.leaderA).toBeGreaterThan(clocks.spare);
    expect(clocks.leaderC).toBeGreaterThan(clocks.leaderA);
    const onMajor = [['leader', 'a', clocks.leaderA], ['spare', 'a', clocks.spare]];
    await until(async () => (JSON.stringify(await namesOn('b')) === JSON.stringify(onMajor) ? true : null), 'b sees a hold leader');
    expect(await namesOn('a')).toEqual(onMajor);
    expect(await namesOn('c')).toEqual([['leader', 'c', clocks.leaderC]]);
  });

  it('after the heal exactly one holder remains on every node (the lower clock: a), and the loser c was told', async () => {
    ip('-n', NS.major, 'link', 'set', VETH.major, 'up');
    const healedAt = Date.now();
    for (const observer of NODES) {
      await until(async () => {
        const names = await namesOn(observer);
        return JSON.stringify(names) === JSON.stringify([['leader', 'a', clocks.leaderA], ['spare', 'a', clocks.spare]]) ? true : null;
      }, `${observer} agrees: leader and spare held by a`);
      console.log(`cluster names netns: ${observer} agrees on the holders ${Date.now() - healedAt} ms after the heal`);
    }
    for (const observer of NODES) expect(await statusOf(observer, observer === 'c' ? 'a' : 'c')).toBe('alive');
    // The loser's node recorded it; the others lost nothing.
    const onC = await pdj('c', ['cluster', 'names']);
    expect(onC.conflicts).toEqual([{ name: 'leader', loser: { node: 'c', clock: clocks.leaderC, addr: expect.any(String) }, winner: { node: 'a', clock: clocks.leaderA, addr: expect.any(String) } }]);
    expect((await pdj('a', ['cluster', 'names'])).conflicts).toEqual([]);
    expect((await pdj('b', ['cluster', 'names'])).conflicts).toEqual([]);
    const text = await pd(['cluster', 'names', '--engine', engineId('c')], env, { netns: NS.minor });
    expect(text.stdout).toMatch(new RegExp(`\\nconflicts lost here:\\nNAME +LOSER +WINNER\\nleader +c \\(clock ${clocks.leaderC}\\) +a \\(clock ${clocks.leaderA}\\)\\n$`));
    // The event, streamed by pd events.
    const streamed = await events!;
    expect(streamed.code, streamed.stderr).toBe(0);
    expect(JSON.parse(streamed.stdout.trim())).toMatchObject({ type: 'name-conflict', name: 'leader', loser: { node: 'c', clock: clocks.leaderC }, winner: { node: 'a', clock: clocks.leaderA } });
    // The losing holder got the message (not killed: it still runs and answers).
    const got = (await pdj('c', ['call', '/user/app/rec', '{"type":"got"}'])).reply;
    expect(got).toContainEqual({ type: 'pd/name-conflict', name: 'leader', winner: expect.any(String), winnerNode: 'a' });
    // The name resolves to a's holder everywhere: a send from c reaches a's recorder.
    expect(await pdj('c', ['send', 'leader', '{"hello":"from c"}'])).toMatchObject({ result: 'queued' });
    await until(async () => {
      const r = (await pdj('a', ['call', '/user/app/rec', '{"type":"got"}'])).reply as unknown[];
      return r.some((m) => JSON.stringify(m) === '{"hello":"from c"}') ? true : null;
    }, 'a\'s recorder gets c\'s message to leader');
  });
});
