/**
 * `pd top`: a live view of the busiest actors, like Erlang's observer or top(1). Every
 * interval it takes a metrics snapshot, derives per-actor message rates from the change
 * in handled counts, and redraws the frame in place (alternate screen, cursor home, clear
 * to end of line). Keys: q quit, r rate, m mailbox, h handled, x restarts (sort order).
 * Without a terminal, or with --once / --json, it prints one frame after one interval.
 */
import type { Command, CommandContext } from '../command.js';
import { EXIT, UsageError } from '../exit.js';
import { bytes, duration, table } from '../output.js';

export type TopSort = 'rate' | 'mailbox' | 'handled' | 'restarts';
const SORTS: readonly TopSort[] = ['rate', 'mailbox', 'handled', 'restarts'];
const KEYS: Readonly<Record<string, TopSort>> = { r: 'rate', m: 'mailbox', h: 'handled', x: 'restarts' };

/** One actor row of a frame. */
export interface TopRow {
  readonly addr: string;
  readonly path: string;
  readonly kind: string;
  readonly status: string;
  readonly depth: number;
  readonly handled: number;
  readonly restarts: number;
  /** Messages per second over the last interval. */
  readonly rate: number;
}

/** What a frame shows: totals and rows, sorted. */
export interface TopFrame {
  readonly at: number;
  readonly id: string;
  readonly pid: number;
  readonly uptimeMs: number;
  readonly live: number;
  readonly rate: number;
  readonly deadLetters: number;
  readonly crashed: number;
  readonly rssBytes: number;
  readonly sort: TopSort;
  readonly rows: readonly TopRow[];
}

export const topCommand: Command = {
  name: 'top',
  args: '',
  summary: 'Live view of the busiest actors: message rates, mailbox depths, restarts (q quits).',
  needsEngine: true,
  options: {
    interval: { type: 'string', short: 'i', value: 'MS', help: 'refresh interval (default 1000, at least 100)' },
    sort: { type: 'string', short: 's', value: 'KEY', help: `sort by ${SORTS.join(', ')} (default rate)` },
    limit: { type: 'string', short: 'n', value: 'N', help: 'rows to show (default: what fits the terminal; 20 without one)' },
    once: { type: 'boolean', help: 'print one frame and exit (also without a terminal, and with --json)' },
  },
  run: async (ctx) => {
    ctx.noMoreArgs(0);
    const intervalMs = ctx.integer('interval', 1000, 100);
    const sortOption = ctx.string('sort') ?? 'rate';
    if (!SORTS.includes(sortOption as TopSort)) throw new UsageError(`pd top: --sort must be one of ${SORTS.join(', ')}, got "${sortOption}"`);
    const { state } = await ctx.connect();
    const sampler = new Sampler(ctx, state.id);
    const out = ctx.output.streams.out;
    const live = out.isTTY === true && ctx.options.once !== true && !ctx.json;
    if (!live) {
      await sampler.sample();
      await sleep(intervalMs);
      const frame = await sampler.frame(sortOption as TopSort);
      if (ctx.json) ctx.output.data({ ...frame, rows: frame.rows.slice(0, ctx.integer('limit', 10_000, 1)) });
      else ctx.output.text(renderFrame(frame, { width: terminalSize(out, 120, 24).width, rows: ctx.integer('limit', 20, 1) + 4 }).join('\n'));
      return EXIT.ok;
    }
    const limit = ctx.string('limit') === undefined ? Infinity : ctx.integer('limit', 20, 1);
    return runLive(ctx, sampler, intervalMs, sortOption as TopSort, limit);
  },
};

/** The lines of a frame, fitted to `width` columns and `rows` lines. */
export function renderFrame(frame: TopFrame, size: { width: number; rows: number }): string[] {
  const header = [
    `pd top — engine ${frame.id} (pid ${frame.pid})  up ${duration(frame.uptimeMs)}  actors ${frame.live}  ${frame.rate.toFixed(0)} msg/s  dead letters ${frame.deadLetters}  crashed ${frame.crashed}  rss ${bytes(frame.rssBytes)}`,
    `sort: ${frame.sort}   keys: q quit  r rate  m mailbox  h handled  x restarts`,
    '',
  ];
  const room = Math.max(1, size.rows - header.length - 1);
  const rows = frame.rows.slice(0, room).map((r) => [r.path, r.kind, r.status, r.depth, Number(r.rate.toFixed(1)), r.handled, r.restarts]);
  const body = table(['PATH', 'KIND', 'STATUS', 'MAILBOX', 'MSG/S', 'HANDLED', 'RESTARTS'], rows, size.width).split('\n');
  return [...header, ...body].map((l) => (l.length > size.width ? l.slice(0, size.width) : l));
}

// --- internal ---

class Sampler {
  private previous: { at: number; handled: Map<string, number>; total: number } | null = null;
  private last: any = null;

  constructor(private readonly ctx: CommandContext, private readonly id: string) {}

  async sample(): Promise<any> {
    const snap = await this.ctx.call('metrics.snapshot', { actors: true });
    this.previous = this.last === null ? null : toPrevious(this.last);
    this.last = snap;
    return snap;
  }

  async frame(sort: TopSort): Promise<TopFrame> {
    const snap = await this.sample();
    return this.build(snap, sort);
  }

  rebuild(sort: TopSort): TopFrame | null {
    return this.last === null ? null : this.build(this.last, sort);
  }

  private build(snap: any, sort: TopSort): TopFrame {
    const prev = this.previous;
    const dt = prev === null ? 0 : Math.max(1, snap.at - prev.at) / 1000;
    const rows: TopRow[] = snap.actors.map((a: any) => {
      const before = prev?.handled.get(a.addr);
      const rate = dt === 0 ? 0 : (a.handled - (before ?? 0)) / dt;
      return { addr: a.addr, path: a.path, kind: a.kind, status: a.status, depth: a.depth, handled: a.handled, restarts: a.restarts, rate: Math.max(0, rate) };
    });
    const key = { rate: (r: TopRow) => r.rate, mailbox: (r: TopRow) => r.depth, handled: (r: TopRow) => r.handled, restarts: (r: TopRow) => r.restarts }[sort];
    rows.sort((a, b) => key(b) - key(a) || (a.path < b.path ? -1 : 1));
    return {
      at: snap.at, id: this.id, pid: snap.process.pid, uptimeMs: snap.uptimeMs, live: snap.stats.live,
      rate: dt === 0 ? 0 : Math.max(0, (snap.stats.messagesHandled - prev!.total) / dt),
      deadLetters: snap.stats.deadLetters, crashed: snap.stats.crashed, rssBytes: snap.process.rssBytes, sort, rows,
    };
  }
}

function toPrevious(snap: any): { at: number; handled: Map<string, number>; total: number } {
  return { at: snap.at, handled: new Map(snap.actors.map((a: any) => [a.addr, a.handled])), total: snap.stats.messagesHandled };
}

/**
 * The size to draw for: what the terminal reports, or the fallback when it reports
 * nothing or 0 (some terminals and multiplexers do while resizing), so a frame is never blank.
 */
export function terminalSize(out: { columns?: number; rows?: number }, fallbackColumns: number, fallbackRows: number): { width: number; rows: number } {
  const usable = (n: number | undefined): n is number => typeof n === 'number' && Number.isFinite(n) && n > 0;
  return { width: usable(out.columns) ? out.columns : fallbackColumns, rows: usable(out.rows) ? out.rows : fallbackRows };
}

async function runLive(ctx: CommandContext, sampler: Sampler, intervalMs: number, initial: TopSort, limit: number): Promise<number> {
  const out = ctx.output.streams.out;
  const stdin = process.stdin;
  let sort = initial;
  let stop!: (code: number) => void;
  const stopped = new Promise<number>((resolve) => (stop = resolve));
  const draw = (frame: TopFrame | null) => {
    if (frame === null) return;
    const size = terminalSize(out, 80, 24);
    // --limit N caps the actor rows (a frame has 4 header lines); the terminal caps them too.
    const lines = renderFrame(frame, { width: size.width, rows: Math.min(size.rows, limit + 4) });
    out.write(`\x1b[H${lines.map((l) => `${l}\x1b[K`).join('\r\n')}\x1b[J`);
  };
  const onKey = (data: Buffer) => {
    const key = data.toString();
    if (key === 'q' || key === '\x03' || key === '\x1b') stop(EXIT.ok);
    else if (KEYS[key] !== undefined) {
      sort = KEYS[key]!;
      draw(sampler.rebuild(sort));
    }
  };
  const onResize = () => draw(sampler.rebuild(sort));
  out.write('\x1b[?1049h\x1b[?25l\x1b[H\x1b[2J');
  if (stdin.isTTY) stdin.setRawMode(true);
  stdin.resume();
  stdin.on('data', onKey);
  process.on('SIGWINCH', onResize);
  void ctx.interrupted.then(() => stop(EXIT.ok));
  const { client } = await ctx.connect();
  client.onClose(() => stop(EXIT.noEngine));
  let timer: NodeJS.Timeout | undefined;
  let done = false;
  void stopped.then(() => (done = true));
  const tick = async () => {
    try {
      const frame = await sampler.frame(sort);
      if (done) return;
      draw(frame);
      timer = setTimeout(() => void tick(), intervalMs);
    } catch (error) {
      if (done) return;
      ctx.output.note(`pd top: ${(error as Error).message}`);
      stop(EXIT.noEngine);
    }
  };
  await sampler.sample();
  timer = setTimeout(() => void tick(), Math.min(intervalMs, 250));
  const code = await stopped;
  clearTimeout(timer);
  stdin.off('data', onKey);
  process.off('SIGWINCH', onResize);
  if (stdin.isTTY) stdin.setRawMode(false);
  stdin.pause();
  out.write('\x1b[?25h\x1b[?1049l');
  return code;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
