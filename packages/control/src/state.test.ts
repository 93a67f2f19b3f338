/**
 * The state file is the credential: it is never written through a symlink and never into
 * a folder that another user controls (issue #17, item 2).
 */
import { chmod, lstat, mkdir, mkdtemp, readFile, readdir, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ControlError, type EngineState, newToken, openPrivate, prepareStateDir, stateDirProblem, writeState } from '@pd/control';

const state = (id: string): EngineState => ({
  version: 1, id, pid: process.pid, url: 'ws://127.0.0.1:1/', host: '127.0.0.1', port: 1, token: newToken(), startedAt: 0, config: null, log: null,
});

async function refusal(promise: Promise<unknown>): Promise<ControlError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(ControlError);
  return error as ControlError;
}

describe('state files', () => {
  it('a symlink planted where the temporary file goes is not followed', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pd-state-'));
    const victim = join(dir, 'victim.txt');
    await writeFile(victim, 'precious\n', { mode: 0o644 });
    // The name the state file used to be written through.
    await symlink(victim, join(dir, `e1.json.${process.pid}.tmp`));
    const file = await writeState(dir, state('e1'));
    expect(await readFile(victim, 'utf8')).toBe('precious\n');
    expect((await stat(victim)).mode & 0o777).toBe(0o644);
    expect((await lstat(file)).isFile()).toBe(true);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(file, 'utf8')).id).toBe('e1');
  });

  it('a state file name that is a symlink is replaced, not written through', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pd-state-'));
    const victim = join(dir, 'victim.txt');
    await writeFile(victim, 'precious\n', { mode: 0o644 });
    await symlink(victim, join(dir, 'e2.json'));
    const file = await writeState(dir, state('e2'));
    expect(await readFile(victim, 'utf8')).toBe('precious\n');
    expect((await stat(victim)).mode & 0o777).toBe(0o644);
    expect((await lstat(file)).isSymbolicLink()).toBe(false);
  });

  it('a folder others can write to (even with the sticky bit) is refused, naming it, before anything is written', async () => {
    const shared = join(await mkdtemp(join(tmpdir(), 'pd-state-')), 'shared');
    await mkdir(shared);
    await chmod(shared, 0o1777);
    const error = await refusal(writeState(shared, state('e3')));
    expect(error.code).toBe('state/unsafe-dir');
    expect(error.message).toContain(shared);
    expect(error.message).toContain('others can write to it (mode 1777)');
    expect(await readdir(shared)).toEqual([]);
    await chmod(shared, 0o770);
    expect((await refusal(prepareStateDir(shared))).message).toContain('mode 770');
  });

  it('a folder of another user is refused', () => {
    const dir = { mode: 0o40700, uid: 4242, isDirectory: () => true };
    expect(stateDirProblem(dir, 1000)).toBe('it belongs to uid 4242, not to this user (uid 1000)');
    expect(stateDirProblem({ ...dir, uid: 1000 }, 1000)).toBeNull();
    expect(stateDirProblem({ ...dir, uid: 1000, isDirectory: () => false }, 1000)).toBe('it is not a folder');
  });

  it('a missing folder is made private (0700)', async () => {
    const dir = join(await mkdtemp(join(tmpdir(), 'pd-state-')), 'a', 'b');
    await writeState(dir, state('e4'));
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
  });

  it('openPrivate never follows a symlink, not even to append', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pd-state-'));
    const victim = join(dir, 'victim.txt');
    await writeFile(victim, 'precious\n');
    await symlink(victim, join(dir, 'log'));
    await expect(openPrivate(join(dir, 'log'), { append: true })).rejects.toMatchObject({ code: 'ELOOP' });
    await expect(openPrivate(join(dir, 'log'))).rejects.toMatchObject({ code: 'EEXIST' });
    expect(await readFile(victim, 'utf8')).toBe('precious\n');
  });
});
