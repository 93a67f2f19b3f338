/**
 * Nodes in separate processes over loopback TCP: this process is node `a`, two child
 * processes (fixtures/node.mjs, running the built packages) are `b` and `c`. Spawn, ask
 * and relays across the three; killing a process gives every link and monitor on it
 * `noconnection`; restarting it (a new incarnation on the same port) makes its old
 * addresses dead letters. Waits are for observable conditions, never durations.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { type AnyAddr, type Context, Down, Exit, ExitSignal } from '@pd/actor';
import type { Engine } from '@pd/runtime';
import { type FederationNode, startNode } from '@pd/federation';

const SECRET = 'multi-process-secret-0123456789';
const FIXTURE = fileURLToPath(new URL('./fixtures/node.mjs', import.meta.url));
const BUILT = ['actor', 'transport', 'runtime', 'federation'].map((p) => fileURLToPath(new URL(`../../${p}/dist/index.js`, import.meta.url)));

const children = new Set<ChildProcess>();
const closers: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  for (const close of closers.reverse()) await close().catch(() => undefined);
});

interface Child {
  readonly process: ChildProcess;
  readonly port: number;
  readonly incarnation: number;
  readonly pid: number;
}

/** Starts a node process; resolves with its port and incarnation once it listens. */
function startChild(options: object): Promise<Child> {
  const missing = BUILT.filter((f) => !existsSync(f));
  if (missing.length > 0) throw new Error(`${missing.join(', ')} missing: build first (\`pnpm --filter @pd/federation... build\`, or run the tests through \`npm test\`)`);
  const child = spawn(process.execPath, [FIXTURE, JSON.stringify(options)], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.add(child);
  child.on('exit', () => children.delete(child));
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (chunk: string) => {
      out += chunk;
      const line = out.indexOf('\n');
      if (line >= 0) resolve({ process: child, ...(JSON.parse(out.slice(0, line)) as { port: number; incarnation: number; pid: number }) });
    });
    child.on('exit', (code) => reject(new Error(`node process exited (${code}) before it listened: ${out}`)));
  });
}

function killed(child: Child): Promise<void> {
  return new Promise((resolve) => {
    child.process.once('exit', () => resolve());
    child.process.kill('SIGKILL');
  });
}

async function until(engine: Engine, condition: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const start = engine.reactor.now();
  while (!condition()) {
    if (engine.reactor.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise<void>((resolve) => engine.reactor.setTimer(5, resolve));
  }
}

/** A local actor that records what it gets and links or monitors on command. */
function recorder(engine: Engine): { addr: AnyAddr; seen: unknown[] } {
  const seen: unknown[] = [];
  const addr = engine.spawn({
    receive(m: unknown, ctx: Context) {
      if (typeof m === 'object' && m !== null && 'watch' in m) {
        const target = (m as { watch: AnyAddr }).watch;
        ctx.monitor(target);
        ctx.link(target);
        return 'watching';
      }
      seen.push(m);
      return undefined;
    },
  }, { trapExits: true });
  return { addr, seen };
}

describe('federation across processes', () => {
  it('three processes: spawn, ask and relay across; a killed node is noconnection; its restart makes old addresses dead letters', { timeout: 120_000 }, async () => {
    const common = { cluster: 'mp', secret: SECRET, requestTimeoutMs: 30_000, limits: { reconnectMinMs: 20, reconnectMaxMs: 200 } };
    const c = await startChild({ ...common, nodeId: 'c', listen: { host: '127.0.0.1', port: 0 } });
    const bOptions = (port: number): object => ({ ...common, nodeId: 'b', listen: { host: '127.0.0.1', port }, peers: [{ id: 'c', host: '127.0.0.1', port: c.port }] });
    const b = await startChild(bOptions(0));
    const a: FederationNode = await startNode({
      federation: { ...common, nodeId: 'a', peers: [{ id: 'b', host: '127.0.0.1', port: b.port }, { id: 'c', host: '127.0.0.1', port: c.port }] },
      engine: { id: 'a', askTimeoutMs: 30_000 },
    });
    closers.push(() => a.stop({ deadlineMs: 200 }));

    const echoC = await a.federation.spawn('echo', { node: 'c' });
    const echoB = await a.federation.spawn('echo', { node: 'b', register: 'echo' });
    expect([echoB.node, echoC.node]).toEqual([b.incarnation, c.incarnation]);
    expect(await a.engine.ask(echoB, 'hi b')).toEqual({ echo: 'hi b', pid: b.pid });
    expect(await a.engine.ask(echoC, 'hi c')).toEqual({ echo: 'hi c', pid: c.pid });
    expect((await a.federation.whereis('echo', { node: 'b' }))?.equals(echoB)).toBe(true);
    // b asks c on a's behalf: c's address crossed in a message, b routes it to c.
    const relay = await a.federation.spawn('relay', { node: 'b' });
    expect(await a.engine.ask(relay, { op: 'ask', to: echoC, message: 'via b' })).toEqual({ relayed: { echo: 'via b', pid: c.pid } });

    // A relay that crashes: the monitor and link from a carry its exit reason.
    const crashing = await a.federation.spawn('relay', { node: 'c' });
    const onCrash = recorder(a.engine);
    await a.engine.ask(onCrash.addr, { watch: crashing });
    a.engine.send(crashing, { op: 'crash' });
    await until(a.engine, () => onCrash.seen.some((m) => m instanceof Down) && onCrash.seen.some((m) => m instanceof ExitSignal), 'the crash across');
    const crashDown = onCrash.seen.find((m): m is Down => m instanceof Down)!;
    expect(crashDown.reason.type).toBe('error');

    // Kill b's process: links and monitors on it are noconnection, c is untouched.
    const onB = recorder(a.engine);
    const onC = recorder(a.engine);
    await a.engine.ask(onB.addr, { watch: echoB });
    await a.engine.ask(onC.addr, { watch: echoC });
    await until(a.engine, () => a.federation.stats().books.watching === 2, 'the monitors');
    await killed(b);
    await until(a.engine, () => onB.seen.some((m) => m instanceof Down) && onB.seen.some((m) => m instanceof ExitSignal), 'noconnection from b');
    expect(onB.seen.find((m): m is Down => m instanceof Down)!.reason).toEqual(Exit.noconnection);
    expect(onB.seen.find((m): m is ExitSignal => m instanceof ExitSignal)!.reason).toEqual(Exit.noconnection);
    expect(onC.seen).toEqual([]);
    expect(await a.engine.ask(echoC, 'still there')).toEqual({ echo: 'still there', pid: c.pid });

    // b restarts on the same port: a new incarnation; its old addresses reach nobody.
    const b2 = await startChild(bOptions(b.port));
    expect(b2.incarnation).not.toBe(b.incarnation);
    const echoB2 = await a.federation.spawn('echo', { node: 'b' });
    expect(echoB2.node).toBe(b2.incarnation);
    expect(a.engine.send(echoB, 'to the old b')).toBe('dead');
    await expect(a.engine.ask(echoB, 'old')).rejects.toMatchObject({ code: 'ask/target-exited' });
    expect(await a.engine.ask(echoB2, 'new b')).toEqual({ echo: 'new b', pid: b2.pid });
    expect(a.federation.stats().peers.find((p) => p.id === 'b')).toMatchObject({ state: 'up', incarnation: b2.incarnation });
  });
});
