/**
 * `pd plugin SUBCOMMAND`: the engine's WebAssembly plugins through the `plugin.*` control
 * methods. `load` and `reload` read the module here and send its bytes (base64), so they
 * work against any engine `pd` can reach; the module must fit the engine's
 * `control.maxRequestBytes` (1 MiB by default, as base64).
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { ControlError } from '@pd/control';
import type { Command, CommandContext } from '../command.js';
import { UsageError } from '../exit.js';
import { bytes, keyValues, table } from '../output.js';
import { escalationLines } from './control.js';

const SUBCOMMANDS = ['load', 'list', 'info', 'unload', 'reload'] as const;
type Subcommand = (typeof SUBCOMMANDS)[number];

/** How long unload may take on the engine (it waits for the plugin's actors to exit). */
const UNLOAD_TIMEOUT_MS = 120_000;

export const pluginCommand: Command = {
  name: 'plugin',
  args: 'load FILE | list | info NAME | unload NAME | reload NAME FILE',
  summary: 'Manage WebAssembly plugins: load a .wasm (its kind can then be spawned), list, info, unload (its actors stop), reload (hot swap, mailboxes kept).',
  needsEngine: true,
  options: {
    name: { type: 'string', short: 'n', value: 'NAME', help: 'load: the plugin and kind name (default: the file name without .wasm)' },
    limits: { type: 'string', value: 'JSON', help: 'load, reload: limits as a JSON object, e.g. \'{"fuel":1000000,"timeoutMs":100,"memoryPages":16}\' (reload keeps the old ones by default)' },
  },
  run: async (ctx) => {
    const sub = ctx.arg(0, 'SUBCOMMAND: load, list, info, unload or reload');
    if (!(SUBCOMMANDS as readonly string[]).includes(sub)) {
      throw new UsageError(`pd plugin: unknown subcommand "${sub}" (load, list, info, unload, reload)`, `usage: pd plugin ${pluginCommand.args}`);
    }
    if (ctx.string('name') !== undefined && sub !== 'load') throw new UsageError(`pd plugin ${sub}: --name is for load only`);
    if (ctx.string('limits') !== undefined && sub !== 'load' && sub !== 'reload') throw new UsageError(`pd plugin ${sub}: --limits is for load and reload only`);
    return RUN[sub as Subcommand](ctx);
  },
};

// --- internal ---

const RUN: Record<Subcommand, (ctx: CommandContext) => Promise<void>> = {
  load: async (ctx) => {
    ctx.noMoreArgs(2);
    const file = ctx.arg(1, 'FILE');
    const name = ctx.string('name') ?? basename(file).replace(/\.wasm$/, '');
    const info = await sendModule(ctx, 'plugin.load', { name }, file);
    if (ctx.json) ctx.output.data(info);
    else ctx.output.text(`loaded ${info.name} (ABI v${info.abiVersion}, ${bytes(info.sourceBytes)}, ${bytes(info.instrumentedBytes)} instrumented); spawn it with \`pd spawn ${info.name}\``);
  },
  list: async (ctx) => {
    ctx.noMoreArgs(1);
    const { plugins } = await ctx.call('plugin.list');
    if (ctx.json) return ctx.output.data({ plugins });
    if (plugins.length === 0) return ctx.output.text('no plugins loaded (load one with `pd plugin load FILE`)');
    ctx.output.text(table(['NAME', 'VERSION', 'ABI', 'ACTORS', 'MESSAGES', 'FUEL USED', 'MEMORY'], plugins.map((p: Info) => [
      p.name, p.version, p.abiVersion, p.actors, p.messages, p.fuelUsed, bytes(p.memoryBytes),
    ])));
  },
  info: async (ctx) => {
    ctx.noMoreArgs(2);
    const info: Info = await ctx.call('plugin.info', { name: ctx.arg(1, 'NAME') });
    if (ctx.json) return ctx.output.data(info);
    const limits = Object.entries(info.limits).map(([k, v]) => `${k}=${Array.isArray(v) ? (v.length === 0 ? 'none' : v.join(',')) : String(v)}`).join(' ');
    const failures = Object.entries(info.failures).map(([k, v]) => `${k}=${v}`).join(' ') || 'none';
    ctx.output.text(keyValues([
      ['name', info.name], ['version', String(info.version)], ['abi', `v${info.abiVersion}`], ['imports', info.imports.join(', ') || 'none'],
      ['actors', String(info.actors)], ['messages', String(info.messages)], ['fuel used', String(info.fuelUsed)], ['memory', bytes(info.memoryBytes)],
      ['failures', failures], ['module', `${bytes(info.sourceBytes)} (${bytes(info.instrumentedBytes)} instrumented)`], ['limits', limits],
    ]));
  },
  unload: async (ctx) => {
    ctx.noMoreArgs(2);
    const result = await ctx.call('plugin.unload', { name: ctx.arg(1, 'NAME') }, UNLOAD_TIMEOUT_MS);
    if (ctx.json) return ctx.output.data(result);
    ctx.output.text([`unloaded ${result.name}: ${result.stopped} actor${result.stopped === 1 ? '' : 's'} stopped (shutdown: plugin-unloaded)`, ...escalationLines(result)].join('\n'));
  },
  reload: async (ctx) => {
    ctx.noMoreArgs(3);
    const name = ctx.arg(1, 'NAME');
    const result = await sendModule(ctx, 'plugin.reload', { name }, ctx.arg(2, 'FILE'));
    if (ctx.json) return ctx.output.data(result);
    ctx.output.text(`reloaded ${result.name} to version ${result.version}: ${result.swapped} running actor${result.swapped === 1 ? '' : 's'} swapped (mailboxes kept)`);
  },
};

interface Info {
  readonly name: string;
  readonly abiVersion: number;
  readonly version: number;
  readonly imports: readonly string[];
  readonly limits: Readonly<Record<string, unknown>>;
  readonly actors: number;
  readonly messages: number;
  readonly fuelUsed: number;
  readonly memoryBytes: number;
  readonly failures: Readonly<Record<string, number>>;
  readonly sourceBytes: number;
  readonly instrumentedBytes: number;
}

/** Read `file`, send it with `params` (and --limits) to `method`. */
async function sendModule(ctx: CommandContext, method: string, params: Record<string, unknown>, file: string): Promise<any> {
  let data: Buffer;
  try {
    data = await readFile(file);
  } catch (error) {
    throw new UsageError(`pd plugin: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, 'give the path of a .wasm module');
  }
  const limits = limitsOption(ctx);
  const wasm = data.toString('base64');
  try {
    return await ctx.call(method, { ...params, wasm, ...(limits !== undefined ? { limits } : {}) }, 60_000);
  } catch (error) {
    if (error instanceof ControlError && error.code === 'conn/closed' && wasm.length > 1_000_000) {
      throw new ControlError('conn/closed', `${error.message} (the module is ${bytes(data.length)}, ${bytes(wasm.length)} as base64: larger than the engine's control.maxRequestBytes?)`, { hint: 'raise control.maxRequestBytes in the engine\'s config, or list the plugin in its "plugins" section' });
    }
    throw error;
  }
}

function limitsOption(ctx: CommandContext): Record<string, unknown> | undefined {
  const text = ctx.string('limits');
  if (text === undefined) return undefined;
  let limits: unknown;
  try {
    limits = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`pd plugin: --limits is not valid JSON: ${(error as Error).message}`, 'e.g. --limits \'{"fuel":1000000,"timeoutMs":100}\'');
  }
  if (typeof limits !== 'object' || limits === null || Array.isArray(limits)) throw new UsageError('pd plugin: --limits must be a JSON object', 'e.g. --limits \'{"fuel":1000000,"timeoutMs":100}\'');
  return limits as Record<string, unknown>;
}
