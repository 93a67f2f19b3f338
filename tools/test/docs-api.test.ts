import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

// `npm run docs:api` builds the API reference with no warning (issue #15; typedoc.json
// treats warnings as errors). A type the public API names but no entry point exports, or a
// {@link} to one, is a warning: three crept in unnoticed before this ran in the suite. The
// same config, validated only (`--emit none`: no HTML written).
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const typedoc = join(dirname(createRequire(join(repoRoot, 'package.json')).resolve('typedoc/package.json')), 'bin', 'typedoc');

it('the API reference builds with no warning', () => {
  const r = spawnSync(process.execPath, [typedoc, '--emit', 'none', '--logLevel', 'Warn'], {
    cwd: repoRoot, encoding: 'utf8', timeout: 280_000, env: { ...process.env, NO_COLOR: '1' },
  });
  const out = `${r.stdout}${r.stderr}`;
  expect(out.split('\n').filter((l) => /warning|error/i.test(l)), out).toEqual([]);
  expect(r.status, out).toBe(0);
}, 300_000);
