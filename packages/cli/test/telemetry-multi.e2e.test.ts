/**
 * Telemetry of a multi-core engine end to end: `pd start --detach` boots `engine.mode:
 * "multi"` with two cores and telemetry on (an ephemeral loopback port); the counter lives on
 * core 1 (a worker thread). After a known workload through the control plane — 100 increments,
 * a read, a crash (its supervisor restarts it on core 1) — the one Prometheus endpoint that
 * `pd status --json` names serves core 1's metrics, labelled `pd_core="1"`, with the values the
 * workload implies; and the crash on core 1 is one JSON line of `pd start`'s pino log, with
 * its stack and `core: 1` (the worker's report goes through core 0's logger).
 *
 * Nothing here depends on speed: every step waits for the answer of the one before, and the
 * scrape is retried until core 1's counts show (a bound only for counts that never come).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ControlClient, connectToEngine } from '@pd/control';
import { PD_TIMEOUT_MS, configDir, pd, requireBuild, until, type Run } from './helpers.js';

const ID = `multi-telemetry-${process.pid}`;
let env: Record<string, string>;
let stateDir: string;
let started: Run;
let client: ControlClient;

const CONFIG = {
  version: 1,
  engine: { id: ID, mode: 'multi', cores: 2, shutdownDeadlineMs: 60_000, placement: { kinds: { counter: { core: 1 } } } },
  telemetry: { enabled: true, metrics: { host: '127.0.0.1', port: 0 } },
  tree: { id: 'app', children: [{ id: 'counter', kind: 'counter', register: 'counter' }] },
};

beforeAll(async () => {
  requireBuild();
  const made = await configDir(CONFIG);
  stateDir = made.stateDir;
  env = { PD_STATE_DIR: stateDir };
  started = await pd(['start', '--config', made.file, '--detach', '--json'], env);
  if (started.code !== 0) throw new Error(`pd start failed (${started.code}): ${started.stdout}${started.stderr}`);
  client = (await connectToEngine({ stateDir, engine: ID })).client;
}, 3 * PD_TIMEOUT_MS);

afterAll(async () => {
  await client?.close();
  if (typeof started?.json?.pid === 'number') await pd(['stop', '--engine', ID], env).catch(() => {});
}, 2 * PD_TIMEOUT_MS);

/** The value of the series `name` whose labels include all of `labels`, or undefined. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    const m = /^([a-z_]+)\{([^}]*)\} (\S+)$/.exec(line);
    if (m === null || m[1] !== name) continue;
    if (Object.entries(labels).every(([k, v]) => m[2]!.includes(`${k}="${v}"`))) return Number(m[3]);
  }
  return undefined;
}

describe('pd start, multi-core, telemetry on', { timeout: 4 * PD_TIMEOUT_MS }, () => {
  it('serves the metrics of the actors on core 1 on the one endpoint, labelled by core', async () => {
    const status = await pd(['status', '--json'], env);
    expect(status.code).toBe(0);
    const url: string = status.json.metrics.url;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    for (let i = 0; i < 100; i++) await client.call('msg.send', { target: 'counter', message: { type: 'inc' } });
    expect((await client.call('msg.call', { target: 'counter', message: { type: 'get' } })).reply).toBe(100);
    await client.call('msg.send', { target: 'counter', message: { type: 'crash' } });
    const counter = { pd_actor_kind: 'counter', pd_core: '1' };
    const text = await until(async () => {
      const body = await (await fetch(url)).text();
      return sample(body, 'pd_actor_spawn_total', counter) === 2 && sample(body, 'pd_actor_live', counter) === 1 ? body : null;
    }, 'the restarted counter in the metrics of core 1');
    expect(sample(text, 'pd_actor_failure_total', { ...counter, pd_crash_phase: 'receive' })).toBe(1);
    expect(sample(text, 'pd_message_handled_total', { pd_core: '1' })).toBeGreaterThanOrEqual(101); // the increments and the read (the crash is a failure)
    expect(sample(text, 'pd_actor_message_duration_count', counter)).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'pd_core_messages_in_total', { pd_core: '1' })).toBeGreaterThanOrEqual(102); // the crash's message too
    // Core 0 runs the supervisors, not the counter.
    expect(sample(text, 'pd_actor_live', { pd_actor_kind: 'counter', pd_core: '0' })).toBeUndefined();
    expect(sample(text, 'pd_actor_live', { pd_core: '0' })).toBeGreaterThanOrEqual(1);
  });

  it('logs the crash on core 1 as one JSON record of the engine\'s pino log, with the stack and the core', async () => {
    // The crash was caused by the test above; its record reaches the log file through core 0.
    const crashes = (records: Record<string, unknown>[]) => records.filter((r) => r.msg === 'actor /user/app/counter crashed');
    const { log, records } = await until(async () => {
      const text = await readFile(join(stateDir, `${ID}.log`), 'utf8').catch(() => '');
      const parsed = text.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
      return crashes(parsed).length > 0 ? { log: text, records: parsed } : null;
    }, 'the crash record in the engine log');
    expect(crashes(records)).toEqual([
      expect.objectContaining({
        level: 'error', engine: ID, core: 1, path: '/user/app/counter', kind: 'counter', phase: 'receive', reason: 'Error: counter crashed on purpose',
        stack: expect.stringContaining('Error: counter crashed on purpose\n'),
      }),
    ]);
    // Not also the worker's own report on stderr (the default logger's text).
    expect(log).not.toContain('pd: actor /user/app/counter');
  });
});
