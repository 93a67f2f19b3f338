/**
 * The engine's pluggable logger. An embedded engine is silent except for crash reports:
 * each crash is reported once, with the actor's path, kind, the reason and the stack, by
 * default as a few lines on stderr. Applications plug in their own (`@pd/telemetry` has a
 * pino one) with `createEngine({ logger })`, or change the process default with
 * {@link setDefaultLogger}. A logger that throws is ignored: it must never disturb the engine.
 */

/** One actor crash, as handed to {@link EngineLogger.crash}. */
export interface CrashReport {
  /** Wall-clock time of the crash, ms since the epoch (from the engine's reactor). */
  readonly at: number;
  readonly engine: string;
  readonly path: string;
  readonly kind: string;
  /** Where it crashed: `receive`, `started`, `create`, `run`, `restarting`, `migrate`, `runtime`. */
  readonly phase: string;
  /** One line: `Name: message` for an Error, the value otherwise. */
  readonly reason: string;
  /** The stack of an Error (null for a thrown non-Error). */
  readonly stack: string | null;
  /**
   * What was thrown, as thrown (an actor on a worker core of a multi-core engine crashed in
   * another thread: an `Error` with `reason` and `stack` stands in for it).
   */
  readonly error: unknown;
  /** The core the actor ran on, in a multi-core engine (absent in a single-core one). */
  readonly core?: number;
}

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';

/** Where an engine's reports go. Every method is optional; absent ones drop the report. */
export interface EngineLogger {
  /** An actor crashed (a throw or rejection in its code). Called once per crash. */
  crash?(report: CrashReport): void;
  /** Anything else worth a line (engine lifecycle, warnings), with structured fields. */
  log?(level: LogLevel, message: string, fields?: Readonly<Record<string, unknown>>): void;
}

/** Drops everything. */
export const silentLogger: EngineLogger = Object.freeze({});

/** The default: crash reports to `write` (stderr unless given), nothing else. */
export function stderrCrashLogger(write: (text: string) => void = (text) => void process.stderr.write(text)): EngineLogger {
  return { crash: (report) => write(formatCrash(report)) };
}

/** The logger engines get when `createEngine` is given none. */
export function defaultLogger(): EngineLogger {
  return processDefault;
}

/** Change the logger engines created from now on get by default (tests: {@link silentLogger}). */
export function setDefaultLogger(logger: EngineLogger): void {
  processDefault = logger;
}

/** A crash report as text: a header line, then the stack indented. */
export function formatCrash(r: CrashReport): string {
  const head = `pd: actor ${r.path} (kind ${r.kind}) crashed in ${r.phase} on engine ${r.engine}: ${r.reason}`;
  const body = r.stack === null ? '' : `\n${r.stack.split('\n').map((l) => `    ${l.trimStart()}`).join('\n')}`;
  return `${head}${body}\n`;
}

/** @internal Build the report and hand it to `logger`; never throws. */
export function reportCrash(logger: EngineLogger, at: number, engine: string, path: string, kind: string, phase: string, error: unknown): void {
  if (logger.crash === undefined) return;
  try {
    logger.crash({ at, engine, path, kind, phase, reason: describeThrown(error), stack: stackOf(error), error });
  } catch {
    // A logger must never disturb the engine (invariant 8).
  }
}

/** `Name: message` for an Error-like value, else a bounded rendering of the value. */
export function describeThrown(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  let text: string;
  try {
    text = typeof error === 'string' ? error : JSON.stringify(error) ?? String(error);
  } catch {
    text = String(error);
  }
  return text.length > 500 ? `${text.slice(0, 500)}…` : text;
}

/** The stack of an Error, bounded; null otherwise. */
export function stackOf(error: unknown): string | null {
  if (!(error instanceof Error) || typeof error.stack !== 'string') return null;
  return error.stack.length > STACK_CHARS_MAX ? `${error.stack.slice(0, STACK_CHARS_MAX)}…` : error.stack;
}

/** Longest stack kept in a report (a recursion error's stack can be huge). */
export const STACK_CHARS_MAX = 16_384;

// --- internal ---

let processDefault: EngineLogger = stderrCrashLogger();
