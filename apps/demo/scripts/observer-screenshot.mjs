#!/usr/bin/env node
// The README's picture of the cluster demo: the web observer of a surviving node while
// another node is down, taken in headless Chromium (as the observer's browser test does,
// packages/cli/test/telemetry.e2e.test.ts). Runs the built cluster demo in this process,
// waits for the first fault, and photographs the observer of the node that took over the
// killed node's desk, before the killed node has rejoined and taken it back.
//
//   node apps/demo/scripts/observer-screenshot.mjs [out.png]   (default docs/images/demo-observer.png)
//
// Needs a build (`npm run setup`) and Chromium (PD_CHROMIUM, default /usr/bin/chromium).
/* global console, process */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { observerUrl, readState } from '@pd/control';
import { runClusterDemo } from '../dist/cluster.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const out = resolve(process.argv[2] ?? join(root, 'docs', 'images', 'demo-observer.png'));
const stateDir = await mkdtemp(join(tmpdir(), 'pd-demo-shot-'));
const browser = await chromium.launch({ executablePath: process.env.PD_CHROMIUM ?? '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
let shot = null;
let taken = false;
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
  const take = async (node, role) => {
    const state = await readState(stateDir, `demo-${node}`);
    await page.goto(observerUrl(state.url, state.token));
    await page.locator(`#tree li[data-path="/user/${role}"]`).waitFor({ timeout: 20_000 });
    await page.waitForTimeout(1500); // a few samples in the charts
    await mkdir(dirname(out), { recursive: true });
    await page.screenshot({ path: out });
    taken = true;
    console.log(`screenshot of node ${node}'s observer (it hosts ${role} while its home node is down): ${out}`);
  };
  await runClusterDemo({
    durationMs: 20_000, faultEveryMs: 4000, stateDir, cores: 1, // single-core nodes: the desks are desk-a, desk-b, desk-c, as in the README's caption
    say: (line) => {
      console.log(line);
      const m = /restarted (desk-\w+) on node (\w+)/.exec(line);
      if (m !== null && shot === null) shot = take(m[2], m[1]);
    },
  });
  await shot;
} finally {
  await browser.close();
  await rm(stateDir, { recursive: true, force: true });
}
if (!taken) {
  console.error('no screenshot: no node failure happened in the run');
  process.exit(1);
}
