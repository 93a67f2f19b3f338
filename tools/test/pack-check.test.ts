import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

// What is published, used as a user uses it: tools/pack-check.mjs packs every package,
// installs the tarballs into a temporary npm project and runs the README example (ESM,
// require(), strict tsc), `npx pd --help`, a duplicated @pd/actor and attw there. Needs the
// packages built (the README's `npm test` builds before it runs vitest).
const script = fileURLToPath(new URL('../pack-check.mjs', import.meta.url));

it('the packed packages install and work outside the workspace', () => {
  const r = spawnSync(process.execPath, [script], { encoding: 'utf8', timeout: 280_000 });
  expect(`${r.stdout}${r.stderr}`).toMatch(/\d+ tarballs installed and used outside the workspace/);
  expect(r.status).toBe(0);
}, 300_000);
