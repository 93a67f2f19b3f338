// include/pd_plugin.h, the AssemblyScript SDK (@pd/plugin-sdk-as) and src/abi.ts describe one
// ABI: same status codes, same host imports.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ABI_VERSION, HOST_IMPORTS, Status } from '../src/index.js';

const header = readFileSync(new URL('../include/pd_plugin.h', import.meta.url), 'utf8');
const sdk = readFileSync(new URL('../../plugin-sdk-as/index.ts', import.meta.url), 'utf8');

describe('pd_plugin.h', () => {
  it('has the same status codes and ABI version', () => {
    const defines = new Map([...header.matchAll(/#define PD_([A-Z_]+) (-?\d+)/g)].map((m) => [m[1]!, Number(m[2])]));
    expect(defines.get('ABI_VERSION')).toBe(ABI_VERSION);
    for (const [name, value] of Object.entries(Status)) expect(defines.get(name), name).toBe(value);
  });

  it('declares every host import, and nothing else', () => {
    const imports = [...header.matchAll(/PD_IMPORT\((\w+)\)/g)].map((m) => m[1]).filter((n) => n !== 'name');
    expect(imports.sort()).toEqual(Object.keys(HOST_IMPORTS).sort());
  });
});

describe('@pd/plugin-sdk-as', () => {
  it('has the same status codes, ABI marker and host imports', () => {
    const consts = new Map([...sdk.matchAll(/export const ([A-Z_]+): i32 = (-?\d+);/g)].map((m) => [m[1]!, Number(m[2])]));
    for (const [name, value] of Object.entries(Status)) expect(consts.get(name), name).toBe(value);
    expect(sdk).toContain(`pd_abi_version_${ABI_VERSION}`);
    const imports = [...sdk.matchAll(/@external\("pd", "(\w+)"\)/g)].map((m) => m[1]);
    expect(imports.sort()).toEqual(Object.keys(HOST_IMPORTS).sort());
  });
});
