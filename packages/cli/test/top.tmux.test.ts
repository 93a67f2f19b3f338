/**
 * `pd top` in a real terminal: run it under tmux against a real engine, read the screen
 * with capture-pane, press keys with send-keys. Skips (saying so) when tmux is absent; CI
 * installs it (.ci/run).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, PD_TIMEOUT_MS, configDir, pd, requireBuild } from './helpers.js';

const HAS_TMUX = spawnSync('tmux', ['-V'], { encoding: 'utf8' }).status === 0;
const SOCKET = `pd-top-test-${process.pid}`;
const ID = `top-${process.pid}`;
let env: Record<string, string>;
let statusFile: string;

function tmux(...args: string[]): string {
  const r = spawnSync('tmux', ['-L', SOCKET, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`tmux ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

const screen = (session = 'top') => tmux('capture-pane', '-p', '-t', session);

/** Poll the screen until `ok` holds (at most 60 s: a busy machine is slow to start pd top); returns the last screen. */
async function waitForScreen(ok: (text: string) => boolean, what: string, session = 'top'): Promise<string> {
  const until = Date.now() + 60_000;
  let text = '';
  while (Date.now() < until) {
    text = screen(session);
    if (ok(text)) return text;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`pd top never showed ${what}; the screen was:\n${text}`);
}

/** The data rows of the table on the screen: [path, kind, status, mailbox, rate, handled, restarts]. */
function rows(text: string): string[][] {
  const lines = text.split('\n');
  const header = lines.findIndex((l) => l.startsWith('PATH'));
  return lines.slice(header + 1).filter((l) => l.startsWith('/')).map((l) => l.trim().split(/\s+/));
}

describe.skipIf(!HAS_TMUX)('pd top in a terminal (tmux)', { timeout: 3 * PD_TIMEOUT_MS }, () => {
  beforeAll(async () => {
    requireBuild();
    const made = await configDir({
      version: 1, engine: { id: ID, shutdownDeadlineMs: 500 },
      tree: { id: 'app', children: [{ id: 'workers', children: [{ id: 'ticker', kind: 'ticker', args: { everyMs: 5 } }, { id: 'echo', kind: 'echo' }] }, { id: 'inbox', kind: 'inbox', register: 'inbox' }] },
    });
    env = { PD_STATE_DIR: made.stateDir };
    const started = await pd(['start', '--config', made.file, '--detach'], env, { timeoutMs: PD_TIMEOUT_MS });
    if (started.code !== 0) throw new Error(`pd start failed: ${started.stdout}${started.stderr}`);
    for (let i = 0; i < 3; i++) await pd(['send', 'inbox', `{"n":${i}}`], env);
    statusFile = join(made.dir, 'top.status');
    // The shell records pd top's exit status in a file: tmux's own record of it can lag.
    tmux('new-session', '-d', '-s', 'top', '-x', '140', '-y', '30',
      `env PD_STATE_DIR='${made.stateDir}' '${process.execPath}' '${BIN}' top --engine ${ID} --interval 200; echo $? > '${statusFile}'`);
    tmux('set-option', '-t', 'top', 'remain-on-exit', 'on');
  }, 3 * PD_TIMEOUT_MS);

  afterAll(async () => {
    spawnSync('tmux', ['-L', SOCKET, 'kill-server']);
    if (env !== undefined) await pd(['stop', '--engine', ID], env);
  }, 2 * PD_TIMEOUT_MS);

  it('draws the busiest actors and refreshes in place', async () => {
    const first = await waitForScreen((t) => t.includes(`pd top — engine ${ID}`) && rows(t).length === 5 && Number(rows(t)[0]![4]) > 0, 'five actors with a rate');
    expect(first).toContain('sort: rate');
    expect(rows(first)[0]!.slice(0, 3)).toEqual(['/user/app/workers/ticker', 'ticker', 'running']);
    const handled = Number(rows(first)[0]![5]);
    const later = await waitForScreen((t) => rows(t).length === 5 && Number(rows(t)[0]![5]) > handled, 'a higher handled count');
    // One frame on the screen, redrawn where it was: the header once, the table once.
    expect(later.split('\n').filter((l) => l.startsWith('pd top — engine')).length).toBe(1);
    expect(later.split('\n').filter((l) => l.startsWith('PATH')).length).toBe(1);
    expect(later.split('\n')[0]).toMatch(/^pd top — engine/);
  });

  it('sorts by mailbox depth on "m" and by rate again on "r"', async () => {
    tmux('send-keys', '-t', 'top', 'm');
    const byMailbox = await waitForScreen((t) => t.includes('sort: mailbox'), 'the mailbox sort');
    expect(rows(byMailbox)[0]!.slice(0, 4)).toEqual(['/user/app/inbox', 'inbox', 'suspended', '3']);
    tmux('send-keys', '-t', 'top', 'r');
    const byRate = await waitForScreen((t) => t.includes('sort: rate'), 'the rate sort');
    expect(rows(byRate)[0]![0]).toBe('/user/app/workers/ticker');
  });

  it('quits on "q" with status 0 and restores the screen', async () => {
    tmux('send-keys', '-t', 'top', 'q');
    const until = Date.now() + 60_000;
    while (!existsSync(statusFile) && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
    expect(readFileSync(statusFile, 'utf8').trim()).toBe('0');
    expect(screen()).not.toContain('sort: rate');
  });

  it('--limit 2 draws only the two busiest actors, frame after frame', async () => {
    const limitedStatus = `${statusFile}.limit`;
    tmux('new-session', '-d', '-s', 'top-limit', '-x', '140', '-y', '30',
      `env PD_STATE_DIR='${env.PD_STATE_DIR}' '${process.execPath}' '${BIN}' top --engine ${ID} --interval 200 --limit 2; echo $? > '${limitedStatus}'`);
    tmux('set-option', '-t', 'top-limit', 'remain-on-exit', 'on');
    // Five actors, a 30-line terminal: only --limit keeps the table at two rows.
    const first = await waitForScreen((t) => t.includes(`pd top — engine ${ID}`) && rows(t).length > 0 && Number(rows(t)[0]![4]) > 0, 'the busiest actor with a rate', 'top-limit');
    expect(rows(first)).toHaveLength(2);
    expect(rows(first)[0]![0]).toBe('/user/app/workers/ticker');
    const handled = Number(rows(first)[0]![5]);
    const later = await waitForScreen((t) => rows(t).length > 0 && Number(rows(t)[0]![5]) > handled, 'a higher handled count', 'top-limit');
    expect(rows(later)).toHaveLength(2);
    tmux('send-keys', '-t', 'top-limit', 'q');
    const until = Date.now() + 60_000;
    while (!existsSync(limitedStatus) && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
    expect(readFileSync(limitedStatus, 'utf8').trim()).toBe('0');
  });
});

describe.skipIf(HAS_TMUX)('pd top in a terminal', () => {
  it.skip('needs tmux, which is not installed here (apt-get install -y tmux); CI installs it', () => {});
});
