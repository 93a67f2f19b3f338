/**
 * pd end to end, against what a hostile local user or a careless operator can do (issue
 * #17): refusals that say why, with their own exit status, through the real binary.
 */
import { chmod, mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ControlClient } from '@pd/control';
import { fileURLToPath } from 'node:url';
import { KINDS, configDir, pd, requireBuild } from './helpers.js';

const REGISTRAR = fileURLToPath(new URL('./fixtures/registrar.mjs', import.meta.url));

beforeAll(() => requireBuild());

describe('pd start refuses what would be unsafe or unbounded', () => {
  it('a state folder others can write to: exit 9, naming the folder, nothing written', async () => {
    const made = await configDir({ version: 1, engine: { id: 'shared-dir' } });
    const shared = join(made.dir, 'shared');
    await mkdir(shared);
    await chmod(shared, 0o1777);
    const run = await pd(['start', '--config', made.file, '--detach'], { PD_STATE_DIR: shared }, { timeoutMs: 40_000 });
    expect(run.code).toBe(9);
    expect(run.stderr).toContain(`refusing the state folder ${shared}: others can write to it (mode 1777)`);
    expect(await readdir(shared)).toEqual([]);
    const fg = await pd(['start', '--config', made.file, '--json'], { PD_STATE_DIR: shared }, { timeoutMs: 40_000 });
    expect(fg.code).toBe(9);
    expect(fg.json.error.code).toBe('state/unsafe-dir');
  });

  it('a config nested 1000 levels deep: exit 6 naming the field, not a stack overflow', async () => {
    let node: any = { id: 'leaf', kind: 'echo' };
    for (let i = 0; i < 1000; i++) node = { id: `s${i}`, children: [node] };
    const made = await configDir({ version: 1, engine: { id: 'deep' } });
    await writeFile(made.file, JSON.stringify({ version: 1, engine: { id: 'deep' }, tree: { children: [node] } }));
    const run = await pd(['start', '--config', made.file, '--json'], { PD_STATE_DIR: made.stateDir }, { timeoutMs: 40_000 });
    expect(run.code).toBe(6);
    expect(run.json.error.code).toBe('config/invalid');
    expect(run.json.error.issues).toHaveLength(1);
    expect(run.json.error.issues[0].path).toMatch(/^tree\.children\[0\]\.children/);
    expect(run.json.error.issues[0].message).toContain('nested more than 64 levels deep');
  });
});

describe('pd status against an engine that turns connections away', () => {
  it('says "engine busy" (exit 8), not "no engine", when every slot is taken', async () => {
    const made = await configDir({ version: 1, engine: { id: 'busy' }, control: { maxConnections: 1, maxPendingConnections: 2, handshakeTimeoutMs: 60_000 } });
    const env = { PD_STATE_DIR: made.stateDir };
    const started = await pd(['start', '--config', made.file, '--detach', '--json'], env, { timeoutMs: 40_000 });
    expect(started.code).toBe(0);
    try {
      const state = JSON.parse(await readFile(join(made.stateDir, 'busy.json'), 'utf8'));
      // Every authenticated slot taken.
      const holder = await ControlClient.connect({ url: state.url, token: state.token });
      const full = await pd(['status'], env);
      expect(full.code).toBe(8);
      expect(full.stderr).toContain('engine busy');
      expect(full.stderr).toContain('too many connections (at most 1)');
      await holder.close();
      // Idle sockets without a token fill only their own slots, and pd says so.
      const idle = await Promise.all([0, 1, 2].map(() => idleSocket(state.port)));
      let run = await pd(['status', '--json'], env);
      for (let i = 0; i < 20 && run.code !== 8; i++) run = await pd(['status', '--json'], env);
      expect(run.code).toBe(8);
      expect(run.json.error.code).toBe('conn/busy');
      for (const socket of idle) socket.destroy();
      let ok = await pd(['status', '--json'], env);
      for (let i = 0; i < 20 && ok.code !== 0; i++) ok = await pd(['status', '--json'], env);
      expect(ok.code).toBe(0);
    } finally {
      await pd(['stop', '--engine', 'busy'], env);
    }
  }, 90_000);
});

function idleSocket(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => resolve(socket));
    socket.resume();
    socket.on('error', () => {});
    socket.once('error', reject);
  });
}

describe('operator commands say what they did', () => {
  it('pd spawn waits for the start and reports a failed one (exit 1), naming the cause', async () => {
    const made = await configDir({ version: 1, modules: [KINDS, REGISTRAR], engine: { id: 'spawner' }, tree: { id: 'app', children: [{ id: 'counter', kind: 'counter', register: 'counter' }] } });
    const env = { PD_STATE_DIR: made.stateDir };
    const started = await pd(['start', '--config', made.file, '--detach', '--json'], env, { timeoutMs: 40_000 });
    expect(started.code).toBe(0);
    try {
      const taken = await pd(['spawn', 'registrar', '{"name":"counter"}', '--name', 'dup', '--json'], env);
      expect(taken.code).toBe(1);
      expect(taken.json.error).toMatchObject({ code: 'spawn/failed', data: { cause: 'registry/name-taken', path: '/user/dup' } });
      expect(taken.json.error.message).toContain('/user/dup exited while starting');
      const human = await pd(['spawn', 'registrar', '{"name":"counter"}', '--name', 'dup2'], env);
      expect(human.code).toBe(1);
      expect(human.stderr).toContain('exited while starting');
      const fine = await pd(['spawn', 'echo', '--name', 'fine', '--json'], env);
      expect(fine.code).toBe(0);
      expect(fine.json).toMatchObject({ path: '/user/fine', status: 'running' });
    } finally {
      await pd(['stop', '--engine', 'spawner'], env);
    }
  }, 90_000);
});

describe('an escalation an operator command sets off is reported', () => {
  it('pd kill that makes a supervisor reach its restart intensity says so (json and human)', async () => {
    const made = await configDir({
      version: 1, engine: { id: 'escalate' },
      tree: { id: 'app', intensity: 10, periodMs: 60_000, children: [
        { id: 'keep', kind: 'counter' },
        { id: 'desks', intensity: 1, periodMs: 60_000, children: [{ id: 'd0', kind: 'counter' }, { id: 'd1', kind: 'counter' }] },
      ] },
    });
    const env = { PD_STATE_DIR: made.stateDir };
    const started = await pd(['start', '--config', made.file, '--detach', '--json'], env, { timeoutMs: 40_000 });
    expect(started.code).toBe(0);
    try {
      const first = await pd(['kill', '/user/app/desks/d0', '--json'], env);
      expect(first.code).toBe(0);
      expect(first.json.escalations).toEqual([]);
      const second = await pd(['kill', '/user/app/desks/d1'], env);
      expect(second.code).toBe(0);
      expect(second.stdout).toContain('escalation: /user/app/desks reached its restart intensity');
      expect(second.stdout).toContain('took its whole subtree down');
      const dead = await pd(['dead', '--json'], env);
      expect(JSON.stringify(dead.json)).toContain('reached-max-restart-intensity');
    } finally {
      await pd(['stop', '--engine', 'escalate'], env);
    }
  }, 90_000);
});
