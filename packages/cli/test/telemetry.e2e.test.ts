/**
 * Observability end to end, on the real demo: `pd start --detach --config
 * apps/demo/demo.config.json` (telemetry and the observer on, ephemeral loopback ports),
 * a known workload through the control plane, then: the Prometheus endpoint named by
 * `pd status --json` (metrics.url) serves the documented metrics with the values the
 * workload implies; /healthz and /readyz answer; the crash is one JSON log line with its
 * stack; and the web observer, driven in headless Chromium, renders the tree, shows a
 * crash as a restart and stops an actor from the page. The screenshot is saved to
 * test-artifacts/observer.png (gitignored).
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ControlClient, connectToEngine } from '@pd/control';
import { createServer } from 'node:net';
import { ROOT, configDir, pd, requireBuild, type Run } from './helpers.js';

const DEMO_CONFIG = join(ROOT, 'apps/demo/demo.config.json');
const GATEWAY = '/user/shop/payments/gateway';
const CHROMIUM = process.env.PD_CHROMIUM ?? '/usr/bin/chromium';
export const SCREENSHOT = join(ROOT, 'test-artifacts/observer.png');
/** How long the page may take to show what must come: a bound on failure only (a loaded CI machine renders slowly). */
const PATIENT = { timeout: 25_000, interval: 100 };

let env: Record<string, string>;
let stateDir: string;
let started: Run;
let client: ControlClient;

beforeAll(async () => {
  requireBuild();
  if (!existsSync(join(ROOT, 'apps/demo/dist/kinds.js'))) throw new Error('apps/demo is not built: run the tests through `npm test` (turbo builds it)');
  stateDir = join(await mkdtemp(join(tmpdir(), 'pd-telemetry-')), 'state');
  env = { PD_STATE_DIR: stateDir };
  started = await pd(['start', '--config', DEMO_CONFIG, '--detach', '--json'], env, { timeoutMs: 40_000 });
  if (started.code !== 0) throw new Error(`pd start failed (${started.code}): ${started.stdout}${started.stderr}`);
  client = (await connectToEngine({ stateDir, engine: 'demo' })).client;
}, 60_000);

afterAll(async () => {
  await client?.close();
  if (typeof started?.json?.pid === 'number') await pd(['stop', '--engine', 'demo'], env).catch(() => {});
});

/** The workload: 50 ledger entries, one totals request, one gateway crash (order 7 is the demo's bug). */
async function workload(): Promise<void> {
  for (let i = 0; i < 50; i++) await client.call('msg.send', { target: 'ledger', message: { type: 'outcome', outcome: 'paid' } });
  const totals = await client.call('msg.call', { target: 'ledger', message: { type: 'totals' } });
  expect(totals.reply.paid).toBe(50);
  await client.call('msg.send', { target: 'payments', message: { type: 'charge', order: 7, cents: 100, attempt: 0 } });
}

async function scrape(url: string): Promise<Map<string, number>> {
  const text = await (await fetch(url)).text();
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    samples.set(line.slice(0, at).replace(/,?otel_scope_name="[^"]*"/, '').replace('{}', ''), Number(line.slice(at + 1)));
  }
  return samples;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = PATIENT.timeout): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('pd start with the demo config (telemetry on)', () => {
  let metricsUrl: string;

  it('reports metrics.url in pd status --json, and serves health beside it', async () => {
    const status = await pd(['status', '--json'], env);
    expect(status.code).toBe(0);
    metricsUrl = status.json.metrics.url;
    expect(metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    expect(started.json.metrics.url).toBe(metricsUrl);
    const base = metricsUrl.replace(/\/metrics$/, '');
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready' });
    expect((await fetch(`${base}/nope`)).status).toBe(404);
  });

  it('the Prometheus endpoint has the documented metrics with the workload\'s values', async () => {
    await workload();
    const m = await until('the gateway restart in the metrics', async () => {
      const s = await scrape(metricsUrl);
      return (s.get('pd_actor_restarted_total{pd_actor_kind="payment-gateway"}') ?? 0) >= 1 ? s : undefined;
    });
    expect(m.get('target_info{service_name="pd",service_instance_id="demo",pd_engine_id="demo"}')).toBe(1);
    expect(m.get('pd_actor_spawn_total{pd_actor_kind="ledger"}')).toBe(1);
    expect(m.get('pd_actor_spawn_total{pd_actor_kind="payment-gateway"}')).toBe(2);
    expect(m.get('pd_actor_restarted_total{pd_actor_kind="payment-gateway"}')).toBe(1);
    expect(m.get('pd_actor_failure_total{pd_actor_kind="payment-gateway",pd_crash_phase="receive"}')).toBe(1);
    expect(m.get('pd_actor_stopped_total{pd_actor_kind="payment-gateway",pd_exit_reason="error"}')).toBe(1);
    expect(m.get('pd_supervisor_restart_total{messaging_system="pd"}')).toBe(1);
    expect(m.get('pd_actor_live{pd_actor_kind="ledger"}')).toBe(1);
    expect(m.get('pd_actor_live{pd_actor_kind="payment-gateway"}')).toBe(1);
    expect(m.get('pd_actor_mailbox_length{pd_actor_kind="ledger"}')).toBe(0);
    expect(m.get('pd_message_handled_total{messaging_system="pd"}')).toBeGreaterThanOrEqual(52);
    expect(m.get('pd_deadletter_total{pd_deadletter_reason="unknown"}')).toBe(0);
    expect(m.get('pd_timer_active{messaging_system="pd"}')).toBeGreaterThanOrEqual(2);
    expect(m.get('pd_ask_pending{messaging_system="pd"}')).toBe(0);
    expect(m.get('pd_scheduler_turns_total{messaging_system="pd"}')).toBeGreaterThan(0);
    expect(m.get('pd_ask_started_total{messaging_system="pd"}')).toBeGreaterThanOrEqual(0);
    expect(m.get('pd_ask_timeout_total{messaging_system="pd"}')).toBeGreaterThanOrEqual(0);
    // The histograms time one message in 1024, the engine's first among them.
    const timed = (name: string) => [...m].filter(([k]) => k.startsWith(`${name}{`)).reduce((n, [, v]) => n + v, 0);
    expect(timed('pd_actor_message_duration_count')).toBeGreaterThanOrEqual(1);
    expect(timed('pd_actor_mailbox_time_count')).toBeGreaterThanOrEqual(1);
  });

  it('the crash is one JSON log line with path, kind, reason and stack', async () => {
    await until('the crash log line', async () => ((await crashLines()).length >= 1 ? true : undefined));
    const lines = await crashLines();
    expect(lines).toHaveLength(1);
    const [crash] = lines;
    expect(crash).toMatchObject({ level: 'error', engine: 'demo', path: GATEWAY, kind: 'payment-gateway', phase: 'receive', reason: 'Error: card network timeout for order 7 (unhandled)' });
    expect(typeof crash.time).toBe('string');
    expect(crash.stack).toMatch(/^Error: card network timeout for order 7 \(unhandled\)\n\s+at PaymentGateway\.receive/);
  });

  it('pd dead --json carries the stack of the crash', async () => {
    const dead = await pd(['dead', '--json', '--path', GATEWAY], env);
    expect(dead.code).toBe(0);
    const crash = dead.json.terminated.find((t: any) => t.reason.type === 'error');
    expect(crash.reason.error.stack).toContain('at PaymentGateway.receive');
  });

  describe('the web observer in headless Chromium', () => {
    it('renders the tree, shows a crash as a restart, and stops an actor from the page', async (ctx) => {
      if (!existsSync(CHROMIUM)) return ctx.skip(`no Chromium at ${CHROMIUM}: install Debian's chromium (.ci/run does) or set PD_CHROMIUM`);
      const { chromium } = await import('playwright-core');
      const observer = await pd(['observer', '--json'], env);
      expect(observer.code).toBe(0);
      expect(observer.json.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/observer\/#token=/);
      await client.call('actor.spawn', { kind: 'stock-keeper', name: 'scratch' });
      const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
      try {
        const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
        const errors: string[] = [];
        page.on('pageerror', (e) => errors.push(e.message));
        await page.goto(observer.json.url);
        // The tree renders, with the restart of the first crash.
        const gateway = page.locator(`#tree li[data-path="${GATEWAY}"] > span`);
        await gateway.waitFor(PATIENT);
        await expect.poll(() => page.locator('#tree li[data-path="/user/shop"]').count(), PATIENT).toBe(1);
        await expect.poll(() => gateway.locator('.badge.restarts').textContent(), PATIENT).toBe('1 restart');
        // A second crash shows up as a second restart, in the tree and in top.
        await client.call('msg.send', { target: 'payments', message: { type: 'charge', order: 57, cents: 100, attempt: 0 } });
        await expect.poll(() => gateway.locator('.badge.restarts').textContent(), PATIENT).toBe('2 restarts');
        await expect.poll(() => page.locator(`#top tr[data-path="${GATEWAY}"] td.restarts`).textContent(), PATIENT).toBe('2');
        // Details of an actor, with its recent exits.
        await gateway.click();
        await expect.poll(() => page.locator('#details-path').textContent(), PATIENT).toBe(GATEWAY);
        await expect.poll(() => page.locator('#details-exits li').count(), PATIENT).toBe(2);
        // Stop from the page: the actor exits, and leaves the tree.
        await page.locator('#top tr[data-path="/user/scratch"] button.stop').click();
        await until('/user/scratch to exit', async () => {
          const t = await client.call('actor.terminated', { path: '/user/scratch' });
          return t.total === 1 ? t : undefined;
        });
        await expect.poll(() => page.locator('#tree li[data-path="/user/scratch"]').count(), PATIENT).toBe(0);
        expect((await client.call('actor.terminated', { path: '/user/scratch' })).terminated[0].reason.type).toBe('shutdown');
        await page.locator('#chart-rate').waitFor();
        await mkdir(join(ROOT, 'test-artifacts'), { recursive: true });
        await page.screenshot({ path: SCREENSHOT, fullPage: true });
        expect(errors).toEqual([]);
      } finally {
        await browser.close();
      }
    }, 180_000);
  });
});

describe('pd start with telemetry refuses cleanly', () => {
  it('a bad config binds no metrics port and the process ends (exit 6)', async () => {
    const bad = await configDir({ version: 1, engine: { id: 'tel-bad' }, telemetry: { enabled: true, metrics: { port: 0 } }, tree: { children: [{ id: 'x', kind: 'nope' }] } });
    const run = await pd(['start', '--foreground', '--config', bad.file, '--state-dir', bad.stateDir], {}, { timeoutMs: 30_000 });
    expect(run.code).toBe(6);
    expect(run.stderr).toContain('unknown kind "nope"');
  });

  it('a metrics port in use is an error that says so, and the engine does not start', async () => {
    const blocker = createServer();
    const port = await new Promise<number>((resolve) => blocker.listen(0, '127.0.0.1', () => resolve((blocker.address() as { port: number }).port)));
    try {
      const cfg = await configDir({ version: 1, engine: { id: 'tel-busy' }, telemetry: { enabled: true, metrics: { port } } });
      const run = await pd(['start', '--foreground', '--config', cfg.file, '--state-dir', cfg.stateDir], {}, { timeoutMs: 30_000 });
      expect(run.code).not.toBe(0);
      expect(run.stderr).toContain(`telemetry: cannot serve metrics and health on 127.0.0.1:${port}: the address is in use`);
      expect(existsSync(join(cfg.stateDir, 'tel-busy.json'))).toBe(false);
    } finally {
      blocker.close();
    }
  });
});

async function crashLines(): Promise<any[]> {
  const log = await readFile(join(stateDir, 'demo.log'), 'utf8');
  return log.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l)).filter((r) => r.msg === `actor ${GATEWAY} crashed`);
}
