/**
 * The demo's actor kinds: an order pipeline. `pd start --config apps/demo/demo.config.json`
 * loads this module (built to dist/kinds.js) for the kinds its tree names.
 *
 * - stock-keeper: stock counts; answers reservations; restocks on a timer.
 * - payment-gateway: charges orders; has a bug that crashes it now and then (on purpose),
 *   so its supervisor restarts it with backoff.
 * - ledger: tallies outcomes and prints one progress line a second.
 * - order-desk: a pool worker: reserve stock, charge through whatever gateway is
 *   registered now, retry while the gateway restarts, report to the ledger.
 * - order-intake: makes an order every few milliseconds and hands it to the desk pool.
 */
import { Actor, defineKind, type Addr, type Context } from '@pd/actor';

export interface Order { readonly id: number; readonly item: string; readonly qty: number; readonly cents: number; readonly attempt: number }
/**
 * What the cluster registry sends an actor whose cluster name lost a conflict (two nodes
 * registered it before hearing of each other): the stock keeper and the gateway of the
 * cluster demo take it in stride (another node holds the name; they stay on as standbys).
 */
export interface NameConflictNotice { readonly type: 'pd/name-conflict'; readonly name: string }
export type StockMsg = { readonly type: 'reserve'; readonly item: string; readonly qty: number } | { readonly type: 'restock' } | NameConflictNotice;
export type PaymentMsg = { readonly type: 'charge'; readonly order: number; readonly cents: number; readonly attempt: number } | NameConflictNotice;
export type Outcome = 'paid' | 'out-of-stock' | 'retried' | 'failed';
export type LedgerMsg = { readonly type: 'outcome'; readonly outcome: Outcome } | { readonly type: 'report' } | { readonly type: 'totals' };
export type DeskMsg = Order;
export type IntakeMsg = { readonly type: 'tick' };

export interface Totals { paid: number; 'out-of-stock': number; retried: number; failed: number; revenueCents: number }

const ITEMS = ['widget', 'gadget', 'gizmo', 'doohickey'] as const;

class StockKeeper extends Actor<StockMsg> {
  private readonly stock = new Map<string, number>(ITEMS.map((item) => [item, 100]));
  started(ctx: Context<StockMsg>): void {
    ctx.sendEvery(ctx.self, { type: 'restock' }, 500);
  }
  receive(msg: StockMsg): boolean | void {
    if (msg.type === 'restock') {
      for (const item of ITEMS) this.stock.set(item, Math.min(100, (this.stock.get(item) ?? 0) + 20));
      return;
    }
    if (msg.type !== 'reserve') return; // pd/name-conflict: another node holds the cluster name
    const have = this.stock.get(msg.item) ?? 0;
    if (have < msg.qty) return false;
    this.stock.set(msg.item, have - msg.qty);
    return true;
  }
}

/** The flaky dependency: the first charge of every 50th order (ids ending in 07, 57) makes it crash (an "unhandled" card error). */
class PaymentGateway extends Actor<PaymentMsg> {
  receive(msg: PaymentMsg): string | void {
    if (msg.type !== 'charge') return; // pd/name-conflict: another node holds the cluster name
    if (msg.order % 50 === 7 && msg.attempt === 0) throw new Error(`card network timeout for order ${msg.order} (unhandled)`);
    return `receipt-${msg.order}`;
  }
}

class Ledger extends Actor<LedgerMsg> {
  private readonly totals: Totals = { paid: 0, 'out-of-stock': 0, retried: 0, failed: 0, revenueCents: 0 };
  constructor(private readonly options: { quiet?: boolean } = {}) {
    super();
  }
  started(ctx: Context<LedgerMsg>): void {
    ctx.register('ledger');
    if (this.options.quiet !== true) ctx.sendEvery(ctx.self, { type: 'report' }, 1000);
  }
  receive(msg: LedgerMsg): Totals | void {
    if (msg.type === 'outcome') this.totals[msg.outcome]++;
    else if (msg.type === 'totals') return { ...this.totals };
    else {
      const t = this.totals;
      console.log(`  orders: ${t.paid} paid, ${t['out-of-stock']} out of stock, ${t.retried} retried while the gateway restarted, ${t.failed} failed`);
    }
  }
}

class OrderDesk extends Actor<DeskMsg> {
  async receive(order: Order, ctx: Context<DeskMsg>): Promise<void> {
    const ledger = ctx.whereis<LedgerMsg>('ledger');
    const report = (outcome: Outcome) => ledger !== undefined && ctx.send(ledger, { type: 'outcome', outcome });
    const stock = ctx.whereis<StockMsg>('stock');
    if (stock === undefined) return void report('failed');
    if (order.attempt === 0) {
      const reserved = await ctx.ask<StockMsg, boolean>(stock, { type: 'reserve', item: order.item, qty: order.qty });
      if (!reserved) return void report('out-of-stock');
    }
    const gateway = ctx.whereis<PaymentMsg>('payments');
    try {
      if (gateway === undefined) throw new Error('no gateway registered');
      await ctx.ask<PaymentMsg, string>(gateway, { type: 'charge', order: order.id, cents: order.cents, attempt: order.attempt }, { timeoutMs: 1000 });
      report('paid');
    } catch {
      if (order.attempt >= 5) return void report('failed');
      // The gateway crashed or is restarting: try again a little later (the order is kept).
      report('retried');
      ctx.sendAfter(ctx.self, { ...order, attempt: order.attempt + 1 }, 150 * (order.attempt + 1));
    }
  }
}

class OrderIntake extends Actor<IntakeMsg> {
  private next = 1;
  constructor(private readonly args: { desks: Addr<DeskMsg>; everyMs: number }) {
    super();
  }
  started(ctx: Context<IntakeMsg>): void {
    ctx.sendEvery(ctx.self, { type: 'tick' }, this.args.everyMs);
  }
  receive(_tick: IntakeMsg, ctx: Context<IntakeMsg>): void {
    const id = this.next++;
    const order: Order = { id, item: ITEMS[id % ITEMS.length]!, qty: 1 + (id % 3), cents: 250 + ((id * 137) % 5000), attempt: 0 };
    ctx.send(this.args.desks, order);
  }
}

export const stockKeeper = defineKind<StockMsg, void>('stock-keeper', StockKeeper);
export const paymentGateway = defineKind<PaymentMsg, void>('payment-gateway', PaymentGateway);
export const ledger = defineKind<LedgerMsg, { quiet?: boolean }>('ledger', Ledger);
export const orderDesk = defineKind<DeskMsg, void>('order-desk', OrderDesk);
export const orderIntake = defineKind<IntakeMsg, { desks: Addr<DeskMsg>; everyMs: number }>('order-intake', OrderIntake);

/** What `pd start` loads: every kind the config's tree may name. */
export const kinds = [stockKeeper, paymentGateway, ledger, orderDesk, orderIntake];
