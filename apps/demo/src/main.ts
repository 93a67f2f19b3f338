/**
 * The demo engine: a small order pipeline on one core. Orders arrive on a timer; the
 * order desk asks the stock keeper to reserve items and the payment gateway to charge;
 * the gateway has a bug that makes it crash now and then. A watchdog monitors the gateway
 * and starts a fresh one under the same registered name, so the pipeline goes on.
 * It prints what happens, then the engine's own account: tree, stats, exits.
 *
 * Run: `npm run demo` (or `node apps/demo/dist/main.js --orders 12`).
 */
import { Actor, Down, defineKind, describeExit, type Addr, type Context } from '@pd/actor';
import { createEngine, type EngineEvent } from '@pd/runtime';

type Order = { readonly id: number; readonly item: string; readonly qty: number; readonly cents: number };
type StockMsg = { readonly type: 'reserve'; readonly item: string; readonly qty: number };
type PaymentMsg = { readonly type: 'charge'; readonly order: number; readonly cents: number };
type DeskMsg = { readonly type: 'order'; readonly order: Order } | { readonly type: 'tick' };

/** Keeps stock counts; replies true when the reservation fits. */
class StockKeeper extends Actor<StockMsg> {
  private readonly stock = new Map<string, number>([['widget', 8], ['gadget', 5], ['gizmo', 3]]);
  receive(msg: StockMsg): boolean {
    const have = this.stock.get(msg.item) ?? 0;
    if (have < msg.qty) return false;
    this.stock.set(msg.item, have - msg.qty);
    return true;
  }
}

/** Charges cards. Its bug: any amount that is a multiple of 7 dollars crashes it. */
class Gateway extends Actor<PaymentMsg> {
  charged = 0;
  receive(msg: PaymentMsg): string {
    if (msg.cents % 700 === 0) throw new Error(`card processor rejected amount ${msg.cents} (unhandled)`);
    this.charged += msg.cents;
    return `receipt-${msg.order}`;
  }
}
const PaymentGateway = defineKind<PaymentMsg, void>('payment-gateway', Gateway);

/** Takes orders: reserve stock, then charge through whatever gateway is registered now. */
class OrderDesk extends Actor<DeskMsg> {
  private readonly outcomes: string[] = [];
  constructor(private readonly args: { stock: Addr<StockMsg>; orders: Order[]; done: (log: string[]) => void }) {
    super();
  }
  async receive(msg: DeskMsg, ctx: Context<DeskMsg>): Promise<void> {
    if (msg.type === 'tick') {
      const next = this.args.orders.shift();
      if (next === undefined) return this.args.done(this.outcomes);
      ctx.send(ctx.self, { type: 'order', order: next });
      ctx.sendAfter(ctx.self, { type: 'tick' }, 40);
      return;
    }
    const { order } = msg;
    const reserved = await ctx.ask<StockMsg, boolean>(this.args.stock, { type: 'reserve', item: order.item, qty: order.qty });
    if (!reserved) return this.record(`order ${order.id}: ${order.qty} × ${order.item} — out of stock`);
    const gateway = ctx.whereis<PaymentMsg>('payments');
    if (gateway === undefined) return this.record(`order ${order.id}: no payment gateway right now, will retry later`);
    try {
      const receipt = await ctx.ask<PaymentMsg, string>(gateway, { type: 'charge', order: order.id, cents: order.cents }, { timeoutMs: 500 });
      this.record(`order ${order.id}: ${order.qty} × ${order.item} — paid, ${receipt}`);
    } catch (error) {
      this.record(`order ${order.id}: payment failed (${(error as Error).message})`);
    }
  }
  private record(line: string): void {
    this.outcomes.push(line);
    console.log(`  ${line}`);
  }
}

/** Monitors the gateway; when it dies, starts a new one under the same name. */
class Watchdog extends Actor<Down> {
  restarts = 0;
  started(ctx: Context<Down>): void {
    this.startGateway(ctx);
  }
  receive(down: Down, ctx: Context<Down>): void {
    console.log(`  watchdog: ${down.addr} exited (${describeExit(down.reason)}); starting a new gateway`);
    this.restarts++;
    this.startGateway(ctx);
  }
  private startGateway(ctx: Context<Down>): void {
    const gateway = ctx.spawn(PaymentGateway, { name: `gateway-${this.restarts}`, register: 'payments' });
    ctx.monitor(gateway);
  }
}

export async function runDemo(orderCount = 12): Promise<{ outcomes: string[]; crashes: number }> {
  const engine = createEngine({ id: 'demo', kinds: [PaymentGateway] });
  let crashes = 0;
  engine.events.subscribe((e: EngineEvent) => {
    if (e.type === 'spawned') console.log(`  [event] spawned ${e.path} (${e.kind})`);
    if (e.type === 'crashed') {
      crashes++;
      console.log(`  [event] crashed ${e.path}: ${(e.error as Error).message}`);
    }
  }, ['spawned', 'crashed']);

  console.log('Palladium demo: an order pipeline on one core\n');
  const items = ['widget', 'gadget', 'gizmo'];
  const orders: Order[] = Array.from({ length: orderCount }, (_, i) => ({
    id: i + 1, item: items[i % 3]!, qty: 1 + (i % 2), cents: 300 + ((i * 200) % 1000),
  }));
  const stock = engine.spawn(StockKeeper, { name: 'stock' });
  engine.spawn(Watchdog, { name: 'watchdog' });
  const finished = new Promise<string[]>((done) => {
    const desk = engine.spawn(OrderDesk, { name: 'orders', args: { stock, orders, done } });
    engine.send(desk, { type: 'tick' });
  });
  const outcomes = await finished;

  console.log('\nThe live tree:');
  const print = (nodes: ReturnType<typeof engine.tree>, depth: number): void => {
    for (const n of nodes) {
      console.log(`  ${'  '.repeat(depth)}${n.path}  [${n.kind}, ${n.status}]`);
      print(n.children, depth + 1);
    }
  };
  print(engine.tree(), 0);
  console.log('\nExited so far:');
  for (const t of engine.terminated()) console.log(`  ${t.path} (${t.kind}) after ${t.handled} messages: ${describeExit(t.reason)}`);
  const stats = engine.stats();
  console.log(`\nStats: ${stats.spawned} spawned, ${stats.live} live, ${stats.crashed} crashed, ${stats.messagesHandled} messages handled, ${stats.deadLetters} dead letters`);
  const report = await engine.shutdown({ deadlineMs: 2000 });
  console.log(`Shutdown: ${report.stopped} actors stopped gracefully, ${report.killed} killed.`);
  return { outcomes, crashes };
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (invokedDirectly) {
  const i = process.argv.indexOf('--orders');
  const count = i > 0 ? Number(process.argv[i + 1]) : 12;
  if (!Number.isInteger(count) || count < 1) {
    console.error(`demo: --orders takes a positive whole number, got ${process.argv[i + 1]}`);
    process.exit(2);
  }
  runDemo(count).catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
