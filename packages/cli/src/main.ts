/**
 * The `pd` entry point as a function: parse the command line, run one command, map any
 * error to an exit status and a message that says what to do. `main` never throws and
 * never calls process.exit, so tests can call it in-process.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { closestName } from '@pd/control';
import { COMMANDS } from './commands/index.js';
import { COMMON_OPTIONS, CommandContext, ENGINE_OPTIONS, type Command, type OptionSpec } from './command.js';
import { EXIT, UsageError, exitCodeFor } from './exit.js';
import { Output, type Streams } from './output.js';

export interface MainOptions {
  readonly streams?: Streams;
  readonly env?: NodeJS.ProcessEnv;
}

/** Run `pd` with `argv` (without the node and script paths); resolves with the exit status. */
export async function main(argv: readonly string[], options: MainOptions = {}): Promise<number> {
  const streams = options.streams ?? { out: process.stdout, err: process.stderr };
  const env = options.env ?? process.env;
  const wantsJson = argv.includes('--json');
  const output = new Output(streams, wantsJson);
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    const topic = name === 'help' ? rest.find((a) => !a.startsWith('-')) : undefined;
    if (topic === undefined) {
      output.text(generalHelp());
      return name === undefined ? EXIT.usage : EXIT.ok;
    }
    const command = COMMANDS.find((c) => c.name === topic);
    if (command === undefined) {
      output.error(new UsageError(`unknown command "${topic}"${suggest(topic)}`, 'see `pd help` for the commands'));
      return EXIT.usage;
    }
    output.text(commandHelp(command));
    return EXIT.ok;
  }
  if (name === '--version' || name === 'version') {
    output.text(version());
    return EXIT.ok;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (command === undefined) {
    output.error(new UsageError(`unknown command "${name}"${suggest(name)}`, 'see `pd help` for the commands'));
    return EXIT.usage;
  }
  let ctx: CommandContext | null = null;
  try {
    const specs = optionsOf(command);
    const parsed = parseArgs({ args: [...rest], options: toParseArgs(specs), allowPositionals: true, strict: true });
    if (parsed.values.help === true) {
      output.text(commandHelp(command));
      return EXIT.ok;
    }
    ctx = new CommandContext(command, parsed.positionals, parsed.values as Record<string, string | boolean | string[] | undefined>, output, env, interruption());
    const code = await command.run(ctx);
    return typeof code === 'number' ? code : EXIT.ok;
  } catch (error) {
    const e = (error as { code?: string })?.code?.startsWith('ERR_PARSE_ARGS') ? new UsageError(`pd ${command.name}: ${(error as Error).message}`, `see \`pd ${command.name} --help\``) : error;
    output.error(e);
    return exitCodeFor(e);
  } finally {
    await ctx?.close().catch(() => {});
  }
}

/** The usage text of one command. */
export function commandHelp(command: Command): string {
  const specs = optionsOf(command);
  const lines = Object.entries(specs).map(([name, s]) => {
    const flag = `${s.short ? `-${s.short}, ` : '    '}--${name}${s.value ? ` ${s.value}` : ''}`;
    return `  ${flag.padEnd(28)} ${s.help}`;
  });
  return `usage: pd ${command.name}${command.args ? ` ${command.args}` : ''} [options]\n\n${command.summary}\n\noptions:\n${lines.join('\n')}\n`;
}

// --- internal ---

function optionsOf(command: Command): Record<string, OptionSpec> {
  return { ...command.options, ...(command.needsEngine ? ENGINE_OPTIONS : {}), ...COMMON_OPTIONS };
}

function toParseArgs(specs: Record<string, OptionSpec>): Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> {
  const out: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> = {};
  for (const [name, s] of Object.entries(specs)) out[name] = { type: s.type, ...(s.short ? { short: s.short } : {}), ...(s.multiple ? { multiple: true } : {}) };
  return out;
}

function generalHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => `${c.name} ${c.args}`.length));
  const list = COMMANDS.map((c) => `  ${`${c.name} ${c.args}`.padEnd(width)}  ${c.summary}`).join('\n');
  return `pd — start, inspect and steer Palladium engines\n\nusage: pd COMMAND [ARGS] [options]\n\ncommands:\n${list}\n\nEvery command takes --json (output for scripts) and --help. Commands that talk to an engine take\n--engine ID and --state-dir DIR. Exit codes: 0 ok, 1 failed, 2 usage, 3 no engine, 4 bad token,\n5 unknown target, 6 invalid config, 7 already running, 8 engine busy,\n9 unsafe state folder. See docs/cli.md.\n`;
}

function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    return `pd ${pkg.version} (Node.js ${process.version})`;
  } catch {
    return `pd (Node.js ${process.version})`;
  }
}

/** "; did you mean …?" for a misspelt command: a prefix either way, else the nearest by edit distance. */
function suggest(name: string): string {
  const names = COMMANDS.map((c) => c.name);
  const near = names.find((c) => c.startsWith(name) || name.startsWith(c)) ?? closestName(name, names);
  return near === null || near === undefined ? '' : `; did you mean "${near}"?`;
}

/** A promise that resolves on the first SIGINT, installed only when a command asks for it. */
function interruption(): Promise<void> {
  let installed: Promise<void> | null = null;
  const lazy = {
    then<A, B>(onfulfilled?: ((v: void) => A | PromiseLike<A>) | null, onrejected?: ((e: unknown) => B | PromiseLike<B>) | null): Promise<A | B> {
      installed ??= new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
      return installed.then(onfulfilled, onrejected);
    },
  };
  return lazy as Promise<void>;
}
