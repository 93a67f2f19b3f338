/**
 * Output of `pd`: one JSON document on stdout with `--json` (NDJSON for streams), aligned
 * tables and short lines otherwise, and errors that say what went wrong and what to do.
 * Formatting helpers (durations, bytes, trees) live here too. Writes only to the streams
 * it is given, so tests can capture them.
 */
import { ConfigError, ControlError } from '@pd/control';
import { UsageError } from './exit.js';

export interface Streams {
  readonly out: NodeJS.WritableStream & { isTTY?: boolean; columns?: number; rows?: number };
  readonly err: NodeJS.WritableStream;
}

export class Output {
  constructor(readonly streams: Streams, readonly json: boolean) {}

  /** Print a JSON document (pretty) — the `--json` result of a command. */
  data(value: unknown): void {
    this.streams.out.write(`${JSON.stringify(value, null, 2)}\n`);
  }

  /** One JSON line of a stream (NDJSON). */
  line(value: unknown): void {
    this.streams.out.write(`${JSON.stringify(value)}\n`);
  }

  /** Human text. */
  text(text: string): void {
    this.streams.out.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  /** A note for people, on stderr (never mixes with data). */
  note(text: string): void {
    this.streams.err.write(`${text}\n`);
  }

  /** Report an error: `{ "error": {...} }` on stdout with --json, `pd: message` + hint on stderr otherwise. */
  error(error: unknown): void {
    this.report(describeError(error));
  }

  /** Report an error already described by {@link describeError} (e.g. one from another process). */
  report(e: ErrorInfo): void {
    if (this.json) {
      this.data({ error: e });
      return;
    }
    const lines = [`pd: ${e.message}`];
    if (e.hint !== undefined) lines.push(`  hint: ${e.hint}`);
    this.streams.err.write(`${lines.join('\n')}\n`);
  }
}

export interface ErrorInfo {
  readonly code: string;
  readonly message: string;
  readonly hint?: string;
  readonly issues?: unknown;
  readonly data?: unknown;
}

/** The JSON shape of an error: code, message, hint, and the config issues if any. */
export function describeError(error: unknown): ErrorInfo {
  if (error instanceof ConfigError) {
    return { code: error.code, message: error.message, hint: 'see docs/config.md, or `pd schema` for the JSON Schema', issues: error.issues };
  }
  if (error instanceof ControlError) {
    return { code: error.code, message: error.message, ...(error.hint !== undefined ? { hint: error.hint } : {}), ...(error.data !== undefined && Object.keys(error.data).length > 0 ? { data: error.data } : {}) };
  }
  if (error instanceof UsageError) return { code: 'usage', message: error.message, hint: error.hint ?? 'see `pd help`' };
  const e = error as Error;
  return { code: (e as { code?: string })?.code ?? 'error', message: e?.message ?? String(error) };
}

/** Left-aligned columns; numbers right-aligned; `maxWidth` trims the widest text column. */
export function table(headers: readonly string[], rows: readonly (readonly (string | number)[])[], maxWidth = Infinity): string {
  const cells = rows.map((r) => r.map((c) => String(c)));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i]!.length)));
  const total = widths.reduce((a, b) => a + b + 2, -2);
  if (total > maxWidth) {
    const widest = widths.indexOf(Math.max(...widths));
    widths[widest] = Math.max(8, widths[widest]! - (total - maxWidth));
  }
  const numeric = headers.map((_, i) => rows.length > 0 && rows.every((r) => typeof r[i] === 'number'));
  const fmt = (values: readonly string[]) => values.map((v, i) => {
    const w = widths[i]!;
    const cut = v.length > w ? `${v.slice(0, w - 1)}…` : v;
    return numeric[i] ? cut.padStart(w) : i === values.length - 1 ? cut : cut.padEnd(w);
  }).join('  ');
  return [fmt(headers), ...cells.map(fmt)].join('\n');
}

/** `key: value` lines, keys aligned. */
export function keyValues(pairs: readonly (readonly [string, unknown])[]): string {
  const width = Math.max(...pairs.map(([k]) => k.length));
  return pairs.map(([k, v]) => `${`${k}:`.padEnd(width + 1)} ${typeof v === 'string' ? v : JSON.stringify(v)}`).join('\n');
}

/** `1h02m`, `3m04s`, `5.2s`, `120ms`. */
export function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.floor(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  const h = Math.floor(s / 3600);
  if (h < 48) return `${h}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  return `${Math.floor(h / 24)}d${h % 24}h`;
}

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

/** `HH:MM:SS.mmm` local time. */
export function clock(ms: number): string {
  const d = new Date(ms);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

export interface TreeNode {
  readonly path: string;
  readonly kind: string;
  readonly status: string;
  readonly addr: string;
  /** A multi-core engine's: the core the actor runs on. */
  readonly core?: number;
  readonly children: readonly TreeNode[];
}

/** Draw a tree with box characters: the last segment of each path, its kind and status. */
export function drawTree(roots: readonly TreeNode[]): string {
  const lines: string[] = [];
  // A multi-core engine's nodes carry their core: said where it changes from the parent's.
  const walk = (node: TreeNode, prefix: string, last: boolean, top: boolean, parentCore: number) => {
    const name = top ? node.path : node.path.slice(node.path.lastIndexOf('/') + 1);
    const status = node.status === 'running' ? '' : ` [${node.status}]`;
    const core = node.core !== undefined && node.core !== parentCore ? `  core ${node.core}` : '';
    lines.push(`${prefix}${top ? '' : last ? '└─ ' : '├─ '}${name}  (${node.kind})${status}${core}  ${node.addr}`);
    const next = top ? prefix : `${prefix}${last ? '   ' : '│  '}`;
    node.children.forEach((c, i) => walk(c, next, i === node.children.length - 1, false, node.core ?? 0));
  };
  roots.forEach((r) => walk(r, '', true, true, 0));
  return lines.join('\n');
}
