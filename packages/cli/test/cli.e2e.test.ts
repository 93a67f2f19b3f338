/**
 * pd end to end: one real engine process started from a config with `pd start --detach`,
 * every command driven through the real binary with --json, and the JSON checked. Also:
 * a wrong token is refused, the endpoint is not reachable on a non-loopback address, bad
 * configs are refused with the field's path before anything starts.
 */
import { spawn } from 'node:child_process';
import { readFile, stat, writeFile, mkdir } from 'node:fs/promises';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ControlClient } from '@pd/control';
import { BIN, PD_TIMEOUT_MS, ROOT, cleanEnv, configDir, pd, requireBuild, type Run } from './helpers.js';

// Each test runs several pd processes one after another (each a Node start-up): a busy machine
// stretches that to tens of seconds, so a generous limit rather than vitest's 30 s default.
const E2E_TIMEOUT_MS = 2 * PD_TIMEOUT_MS;

const ID = `e2e-${process.pid}`;
let env: Record<string, string>;
let stateDir: string;
let configFile: string;
let started: Run;

const CONFIG = {
  version: 1,
  engine: { id: ID, shutdownDeadlineMs: 1000 },
  tree: {
    id: 'app',
    children: [
      { id: 'counter', kind: 'counter', args: { start: 10 }, register: 'counter' },
      { id: 'workers', strategy: 'one-for-all', children: [{ id: 'echo', kind: 'echo' }, { id: 'ticker', kind: 'ticker', args: { everyMs: 5 } }] },
    ],
  },
  metadata: { suite: 'e2e' },
};

/** `pd ARGS --json` against the shared engine; checks the exit status. */
async function pdj(args: string[], code = 0): Promise<any> {
  const run = await pd([...args, '--json'], env);
  if (run.code !== code) throw new Error(`pd ${args.join(' ')} exited ${run.code} (expected ${code})\nstdout: ${run.stdout}\nstderr: ${run.stderr}`);
  return run.json;
}

beforeAll(async () => {
  requireBuild();
  const made = await configDir(CONFIG);
  stateDir = made.stateDir;
  configFile = made.file;
  env = { PD_STATE_DIR: stateDir };
  started = await pd(['start', '--config', configFile, '--detach', '--json'], env, { timeoutMs: PD_TIMEOUT_MS });
  if (started.code !== 0) throw new Error(`pd start failed (${started.code}): ${started.stdout}${started.stderr}`);
}, 3 * PD_TIMEOUT_MS);

afterAll(async () => {
  const pid = started?.json?.pid;
  if (typeof pid === 'number') {
    try {
      process.kill(pid, 0);
      await pd(['stop', '--engine', ID], env);
    } catch {
      // Already gone.
    }
  }
}, 2 * PD_TIMEOUT_MS);

describe('pd against a real engine', { timeout: E2E_TIMEOUT_MS }, () => {
  it('start --detach reports the ready engine, without its token, and writes a private state file', async () => {
    const s = started.json;
    expect(s).toMatchObject({ ready: true, id: ID, host: '127.0.0.1', config: configFile, stateFile: join(stateDir, `${ID}.json`) });
    expect(s.url).toBe(`ws://127.0.0.1:${s.port}/`);
    expect(s.token).toBeUndefined();
    expect(started.stdout).not.toContain((JSON.parse(await readFile(s.stateFile, 'utf8')) as { token: string }).token);
    expect((await stat(s.stateFile)).mode & 0o777).toBe(0o600);
    expect((await stat(stateDir)).mode & 0o777).toBe(0o700);
  });

  it('status, ps, tree, inspect, registry, children', async () => {
    const [status, ps, tree, byPath, byName, registry, children, schema] = await Promise.all([
      pdj(['status']), pdj(['ps']), pdj(['tree']), pdj(['inspect', '/user/app/counter']), pdj(['inspect', 'counter']),
      pdj(['registry']), pdj(['children', '/user/app/workers']), pdj(['schema']),
    ]);
    expect(status).toMatchObject({ id: ID, status: 'running', pid: started.json.pid, mode: 'single', cores: 1, config: configFile, metadata: { suite: 'e2e' } });
    expect(status.kinds).toEqual(expect.arrayContaining(['counter', 'echo', 'ticker']));
    expect(ps.actors.map((a: any) => a.path)).toEqual(['/user/app', '/user/app/counter', '/user/app/workers', '/user/app/workers/echo', '/user/app/workers/ticker']);
    expect(ps.actors[1]).toMatchObject({ kind: 'counter', status: 'running', mailbox: { depth: 0 }, restarts: 0, names: ['counter'] });
    expect(tree.roots).toHaveLength(1);
    expect(tree.roots[0].children.map((c: any) => c.path)).toEqual(['/user/app/counter', '/user/app/workers']);
    expect(byName.addr).toBe(byPath.addr);
    expect(await pdj(['inspect', byPath.addr])).toMatchObject({ path: '/user/app/counter', kind: 'counter' });
    expect(registry.names).toEqual([{ name: 'counter', addr: byPath.addr, path: '/user/app/counter' }]);
    expect(children.children.map((c: any) => [c.id, c.type, c.status])).toEqual([['echo', 'worker', 'running'], ['ticker', 'worker', 'running']]);
    expect(schema.$id).toBe('urn:pd:config:1');
  });

  it('ps filters by path, status and kind', async () => {
    const [under, byKind, stopping] = await Promise.all([pdj(['ps', '--path', '/user/app/workers']), pdj(['ps', '--kind', 'ticker']), pdj(['ps', '--status', 'stopping'])]);
    expect(under.actors.map((a: any) => a.path)).toEqual(['/user/app/workers', '/user/app/workers/echo', '/user/app/workers/ticker']);
    expect(byKind.actors.map((a: any) => a.path)).toEqual(['/user/app/workers/ticker']);
    expect(stopping).toEqual({ total: 0, actors: [] });
  });

  it('send and call', async () => {
    expect(await pdj(['send', 'counter', '{"type":"inc","by":5}'])).toMatchObject({ result: 'queued' });
    expect(await pdj(['call', 'counter', '{"type":"get"}'])).toMatchObject({ reply: 15 });
    expect(await pdj(['call', '/user/app/workers/echo', '[1,"two",{"three":3}]'])).toMatchObject({ reply: { echo: [1, 'two', { three: 3 }] } });
    const human = await pd(['call', 'counter', '{"type":"get"}'], env);
    expect(human.stdout.trim()).toBe('15');
  });

  it('a crash in a call: the supervisor restarts the actor, dead shows the crash, restart restarts it again', async () => {
    const crash = await pdj(['call', 'counter', '{"type":"crash"}'], 1);
    expect(crash.error).toMatchObject({ code: 'call/crashed' });
    expect(crash.error.message).toContain('counter crashed on purpose');
    const dead = await pdj(['dead']);
    const last = dead.terminated.at(-1);
    expect(last).toMatchObject({ path: '/user/app/counter', kind: 'counter', reason: { type: 'error', text: 'error: Error: counter crashed on purpose' } });
    // Restarted by its supervisor with a fresh state (and its registered name back).
    expect(await pdj(['call', 'counter', '{"type":"get"}'])).toMatchObject({ reply: 10 });
    expect((await pdj(['inspect', 'counter'])).restarts).toBe(1);
    await pdj(['send', 'counter', '{"type":"inc"}']);
    const restarted = await pdj(['restart', '/user/app/counter']);
    expect(restarted).toMatchObject({ path: '/user/app/counter', restarts: 2, previous: { type: 'shutdown' } });
    expect(await pdj(['call', 'counter', '{"type":"get"}'])).toMatchObject({ reply: 10 });
    const children = await pdj(['children', '/user/app']);
    expect(children.children.map((c: any) => [c.id, c.type, c.status, c.restarts])).toEqual([['counter', 'worker', 'running', 2], ['workers', 'supervisor', 'running', 0]]);
  });

  it('spawn, stop and kill an actor', async () => {
    const spawned = await pdj(['spawn', 'echo', '{"x":1}', '--name', 'e1', '--register', 'e1-name']);
    expect(spawned).toMatchObject({ path: '/user/e1', kind: 'echo', status: 'running' });
    expect(await pdj(['call', 'e1-name', '"hi"'])).toMatchObject({ reply: { echo: 'hi' } });
    const stopped = await pdj(['stop', 'e1-name', '--reason', 'done']);
    expect(stopped).toMatchObject({ path: '/user/e1', addr: spawned.addr, reason: { type: 'shutdown', detail: 'done' } });
    const second = await pdj(['spawn', 'echo', '--name', 'e2']);
    expect(await pdj(['kill', '/user/e2'])).toMatchObject({ path: '/user/e2', reason: { type: 'killed' } });
    const late = await pdj(['send', second.addr, '1'], 5);
    expect(late.error.code).toBe('target/unknown');
    const unknownKind = await pdj(['spawn', 'nope'], 1);
    expect(unknownKind.error).toMatchObject({ code: 'spawn/failed', data: { cause: 'spawn/unknown-kind' } });
    expect(unknownKind.error.hint).toContain('known kinds:');
  });

  it('events follows the stream until --count events', async () => {
    const child = spawn(process.execPath, [BIN, 'events', '--json', '--count', '2', '--type', 'spawned', '--type', 'exited', '--path', '/user/ev'], { env: cleanEnv(env) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    const following = new Promise<void>((resolve) => child.stderr.on('data', (d: Buffer) => {
      stderr += d;
      if (stderr.includes('following events')) resolve();
    }));
    const exited = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? -1)));
    await following;
    await pdj(['spawn', 'echo', '--name', 'ev']);
    await pdj(['kill', '/user/ev']);
    expect(await exited).toBe(0);
    const events = stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(events.map((e) => [e.type, e.path])).toEqual([['spawned', '/user/ev'], ['exited', '/user/ev']]);
    expect(events[1].reason).toMatchObject({ type: 'killed', text: 'killed' });
  });

  it('top --once shows the busiest actors with their rates', async () => {
    const top = await pdj(['top', '--once', '--interval', '300']);
    expect(top).toMatchObject({ id: ID, sort: 'rate' });
    expect(top.rows[0]).toMatchObject({ path: '/user/app/workers/ticker' });
    expect(top.rows[0].rate).toBeGreaterThan(0);
    const human = await pd(['top', '--once', '--interval', '100'], env);
    expect(human.stdout).toContain(`pd top — engine ${ID}`);
    expect(human.stdout).toMatch(/\/user\/app\/workers\/ticker\s+ticker/);
  });

  it('doctor checks the environment and the engine', async () => {
    const doctor = await pdj(['doctor']);
    expect(doctor.ok).toBe(true);
    const byName = Object.fromEntries(doctor.checks.map((c: any) => [c.check, c.status]));
    expect(byName).toMatchObject({ node: 'ok', 'state dir': 'ok', [`engine ${ID} state file`]: 'ok', [`engine ${ID} process`]: 'ok', [`engine ${ID} endpoint`]: 'ok', [`engine ${ID} connect`]: 'ok', [`engine ${ID} status`]: 'ok' });
  });

  it('refuses a wrong token with exit 4', async () => {
    const state = JSON.parse(await readFile(join(stateDir, `${ID}.json`), 'utf8'));
    const forged = join(stateDir, '..', 'forged');
    await mkdir(forged, { recursive: true, mode: 0o700 });
    await writeFile(join(forged, `${ID}.json`), JSON.stringify({ ...state, token: 'A'.repeat(43) }), { mode: 0o600 });
    const run = await pd(['status', '--state-dir', forged, '--json'], env);
    expect(run.code).toBe(4);
    expect(run.json.error).toMatchObject({ code: 'conn/bad-token' });
    const doctor = await pd(['doctor', '--state-dir', forged, '--json'], env);
    expect(doctor.code).toBe(1);
    expect(doctor.json.checks.find((c: any) => c.check === `engine ${ID} connect`)).toMatchObject({ status: 'fail' });
  });

  it('is not reachable on a non-loopback address', async (ctx) => {
    const ip = Object.values(networkInterfaces()).flat().find((a) => a !== undefined && a.family === 'IPv4' && !a.internal)?.address;
    if (ip === undefined) {
      ctx.skip('this machine has no non-loopback IPv4 address to try');
      return;
    }
    const state = JSON.parse(await readFile(join(stateDir, `${ID}.json`), 'utf8'));
    const error = await ControlClient.connect({ url: `ws://${ip}:${state.port}/`, token: state.token, timeoutMs: 3000 }).catch((e) => e);
    expect(error).toMatchObject({ code: 'conn/unreachable' });
    expect(error.message).toContain('ECONNREFUSED');
  });

  it('refuses to start a second engine with the same id (exit 7)', async () => {
    const again = await pd(['start', '--config', configFile, '--detach', '--json'], env, { timeoutMs: PD_TIMEOUT_MS });
    expect(again.code).toBe(7);
    expect(again.json.error.code).toBe('engine/already-running');
  });

  it('usage errors exit 2 and say what to do', async () => {
    const unknown = await pd(['frobnicate'], env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command "frobnicate"');
    const badJson = await pd(['send', 'counter', '{nope', '--json'], env);
    expect(badJson.code).toBe(2);
    expect(badJson.json.error.code).toBe('usage');
    const badOption = await pd(['ps', '--colour'], env);
    expect(badOption.code).toBe(2);
    expect(badOption.stderr).toContain("Unknown option '--colour'");
    const help = await pd(['ps', '--help'], env);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('usage: pd ps');
  });

  it('an engine that is not running: exit 3 with a hint', async () => {
    const run = await pd(['status', '--engine', 'nobody-here', '--json'], env);
    expect(run.code).toBe(3);
    expect(run.json.error).toMatchObject({ code: 'conn/no-engine' });
    expect(run.json.error.hint).toContain('pd start');
  });

  it('works as `pnpm pd` from the repository root', async (ctx) => {
    const run = await new Promise<{ code: number; stdout: string } | null>((resolve) => {
      const child = spawn('pnpm', ['--silent', 'pd', 'status', '--json'], { cwd: ROOT, env: cleanEnv(env) });
      let stdout = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d));
      child.on('error', () => resolve(null));
      child.on('close', (code) => resolve({ code: code ?? -1, stdout }));
    });
    if (run === null) {
      ctx.skip('pnpm is not on PATH here, so `pnpm pd` cannot be tried');
      return;
    }
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ id: ID, status: 'running' });
  });

  it('stop ends the engine process and removes its state file', async () => {
    const stopped = await pdj(['stop']);
    // The counter crashed during the run, so its log is kept, and stop says where (#18).
    expect(stopped).toEqual({ stopped: true, id: ID, pid: started.json.pid, log: join(stateDir, `${ID}.log`) });
    await expect(stat(join(stateDir, `${ID}.json`))).rejects.toThrow();
    expect((await pd(['status', '--json'], env)).code).toBe(3);
    const log = await readFile(join(stateDir, `${ID}.log`), 'utf8');
    expect(log).toContain(`engine ${ID} running (pid ${started.json.pid})`);
    // Log records are JSON lines (pino): the crash with its stack, then the exit.
    const records = log.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
    expect(records.filter((r) => r.msg === 'actor /user/app/counter crashed')).toEqual([
      expect.objectContaining({ level: 'error', engine: ID, path: '/user/app/counter', kind: 'counter', reason: 'Error: counter crashed on purpose', stack: expect.stringContaining('Error: counter crashed on purpose\n') }),
    ]);
    expect(records).toContainEqual(expect.objectContaining({ level: 'warn', msg: '/user/app/counter (counter) exited: error: Error: counter crashed on purpose' }));
    expect(log).toContain(`engine ${ID} stopped`);
    expect(log).not.toContain('already running');
  });
});

describe('pd start refuses bad configs before anything starts', { timeout: E2E_TIMEOUT_MS }, () => {
  it('with the path of each offending field (exit 6)', async () => {
    const bad = await configDir({ version: 1, engine: { id: 'bad-one', cores: 'two' }, control: { prot: 1 }, tree: { children: [{ id: 'x', kind: 'cuonter' }] } });
    const run = await pd(['start', '--config', bad.file, '--json'], { PD_STATE_DIR: bad.stateDir });
    expect(run.code).toBe(6);
    expect(run.json.error.code).toBe('config/invalid');
    // Every mistake at once: the kind no module defines is reported with the schema's (#18).
    expect(run.json.error.issues.map((i: any) => i.path).sort()).toEqual(['control.prot', 'engine.cores', 'tree.children[0].kind']);
    await expect(stat(join(bad.stateDir, 'bad-one.json'))).rejects.toThrow();
  });

  it('an unknown kind, named by its path, in human form', async () => {
    const bad = await configDir({ version: 1, engine: { id: 'bad-two' }, tree: { children: [{ id: 's', children: [{ id: 'x', kind: 'cuonter' }] }] } });
    const run = await pd(['start', '--config', bad.file, '--detach'], { PD_STATE_DIR: bad.stateDir });
    expect(run.code).toBe(6);
    expect(run.stderr).toContain('tree.children[0].children[0].kind: unknown kind "cuonter" (known kinds: broken, counter, echo, inbox, recorder, ticker, watcher)');
    await expect(stat(join(bad.stateDir, 'bad-two.json'))).rejects.toThrow();
  });

  it('a tree whose actor dies at start: the engine stops again (exit 1)', async () => {
    const bad = await configDir({ version: 1, engine: { id: 'bad-three' }, tree: { children: [{ id: 'b', kind: 'broken' }] } });
    const run = await pd(['start', '--config', bad.file, '--detach', '--json'], { PD_STATE_DIR: bad.stateDir }, { timeoutMs: PD_TIMEOUT_MS });
    expect(run.code).toBe(1);
    expect(run.json.error.code).toBe('spawn/failed');
    expect(run.json.error.message).toContain('tree.children[0] (/user/root/b): it exited (error: Error: broken on purpose)');
    await expect(stat(join(bad.stateDir, 'bad-three.json'))).rejects.toThrow();
  });
});

describe('pd start --foreground', { timeout: E2E_TIMEOUT_MS }, () => {
  it('runs until SIGTERM, then stops gracefully', async () => {
    const made = await configDir({ version: 1, engine: { id: 'fg' }, tree: { children: [{ id: 'c', kind: 'counter' }] } });
    const child = spawn(process.execPath, [BIN, 'start', '--config', made.file, '--json'], { env: cleanEnv({ PD_STATE_DIR: made.stateDir }) });
    let stdout = '';
    const ready = new Promise<void>((resolve) => child.stdout.on('data', (d: Buffer) => {
      stdout += d;
      if (stdout.includes('\n')) resolve();
    }));
    const exited = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? -1)));
    await ready;
    expect(JSON.parse(stdout.split('\n')[0]!)).toMatchObject({ ready: true, id: 'fg', pid: child.pid });
    const status = await pd(['status', '--json'], { PD_STATE_DIR: made.stateDir });
    expect(status.json).toMatchObject({ id: 'fg', status: 'running', stats: { live: 2 } });
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(JSON.parse(stdout.trim().split('\n').at(-1)!)).toMatchObject({ stopped: true, id: 'fg', actorsStopped: 2, actorsKilled: 0 });
    await expect(stat(join(made.stateDir, 'fg.json'))).rejects.toThrow();
  });
});
