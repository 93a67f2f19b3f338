/**
 * Releasing bumps what the changesets ask for, not more (issue #15). Changesets turns a
 * minor release of a package into a MAJOR release of every package that names it in
 * `peerDependencies` (whatever the range says), and the `linked` group then carries that
 * major to every @pd package: one `minor` changeset for @pd/actor made `changeset version`
 * print 1.0.0 everywhere. So the dependency declarations are checked here with the same
 * code `changeset status` and `changeset version` run (@changesets/assemble-release-plan,
 * in memory, nothing written): the pending changesets, and a minor and a patch changeset for
 * each publishable package alone.
 */
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

type Bump = 'none' | 'patch' | 'minor' | 'major';
interface Changeset { readonly id: string; readonly summary: string; readonly releases: readonly { name: string; type: Bump }[] }
interface Release { readonly name: string; readonly type: Bump; readonly oldVersion: string; readonly newVersion: string }
interface Pkg { readonly packageJson: { readonly name: string; readonly version: string; readonly private?: boolean } }
interface Packages { readonly packages: readonly Pkg[]; readonly root: { readonly dir: string } }

// The changesets modules the CLI itself uses, resolved from the CLI (pnpm links them there).
const fromCli = createRequire(createRequire(join(repoRoot, 'package.json')).resolve('@changesets/cli/package.json'));
const fromPlan = createRequire(fromCli.resolve('@changesets/get-release-plan'));
const dflt = <T>(m: { default?: T } & T): T => m.default ?? m;
const getReleasePlan = dflt(fromCli('@changesets/get-release-plan')) as (cwd: string) => Promise<{ changesets: Changeset[]; releases: Release[] }>;
const assemble = dflt(fromPlan('@changesets/assemble-release-plan')) as (cs: Changeset[], pkgs: Packages, config: unknown, pre: undefined) => { releases: Release[] };
const { getPackages } = fromPlan('@manypkg/get-packages') as { getPackages: (dir: string) => Promise<Packages> };
const { read: readConfig } = fromPlan('@changesets/config') as { read: (dir: string, pkgs: Packages) => Promise<{ ignore: string[] }> };

/** Each release that is major though no changeset asked a major for that package. */
function unaskedMajors(changesets: readonly Changeset[], releases: readonly Release[]): string[] {
  return releases
    .filter((r) => r.type === 'major' && !changesets.some((c) => c.releases.some((x) => x.name === r.name && x.type === 'major')))
    .map((r) => `${r.name} ${r.oldVersion} -> ${r.newVersion}`);
}

describe('the release plan', () => {
  it('of the pending changesets bumps no package major unless a changeset asks for it', async () => {
    const plan = await getReleasePlan(repoRoot);
    expect(unaskedMajors(plan.changesets, plan.releases)).toEqual([]);
  });

  it('of one minor or patch changeset for any one package bumps no package major', async () => {
    const packages = await getPackages(repoRoot);
    const config = await readConfig(repoRoot, packages);
    const publishable = packages.packages.map((p) => p.packageJson).filter((p) => p.private !== true && !config.ignore.includes(p.name));
    expect(publishable.map((p) => p.name)).toContain('@pd/actor');
    const found: string[] = [];
    for (const pkg of publishable) {
      for (const type of ['minor', 'patch'] as const) {
        const changeset: Changeset = { id: `probe-${type}`, summary: 'probe', releases: [{ name: pkg.name, type }] };
        const plan = assemble([changeset], packages, config, undefined);
        for (const major of unaskedMajors([changeset], plan.releases)) found.push(`a ${type} of ${pkg.name} makes ${major}`);
      }
    }
    expect(found, 'a peerDependency on an internal package? (changesets bumps its dependents major)').toEqual([]);
  });
});
