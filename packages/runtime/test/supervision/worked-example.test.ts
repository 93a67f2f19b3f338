/**
 * The worked example of docs/supervision.md runs (on engine time) and the doc shows it verbatim.
 */
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { manualHarness } from './harness.js';
import { main } from './worked-example.js';

const SOURCE = 'packages/runtime/test/supervision/worked-example.ts';

it('a tree survives a crashing dependency (docs/supervision.md)', async () => {
  const h = manualHarness();
  let result: Awaited<ReturnType<typeof main>> | undefined;
  void main(h.engine).then((r) => {
    result = r;
  });
  for (let i = 0; i < 100 && result === undefined; i++) await h.advance(10);
  expect(result).toEqual({
    answer: '3 rows from orders',
    dbRestarts: 4,
    apiRestarts: 0,
    log: [
      'started db', 'started api',
      'exited db', 'backoff db', 'restarted db',
      'exited db', 'backoff db', 'restarted db',
      'exited db', 'backoff db', 'restarted db',
      'exited db', 'backoff db', 'restarted db',
      'shutdown /user/app', 'terminating api', 'terminated api', 'terminating db', 'terminated db',
    ],
  });
});

it('docs/supervision.md embeds the worked example verbatim', () => {
  const root = new URL('../../../../', import.meta.url);
  const doc = readFileSync(new URL('docs/supervision.md', root), 'utf8');
  const marker = `<!-- source: ${SOURCE} -->\n\`\`\`ts\n`;
  const start = doc.indexOf(marker);
  expect(start, `docs/supervision.md has no block marked ${marker.trim()}`).toBeGreaterThanOrEqual(0);
  const body = doc.slice(start + marker.length, doc.indexOf('\n```\n', start + marker.length) + 1);
  expect(body).toBe(readFileSync(new URL(SOURCE, root), 'utf8'));
});
