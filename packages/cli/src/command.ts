/**
 * The shape of a `pd` command and what it gets to run: parsed options and positionals,
 * the output, and a lazily opened control-plane connection (closed by main when the
 * command returns). Commands live in commands/, one file per group.
 */
import { ControlClient, type EngineState, connectToEngine } from '@pd/control';
import { UsageError } from './exit.js';
import type { Output } from './output.js';

/** One option of a command, as node:util parseArgs takes it, plus help text. */
export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  readonly multiple?: boolean;
  /** Value placeholder for help, e.g. `MS`. */
  readonly value?: string;
  readonly help: string;
}

export interface Command {
  readonly name: string;
  /** Positional arguments, e.g. `TARGET JSON`; `[X]` marks an optional one. */
  readonly args: string;
  readonly summary: string;
  readonly options: Readonly<Record<string, OptionSpec>>;
  /** Whether the command talks to an engine (and so takes --engine, --state-dir). */
  readonly needsEngine: boolean;
  run(ctx: CommandContext): Promise<number | void>;
}

export class CommandContext {
  private connection: { client: ControlClient; state: EngineState } | null = null;

  constructor(
    readonly command: Command,
    readonly positionals: readonly string[],
    readonly options: Readonly<Record<string, string | boolean | string[] | undefined>>,
    readonly output: Output,
    readonly env: NodeJS.ProcessEnv,
    /** Resolves when the user interrupts (Ctrl-C): follow-mode commands end then. */
    readonly interrupted: Promise<void>,
  ) {}

  get json(): boolean {
    return this.options.json === true;
  }

  /** Positional `i` (required), named `name` in the error. */
  arg(i: number, name: string): string {
    const v = this.positionals[i];
    if (v === undefined) throw new UsageError(`pd ${this.command.name}: missing ${name}`, `usage: pd ${this.command.name} ${this.command.args}`);
    return v;
  }

  /** A string option, if given. */
  string(name: string): string | undefined {
    const v = this.options[name];
    return typeof v === 'string' ? v : undefined;
  }

  /** A non-negative integer option (a count or milliseconds). */
  integer(name: string, fallback: number, min = 0): number {
    const v = this.string(name);
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new UsageError(`pd ${this.command.name}: --${name} must be a whole number >= ${min}, got "${v}"`);
    return n;
  }

  /** A JSON positional argument. */
  jsonArg(i: number, name: string): unknown {
    const text = this.arg(i, name);
    try {
      return JSON.parse(text);
    } catch (error) {
      throw new UsageError(`pd ${this.command.name}: ${name} is not valid JSON: ${(error as Error).message}`, `quote it for the shell, e.g. '{"type":"ping"}'; a plain string needs its own quotes: '"hello"'`);
    }
  }

  /** Refuse positionals past the first `n`. */
  noMoreArgs(n: number): void {
    if (this.positionals.length > n) throw new UsageError(`pd ${this.command.name}: unexpected argument "${this.positionals[n]}"`, `usage: pd ${this.command.name} ${this.command.args}`);
  }

  /** The control-plane connection to the selected engine (opened once). */
  async connect(): Promise<{ client: ControlClient; state: EngineState }> {
    if (this.connection === null) {
      const engine = this.string('engine') ?? this.env.PD_ENGINE;
      const stateDir = this.string('state-dir');
      this.connection = await connectToEngine({ ...(engine ? { engine } : {}), ...(stateDir !== undefined ? { stateDir } : {}) });
    }
    return this.connection;
  }

  /** Call one method on the engine. */
  async call<T = any>(method: string, params?: Record<string, unknown>, timeoutMs?: number): Promise<T> {
    const { client } = await this.connect();
    return client.call<T>(method, params, timeoutMs === undefined ? {} : { timeoutMs });
  }

  /** @internal Close the connection, if one was opened. */
  async close(): Promise<void> {
    await this.connection?.client.close();
    this.connection = null;
  }
}

/** Options every engine command takes. */
export const ENGINE_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  engine: { type: 'string', short: 'e', value: 'ID', help: 'the engine to talk to (default: the only one running; env PD_ENGINE)' },
  'state-dir': { type: 'string', value: 'DIR', help: 'where state files are (default: $PD_STATE_DIR, $XDG_RUNTIME_DIR/pd or ~/.pd/run)' },
};

/** Options every command takes. */
export const COMMON_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  json: { type: 'boolean', help: 'print JSON for scripts (errors too: {"error": {...}})' },
  help: { type: 'boolean', short: 'h', help: 'show help for this command' },
};
