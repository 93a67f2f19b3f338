/**
 * The documentation's examples are code that runs. This suite checks, for every
 * `<!-- example: NAME -->` marker in docs/**\/*.md, that the fenced block under it is
 * exactly docs/examples/NAME.ts (regenerate with `node tools/sync-doc-examples.mjs`);
 * that every example is embedded somewhere; that each example's `main()` runs and returns
 * what the docs say; and that the examples type-check (`tsc -p docs/examples`). A few
 * examples are only type-checked (TYPE_CHECKED_ONLY: they need something a test cannot
 * give them, such as built JavaScript for worker threads).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

const examplesDir = dirname(fileURLToPath(import.meta.url));
const docsDir = join(examplesDir, '..');
const repoRoot = join(docsDir, '..');

const exampleNames = readdirSync(examplesDir)
  .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !f.endsWith('.d.ts'))
  .map((f) => f.slice(0, -'.ts'.length))
  .sort();

function markdownFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const full = join(dir, entry);
    if (statSync(full).isDirectory()) return entry === 'node_modules' ? [] : markdownFiles(full);
    return entry.endsWith('.md') ? [full] : [];
  });
}

/** The same grammar tools/sync-doc-examples.mjs writes. */
const BLOCK = /^<!-- example: ([a-z0-9-]+) -->\n```ts\n([\s\S]*?)^```\n<!-- \/example -->$/gm;
/** Markers stand on lines of their own; one mentioned inside a sentence is prose. */
const OPENING = /^<!-- example:.*$/gm;

interface Embedded { readonly doc: string; readonly name: string; readonly body: string }

const embedded: Embedded[] = [];
const malformed: string[] = [];
for (const file of markdownFiles(docsDir)) {
  const text = readFileSync(file, 'utf8');
  const doc = relative(repoRoot, file);
  const blocks = [...text.matchAll(BLOCK)];
  for (const m of blocks) embedded.push({ doc, name: m[1]!, body: m[2]! });
  const openings = [...text.matchAll(OPENING)];
  if (openings.length !== blocks.length) malformed.push(`${doc}: ${openings.length} example markers, ${blocks.length} well-formed blocks`);
}

describe('docs embed the examples verbatim', () => {
  it('every marker is well formed (opening marker, ```ts fence, closing marker)', () => {
    expect(malformed).toEqual([]);
  });

  it.each(embedded.map((e) => [`${e.doc} ← ${e.name}`, e] as const))('%s', (_label, e) => {
    expect(exampleNames, `${e.doc} embeds "${e.name}", but docs/examples/${e.name}.ts does not exist`).toContain(e.name);
    const file = readFileSync(join(examplesDir, `${e.name}.ts`), 'utf8');
    const source = file.endsWith('\n') ? file : `${file}\n`; // as the sync tool embeds it
    expect(e.body, `${e.doc} is out of date: run node tools/sync-doc-examples.mjs`).toBe(source);
  });

  it('every example is embedded in some doc', () => {
    const used = new Set(embedded.map((e) => e.name));
    expect(exampleNames.filter((n) => !used.has(n))).toEqual([]);
  });
});

/**
 * Examples that are type-checked but not run by themselves, and why. multi-core-main starts
 * worker threads that import the built `kinds.js` next to it (TypeScript source cannot be
 * loaded there; the multi-core suites make the same calls on real threads);
 * multi-core-kinds has no `main` of its own: multi-core-sim runs its kind.
 */
const TYPE_CHECKED_ONLY = new Set(['multi-core-kinds', 'multi-core-main']);
const runnable = exampleNames.filter((n) => !TYPE_CHECKED_ONLY.has(n));

/** What each example's `main()` must return. Every example needs an entry. */
const expectations: Record<string, (result: any) => void> = {
  'hello': (r) => expect(r).toEqual({ total: 5, greeting: 'Hello, Palladium!' }),
  'first-crash': (r) => expect(r).toEqual({ reason: 'error: Error: boom', sendAfter: 'dead', stillRunning: 'running' }),
  'actors-push': (r) => expect(r).toEqual({ replies: ['abc', 'ABC', 'cba', 'cba'], kinds: ['Echo', '(inline)', 'reverse', 'reverse'] }),
  'actors-pull': (r) => expect(r).toEqual([3, 1, 2]),
  'actors-lifecycle': (r) => expect(r).toEqual(['started at /user/conn', 'handled hello', 'stopping: shutdown: maintenance']),
  'actors-async': (r) => expect(r).toEqual([
    'slow start a', 'fast x', 'db a', 'slow end a',
    'slow start b', 'db b', 'slow end b',
    'slow start c', 'db c', 'slow end c',
  ]),
  'actors-hot-swap': (r) => expect(r).toEqual({ before: 2, after: 'v2: 12' }),
  'addresses-typing': (r) => expect(r).toEqual({ type: 'pong', from: '/user/$1' }),
  'addresses-replies': (r) => expect(r).toEqual({ total: 2, shout: 'HI', lookedUp: 2 }),
  'addresses-unforgeable': (r) => expect(r).toEqual({ forged: 'send/not-an-address', sameSlot: true, stale: 'dead', reachedNew: 0 }),
  'addresses-registry': (r) => expect(r).toEqual({
    path: '/user/payments', children: ['/user/payments/ledger'], byName: true, byPath: true,
    underSvc: ['/svc/payment/processor'], sameName: 'registry/name-taken', badName: 'registry/invalid-name', afterExit: undefined,
  }),
  'addresses-client': (r) => expect(r).toEqual({ price: { symbol: 'ACME', cents: 1234 }, timeout: 'receive/timeout', afterClose: 'dead' }),
  'mailboxes-lanes': (r) => expect(r).toEqual({ order: ['high 1', 'normal 1', 'normal 2', 'low 1', 'low 2'], handledBeforeStop: [] }),
  'mailboxes-ttl': (r) => expect(r).toEqual({ got: 'fresh', expired: 1 }),
  'mailboxes-overflow': (r) => expect(r).toEqual({
    results: {
      'drop-newest': ['queued', 'queued', 'dropped'],
      'drop-oldest': ['queued', 'queued', 'queued'],
      'reject': ['queued', 'queued', 'rejected'],
      'backpressure': ['queued', 'queued', 'rejected'],
    },
    handled: { 'drop-newest': [1, 2], 'drop-oldest': [2, 3], 'reject': [1, 2], 'backpressure': [1, 2] },
    waited: 'queued',
    dropped: 2,
    rejected: 2,
  }),
  'mailboxes-dead-letters': (r) => expect(r).toEqual({ result: 'dead', seen: ['dead'], total: 1 }),
  'scheduling-fairness': (r) => {
    expect(r.exit).toBe('normal');
    expect(r.spins).toBeGreaterThan(128); // more than one turn's budget: it was preempted, not starved of work
    expect(r.turns).toBeGreaterThan(1);
  },
  'scheduling-timers': (r) => expect(r).toEqual({ order: ['first', 'second', 'third'], ticks: 3, cancelled: true, late: false }),
  'scheduling-seeded': (r) => {
    expect(r.again).toEqual(r.first);
    expect(r.other).not.toEqual(r.first);
    for (const n of [...r.first, ...r.other]) expect([1, 2, 3, 4, 5, 6]).toContain(n);
  },
  'failure-crash': (r) => expect(r).toEqual({
    parsed: { ok: true }, failure: 'ask/target-exited', thrown: true, phase: 'receive', path: '/user/parser', other: 'still here: hi',
  }),
  'failure-links': (r) => expect(r).toEqual({ plain: 'error: Error: disk full', trapped: 'trapped error: Error: disk full', killed: 'killed' }),
  'failure-monitors': (r) => expect(r).toEqual({ sameRef: true, first: 'normal', late: 'noproc' }),
  'multi-core-sim': (r) => expect(r).toBe(1),
  'federation-groups': (r) => expect(r).toEqual({ members: ['a', 'b'], sent: 2, jobs: [1, 1], afterExit: ['a'] }),
  'federation-prefixes': (r) => expect(r).toEqual({ prefix: '/user/orders', node: 'b', status: 'open', covered: ['b', 'b', '-'] }),
  'federation-two-nodes': (r) => expect(r).toEqual({ count: 3, on: 'b', down: 'noconnection' }),
  'federation-remote-child': (r) => expect(r).toEqual({ first: 'b', afterCrash: 'b', afterCut: 'a', exits: ['noconnection'] }),
  'membership-discovery': (r) => expect(r).toEqual({ members: ['a', 'b', 'c'], seedsOfC: 2, afterStop: [] }),
  'membership-sealed': (r) => expect(r).toEqual({ members: ['a', 'b'], unsealed: 0, bad: 0 }),
  'observability-tracing': (r) => expect(r).toEqual({
    total: 1500, traces: 1,
    names: ['send cart', 'send pricing', 'process pricing', 'send pricing', 'process pricing', 'process cart', 'checkout'],
  }),
  'failure-shutdown': (r) => expect(r).toEqual({
    log: ['web (shutdown: parent-exiting)', 'db (shutdown: parent-exiting)', 'app (shutdown: engine-shutdown)'],
    report: { stopped: 3, killed: 1 },
  }),
};

describe('examples run', () => {
  let printed: unknown[][] = [];
  beforeEach(() => {
    printed = [];
    // Record what the example prints, and let it through: that is what a reader sees.
    const log = console.log.bind(console);
    vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
      printed.push(args);
      log(...args);
    });
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('every example has an expectation here', () => {
    expect(runnable.filter((n) => !(n in expectations))).toEqual([]);
  });

  it.each(runnable)('%s', async (name) => {
    const mod = (await import(`./${name}.ts`)) as { main?: () => Promise<unknown> };
    expect(typeof mod.main, `${name}.ts must export async function main()`).toBe('function');
    const result = await mod.main!();
    expectations[name]?.(result);
    expect(printed.length, `${name} should print what a reader would see`).toBeGreaterThan(0);
  });
});

describe('examples type-check', () => {
  it('tsc -p docs/examples', () => {
    const tsc = join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');
    let output = '';
    try {
      execFileSync(process.execPath, [tsc, '-p', examplesDir], { cwd: repoRoot, encoding: 'utf8', stdio: 'pipe' });
    } catch (error) {
      const e = error as { stdout?: string; stderr?: string };
      output = `${e.stdout ?? ''}${e.stderr ?? ''}` || String(error);
    }
    expect(output).toBe('');
  }, 120_000);
});
